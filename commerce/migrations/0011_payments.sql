-- Payments: the shop's mirror of each order's payment intent at the provider, refunds,
-- and the provider webhook events already applied (de-duplication by event id).
CREATE TABLE payment_intents (
    id              uuid PRIMARY KEY,
    order_id        uuid NOT NULL UNIQUE REFERENCES orders (id) ON DELETE CASCADE,
    -- The provider and its id of the intent, set when the shopper first confirms a card.
    provider        text,
    provider_ref    text UNIQUE,
    -- The provider's version of the intent last applied; older snapshots are ignored.
    provider_seq    integer NOT NULL DEFAULT 0,
    status          text NOT NULL CHECK (status IN ('requires_payment_method', 'requires_confirmation',
                        'requires_action', 'processing', 'succeeded', 'failed', 'canceled')),
    amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
    currency        char(3) NOT NULL,
    captured_minor  bigint NOT NULL DEFAULT 0 CHECK (captured_minor BETWEEN 0 AND amount_minor),
    refunded_minor  bigint NOT NULL DEFAULT 0 CHECK (refunded_minor BETWEEN 0 AND captured_minor),
    card_brand      text,
    card_last4      text,
    failure_code    text,
    failure_message text,
    next_action     jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- A refund is written `pending` under the intent's row lock (so the sum of refunds can never
-- pass what was captured), then executed at the provider with its id as the idempotency key.
CREATE TABLE refunds (
    id                 uuid PRIMARY KEY,
    payment_intent_id  uuid NOT NULL REFERENCES payment_intents (id) ON DELETE CASCADE,
    order_id           uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    amount_minor       bigint NOT NULL CHECK (amount_minor > 0),
    reason             text NOT NULL,
    status             text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    requested_by       uuid,
    failure_message    text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refunds_intent_idx ON refunds (payment_intent_id);
CREATE INDEX refunds_pending_idx ON refunds (created_at) WHERE status = 'pending';

CREATE TABLE payment_webhook_events (
    event_id     text PRIMARY KEY,
    event_type   text NOT NULL,
    provider_ref text NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX payment_webhook_events_received_idx ON payment_webhook_events (received_at);

-- Fulfilment per order line: merchants fulfil and ship their own lines.
ALTER TABLE order_lines
    ADD COLUMN fulfilment_status text NOT NULL DEFAULT 'unfulfilled'
        CHECK (fulfilment_status IN ('unfulfilled', 'fulfilling', 'shipped', 'delivered')),
    ADD COLUMN carrier          text,
    ADD COLUMN tracking_number  text,
    ADD COLUMN shipped_at       timestamptz,
    ADD COLUMN delivered_at     timestamptz;

-- The simulated payment provider's own books. It stands in for a PSP such as Stripe: the
-- shop reaches it only through the `PaymentProvider` trait and learns outcomes from its
-- signed webhooks, so these tables are never read by shop code.
CREATE TABLE sim_psp_intents (
    ref             text PRIMARY KEY,
    seq             integer NOT NULL DEFAULT 1,
    status          text NOT NULL,
    amount_minor    bigint NOT NULL,
    currency        char(3) NOT NULL,
    captured_minor  bigint NOT NULL DEFAULT 0,
    refunded_minor  bigint NOT NULL DEFAULT 0 CHECK (refunded_minor <= captured_minor),
    card_brand      text,
    card_last4      text,
    -- Outcome of a `processing` intent, applied by the settle job once `settle_at` passes.
    settle_outcome  text,
    settle_at       timestamptz,
    failure_code    text,
    failure_message text,
    next_action     jsonb,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sim_psp_intents_settle_idx ON sim_psp_intents (settle_at) WHERE settle_at IS NOT NULL;

-- Every capture of money, so that tests and operators can count charges.
CREATE TABLE sim_psp_charges (
    id           bigserial PRIMARY KEY,
    intent_ref   text NOT NULL REFERENCES sim_psp_intents (ref),
    amount_minor bigint NOT NULL,
    at           timestamptz NOT NULL DEFAULT now()
);

-- Refunds by idempotency key: a retried refund request is answered, not repeated.
CREATE TABLE sim_psp_refunds (
    idempotency_key text PRIMARY KEY,
    intent_ref      text NOT NULL REFERENCES sim_psp_intents (ref),
    amount_minor    bigint NOT NULL,
    at              timestamptz NOT NULL DEFAULT now()
);

-- Confirmations by idempotency key: a retried confirm gets the first answer.
CREATE TABLE sim_psp_confirmations (
    intent_ref      text NOT NULL REFERENCES sim_psp_intents (ref),
    idempotency_key text NOT NULL,
    snapshot        jsonb NOT NULL,
    at              timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (intent_ref, idempotency_key)
);

-- Webhook deliveries, retried with exponential backoff until the shop answers 2xx.
CREATE TABLE sim_psp_webhooks (
    event_id        text PRIMARY KEY,
    intent_ref      text NOT NULL REFERENCES sim_psp_intents (ref),
    body            jsonb NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sim_psp_webhooks_due_idx ON sim_psp_webhooks (next_attempt_at) WHERE delivered_at IS NULL;
