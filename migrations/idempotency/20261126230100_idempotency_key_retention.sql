-- The cleanup job purges keys older than the retention through this.
CREATE INDEX idempotency_keys_by_age ON idempotency.idempotency_keys (created_at);
