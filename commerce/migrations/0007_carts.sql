-- One cart per user, kept in Postgres. A line remembers the unit price the shopper saw
-- when adding it, so the cart (and checkout) can say when the price changed since.
CREATE TABLE carts (
    user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cart_lines (
    user_id           uuid NOT NULL REFERENCES carts (user_id) ON DELETE CASCADE,
    variant_id        uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity          integer NOT NULL CONSTRAINT cart_line_quantity CHECK (quantity BETWEEN 1 AND 1000),
    seen_price_minor  bigint NOT NULL,
    added_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, variant_id)
);
