CREATE TABLE identity.addresses (
    id         uuid PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES identity.users (id) ON DELETE CASCADE,
    name       text NOT NULL,
    phone      text NOT NULL,
    company    text,
    line1      text NOT NULL,
    line2      text,
    city       text NOT NULL,
    state      text NOT NULL,
    pincode    text NOT NULL CHECK (pincode ~ '^[1-9][0-9]{5}$'),
    country    text NOT NULL DEFAULT 'IN' CHECK (country ~ '^[A-Z]{2}$'),
    is_default boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX addresses_by_user ON identity.addresses (user_id, created_at);
-- At most one default address per user.
CREATE UNIQUE INDEX addresses_one_default_per_user ON identity.addresses (user_id) WHERE is_default;
