-- One row per sign-in (a refresh-token family). Rotation and revocation both lock this
-- row first, so they run one after the other and no token survives a revocation; its
-- `started_at` bounds the family's absolute lifetime however often it is rotated.
CREATE TABLE identity.refresh_families (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    started_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);
-- Revoking every sign-in of a user (create-admin --promote-existing).
CREATE INDEX refresh_families_by_user ON identity.refresh_families (user_id);

INSERT INTO identity.refresh_families (id, user_id, started_at, revoked_at)
SELECT family_id, min(user_id::text)::uuid, min(issued_at),
       CASE WHEN bool_and(revoked_at IS NOT NULL) THEN max(revoked_at) END
FROM identity.refresh_tokens
GROUP BY family_id;

ALTER TABLE identity.refresh_tokens
    ADD CONSTRAINT refresh_tokens_family_fkey
    FOREIGN KEY (family_id) REFERENCES identity.refresh_families (id) ON DELETE CASCADE;
