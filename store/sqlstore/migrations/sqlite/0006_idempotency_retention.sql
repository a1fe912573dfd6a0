-- Idempotency records are kept for a retention and then purged
-- (numberdesk.PurgeIdempotencyRecords): the purge deletes by creation time
-- across all tenants.
CREATE INDEX idempotency_created ON idempotency (created_at);
