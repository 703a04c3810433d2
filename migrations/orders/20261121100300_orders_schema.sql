-- The orders domain owns this schema; no other domain writes to it.
CREATE SCHEMA IF NOT EXISTS orders;
