-- Search matches partial SKUs on the products' own space-joined `skus` column through a
-- trigram index (SKUs hold no spaces, so a pattern without spaces matches `skus` exactly
-- when it matches one of them). With the full-text and title trigram indexes, every search
-- condition is then an index scan on `products`, combined by one bitmap OR, instead of a
-- scan of every product with a lookup of its variants. The variants' SKU trigram index
-- served only that lookup.
CREATE INDEX products_skus_trgm_idx ON products USING gin (skus gin_trgm_ops);
DROP INDEX variants_sku_trgm_idx;
-- The exact-SKU boost compares lower-cased SKUs.
CREATE INDEX variants_sku_lower_idx ON variants (lower(sku));
