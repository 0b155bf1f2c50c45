-- seedkit:no-transaction
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and does
-- not block writes to security_events while it builds.
CREATE INDEX CONCURRENTLY IF NOT EXISTS security_events_occurred_at_idx
    ON security_events (occurred_at);
