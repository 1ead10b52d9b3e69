-- Orders: created by checkout from the cart, with lines that snapshot what was bought,
-- a status history row for every transition, and idempotency keys for retried requests.
CREATE TABLE orders (
    id                uuid PRIMARY KEY,
    number            bigserial UNIQUE,
    user_id           uuid NOT NULL REFERENCES users (id),
    status            text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'fulfilling', 'shipped',
                          'delivered', 'cancelled', 'refunded', 'partially_refunded')),
    currency          char(3) NOT NULL,
    subtotal_minor    bigint NOT NULL CHECK (subtotal_minor >= 0),
    total_minor       bigint NOT NULL CHECK (total_minor >= 0),
    shipping_address  jsonb NOT NULL,
    expires_at        timestamptz,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC);
CREATE INDEX orders_unpaid_due_idx ON orders (expires_at) WHERE status = 'pending_payment';

CREATE TABLE order_lines (
    order_id          uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line_no           integer NOT NULL,
    variant_id        uuid REFERENCES variants (id) ON DELETE SET NULL,
    product_id        uuid,
    merchant_id       uuid NOT NULL REFERENCES users (id),
    title             text NOT NULL,
    sku               text NOT NULL,
    unit_price_minor  bigint NOT NULL CHECK (unit_price_minor >= 0),
    quantity          integer NOT NULL CHECK (quantity > 0),
    reservation_id    uuid REFERENCES stock_reservations (id),
    PRIMARY KEY (order_id, line_no)
);
CREATE INDEX order_lines_merchant_idx ON order_lines (merchant_id);
CREATE INDEX order_lines_variant_idx ON order_lines (variant_id);

CREATE TABLE order_status_history (
    id           bigserial PRIMARY KEY,
    order_id     uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    from_status  text,
    to_status    text NOT NULL,
    actor_id     uuid,
    reason       text NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX order_status_history_order_idx ON order_status_history (order_id, id);

-- Stripe-style idempotency keys, per principal: the first response is stored and replayed.
CREATE TABLE idempotency_keys (
    principal        uuid NOT NULL,
    key              text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
    request_hash     text NOT NULL,
    status           text NOT NULL CHECK (status IN ('in_flight', 'completed')),
    response_status  integer,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    locked_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
