-- Catalog and inventory: an admin-managed category tree, products owned by merchants,
-- variants with prices in minor units, and stock per variant with an audit log.

CREATE TABLE categories (
    id         uuid PRIMARY KEY,
    parent_id  uuid REFERENCES categories (id),
    slug       text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    -- Slugs from the root, '/'-separated: descendants share the prefix `path || '/'`.
    path       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_slug_key UNIQUE (slug)
);
CREATE INDEX categories_path_idx ON categories (path text_pattern_ops);

CREATE TABLE products (
    id              uuid PRIMARY KEY,
    merchant_id     uuid NOT NULL REFERENCES users (id),
    slug            text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    title           text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
    description     text NOT NULL DEFAULT '' CHECK (char_length(description) <= 20000),
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
    category_id     uuid REFERENCES categories (id),
    attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    images          jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(images) = 'array'),
    -- Kept in step with the variants in the same transaction, for listing filters and sorts.
    min_price_minor bigint,
    currency        char(3),
    in_stock        boolean NOT NULL DEFAULT false,
    variant_count   integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT products_slug_key UNIQUE (slug)
);
CREATE INDEX products_listing_newest_idx ON products (status, created_at DESC, id DESC);
CREATE INDEX products_listing_price_idx ON products (status, min_price_minor, id);
CREATE INDEX products_listing_title_idx ON products (status, title, id);
CREATE INDEX products_category_idx ON products (category_id);
CREATE INDEX products_merchant_idx ON products (merchant_id);
CREATE INDEX products_attributes_idx ON products USING gin (attributes jsonb_path_ops);

CREATE TABLE variants (
    id                  uuid PRIMARY KEY,
    product_id          uuid NOT NULL REFERENCES products (id) ON DELETE CASCADE,
    sku                 text NOT NULL CHECK (sku ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    options             jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(options) = 'object'),
    price_minor         bigint NOT NULL CHECK (price_minor BETWEEN 0 AND 100000000000),
    compare_at_minor    bigint CHECK (compare_at_minor BETWEEN 0 AND 100000000000),
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    weight_grams        integer CHECK (weight_grams BETWEEN 0 AND 10000000),
    on_hand             integer NOT NULL DEFAULT 0 CHECK (on_hand BETWEEN 0 AND 100000000),
    reserved            integer NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    low_stock_threshold integer CHECK (low_stock_threshold >= 0),
    position            integer NOT NULL DEFAULT 0,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT variants_sku_key UNIQUE (sku)
);
CREATE INDEX variants_product_idx ON variants (product_id, position);

-- Every stock change by a person: who, when, why, before and after.
CREATE TABLE inventory_adjustments (
    id              uuid PRIMARY KEY,
    variant_id      uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    actor_id        uuid REFERENCES users (id),
    kind            text NOT NULL CHECK (kind IN ('restock', 'correction')),
    reason          text NOT NULL CHECK (char_length(reason) BETWEEN 1 AND 500),
    on_hand_before  integer NOT NULL,
    on_hand_after   integer NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX inventory_adjustments_variant_idx ON inventory_adjustments (variant_id, created_at DESC);
