-- +goose Up
-- Money out (DOMAIN.md §9): where each party wants its money (FUND-2), the
-- money owed to creditors and when it must be paid (FUND-4), payouts with
-- their approvals (FUND-6) and their instructions to the custody bank.

-- The day money reached the custody account, when it differs from the
-- day the transfer was written (money claimed from suspense, a statement
-- imported later): the statement of account counts interest to it.
ALTER TABLE fund_transfers ADD COLUMN value_on TEXT;

-- A party's payee account, confirmed in writing (FUND-2). One in use per
-- party per case; a change replaces it (the old one is revoked).
CREATE TABLE payee_accounts (
    id                TEXT PRIMARY KEY,
    court_id          TEXT NOT NULL REFERENCES courts (id),
    case_id           TEXT NOT NULL REFERENCES cases (id),
    party_id          TEXT NOT NULL REFERENCES parties (id),
    holder_name       TEXT NOT NULL CHECK (holder_name <> ''),
    account_no        TEXT NOT NULL CHECK (account_no <> ''),
    bank_name         TEXT NOT NULL CHECK (bank_name <> ''),
    status            TEXT NOT NULL CHECK (status IN ('unconfirmed', 'confirmed', 'revoked')),
    confirmation      TEXT NOT NULL DEFAULT '',  -- the written confirmation (收款账户确认书) it rests on
    confirmed_by_name TEXT NOT NULL DEFAULT '',
    confirmed_at      TIMESTAMP,
    created_by_name   TEXT NOT NULL,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX payee_accounts_current ON payee_accounts (case_id, party_id) WHERE status <> 'revoked';

-- Money allocated to a creditor: owed to them from the day it arrived and
-- to be paid by due_on (FUND-4). What is still unpaid is derived: the
-- payables of an account beyond what its settled payouts cover.
CREATE TABLE payables (
    id            TEXT PRIMARY KEY,
    court_id      TEXT NOT NULL REFERENCES courts (id),
    case_id       TEXT NOT NULL REFERENCES cases (id),
    account_id    TEXT NOT NULL REFERENCES fund_accounts (id),
    transfer_id   TEXT NOT NULL REFERENCES fund_transfers (id),  -- the allocation that created it
    amount_fen    BIGINT NOT NULL CHECK (amount_fen > 0),
    arrived_on    TEXT NOT NULL,   -- the day the money reached the custody account
    due_on        TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX payables_account ON payables (account_id, arrived_on);

-- A payout: money from a party's account to its confirmed payee account.
-- status: pending (approvals outstanding) → approved (money reserved in
-- transit, instruction queued) → sent (the bank took it) → settled, or
-- failed / returned (the money back on the party's account); rejected and
-- cancelled end a payout before any money moved.
CREATE TABLE payouts (
    id                 TEXT PRIMARY KEY,
    court_id           TEXT NOT NULL REFERENCES courts (id),
    case_id            TEXT NOT NULL REFERENCES cases (id),
    account_id         TEXT NOT NULL REFERENCES fund_accounts (id),
    payee_account_id   TEXT NOT NULL REFERENCES payee_accounts (id),
    amount_fen         BIGINT NOT NULL CHECK (amount_fen > 0),
    purpose            TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'sent', 'settled', 'failed', 'returned', 'rejected', 'cancelled')),
    levels             INTEGER NOT NULL CHECK (levels IN (1, 2)),  -- approvals needed (FUND-6)
    approved_levels    INTEGER NOT NULL DEFAULT 0,
    due_on             TEXT,               -- the earliest due day of the money it pays (FUND-4)
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_at            TIMESTAMP,          -- when the dispatcher may send it (approved)
    bank_ref           TEXT NOT NULL DEFAULT '',
    last_error         TEXT NOT NULL DEFAULT '',
    requested_by       TEXT REFERENCES users (id),
    requested_by_name  TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    sent_at            TIMESTAMP,
    ended_at           TIMESTAMP,
    end_reason         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX payouts_due ON payouts (next_at) WHERE status = 'approved';
CREATE INDEX payouts_pending ON payouts (court_id, created_at) WHERE status = 'pending';
CREATE INDEX payouts_sent ON payouts (court_id, sent_at) WHERE status = 'sent';
CREATE INDEX payouts_case ON payouts (case_id, created_at);

-- Each approval or rejection of a payout, in order.
CREATE TABLE payout_approvals (
    payout_id  TEXT NOT NULL REFERENCES payouts (id),
    level      INTEGER NOT NULL,
    approve    BOOLEAN NOT NULL,
    by_user    TEXT REFERENCES users (id),
    by_name    TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (payout_id, level)
);

-- Money in that named no case (不明款, FUND-3): held on the suspense account
-- until someone claims it for a case (within claim_due) or it is sent back.
CREATE TABLE unmatched_receipts (
    id                TEXT PRIMARY KEY,
    court_id          TEXT NOT NULL REFERENCES courts (id),
    transfer_id       TEXT NOT NULL REFERENCES fund_transfers (id),  -- custody → suspense
    line_id           TEXT NOT NULL,            -- the bank's statement line
    amount_fen        BIGINT NOT NULL CHECK (amount_fen > 0),
    payer_name        TEXT NOT NULL DEFAULT '',
    payer_account     TEXT NOT NULL DEFAULT '',
    memo              TEXT NOT NULL DEFAULT '',
    received_on       TEXT NOT NULL,
    claim_due         TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'claimed')),
    case_id           TEXT REFERENCES cases (id),
    claim_transfer_id TEXT REFERENCES fund_transfers (id),
    claimed_by_name   TEXT NOT NULL DEFAULT '',
    claimed_at        TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    UNIQUE (court_id, line_id)
);
CREATE INDEX unmatched_receipts_open ON unmatched_receipts (court_id, claim_due) WHERE status = 'open';

-- The custody bank's results cursor (one feed per connection, every account).
CREATE TABLE bank_cursors (
    name       TEXT PRIMARY KEY,
    cursor     BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- +goose Down
DROP TABLE bank_cursors;
DROP TABLE unmatched_receipts;
DROP TABLE payout_approvals;
DROP TABLE payouts;
DROP TABLE payables;
DROP TABLE payee_accounts;
ALTER TABLE fund_transfers DROP COLUMN value_on;
