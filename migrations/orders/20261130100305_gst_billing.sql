-- GST invoices (issue 22): each line keeps the HSN code it was sold under, and the
-- order keeps the business buyer's GSTIN and registered name given at checkout.
ALTER TABLE orders.order_items ADD COLUMN hsn_code text
    CHECK (hsn_code ~ '^([0-9]{4}|[0-9]{6}|[0-9]{8})$');
ALTER TABLE orders.orders ADD COLUMN billing_gstin text CHECK (length(billing_gstin) = 15);
ALTER TABLE orders.orders ADD COLUMN billing_legal_name text CHECK (length(billing_legal_name) BETWEEN 1 AND 200);
