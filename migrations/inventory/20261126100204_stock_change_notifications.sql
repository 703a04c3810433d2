-- An admin's stock change reaches every process's catalog cache at once, as the catalog's
-- own changes do (20261124100103_catalog_change_notifications.sql): a NOTIFY on
-- 'rigmaster_catalog' (kernel::channels::CATALOG_CHANGES), delivered only when the
-- transaction commits, once however many rows the statement touched.
--
-- Only admin changes notify. Checkout's statements (reserve, commit, release, restock)
-- run thousands of times a second and NOTIFY serialises commits, so shoppers see those
-- within the cache's TTL instead. What sets the admin's statement apart (StockLevels::
-- set_on_hand and adjust, crates/inventory/src/stock.rs) is that it alone names
-- low_stock_threshold in its SET list; a column trigger fires for such a statement
-- whether or not a value changed (as the Rust code notified before this migration), and
-- never for checkout's. Opening stock (the INSERT) does not notify: it runs in the new
-- product's transaction, which the catalog's trigger announces.
CREATE FUNCTION inventory.announce_stock_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('rigmaster_catalog', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER stock_announce_admin_change
    AFTER UPDATE OF low_stock_threshold ON inventory.stock
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.announce_stock_change();
