-- The sales read model. Written only by the analytics domain, in the transaction of the
-- order change that moves it (crates/analytics/src/postgres/ledger.rs), and recomputed by
-- `rigmaster analytics rebuild`. The dashboard reads the rollups, never order lines.

-- Each order as the figures last saw it: its IST day, status, whether it counts as a sale,
-- and its entries (what it adds to the rollups), so that a change applies only the
-- difference.
CREATE TABLE analytics.order_sales (
    order_id  uuid PRIMARY KEY,
    user_id   uuid NOT NULL,
    day       date NOT NULL,
    status    text NOT NULL,
    counted   boolean NOT NULL,
    entries   jsonb NOT NULL DEFAULT '[]'
);
-- A customer's first counted order (new customers).
CREATE INDEX order_sales_counted_by_user ON analytics.order_sales (user_id, day) WHERE counted;

-- Per IST day: orders placed that day that count, their units (less returns, on the
-- return's day), revenue (less refunds, on the refund's day) and the refunds themselves.
CREATE TABLE analytics.sales_days (
    day           date PRIMARY KEY,
    orders        bigint NOT NULL DEFAULT 0,
    units         bigint NOT NULL DEFAULT 0,
    revenue_paise bigint NOT NULL DEFAULT 0,
    refunds_paise bigint NOT NULL DEFAULT 0
);

-- The same per product, by day and by month (a year's range reads 12 months and the
-- days at its edges).
CREATE TABLE analytics.product_days (
    day           date NOT NULL,
    product_id    uuid NOT NULL,
    units         bigint NOT NULL DEFAULT 0,
    revenue_paise bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, product_id)
);
CREATE TABLE analytics.product_months (
    month         date NOT NULL CHECK (extract(day FROM month) = 1),
    product_id    uuid NOT NULL,
    units         bigint NOT NULL DEFAULT 0,
    revenue_paise bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (month, product_id)
);

-- Orders placed per IST day by their current status (counted or not).
CREATE TABLE analytics.status_days (
    day    date NOT NULL,
    status text NOT NULL,
    orders bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (day, status)
);

-- The IST day of each customer's first counted order.
CREATE TABLE analytics.customers (
    user_id   uuid PRIMARY KEY,
    first_day date NOT NULL
);
CREATE INDEX customers_by_first_day ON analytics.customers (first_day);
