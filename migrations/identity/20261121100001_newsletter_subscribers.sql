CREATE TABLE identity.newsletter_subscribers (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL UNIQUE CHECK (email = lower(email) AND length(email) <= 254),
    subscribed_at timestamptz NOT NULL DEFAULT now()
);

-- The admin list pages newest first.
CREATE INDEX newsletter_subscribers_by_time ON identity.newsletter_subscribers (subscribed_at DESC, id DESC);
