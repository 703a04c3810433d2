-- Returns put back part of what an order bought: how many of a sold line came back.
ALTER TABLE inventory.reservations ADD COLUMN restocked bigint NOT NULL DEFAULT 0;
UPDATE inventory.reservations SET restocked = quantity WHERE status = 'restocked';
ALTER TABLE inventory.reservations ADD CONSTRAINT reservations_restocked_check
    CHECK (restocked >= 0 AND restocked <= quantity);
