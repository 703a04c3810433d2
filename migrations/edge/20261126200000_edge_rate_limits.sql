-- The edge (what stands between the Internet and the domains) owns this schema.
CREATE SCHEMA IF NOT EXISTS edge;

-- One fixed window of requests per rate-limit key (a limit, a kind and a client IP or a
-- customer id), shared by every rigmaster process of the store. UNLOGGED: the counts are
-- worth nothing after a crash (PostgreSQL empties the table then), so they skip the WAL.
-- Only the primary key is indexed, and only `started_at` and `hits` change, so an update
-- is HOT (no index write); the fillfactor leaves room on each page for that. Expired
-- windows are deleted by an occasional sweep (`rate_limit.rs`), which reads the whole
-- (small) table rather than keep an index on `started_at` up to date on every hit.
CREATE UNLOGGED TABLE edge.rate_limit_windows (
    key        text        PRIMARY KEY,
    started_at timestamptz NOT NULL,
    hits       integer     NOT NULL CHECK (hits > 0)
) WITH (fillfactor = 70);
