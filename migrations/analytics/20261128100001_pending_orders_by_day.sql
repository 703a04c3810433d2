-- Orders waiting for payment are counted from their own rows, not in status_days (a
-- checkout writes only its new row, never a counter every checkout shares). They are
-- few at any time: each is paid, fails or expires within minutes.
CREATE INDEX order_sales_pending ON analytics.order_sales (day) WHERE status = 'payment_pending';
