-- The admin's order search finds customers by phone (stored in E.164, as parsed).
CREATE INDEX users_by_phone ON identity.users (phone) WHERE phone IS NOT NULL;
