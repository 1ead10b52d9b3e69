-- Uploaded product images (issue 21). The original and the renditions live in the media
-- store under content-addressed keys (originals/<sha256>, renditions/<sha256>/<w>.<ext>);
-- this table says which product shows which image, in what order, with what alt text, and
-- how far its processing got. Two images with the same bytes share their stored objects.
CREATE TABLE product_images (
    id              uuid PRIMARY KEY,
    -- NULL once the product is deleted: the worker then removes the image's stored objects.
    product_id      uuid REFERENCES products(id) ON DELETE SET NULL,
    content_hash    text NOT NULL CHECK (content_hash ~ '^[0-9a-f]{64}$'),
    content_type    text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    byte_size       bigint NOT NULL CHECK (byte_size > 0),
    status          text NOT NULL DEFAULT 'processing'
                    CHECK (status IN ('processing', 'ready', 'failed', 'removed')),
    failure_reason  text,
    alt             text NOT NULL DEFAULT '' CHECK (length(alt) <= 300),
    position        integer NOT NULL DEFAULT 0 CHECK (position >= 0),
    width           integer,
    height          integer,
    -- [{"width", "height", "format", "url"}], written when processing succeeds.
    renditions      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(renditions) = 'array'),
    placeholder     text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX product_images_product_idx ON product_images (product_id, position, created_at);
CREATE INDEX product_images_hash_idx ON product_images (content_hash);
CREATE INDEX product_images_orphans_idx ON product_images (created_at) WHERE product_id IS NULL AND status <> 'removed';
