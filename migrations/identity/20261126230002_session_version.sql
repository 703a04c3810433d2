-- Ending every session of an account (create-admin --promote-existing) bumps this; every
-- access token carries the value it was issued under, and `Accounts::authenticate` (which
-- already reads the row by primary key) refuses a token from an older version at once,
-- not when it expires. A counter, not a timestamp: no clock or second rounding involved.
ALTER TABLE identity.users ADD COLUMN session_version integer NOT NULL DEFAULT 0;
