-- The cleanup job's purge queries (crates/identity, crates/idempotency,
-- crates/payments-razorpay): each finds its old rows through one of these.
CREATE INDEX refresh_tokens_by_expiry ON identity.refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_by_revocation ON identity.refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX idempotency_keys_by_age ON idempotency.idempotency_keys (created_at);
CREATE INDEX webhook_events_by_age ON payments.webhook_events (received_at);
