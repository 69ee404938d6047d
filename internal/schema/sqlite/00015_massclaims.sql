-- +goose Up
-- Mass-claim (涉众) campaigns (DOMAIN.md §11): money recovered in one case
-- returned to many victims who register online, are checked against the
-- judgment's victim list, confirm or object to the court's figure, and are
-- paid pro rata in rounds.

CREATE TABLE campaigns (
    id                 TEXT PRIMARY KEY,
    court_id           TEXT NOT NULL REFERENCES courts (id),
    case_id            TEXT NOT NULL REFERENCES cases (id),      -- the case holding the recovered money
    debtor_party_id    TEXT NOT NULL REFERENCES parties (id),
    title              TEXT NOT NULL CHECK (title <> ''),
    judgment_no        TEXT NOT NULL CHECK (judgment_no <> ''),
    status             TEXT NOT NULL CHECK (status IN ('draft', 'open', 'closed')),
    registration_until TEXT NOT NULL,
    carried_fen        BIGINT NOT NULL DEFAULT 0,                -- the floors' remainder carried to the next round (MASS-6)
    created_by_name    TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL
);

-- The judgment's list of victims and their losses (MASS-3).
CREATE TABLE campaign_victims (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    id_number   TEXT NOT NULL,
    name        TEXT NOT NULL,
    loss_fen    BIGINT NOT NULL CHECK (loss_fen > 0),
    PRIMARY KEY (campaign_id, id_number)
);

-- One-time codes sent to a phone before registering (MASS-2).
CREATE TABLE campaign_codes (
    campaign_id TEXT NOT NULL REFERENCES campaigns (id),
    phone       TEXT NOT NULL,
    code_hash   TEXT NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (campaign_id, phone)
);

-- Text messages to phones that are not (yet) a case's parties: the
-- outbox the SMS gateway of issue 8 sends from.
CREATE TABLE sms_outbox (
    id         TEXT PRIMARY KEY,
    court_id   TEXT NOT NULL REFERENCES courts (id),
    phone      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL CHECK (body <> ''),
    status     TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    created_at TIMESTAMP NOT NULL,
    sent_at    TIMESTAMP
);
CREATE INDEX sms_outbox_queued ON sms_outbox (created_at) WHERE status = 'queued';
CREATE INDEX sms_outbox_phone ON sms_outbox (phone, created_at);

-- A participant's claim. status: registered → eligible | ineligible
-- (reviewed against the victim list) → confirmed | objected (the claimant
-- answers the court's figure) → final (objection decided).
CREATE TABLE claims (
    id               TEXT PRIMARY KEY,
    campaign_id      TEXT NOT NULL REFERENCES campaigns (id),
    court_id         TEXT NOT NULL REFERENCES courts (id),
    party_id         TEXT NOT NULL REFERENCES parties (id),
    id_number        TEXT NOT NULL,
    name             TEXT NOT NULL,
    phone            TEXT NOT NULL,
    claimed_fen      BIGINT NOT NULL CHECK (claimed_fen > 0),
    evidence         TEXT NOT NULL DEFAULT '',
    payee_account_no TEXT NOT NULL,
    payee_bank       TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('registered', 'eligible', 'ineligible', 'confirmed', 'objected', 'final')),
    reviewed_fen     BIGINT NOT NULL DEFAULT 0,
    review_note      TEXT NOT NULL DEFAULT '',
    reviewed_by_name TEXT NOT NULL DEFAULT '',
    objection        TEXT NOT NULL DEFAULT '',
    decision_note    TEXT NOT NULL DEFAULT '',
    final_fen        BIGINT NOT NULL DEFAULT 0,
    paid_fen         BIGINT NOT NULL DEFAULT 0,
    token_hash       TEXT NOT NULL UNIQUE,                 -- the claimant's own status page (MASS-7)
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, id_number)
);
CREATE INDEX claims_review ON claims (campaign_id, status, id);

-- Payout rounds (MASS-6) and each claim's share.
CREATE TABLE campaign_rounds (
    id           TEXT PRIMARY KEY,
    campaign_id  TEXT NOT NULL REFERENCES campaigns (id),
    seq          INTEGER NOT NULL,
    amount_fen   BIGINT NOT NULL CHECK (amount_fen > 0),
    paid_fen     BIGINT NOT NULL,
    carried_fen  BIGINT NOT NULL,
    claims       INTEGER NOT NULL,
    created_by_name TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, seq)
);
CREATE TABLE claim_shares (
    round_id   TEXT NOT NULL REFERENCES campaign_rounds (id),
    claim_id   TEXT NOT NULL REFERENCES claims (id),
    share_fen  BIGINT NOT NULL CHECK (share_fen > 0),
    payout_id  TEXT REFERENCES payouts (id),
    PRIMARY KEY (round_id, claim_id)
);

-- +goose Down
DROP TABLE claim_shares;
DROP TABLE campaign_rounds;
DROP TABLE claims;
DROP TABLE sms_outbox;
DROP TABLE campaign_codes;
DROP TABLE campaign_victims;
DROP TABLE campaigns;
