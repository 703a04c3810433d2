-- An order whose reservation was released (payment failed, expired) may hold stock
-- again on a retry or a late capture. Only one live (held or committed) reservation per
-- owner and product; released and restocked rows stay as history.
ALTER TABLE inventory.reservations DROP CONSTRAINT reservations_owner_id_product_id_key;
CREATE UNIQUE INDEX reservations_live_per_owner
    ON inventory.reservations (owner_id, product_id) WHERE status IN ('held', 'committed');
CREATE INDEX reservations_by_owner ON inventory.reservations (owner_id);
