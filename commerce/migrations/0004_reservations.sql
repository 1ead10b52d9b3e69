-- Stock reservations for checkout: reserve for a TTL, then commit (sold) or release.
CREATE TABLE stock_reservations (
    id          uuid PRIMARY KEY,
    variant_id  uuid NOT NULL REFERENCES variants (id) ON DELETE CASCADE,
    quantity    integer NOT NULL CHECK (quantity > 0),
    owner_id    uuid REFERENCES users (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'committed', 'released', 'expired')),
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_reservations_due_idx ON stock_reservations (expires_at) WHERE status = 'active';
