-- Payment records: what Razorpay said about each payment, refund and webhook event.
-- No other domain holds payment data; orders refer to payments by Razorpay id.

-- Every webhook event, once: X-Razorpay-Event-Id is Razorpay's de-duplication key.
CREATE TABLE payments.webhook_events (
    event_id            text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 100),
    event_type          text NOT NULL CHECK (length(event_type) BETWEEN 1 AND 100),
    razorpay_order_id   text,
    razorpay_payment_id text,
    razorpay_refund_id  text,
    -- The body as received and verified (stored as jsonb for querying).
    body                jsonb NOT NULL,
    received_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_events_by_payment
    ON payments.webhook_events (razorpay_payment_id, received_at)
    WHERE razorpay_payment_id IS NOT NULL;

-- One row per Razorpay payment. `status` only moves forward (created < failed <
-- authorized < captured < refunded): webhooks come in any order, and a late
-- authorisation legitimately follows a failure.
CREATE TABLE payments.payments (
    razorpay_payment_id   text PRIMARY KEY,
    razorpay_order_id     text,
    amount_paise          bigint NOT NULL CHECK (amount_paise >= 0),
    currency              text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status                text NOT NULL
        CHECK (status IN ('created', 'authorized', 'captured', 'refunded', 'failed')),
    method                text,
    captured              boolean NOT NULL DEFAULT false,
    amount_refunded_paise bigint NOT NULL DEFAULT 0 CHECK (amount_refunded_paise >= 0),
    refund_status         text CHECK (refund_status IN ('partial', 'full')),
    email                 text,
    contact               text,
    fee_paise             bigint,
    tax_paise             bigint,
    error_code            text,
    error_description     text,
    error_source          text,
    error_step            text,
    error_reason          text,
    -- Set when something about the payment needs a person (e.g. an amount that does not
    -- match its order).
    flagged_reason        text,
    flagged_at            timestamptz,
    gateway_created_at    timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    CHECK ((flagged_reason IS NULL) = (flagged_at IS NULL))
);
CREATE INDEX payments_by_order ON payments.payments (razorpay_order_id);
CREATE INDEX payments_by_status ON payments.payments (status, created_at DESC, razorpay_payment_id DESC);
CREATE INDEX payments_newest ON payments.payments (created_at DESC, razorpay_payment_id DESC);
CREATE INDEX payments_flagged
    ON payments.payments (created_at DESC, razorpay_payment_id DESC) WHERE flagged_at IS NOT NULL;

-- Every status Razorpay reported for a payment, in the order it was heard, and where
-- from (a webhook event or an API answer).
CREATE TABLE payments.payment_history (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    razorpay_payment_id text NOT NULL REFERENCES payments.payments ON DELETE CASCADE,
    status              text NOT NULL
        CHECK (status IN ('created', 'authorized', 'captured', 'refunded', 'failed')),
    source              text NOT NULL CHECK (source IN ('webhook', 'api')),
    event_id            text,
    event_type          text,
    recorded_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_history_by_payment ON payments.payment_history (razorpay_payment_id, id);

CREATE TABLE payments.refunds (
    razorpay_refund_id  text PRIMARY KEY,
    razorpay_payment_id text NOT NULL,
    amount_paise        bigint NOT NULL CHECK (amount_paise > 0),
    currency            text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status              text NOT NULL CHECK (status IN ('pending', 'processed', 'failed')),
    speed_requested     text,
    speed_processed     text,
    receipt             text,
    gateway_created_at  timestamptz,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_by_payment ON payments.refunds (razorpay_payment_id);
