-- The invoicing domain owns this schema; no other domain writes to it.
CREATE SCHEMA IF NOT EXISTS invoicing;

-- One row per series and financial year. Its row lock, taken in the transaction that
-- issues a document, hands out numbers one at a time: a rolled-back issue gives its
-- number back, so a year's numbers have no gap (a sequence would leave one).
CREATE TABLE invoicing.counters (
    series         text NOT NULL CHECK (series IN ('invoice', 'credit_note')),
    -- The calendar year the financial year starts in (2026 for April 2026 – March 2027).
    financial_year int NOT NULL CHECK (financial_year BETWEEN 2000 AND 9999),
    last_number    int NOT NULL CHECK (last_number > 0),
    PRIMARY KEY (series, financial_year)
);

-- Tax invoices and credit notes, as issued: never changed afterwards.
CREATE TABLE invoicing.documents (
    id                   uuid PRIMARY KEY,
    kind                 text NOT NULL CHECK (kind IN ('invoice', 'credit_note')),
    number               text NOT NULL CHECK (length(number) BETWEEN 1 AND 16),
    financial_year       int NOT NULL,
    sequence             int NOT NULL CHECK (sequence > 0),
    order_id             uuid NOT NULL,
    order_number         text NOT NULL,
    customer_id          uuid NOT NULL,
    -- A credit note: the invoice it reduces, and what it answers (a refund, a cash-on-
    -- delivery cancellation or return), once each.
    invoice_id           uuid REFERENCES invoicing.documents (id),
    source_id            uuid,
    reason               text,
    issued_at            timestamptz NOT NULL,
    seller               jsonb NOT NULL,
    buyer                jsonb NOT NULL,
    buyer_gstin          text,
    place_of_supply      smallint NOT NULL,
    inter_state          boolean NOT NULL,
    lines                jsonb NOT NULL,
    taxable_paise        bigint NOT NULL CHECK (taxable_paise >= 0),
    cgst_paise           bigint NOT NULL CHECK (cgst_paise >= 0),
    sgst_paise           bigint NOT NULL CHECK (sgst_paise >= 0),
    igst_paise           bigint NOT NULL CHECK (igst_paise >= 0),
    total_paise          bigint NOT NULL CHECK (total_paise >= 0),
    CHECK (taxable_paise + cgst_paise + sgst_paise + igst_paise = total_paise),
    CHECK ((kind = 'invoice') = (invoice_id IS NULL)),
    CHECK ((kind = 'invoice') = (source_id IS NULL))
);
CREATE UNIQUE INDEX documents_number ON invoicing.documents (number);
CREATE UNIQUE INDEX documents_sequence ON invoicing.documents (kind, financial_year, sequence);
CREATE UNIQUE INDEX documents_one_invoice_per_order ON invoicing.documents (order_id) WHERE kind = 'invoice';
CREATE UNIQUE INDEX documents_one_credit_per_source ON invoicing.documents (source_id) WHERE source_id IS NOT NULL;
CREATE INDEX documents_by_order ON invoicing.documents (order_id, issued_at, id);
-- The filing list: a period's documents, in the order they were issued.
CREATE INDEX documents_by_issue ON invoicing.documents (issued_at, id);
