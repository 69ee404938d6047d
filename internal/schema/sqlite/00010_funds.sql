-- +goose Up
-- Case funds (DOMAIN.md §9): a double-entry ledger. Every movement of money is
-- a transfer whose postings sum to zero, written once and never changed
-- (corrections are new transfers); balances are derived from the postings.
-- Decision 0009.

-- Accounts. kind:
--   custody     the court's custody bank account (执行款专户): money the court holds; debit-normal
--   party       a party's virtual sub-account in a case (一案一账号, FUND-1); credit-normal
--   fees        application fees (申请执行费) the court has taken from recovered money; credit-normal
--   suspense    money in that no case has claimed yet (不明款, FUND-3); credit-normal
--   in_transit  payouts sent to the bank and not yet confirmed; credit-normal
-- balance_fen is kept for party accounts only (in the account's normal
-- sense, never negative); the court's own accounts take most postings and
-- are summed when read, so no transfer waits on one hot row.
CREATE TABLE fund_accounts (
    id          TEXT PRIMARY KEY,
    court_id    TEXT NOT NULL REFERENCES courts (id),
    kind        TEXT NOT NULL CHECK (kind IN ('custody', 'party', 'fees', 'suspense', 'in_transit')),
    case_id     TEXT REFERENCES cases (id),
    party_id    TEXT REFERENCES parties (id),
    role        TEXT NOT NULL DEFAULT '' CHECK (role IN ('', 'applicant', 'respondent')),
    number      TEXT NOT NULL UNIQUE,          -- the virtual account number a payer quotes
    name        TEXT NOT NULL,
    balance_fen BIGINT NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    created_at  TIMESTAMP NOT NULL,
    CHECK ((kind = 'party') = (case_id IS NOT NULL AND party_id IS NOT NULL))
);
CREATE UNIQUE INDEX fund_accounts_court_kind ON fund_accounts (court_id, kind) WHERE kind <> 'party';
CREATE UNIQUE INDEX fund_accounts_case_party ON fund_accounts (case_id, party_id) WHERE kind = 'party';

-- A transfer: one movement, balanced. ref is the outside reference that
-- makes recording it twice harmless (a bank's receipt number, a deduction
-- request id, a statement line); reverses names the transfer a correction
-- undoes.
CREATE TABLE fund_transfers (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    case_id         TEXT REFERENCES cases (id),
    kind            TEXT NOT NULL,
    amount_fen      BIGINT NOT NULL CHECK (amount_fen > 0),
    ref             TEXT NOT NULL DEFAULT '',
    memo            TEXT NOT NULL DEFAULT '',
    reverses        TEXT REFERENCES fund_transfers (id),
    created_by      TEXT REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX fund_transfers_ref ON fund_transfers (court_id, kind, ref) WHERE ref <> '';
CREATE INDEX fund_transfers_case ON fund_transfers (case_id, created_at) WHERE case_id IS NOT NULL;
CREATE UNIQUE INDEX fund_transfers_reversed ON fund_transfers (reverses) WHERE reverses IS NOT NULL;

-- Postings: debit positive, credit negative; per transfer they sum to zero.
CREATE TABLE fund_postings (
    transfer_id TEXT NOT NULL REFERENCES fund_transfers (id),
    seq         INTEGER NOT NULL,
    account_id  TEXT NOT NULL REFERENCES fund_accounts (id),
    amount_fen  BIGINT NOT NULL CHECK (amount_fen <> 0),
    PRIMARY KEY (transfer_id, seq)
);
CREATE INDEX fund_postings_account ON fund_postings (account_id, transfer_id);

-- +goose StatementBegin
CREATE TRIGGER fund_transfers_no_update BEFORE UPDATE ON fund_transfers
BEGIN
    SELECT RAISE(ABORT, 'fund_transfers is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fund_transfers_no_delete BEFORE DELETE ON fund_transfers
BEGIN
    SELECT RAISE(ABORT, 'fund_transfers is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fund_postings_no_update BEFORE UPDATE ON fund_postings
BEGIN
    SELECT RAISE(ABORT, 'fund_postings is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER fund_postings_no_delete BEFORE DELETE ON fund_postings
BEGIN
    SELECT RAISE(ABORT, 'fund_postings is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE fund_postings;
DROP TABLE fund_transfers;
DROP TABLE fund_accounts;
