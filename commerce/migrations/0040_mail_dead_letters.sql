-- A mail that can never be delivered (a recipient the address parser or the SMTP server
-- refuses for good) is dead-lettered at once instead of being retried forever.
ALTER TABLE mail_outbox ADD COLUMN failed_at timestamptz;
DROP INDEX mail_outbox_due_idx;
CREATE INDEX mail_outbox_due_idx ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
