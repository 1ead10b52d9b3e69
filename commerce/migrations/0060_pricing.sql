-- Checkout totals: shipping zones and methods, tax rates per zone and class, promotions and
-- their redemptions, and the priced breakdown each order keeps. The arithmetic is the pure
-- function `shopfleet_domain::pricing::price`; these tables hold its inputs and results.

-- The shop's one row of pricing settings: whether prices include tax (EU style) or not.
CREATE TABLE shop_pricing (
    singleton           boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    prices_include_tax  boolean NOT NULL DEFAULT true,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
INSERT INTO shop_pricing DEFAULT VALUES;

-- A set of countries, optionally narrowed to regions and postcode prefixes, with the tax
-- rates (basis points) of its classes. An address takes the most specific zone containing it.
CREATE TABLE shipping_zones (
    id                 uuid PRIMARY KEY,
    name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    countries          text[] NOT NULL CHECK (cardinality(countries) BETWEEN 1 AND 300),
    regions            text[] NOT NULL DEFAULT '{}',
    postcode_prefixes  text[] NOT NULL DEFAULT '{}',
    standard_rate_bp   integer NOT NULL DEFAULT 0 CHECK (standard_rate_bp BETWEEN 0 AND 10000),
    reduced_rate_bp    integer NOT NULL DEFAULT 0 CHECK (reduced_rate_bp BETWEEN 0 AND 10000),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipping_zones_name_key UNIQUE (name)
);

-- A way to ship to one zone, priced in one currency (`rate` is the domain's ShippingRate).
CREATE TABLE shipping_methods (
    id             uuid PRIMARY KEY,
    zone_id        uuid NOT NULL REFERENCES shipping_zones (id) ON DELETE CASCADE,
    name           text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    delivery_time  text NOT NULL DEFAULT '' CHECK (char_length(delivery_time) <= 100),
    currency       char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    rate           jsonb NOT NULL CHECK (jsonb_typeof(rate) = 'object'),
    tax_class      text NOT NULL DEFAULT 'standard' CHECK (tax_class IN ('standard', 'reduced', 'zero')),
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX shipping_methods_zone_idx ON shipping_methods (zone_id);

ALTER TABLE products
    ADD COLUMN tax_class text NOT NULL DEFAULT 'standard' CHECK (tax_class IN ('standard', 'reduced', 'zero'));

-- Codes (upper case) and automatic promotions (no code). `benefit` is the domain's Benefit.
-- `redemptions` counts uses held by orders that are not cancelled; the CHECK makes the
-- limit a fact of the database, and checkout takes the row lock before counting.
CREATE TABLE promotions (
    id                  uuid PRIMARY KEY,
    code                text CHECK (code ~ '^[A-Z0-9][A-Z0-9_-]{2,31}$'),
    name                text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    owner_id            uuid REFERENCES users (id),
    currency            char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    benefit             jsonb NOT NULL CHECK (jsonb_typeof(benefit) = 'object'),
    min_subtotal_minor  bigint NOT NULL DEFAULT 0 CHECK (min_subtotal_minor >= 0),
    combinable          boolean NOT NULL DEFAULT false,
    starts_at           timestamptz,
    ends_at             timestamptz,
    usage_limit         integer CHECK (usage_limit > 0),
    per_customer_limit  integer CHECK (per_customer_limit > 0),
    redemptions         integer NOT NULL DEFAULT 0
                            CHECK (redemptions >= 0 AND (usage_limit IS NULL OR redemptions <= usage_limit)),
    active              boolean NOT NULL DEFAULT true,
    created_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT promotions_code_key UNIQUE (code),
    CONSTRAINT promotions_window CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
);
CREATE INDEX promotions_automatic_idx ON promotions (currency) WHERE code IS NULL AND active;

-- One use of a promotion by an order; `released_at` is set when the order is cancelled or
-- expires unpaid, which gives the use back.
CREATE TABLE promotion_redemptions (
    promotion_id  uuid NOT NULL REFERENCES promotions (id) ON DELETE CASCADE,
    order_id      uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    amount_minor  bigint NOT NULL CHECK (amount_minor >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz,
    PRIMARY KEY (promotion_id, order_id)
);
CREATE INDEX promotion_redemptions_customer_idx ON promotion_redemptions (promotion_id, user_id)
    WHERE released_at IS NULL;
CREATE INDEX promotion_redemptions_order_idx ON promotion_redemptions (order_id);

-- The shopper's choices on their cart: where it goes, how, and the code they applied.
ALTER TABLE carts
    ADD COLUMN address_id uuid REFERENCES addresses (id) ON DELETE SET NULL,
    ADD COLUMN shipping_method_id uuid REFERENCES shipping_methods (id) ON DELETE SET NULL,
    ADD COLUMN promotion_id uuid REFERENCES promotions (id) ON DELETE SET NULL;

-- What the order was priced at: the parts of its total and the whole breakdown (the
-- domain's Breakdown), with the shipping method as chosen.
ALTER TABLE orders
    ADD COLUMN discount_minor bigint NOT NULL DEFAULT 0 CHECK (discount_minor >= 0),
    ADD COLUMN shipping_minor bigint NOT NULL DEFAULT 0 CHECK (shipping_minor >= 0),
    ADD COLUMN tax_minor bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0),
    ADD COLUMN pricing jsonb,
    ADD COLUMN shipping_method jsonb;

-- The tax part of each refund (in proportion to the amount, never more than was paid).
ALTER TABLE refunds ADD COLUMN tax_minor bigint NOT NULL DEFAULT 0 CHECK (tax_minor >= 0);
