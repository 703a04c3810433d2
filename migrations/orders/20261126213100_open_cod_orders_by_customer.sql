-- Checkout counts a customer's open cash-on-delivery orders (at most
-- `max_open_cod_orders`) on every COD request.
CREATE INDEX orders_open_cod_by_user ON orders.orders (user_id)
    WHERE payment_method = 'cod' AND status = 'confirmed';
