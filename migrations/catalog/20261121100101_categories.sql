-- The category tree. Parents are in the same schema, so a foreign key is fine here.
CREATE TABLE catalog.categories (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    parent_id  uuid REFERENCES catalog.categories (id),
    position   integer NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX categories_by_parent ON catalog.categories (parent_id);

-- The tree the contract lists; the store starts with it.
INSERT INTO catalog.categories (slug, name, position) VALUES
    ('intel-custom', 'Intel Custom PCs', 1),
    ('amd-custom', 'AMD Custom PCs', 2),
    ('prebuilt', 'Prebuilt PCs', 3),
    ('laptops', 'Laptops', 4),
    ('components', 'Components', 5),
    ('accessories', 'Accessories', 6);

INSERT INTO catalog.categories (slug, name, position, parent_id)
SELECT child.slug, child.name, child.position, parent.id
FROM (VALUES
    ('cpu', 'Processors', 1, 'components'),
    ('motherboard', 'Motherboards', 2, 'components'),
    ('memory', 'Memory', 3, 'components'),
    ('gpu', 'Graphics Cards', 4, 'components'),
    ('storage', 'Storage', 5, 'components'),
    ('psu', 'Power Supplies', 6, 'components'),
    ('case', 'Cabinets', 7, 'components'),
    ('cooler', 'CPU Coolers', 8, 'components'),
    ('keyboards', 'Keyboards', 1, 'accessories'),
    ('mice', 'Mice', 2, 'accessories'),
    ('headsets', 'Headsets', 3, 'accessories'),
    ('monitors', 'Monitors', 4, 'accessories')
) AS child (slug, name, position, parent_slug)
JOIN catalog.categories parent ON parent.slug = child.parent_slug;
