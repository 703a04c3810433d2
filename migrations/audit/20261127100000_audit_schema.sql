-- One row per admin write, written in the write's own transaction.
CREATE TABLE audit.entries (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id    uuid NOT NULL,
    action      text NOT NULL,
    entity      text NOT NULL,
    entity_id   uuid NOT NULL,
    -- Only the fields that changed, on each side; NULL before a creation, after a deletion.
    before      jsonb,
    after       jsonb,
    request_id  text
);
-- The list, newest first, unfiltered, by entity, or by actor.
CREATE INDEX entries_by_time ON audit.entries (at DESC, id DESC);
CREATE INDEX entries_by_entity ON audit.entries (entity, entity_id, at DESC, id DESC);
CREATE INDEX entries_by_entity_kind ON audit.entries (entity, at DESC, id DESC);
CREATE INDEX entries_by_actor ON audit.entries (actor_id, at DESC, id DESC);
