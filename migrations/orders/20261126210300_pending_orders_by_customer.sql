-- Checkout and retry count a customer's orders waiting for payment (at most
-- `max_pending_orders`) on every request.
CREATE INDEX orders_pending_by_user ON orders.orders (user_id) WHERE status = 'payment_pending';
