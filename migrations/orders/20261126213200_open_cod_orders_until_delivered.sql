-- An open cash-on-delivery order is one not yet delivered (so not yet paid): packed and
-- shipped orders count too, so the index behind the count covers them.
DROP INDEX orders.orders_open_cod_by_user;
CREATE INDEX orders_open_cod_by_user ON orders.orders (user_id)
    WHERE payment_method = 'cod' AND status IN ('confirmed', 'packed', 'shipped');
