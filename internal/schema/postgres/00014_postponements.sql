-- +goose Up
-- Postponed payouts (延缓发放, FUND-5): the money owed to a creditor is held
-- back for a listed reason with the bureau chief's approval; when the
-- reason ends it must be paid within resume_days (rule parameter).
CREATE TABLE payout_postponements (
    id                UUID PRIMARY KEY,
    court_id          UUID NOT NULL REFERENCES courts (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    account_id        UUID NOT NULL REFERENCES fund_accounts (id),
    reason            TEXT NOT NULL CHECK (reason IN ('distribution_pending', 'frozen_elsewhere', 'applicant_unreachable', 'case_suspended', 'other')),
    note              TEXT NOT NULL CHECK (note <> ''),
    status            TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'rejected', 'ended')),
    requested_by      UUID REFERENCES users (id),
    requested_by_name TEXT NOT NULL,
    decided_by        UUID REFERENCES users (id),
    decided_by_name   TEXT NOT NULL DEFAULT '',
    decision_note     TEXT NOT NULL DEFAULT '',
    decided_at        TIMESTAMPTZ,
    ended_on          DATE,
    resume_due        DATE,     -- the last day to pay once the reason ended
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX payout_postponements_open ON payout_postponements (account_id) WHERE status IN ('requested', 'approved');
CREATE INDEX payout_postponements_case ON payout_postponements (case_id, created_at);

-- The bank's own reference of the money a transfer records (a deduction's
-- receipt number, a payout's transaction number): a statement line quoting
-- it is money already in the ledger.
ALTER TABLE fund_transfers ADD COLUMN bank_ref TEXT NOT NULL DEFAULT '';
CREATE INDEX fund_transfers_bank_ref ON fund_transfers (court_id, bank_ref) WHERE bank_ref <> '';

-- The daily reconciliation of a custody account with the bank's statement
-- (FUND-8): what the statement says, what was found in the ledger, and
-- every difference.
CREATE TABLE reconciliations (
    id           UUID PRIMARY KEY,
    court_id     UUID NOT NULL REFERENCES courts (id),
    account      TEXT NOT NULL,
    day          DATE NOT NULL,
    opening_fen  BIGINT NOT NULL,
    closing_fen  BIGINT NOT NULL,
    credits_fen  BIGINT NOT NULL,
    debits_fen   BIGINT NOT NULL,
    lines        INTEGER NOT NULL,
    matched      INTEGER NOT NULL,
    problems     TEXT NOT NULL DEFAULT '',   -- one per line
    status       TEXT NOT NULL CHECK (status IN ('ok', 'mismatch')),
    created_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (court_id, day)
);

-- +goose Down
DROP TABLE reconciliations;
DROP INDEX fund_transfers_bank_ref;
ALTER TABLE fund_transfers DROP COLUMN bank_ref;
DROP TABLE payout_postponements;
