-- Background jobs (package internal/jobs, docs/decisions/0006-background-jobs.md):
-- durable work enqueued in the transaction of the change that causes it and
-- run by the job runners of every server process.
-- The SQLite twin of this file is ../sqlite/00003_jobs.sql; the two
-- must expose the same tables and columns (schema_test.go checks).

-- +goose Up
CREATE TABLE jobs (
    id           UUID PRIMARY KEY,
    court_id     UUID REFERENCES courts (id),  -- NULL: platform work, of no court
    kind         TEXT NOT NULL,                -- names the handler
    payload      TEXT NOT NULL,                -- JSON, as the enqueuer marshalled it
    dedupe_key   TEXT,                         -- at most one job per key (see jobs_dedupe)
    state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    priority     INTEGER NOT NULL DEFAULT 0,   -- higher first
    attempts     INTEGER NOT NULL DEFAULT 0,   -- runs started, snoozes not counted
    max_attempts INTEGER NOT NULL CHECK (max_attempts > 0),
    run_at       TIMESTAMPTZ NOT NULL,         -- not before
    locked_by    TEXT,                         -- the runner of a running job
    locked_until TIMESTAMPTZ,                  -- a running job whose lock expired is claimable again
    last_error   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ                   -- set in the final states: done, failed, cancelled
);
CREATE UNIQUE INDEX jobs_dedupe ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;
-- Claiming: the due pending jobs, and the running ones whose lock expired.
-- state leads although it is constant, so that SQLite (which keeps no
-- statistics) prefers these to jobs_state for a range on the time.
CREATE INDEX jobs_due ON jobs (state, run_at) WHERE state = 'pending';
CREATE INDEX jobs_locked ON jobs (state, locked_until) WHERE state = 'running';
-- Listing newest first by state or kind, counting by state, purging.
CREATE INDEX jobs_state ON jobs (state, id);
CREATE INDEX jobs_kind ON jobs (kind, id);

-- +goose Down
DROP TABLE jobs;
