-- Tombstones in product_embeddings are deleted once they are older than the worker's
-- history retention. An embedded index whose cursor is at or below `pruned_through` (the
-- newest deleted tombstone's transaction) may have missed one, so it rebuilds from scratch.
CREATE TABLE product_embedding_prunes (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    pruned_through xid8 NOT NULL
);
-- What the prune job looks for, without scanning the live rows.
CREATE INDEX product_embeddings_tombstones_idx ON product_embeddings (updated_at) WHERE embedding IS NULL;
