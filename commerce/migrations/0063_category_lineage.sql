-- Each category keeps the ids of its ancestors and itself, from the root down (`lineage`).
-- A category never moves or changes its parent, so the list is written once, as the category
-- is created, from its parent's. Pricing and the search documents read a product's
-- categories from it with one join; before, each read matched every category's path against
-- the product's, a subquery Postgres planned again on every checkout. A category created by an
-- API of the previous release during the upgrade fails (the column is required) and can be
-- created again once the new release serves.
ALTER TABLE categories ADD COLUMN lineage uuid[];
WITH RECURSIVE tree (id, lineage) AS (
    SELECT id, ARRAY[id] FROM categories WHERE parent_id IS NULL
    UNION ALL
    SELECT c.id, tree.lineage || c.id FROM categories c JOIN tree ON c.parent_id = tree.id
)
UPDATE categories SET lineage = tree.lineage FROM tree WHERE categories.id = tree.id;
ALTER TABLE categories ALTER COLUMN lineage SET NOT NULL;
ALTER TABLE categories ADD CONSTRAINT categories_lineage_ends_with_self
    CHECK (lineage[cardinality(lineage)] = id);
