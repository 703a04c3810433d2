-- The payments domain owns this schema; no other domain writes to it.
CREATE SCHEMA IF NOT EXISTS payments;
