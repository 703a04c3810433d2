-- Who made each ledger change: an admin's user id, or 'system' for checkout, payment
-- and the expiry job.
ALTER TABLE inventory.ledger ADD COLUMN actor text NOT NULL DEFAULT 'system';

-- Units held for an owner (an order) until they are committed (sold), released
-- (payment failed, cancelled, expired) or, after a commit, restocked (returned).
CREATE TABLE inventory.reservations (
    id          uuid PRIMARY KEY,
    owner_id    uuid NOT NULL,
    product_id  uuid NOT NULL REFERENCES inventory.stock (product_id),
    quantity    bigint NOT NULL CHECK (quantity > 0),
    status      text NOT NULL DEFAULT 'held' CHECK (status IN ('held', 'committed', 'released', 'restocked')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    settled_at  timestamptz,
    reason      text,
    UNIQUE (owner_id, product_id)
);
-- The expiry job's queue: only held reservations, by deadline.
CREATE INDEX reservations_held_by_expiry ON inventory.reservations (expires_at) WHERE status = 'held';
-- Admin lists by stock level.
CREATE INDEX stock_low ON inventory.stock (product_id) WHERE on_hand - reserved <= low_stock_threshold;
