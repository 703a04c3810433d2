-- One server-side cart per customer. Prices are never stored here: a cart is priced
-- from today's catalog every time it is read.
CREATE TABLE orders.cart_items (
    user_id    uuid NOT NULL,
    product_id uuid NOT NULL,
    quantity   bigint NOT NULL CHECK (quantity BETWEEN 1 AND 10),
    added_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (user_id, product_id)
);

CREATE TABLE orders.cart_coupons (
    user_id uuid PRIMARY KEY,
    code    text NOT NULL
);

CREATE TABLE orders.coupons (
    id                 uuid PRIMARY KEY,
    -- Stored upper-cased: codes are case-insensitive.
    code               text NOT NULL CHECK (code = upper(code) AND length(code) BETWEEN 3 AND 40),
    kind               text NOT NULL CHECK (kind IN ('percentage', 'flat')),
    -- Basis points for a percentage (1..10000), paise for a flat amount.
    value              bigint NOT NULL CHECK (value > 0),
    min_order_paise    bigint CHECK (min_order_paise >= 0),
    max_discount_paise bigint CHECK (max_discount_paise > 0),
    starts_at          timestamptz,
    expires_at         timestamptz,
    usage_limit        bigint CHECK (usage_limit > 0),
    per_user_limit     bigint CHECK (per_user_limit > 0),
    is_active          boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind <> 'percentage' OR value <= 10000),
    CHECK (starts_at IS NULL OR expires_at IS NULL OR starts_at < expires_at)
);
CREATE UNIQUE INDEX coupons_code ON orders.coupons (code);
CREATE INDEX coupons_newest ON orders.coupons (created_at DESC, id DESC);

-- One row per order that uses a coupon. `held` while the order waits for payment,
-- `used` once paid or confirmed, `released` when the order failed or was cancelled
-- before payment. Held and used rows count against the limits; they are counted under
-- the coupon row's lock, in the transaction that reserves the order's stock.
CREATE TABLE orders.coupon_uses (
    order_id   uuid PRIMARY KEY,
    coupon_id  uuid NOT NULL REFERENCES orders.coupons (id),
    user_id    uuid NOT NULL,
    status     text NOT NULL CHECK (status IN ('held', 'used', 'released')),
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_uses_live ON orders.coupon_uses (coupon_id, user_id) WHERE status <> 'released';
