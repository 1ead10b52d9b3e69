-- Product vectors for the shopping assistant. Postgres is the source of truth: the
-- worker writes a row in the transaction that handles a catalog or stock event, and each
-- process with an embedded vector index catches up from here by `changed_xid`.
CREATE TABLE product_embeddings (
    product_id  uuid PRIMARY KEY,
    -- The embedder that made the vector; a different model needs a re-index.
    model       text NOT NULL,
    -- NULL once the product is gone or unpublished: a tombstone the indexes delete.
    embedding   real[] CHECK (embedding IS NULL OR cardinality(embedding) = 384),
    -- What vector queries filter on: merchant, category path and slugs, price, currency, stock, status.
    payload     jsonb NOT NULL DEFAULT '{}',
    -- The writing transaction: readers that saw every transaction before their snapshot's
    -- xmin resume from there (ids of transactions still running are always >= xmin).
    changed_xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_embeddings_changed_idx ON product_embeddings (changed_xid, product_id);
-- Hash of the text the vector was computed from: an event that changes only stock or
-- price updates the payload without computing the vector again.
ALTER TABLE product_embeddings ADD COLUMN source_hash text NOT NULL DEFAULT '';
