-- A PC build in a cart is a group of lines: the cart shows it as one, and removing it
-- removes every line of it. A product may be both a loose line and part of a build (a
-- second drive, say), so a line is one per product among the loose lines and one per
-- product within each build; checkout adds them up per product.
CREATE TABLE orders.cart_builds (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL,
    platform       text NOT NULL CHECK (platform IN ('intel', 'amd')),
    name           text NOT NULL CHECK (length(name) <= 100),
    -- The saved build it came from, when it came from one (catalog.saved_builds).
    saved_build_id uuid,
    added_at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX cart_builds_by_user ON orders.cart_builds (user_id, added_at, id);

ALTER TABLE orders.cart_items
    ADD COLUMN build_id uuid REFERENCES orders.cart_builds (id) ON DELETE CASCADE,
    DROP CONSTRAINT cart_items_pkey;
CREATE UNIQUE INDEX cart_items_loose_line ON orders.cart_items (user_id, product_id) WHERE build_id IS NULL;
CREATE UNIQUE INDEX cart_items_build_line ON orders.cart_items (build_id, product_id) WHERE build_id IS NOT NULL;
-- Reading a cart: every line of the customer, loose or in a build.
CREATE INDEX cart_items_by_user ON orders.cart_items (user_id, added_at, product_id);

-- The cart builds an order took: once it is paid exactly these leave the cart, never a
-- build added since (even the same one again, for a second PC).
ALTER TABLE orders.orders ADD COLUMN cart_builds uuid[] NOT NULL DEFAULT '{}';
