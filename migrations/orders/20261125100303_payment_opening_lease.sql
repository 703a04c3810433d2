-- Whoever is creating an order's Razorpay order holds it until this time: checkout and a
-- payment retry write it with the order, and anyone recovering an order whose Razorpay
-- order was never made (its checkout died after committing) claims it with one UPDATE
-- before calling the gateway. So the replay, a retry and reconciliation open one
-- Razorpay order between them; a claimer that died is taken over when its lease runs out.
ALTER TABLE orders.orders ADD COLUMN payment_opening_until timestamptz;
