-- Transactional outbox: every state change that others must hear about writes one row
-- here in the same transaction as the change. The relay publishes rows in `seq` order
-- (Kafka mode) or the worker dispatches them straight from here (Postgres mode).
CREATE TABLE outbox (
    seq           bigserial PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,          -- the event id (envelope `id`)
    aggregate     text NOT NULL,                 -- topic suffix: shopfleet.<aggregate>
    aggregate_id  text NOT NULL,                 -- Kafka message key: order kept per aggregate
    event_type    text NOT NULL,
    version       integer NOT NULL CHECK (version > 0),
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    data          jsonb NOT NULL,
    published_at  timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- Events a handler has applied, written in the same transaction as the handler's effect,
-- so a redelivered event is recognised and skipped (handlers are idempotent).
CREATE TABLE processed_events (
    handler       text NOT NULL,
    event_id      uuid NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (handler, event_id)
);
