-- Who took an outbox row for sending, and when (issue 20: several workers). On PostgreSQL the
-- leader sends and every worker may send a reply right after its commit; a leader starting up
-- (or its periodic sweep) puts back only rows whose claim is older than the lease and not its
-- own, never a row another live worker is sending at that moment. SQLite has one process: at
-- start every row left 'sending' is put back.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_at TEXT;
