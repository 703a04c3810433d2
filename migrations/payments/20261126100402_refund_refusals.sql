-- Refunds Razorpay refused (a 400 answer to POST /payments/:id/refund, e.g. a balance too
-- low to cover it). No Razorpay refund exists for them, so payments.refunds cannot hold
-- them; they are kept here, one row per refusal, for the admin's payment view.
CREATE TABLE payments.refund_refusals (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    razorpay_payment_id text NOT NULL,
    amount_paise        bigint NOT NULL CHECK (amount_paise > 0),
    receipt             text,
    -- Razorpay's description of why it refused.
    reason              text NOT NULL,
    refused_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refund_refusals_by_payment ON payments.refund_refusals (razorpay_payment_id, id);
