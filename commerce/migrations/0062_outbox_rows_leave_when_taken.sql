-- The outbox is a queue, not a log: the relay deletes the rows it takes, in the transaction
-- that hands them on, instead of marking them published and deleting them days later. A mark
-- wrote every event twice more (a new row version with an entry in three indexes, then the
-- prune's delete); a delete writes it once more and touches no index. Nothing read published
-- rows: dead letters keep their own copy of the event, Kafka keeps what it was given. Rows
-- already published go now; a worker of the previous release still running during the upgrade
-- fails its claims (the column is gone) and retries until it is replaced, losing nothing.
DELETE FROM outbox WHERE published_at IS NOT NULL;
DROP INDEX outbox_published_idx;
-- Every row left is unpublished, so the primary key on `seq` serves the claim.
DROP INDEX outbox_unpublished_idx;
ALTER TABLE outbox DROP COLUMN published_at;
