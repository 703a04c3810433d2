-- The cleanup job's purge of old refresh tokens finds them through these.
CREATE INDEX refresh_tokens_by_expiry ON identity.refresh_tokens (expires_at);
CREATE INDEX refresh_tokens_by_revocation ON identity.refresh_tokens (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX refresh_families_by_revocation ON identity.refresh_families (revoked_at) WHERE revoked_at IS NOT NULL;
CREATE INDEX refresh_families_by_start ON identity.refresh_families (started_at);
