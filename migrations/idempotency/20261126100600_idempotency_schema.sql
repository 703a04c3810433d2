-- Idempotency keys are the application's, not the orders domain's: the table moves to a
-- schema of its own, with its rows and indexes (SET SCHEMA moves both).
CREATE SCHEMA IF NOT EXISTS idempotency;
ALTER TABLE orders.idempotency_keys SET SCHEMA idempotency;
