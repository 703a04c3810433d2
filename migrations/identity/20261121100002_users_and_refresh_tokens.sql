CREATE TABLE identity.users (
    id            uuid PRIMARY KEY,
    email         text NOT NULL CHECK (email = lower(email) AND length(email) <= 254),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 400),
    phone         text,
    role          text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'admin')),
    password_hash text NOT NULL,
    is_disabled   boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON identity.users (email);
-- The admin list pages newest first.
CREATE INDEX users_by_created ON identity.users (created_at DESC, id DESC);

-- One row per refresh token ever issued. A login starts a family; each refresh rotates
-- to a new token of the same family. Presenting a rotated token revokes the family.
CREATE TABLE identity.refresh_tokens (
    id          uuid PRIMARY KEY,
    family_id   uuid NOT NULL,
    user_id     uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    token_hash  text NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    rotated_at  timestamptz,
    revoked_at  timestamptz
);
CREATE UNIQUE INDEX refresh_tokens_hash_key ON identity.refresh_tokens (token_hash);
CREATE INDEX refresh_tokens_by_family ON identity.refresh_tokens (family_id);
CREATE INDEX refresh_tokens_by_user ON identity.refresh_tokens (user_id);
