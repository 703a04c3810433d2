-- GST invoices (issue 22): an order whose tax invoice or credit note could not be issued
-- with its change owes them until they are: they are issued at its next change, whatever
-- its status by then.
ALTER TABLE orders.orders ADD COLUMN tax_documents_due boolean NOT NULL DEFAULT false;
