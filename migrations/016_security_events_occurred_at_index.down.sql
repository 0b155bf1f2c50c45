-- seedkit:no-transaction
DROP INDEX CONCURRENTLY IF EXISTS security_events_occurred_at_idx;
