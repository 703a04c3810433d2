-- The PC builder offers only parts that fit what is already chosen, in one indexed query
-- (`builder::fit`). Each specification a rule compares is kept beside the product as a
-- generated column, so it is always current with `specifications`, normalised the way the
-- rules compare (`crates/catalog/src/builder.rs`): text upper-cased in ASCII only
-- (`COLLATE "C"`, as the rules' `eq_ignore_ascii_case`), a board's "DDR4/DDR5" split into
-- its types (trimmed of spaces), lists as arrays. A value of the wrong JSON type is
-- NULL, as the rules skip it; whole numbers only, as the rules read them.

CREATE FUNCTION catalog.spec_text(value jsonb) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(value) = 'string' THEN upper((value #>> '{}') COLLATE "C") END;

CREATE FUNCTION catalog.spec_texts(value jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(value) = 'array' THEN ARRAY(
    SELECT upper((item #>> '{}') COLLATE "C") FROM jsonb_array_elements(value) AS item WHERE jsonb_typeof(item) = 'string'
) END;

-- "DDR4/DDR5" is either type; each is trimmed of spaces, as the rule trims it.
CREATE FUNCTION catalog.spec_memory_types(value jsonb) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN jsonb_typeof(value) = 'string' THEN ARRAY(
    SELECT btrim(kind, ' ') FROM unnest(string_to_array(upper((value #>> '{}') COLLATE "C"), '/')) AS kind
) END;

-- A whole number, as serde_json's `as_i64` reads it, of at most nine digits: admin writes
-- allow far less (`builder::check_specifications`), and the options' arithmetic
-- (watts × 13) can then never overflow.
CREATE FUNCTION catalog.spec_integer(value jsonb) RETURNS bigint
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE
    WHEN jsonb_typeof(value) <> 'number' THEN NULL
    WHEN (value #>> '{}') ~ '^-?[0-9]{1,9}$' THEN (value #>> '{}')::bigint
END;

ALTER TABLE catalog.products
    ADD COLUMN fit_vendor text GENERATED ALWAYS AS (catalog.spec_text(specifications -> 'vendor')) STORED,
    ADD COLUMN fit_socket text GENERATED ALWAYS AS (catalog.spec_text(specifications -> 'socket')) STORED,
    ADD COLUMN fit_sockets text[] GENERATED ALWAYS AS (catalog.spec_texts(specifications -> 'sockets')) STORED,
    ADD COLUMN fit_memory_type text GENERATED ALWAYS AS (catalog.spec_text(specifications -> 'memory_type')) STORED,
    ADD COLUMN fit_memory_types text[]
        GENERATED ALWAYS AS (catalog.spec_memory_types(specifications -> 'memory_type')) STORED,
    ADD COLUMN fit_memory_slots bigint
        GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'memory_slots')) STORED,
    ADD COLUMN fit_modules bigint GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'modules')) STORED,
    ADD COLUMN fit_form_factor text GENERATED ALWAYS AS (catalog.spec_text(specifications -> 'form_factor')) STORED,
    ADD COLUMN fit_form_factors text[]
        GENERATED ALWAYS AS (catalog.spec_texts(specifications -> 'form_factors')) STORED,
    ADD COLUMN fit_tdp_w bigint GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'tdp_w')) STORED,
    ADD COLUMN fit_length_mm bigint GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'length_mm')) STORED,
    ADD COLUMN fit_max_gpu_length_mm bigint
        GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'max_gpu_length_mm')) STORED,
    ADD COLUMN fit_wattage_w bigint GENERATED ALWAYS AS (catalog.spec_integer(specifications -> 'wattage_w')) STORED;

-- The most selective fit: boards and CPUs by socket, walked in the builder's default order
-- (cheapest first). Other options walk the listing's category indexes and filter a
-- category's few hundred rows at most.
CREATE INDEX products_fit_socket ON catalog.products (category_id, fit_socket, final_price_paise, id)
    WHERE is_active AND fit_socket IS NOT NULL;

-- Saved builds: a platform and a product per slot, opened by anyone with the link (the id
-- is random, not guessable). Prices and compatibility are worked out again on every read.
CREATE TABLE catalog.saved_builds (
    id         uuid PRIMARY KEY,
    platform   text NOT NULL CHECK (platform IN ('intel', 'amd')),
    name       text NOT NULL CHECK (length(name) <= 100),
    -- {"cpu": "<product id>", …}: slots as the builder names them.
    components jsonb NOT NULL CHECK (jsonb_typeof(components) = 'object'),
    created_by uuid,
    created_at timestamptz NOT NULL DEFAULT now()
);
