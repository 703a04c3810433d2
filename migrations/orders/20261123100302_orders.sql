-- Orders keep a snapshot of what they sold: later catalog changes never change an order.
CREATE SEQUENCE orders.order_numbers;

CREATE TABLE orders.orders (
    id                     uuid PRIMARY KEY,
    order_number           text NOT NULL CHECK (length(order_number) <= 40),
    user_id                uuid NOT NULL,
    status                 text NOT NULL CHECK (status IN ('payment_pending', 'confirmed', 'paid', 'packed',
                               'shipped', 'delivered', 'payment_failed', 'cancelled', 'returned', 'refunded')),
    -- Why a cancelled order was cancelled: 'expired' (reservation ran out), 'customer', 'admin'.
    cancel_reason          text CHECK (cancel_reason IN ('expired', 'customer', 'admin')),
    subtotal_paise         bigint NOT NULL CHECK (subtotal_paise >= 0),
    discount_paise         bigint NOT NULL CHECK (discount_paise >= 0),
    tax_paise              bigint NOT NULL CHECK (tax_paise >= 0),
    shipping_paise         bigint NOT NULL CHECK (shipping_paise >= 0),
    total_paise            bigint NOT NULL CHECK (total_paise >= 0),
    currency               text NOT NULL DEFAULT 'INR',
    coupon_id              uuid,
    coupon_code            text,
    shipping_address       jsonb,
    from_cart              boolean NOT NULL,
    payment_method         text NOT NULL CHECK (payment_method IN ('razorpay', 'cod')),
    payment_status         text NOT NULL CHECK (payment_status IN ('pending', 'captured', 'failed', 'refunded', 'cod')),
    -- The Razorpay order of the current payment attempt (earlier ones: payment_attempts).
    razorpay_order_id      text,
    razorpay_payment_id    text,
    paid_at                timestamptz,
    refunded_paise         bigint NOT NULL DEFAULT 0 CHECK (refunded_paise >= 0),
    reservation_expires_at timestamptz,
    carrier                text,
    tracking_number        text,
    shipment_description   text,
    shipped_at             timestamptz,
    delivered_at           timestamptz,
    -- The reconciliation job's lease: not looked at again before this time.
    reconcile_after        timestamptz NOT NULL DEFAULT now(),
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CHECK (subtotal_paise - discount_paise + tax_paise + shipping_paise = total_paise)
);
CREATE UNIQUE INDEX orders_number ON orders.orders (order_number);
CREATE INDEX orders_by_user ON orders.orders (user_id, created_at DESC, id DESC);
-- The reconciliation queue: orders a payment may still arrive for.
CREATE INDEX orders_to_reconcile ON orders.orders (reconcile_after)
    WHERE status IN ('payment_pending', 'payment_failed', 'cancelled');
CREATE UNIQUE INDEX orders_by_payment ON orders.orders (razorpay_payment_id) WHERE razorpay_payment_id IS NOT NULL;

CREATE TABLE orders.order_items (
    order_id         uuid NOT NULL REFERENCES orders.orders (id),
    line_no          int NOT NULL,
    product_id       uuid NOT NULL,
    sku              text NOT NULL,
    name             text NOT NULL,
    brand            text NOT NULL,
    image            text,
    unit_price_paise bigint NOT NULL CHECK (unit_price_paise >= 0),
    tax_rate_bps     int NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 2800),
    -- GST on one unit as the product page showed it; tax_paise is the line's, after discount.
    unit_tax_paise   bigint NOT NULL CHECK (unit_tax_paise >= 0),
    quantity         bigint NOT NULL CHECK (quantity > 0),
    discount_paise   bigint NOT NULL CHECK (discount_paise >= 0),
    tax_paise        bigint NOT NULL CHECK (tax_paise >= 0),
    line_total_paise bigint NOT NULL CHECK (line_total_paise >= 0),
    PRIMARY KEY (order_id, line_no)
);

CREATE TABLE orders.order_history (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id uuid NOT NULL REFERENCES orders.orders (id),
    status   text NOT NULL,
    at       timestamptz NOT NULL DEFAULT clock_timestamp(),
    note     text
);
CREATE INDEX order_history_by_order ON orders.order_history (order_id, id);

-- Every Razorpay order made for an order (one per payment attempt), so that a payment
-- on an earlier attempt is still recognised.
CREATE TABLE orders.payment_attempts (
    razorpay_order_id text PRIMARY KEY,
    order_id          uuid NOT NULL REFERENCES orders.orders (id),
    amount_paise      bigint NOT NULL,
    currency          text NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_attempts_by_order ON orders.payment_attempts (order_id);

-- Refunds the store owes: written in the transaction that decides them, sent to the
-- gateway after it commits, retried by the reconciliation job until Razorpay takes them.
CREATE TABLE orders.refunds (
    id                  uuid PRIMARY KEY,
    order_id            uuid NOT NULL REFERENCES orders.orders (id),
    razorpay_payment_id text NOT NULL,
    amount_paise        bigint NOT NULL CHECK (amount_paise > 0),
    reason              text NOT NULL,
    status              text NOT NULL CHECK (status IN ('due', 'sent', 'failed')),
    razorpay_refund_id  text,
    attempts            int NOT NULL DEFAULT 0,
    last_error          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX refunds_one_per_payment ON orders.refunds (razorpay_payment_id);
CREATE INDEX refunds_due ON orders.refunds (created_at) WHERE status = 'due';

-- Idempotency-Key: the first response to a key, replayed for repeats. Scoped to the
-- customer and the operation.
CREATE TABLE orders.idempotency_keys (
    user_id         uuid NOT NULL,
    scope           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash    text NOT NULL,
    response_status int,
    response_body   jsonb,
    -- What the request made, written in the same transaction (an order): a request that
    -- died before storing its response is answered from it instead of being done again.
    resource_id     uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, scope, key)
);
