-- Full-text search over products in Postgres (the default search backend): a weighted
-- document of title and SKUs (A), attribute values (B) and description (C), plus trigram
-- indexes for typo tolerance on titles and partial SKU matches.
ALTER TABLE products ADD COLUMN skus text NOT NULL DEFAULT '';
ALTER TABLE products ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', title), 'A')
    || setweight(to_tsvector('simple', skus), 'A')
    || setweight(jsonb_to_tsvector('english', attributes, '["string"]'), 'B')
    || setweight(to_tsvector('english', description), 'C')
) STORED;
CREATE INDEX products_search_idx ON products USING gin (search_vector);
CREATE INDEX products_title_trgm_idx ON products USING gin (title gin_trgm_ops);
CREATE INDEX variants_sku_trgm_idx ON variants USING gin (sku gin_trgm_ops);
UPDATE products p SET skus = s.skus
FROM (SELECT product_id, string_agg(sku, ' ' ORDER BY position) AS skus FROM variants GROUP BY product_id) s
WHERE p.id = s.product_id;
