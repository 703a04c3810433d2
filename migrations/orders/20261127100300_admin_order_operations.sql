-- Admin order operations (issue 19): several refunds per payment, settled by Razorpay's
-- word; returns; tracking links; orders flagged for an admin; the admin list's indexes.

-- Refunds: any number per payment; what counts against the capture is every refund not
-- `failed`. `processed` is Razorpay's word that the money is back.
DROP INDEX orders.refunds_one_per_payment;
ALTER TABLE orders.refunds DROP CONSTRAINT refunds_status_check;
-- Before this migration a refund counted as back once Razorpay took it.
UPDATE orders.refunds SET status = 'processed' WHERE status = 'sent';
ALTER TABLE orders.refunds ADD CONSTRAINT refunds_status_check
    CHECK (status IN ('due', 'sent', 'processed', 'failed'));
-- Why the store owes it: a payment the order could not take ('unwanted', once per
-- payment), a cancellation, an admin's refund, or a return.
ALTER TABLE orders.refunds ADD COLUMN kind text NOT NULL DEFAULT 'admin'
    CHECK (kind IN ('unwanted', 'cancellation', 'admin', 'return'));
UPDATE orders.refunds SET kind = CASE WHEN reason = 'order cancelled' THEN 'cancellation' ELSE 'unwanted' END;
ALTER TABLE orders.refunds ALTER COLUMN kind DROP DEFAULT;
ALTER TABLE orders.refunds ADD COLUMN processed_at timestamptz;
UPDATE orders.refunds SET processed_at = updated_at WHERE status = 'processed';
CREATE UNIQUE INDEX refunds_unwanted_once ON orders.refunds (razorpay_payment_id) WHERE kind = 'unwanted';
CREATE INDEX refunds_by_order ON orders.refunds (order_id, created_at, id);
CREATE UNIQUE INDEX refunds_by_razorpay_id ON orders.refunds (razorpay_refund_id) WHERE razorpay_refund_id IS NOT NULL;
CREATE INDEX refunds_by_payment ON orders.refunds (razorpay_payment_id);
-- Reconciliation's queue of refunds Razorpay took and has not reported on.
CREATE INDEX refunds_sent ON orders.refunds (updated_at) WHERE status = 'sent';

-- Units taken back after shipping.
CREATE TABLE orders.returns (
    id          uuid PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders.orders (id),
    restock     boolean NOT NULL,
    reason      text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
    refund_id   uuid REFERENCES orders.refunds (id),
    created_by  uuid NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX returns_by_order ON orders.returns (order_id, created_at, id);
CREATE TABLE orders.return_items (
    return_id   uuid NOT NULL REFERENCES orders.returns (id),
    product_id  uuid NOT NULL,
    quantity    bigint NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (return_id, product_id)
);

ALTER TABLE orders.orders ADD COLUMN tracking_url text;
-- Set when the order needs an admin (a refund that failed …); cleared by what settles it.
ALTER TABLE orders.orders ADD COLUMN attention text;
ALTER TABLE orders.orders ADD COLUMN attention_at timestamptz;

-- The admin list: newest first, unfiltered, by status, by payment method, needing
-- attention. (By customer: orders_by_user; by number: orders_number.)
CREATE INDEX orders_by_created ON orders.orders (created_at DESC, id DESC);
CREATE INDEX orders_by_status ON orders.orders (status, created_at DESC, id DESC);
CREATE INDEX orders_by_method ON orders.orders (payment_method, created_at DESC, id DESC);
CREATE INDEX orders_needing_attention ON orders.orders (created_at DESC, id DESC) WHERE attention IS NOT NULL;
