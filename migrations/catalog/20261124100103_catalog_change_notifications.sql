-- Every rigmaster process keeps shopper catalog pages in memory for up to a second; a
-- NOTIFY on 'rigmaster_catalog' (kernel::channels::CATALOG_CHANGES) makes every process
-- drop them at once. Statement-level, so a bulk change sends one notification, and
-- PostgreSQL folds repeats within a transaction into one, delivered only on commit.
-- Admin stock changes notify the same channel from inventory's code; reservations do not
-- (they are too frequent, and NOTIFY serialises commits): the cache's TTL covers them.
CREATE FUNCTION catalog.announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rigmaster_catalog', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER products_announce_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog.products
    FOR EACH STATEMENT EXECUTE FUNCTION catalog.announce_change();

CREATE TRIGGER categories_announce_change
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog.categories
    FOR EACH STATEMENT EXECUTE FUNCTION catalog.announce_change();
