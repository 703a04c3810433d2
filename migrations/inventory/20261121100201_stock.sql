-- One stock row per product. Products are the catalog's; they are referred to by id only.
CREATE TABLE inventory.stock (
    product_id          uuid PRIMARY KEY,
    on_hand             bigint NOT NULL,
    reserved            bigint NOT NULL DEFAULT 0,
    low_stock_threshold bigint NOT NULL DEFAULT 0 CHECK (low_stock_threshold >= 0),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (0 <= reserved AND reserved <= on_hand)
);

-- Every change to a stock row, with the row's state after it.
CREATE TABLE inventory.ledger (
    id             uuid PRIMARY KEY,
    product_id     uuid NOT NULL REFERENCES inventory.stock (product_id),
    at             timestamptz NOT NULL DEFAULT now(),
    kind           text NOT NULL CHECK (kind IN ('adjustment', 'reservation', 'release', 'commit', 'restock')),
    delta          bigint NOT NULL,
    on_hand_after  bigint NOT NULL,
    reserved_after bigint NOT NULL,
    reason         text,
    order_id       uuid
);
CREATE INDEX ledger_by_product ON inventory.ledger (product_id, at DESC, id DESC);

-- What other domains may read for display and filtering: available units per product.
-- Writes go through the inventory service only.
CREATE VIEW inventory.availability AS
    SELECT product_id, on_hand - reserved AS available FROM inventory.stock;
