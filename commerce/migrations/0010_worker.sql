-- The worker's own state: dead letters, recent handler failures, consumer lag snapshots,
-- scheduled job runs, and the mail queue.

-- Wake the relay / dispatcher as soon as an event commits (it also polls, as a fallback).
CREATE FUNCTION outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('shopfleet_outbox', '');
    RETURN NULL;
END $$;
CREATE TRIGGER outbox_notify AFTER INSERT ON outbox FOR EACH STATEMENT EXECUTE FUNCTION outbox_notify();

-- Events a handler gave up on after its retries. `replay_requested_at` is set by the admin
-- API; the worker then runs the handler again and sets `replayed_at` when it succeeds.
CREATE TABLE dead_letters (
    id                   uuid PRIMARY KEY,
    handler              text NOT NULL,
    event_id             uuid NOT NULL,
    event                jsonb NOT NULL,
    error                text NOT NULL,
    attempts             integer NOT NULL,
    created_at           timestamptz NOT NULL DEFAULT now(),
    replay_requested_at  timestamptz,
    replayed_at          timestamptz,
    UNIQUE (handler, event_id)
);
CREATE INDEX dead_letters_replay_idx ON dead_letters (replay_requested_at)
    WHERE replay_requested_at IS NOT NULL AND replayed_at IS NULL;

-- Every failed attempt (retried or not), for the admin API's "recent failures"; pruned.
CREATE TABLE handler_failures (
    id          bigserial PRIMARY KEY,
    handler     text NOT NULL,
    event_id    uuid NOT NULL,
    event_type  text NOT NULL,
    attempt     integer NOT NULL,
    error       text NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handler_failures_recent_idx ON handler_failures (failed_at DESC);

-- What each consumer still has to read, as last measured by a worker.
CREATE TABLE consumer_lag (
    consumer    text NOT NULL,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    lag         bigint NOT NULL,
    measured_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, partition)
);

-- One row per scheduled tick of a job: the replica that inserts it runs the job, so
-- each job runs once per tick however many workers there are.
CREATE TABLE job_runs (
    job          text NOT NULL,
    tick         timestamptz NOT NULL,
    worker       text NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    outcome      text,
    PRIMARY KEY (job, tick)
);

-- Mail to send, rendered by the email handler in the same transaction as its
-- processed-event record (so an event yields exactly one mail), sent by the mailer
-- with retries: a failing SMTP server delays mail and never fails the change itself.
CREATE TABLE mail_outbox (
    id               uuid PRIMARY KEY,
    event_id         uuid NOT NULL,
    template         text NOT NULL,
    recipient        text NOT NULL,
    subject          text NOT NULL,
    body_text        text NOT NULL,
    body_html        text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text,
    sent_at          timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, template)
);
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;
