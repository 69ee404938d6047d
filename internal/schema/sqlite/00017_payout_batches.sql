-- +goose Up
-- A payout batch (批量代发): many payouts of one case asked for and
-- approved as one (a mass-claim round's shares, MASS-6 "batches approved as
-- FUND-6"). The batch's total sets the approval levels; its payouts cannot
-- be decided one by one; the last approval reserves all their money in one
-- transfer. The payouts are then sent, settled or failed each on its own.
-- status: pending (approvals outstanding) → approved, or rejected.
CREATE TABLE payout_batches (
    id                TEXT PRIMARY KEY,
    court_id          TEXT NOT NULL REFERENCES courts (id),
    case_id           TEXT NOT NULL REFERENCES cases (id),
    title             TEXT NOT NULL CHECK (title <> ''),
    payouts           INTEGER NOT NULL CHECK (payouts > 0),
    total_fen         BIGINT NOT NULL CHECK (total_fen > 0),
    status            TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
    levels            INTEGER NOT NULL CHECK (levels IN (1, 2)),
    approved_levels   INTEGER NOT NULL DEFAULT 0,
    requested_by      TEXT REFERENCES users (id),
    requested_by_name TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX payout_batches_pending ON payout_batches (court_id, created_at) WHERE status = 'pending';
CREATE INDEX payout_batches_case ON payout_batches (case_id, created_at);

-- Each approval or rejection of a batch, in order.
CREATE TABLE payout_batch_approvals (
    batch_id   TEXT NOT NULL REFERENCES payout_batches (id),
    level      INTEGER NOT NULL,
    approve    BOOLEAN NOT NULL,
    by_user    TEXT REFERENCES users (id),
    by_name    TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (batch_id, level)
);

-- A payout's batch, and the phone told when it is paid when the payee is
-- not one of the case's parties (a campaign's participant).
ALTER TABLE payouts ADD COLUMN batch_id TEXT REFERENCES payout_batches (id);
ALTER TABLE payouts ADD COLUMN notify_phone TEXT NOT NULL DEFAULT '';
CREATE INDEX payouts_batch ON payouts (batch_id, status) WHERE batch_id IS NOT NULL;

-- A round's batch.
ALTER TABLE campaign_rounds ADD COLUMN batch_id TEXT REFERENCES payout_batches (id);

-- +goose Down
ALTER TABLE campaign_rounds DROP COLUMN batch_id;
DROP INDEX payouts_batch;
ALTER TABLE payouts DROP COLUMN notify_phone;
ALTER TABLE payouts DROP COLUMN batch_id;
DROP TABLE payout_batch_approvals;
DROP TABLE payout_batches;
