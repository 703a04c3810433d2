-- Trigram similarity for typo-tolerant search (trusted extension: a database owner may
-- create it; it is database-wide, so it lives in the default schema).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalog.products (
    id                uuid PRIMARY KEY,
    sku               text NOT NULL CHECK (sku ~ '^[A-Z0-9][A-Z0-9._-]{0,63}$'),
    slug              text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
    name              text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    brand             text NOT NULL CHECK (length(brand) BETWEEN 1 AND 100),
    category_id       uuid NOT NULL REFERENCES catalog.categories (id),
    -- Pricing inputs. Money is integer paise; rates are basis points.
    base_price_paise  bigint NOT NULL CHECK (base_price_paise >= 0),
    discount_type     text CHECK (discount_type IN ('percentage', 'flat')),
    discount_value    bigint,
    tax_rate_bps      integer NOT NULL CHECK (tax_rate_bps BETWEEN 0 AND 2800),
    -- Written by the application from the one pricing function, in the same statement as
    -- its inputs; kept only so that price filters and sorts can use an index.
    final_price_paise bigint NOT NULL CHECK (final_price_paise >= 0),
    short_description text NOT NULL DEFAULT '',
    description       text NOT NULL DEFAULT '',
    specifications    jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(specifications) = 'object'),
    images            text[] NOT NULL DEFAULT '{}',
    is_active         boolean NOT NULL DEFAULT true,
    is_featured       boolean NOT NULL DEFAULT false,
    -- Kept by reviews when they land; zero until then.
    rating_count      integer NOT NULL DEFAULT 0 CHECK (rating_count >= 0),
    rating_total      bigint NOT NULL DEFAULT 0 CHECK (rating_total >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- What trigram search compares with: name, brand, SKU, and the name again with model
    -- numbers glued to their series ("rtx 4070" -> "rtx4070"), so both spellings match.
    search_text       text GENERATED ALWAYS AS (
        lower(name || ' ' || brand || ' ' || sku || ' '
              || regexp_replace(name, '([[:alpha:]]+)[[:space:]]+([[:digit:]])', '\1\2', 'g'))
    ) STORED,
    -- Full-text document, weighted name > brand/SKU > descriptions/specifications. Being a
    -- generated column, it changes in the same statement (and transaction) as the product.
    search_document   tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, name), 'A')
        || setweight(to_tsvector('simple'::regconfig, brand || ' ' || sku || ' '
              || regexp_replace(name, '([[:alpha:]]+)[[:space:]]+([[:digit:]])', '\1\2', 'g')), 'B')
        || setweight(to_tsvector('simple'::regconfig, short_description || ' ' || description), 'C')
        || setweight(jsonb_to_tsvector('simple'::regconfig, specifications, '["string", "numeric"]'), 'C')
    ) STORED,
    CHECK ((discount_type IS NULL) = (discount_value IS NULL)),
    CHECK (discount_type IS DISTINCT FROM 'percentage' OR discount_value BETWEEN 0 AND 10000),
    CHECK (discount_type IS DISTINCT FROM 'flat' OR discount_value >= 0)
);

CREATE UNIQUE INDEX products_sku ON catalog.products (sku);
CREATE UNIQUE INDEX products_slug ON catalog.products (slug);

-- One index per listing order, with and without a category; keyset pagination walks
-- them. The newest-first index is not partial so that admin lists (inactive included) use it too.
CREATE INDEX products_newest ON catalog.products (created_at DESC, id DESC);
CREATE INDEX products_category_newest ON catalog.products (category_id, created_at DESC, id DESC) WHERE is_active;
CREATE INDEX products_price ON catalog.products (final_price_paise, id) WHERE is_active;
CREATE INDEX products_category_price ON catalog.products (category_id, final_price_paise, id) WHERE is_active;
CREATE INDEX products_name ON catalog.products (lower(name), id) WHERE is_active;
CREATE INDEX products_category_name ON catalog.products (category_id, lower(name), id) WHERE is_active;
CREATE INDEX products_brand ON catalog.products (lower(brand), created_at DESC, id DESC) WHERE is_active;
CREATE INDEX products_featured ON catalog.products (created_at DESC, id DESC) WHERE is_active AND is_featured;

CREATE INDEX products_search_document ON catalog.products USING gin (search_document);
CREATE INDEX products_search_text ON catalog.products USING gin (search_text gin_trgm_ops);
