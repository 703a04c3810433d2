-- GST invoices (issue 22): every product carries the HSN code its invoice lines name,
-- 4, 6 or 8 digits. New products must have one (the service requires it); a product
-- older than this column keeps NULL when its category gives no code to back-fill.
ALTER TABLE catalog.products ADD COLUMN hsn_code text
    CHECK (hsn_code ~ '^([0-9]{4}|[0-9]{6}|[0-9]{8})$');

-- Existing products get the code of their kind, by their category's slug (the store's
-- categories, as 20261121100101_categories.sql creates them). The codes, from the
-- Customs Tariff (first schedule) that GST follows:
--   intel-custom, amd-custom, prebuilt  8471    automatic data-processing machines (desktop PCs)
--   laptops                             847130  portable machines of at most 10 kg
--   cpu                                 854231  processors and controllers (integrated circuits)
--   motherboard, memory, gpu, case      847330  parts and accessories of the machines of 8471
--   storage: solid-state drives         852351  solid-state non-volatile storage devices
--   storage: hard drives                847170  storage units (the drive's `type` says "Hard Drive")
--   psu                                 850440  static converters
--   cooler                              841459  fans (other than table, floor, wall or roof fans)
--   keyboards, mice                     847160  input or output units
--   headsets                            851830  headphones and earphones, with or without a microphone
--   monitors                            852852  monitors that connect directly to a machine of 8471
-- A product in any other category (one an admin made) stays NULL.
UPDATE catalog.products p
SET hsn_code = CASE c.slug
        WHEN 'intel-custom' THEN '8471'
        WHEN 'amd-custom' THEN '8471'
        WHEN 'prebuilt' THEN '8471'
        WHEN 'laptops' THEN '847130'
        WHEN 'cpu' THEN '854231'
        WHEN 'motherboard' THEN '847330'
        WHEN 'memory' THEN '847330'
        WHEN 'gpu' THEN '847330'
        WHEN 'case' THEN '847330'
        WHEN 'storage' THEN
            CASE WHEN p.specifications ->> 'type' ILIKE '%hard%' THEN '847170' ELSE '852351' END
        WHEN 'psu' THEN '850440'
        WHEN 'cooler' THEN '841459'
        WHEN 'keyboards' THEN '847160'
        WHEN 'mice' THEN '847160'
        WHEN 'headsets' THEN '851830'
        WHEN 'monitors' THEN '852852'
    END
FROM catalog.categories c
WHERE c.id = p.category_id AND p.hsn_code IS NULL;
