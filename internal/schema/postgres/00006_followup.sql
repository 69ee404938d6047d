-- +goose Up
-- 查控 after the first inquiry: the 6-monthly re-query of 终本 cases (ZB-9),
-- the restoration it proposes, messages to parties, and the fast path's
-- deduction offers.

-- One row per case closed as 终本: when it is next re-queried, until when.
-- The daily scan reads only the rows due (requeries_due).
CREATE TABLE requeries (
    case_id         UUID PRIMARY KEY REFERENCES cases (id),
    court_id        UUID NOT NULL REFERENCES courts (id),
    started_on      DATE NOT NULL,                   -- the 终本 date
    next_on         DATE NOT NULL,
    until_on        DATE NOT NULL,
    runs            INTEGER NOT NULL DEFAULT 0,
    last_inquiry_id UUID REFERENCES asset_inquiries (id),
    status          TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    end_reason      TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX requeries_due ON requeries (next_on) WHERE status = 'active';

-- A re-query that found property proposes restoring the case (恢复执行);
-- a reviewer approves (a new 执恢 case is filed and triaged) or rejects it.
CREATE TABLE restoration_proposals (
    id              UUID PRIMARY KEY,
    court_id        UUID NOT NULL REFERENCES courts (id),
    case_id         UUID NOT NULL REFERENCES cases (id),
    inquiry_id      UUID NOT NULL REFERENCES asset_inquiries (id),
    summary         TEXT NOT NULL,
    found_fen       BIGINT NOT NULL DEFAULT 0 CHECK (found_fen >= 0),
    status          TEXT NOT NULL CHECK (status IN ('proposed', 'approved', 'rejected')),
    decided_by      UUID REFERENCES users (id),
    decided_by_name TEXT NOT NULL DEFAULT '',
    decided_at      TIMESTAMPTZ,
    decision_note   TEXT NOT NULL DEFAULT '',
    new_case_id     UUID REFERENCES cases (id),
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX restoration_proposals_open ON restoration_proposals (court_id, created_at) WHERE status = 'proposed';
CREATE UNIQUE INDEX restoration_proposals_one_open ON restoration_proposals (case_id) WHERE status = 'proposed';
CREATE INDEX restoration_proposals_case ON restoration_proposals (case_id, created_at);

-- Messages to parties: the outbox an SMS gateway sends from. Written in the
-- transaction of the event they tell about.
CREATE TABLE party_messages (
    id         UUID PRIMARY KEY,
    court_id   UUID NOT NULL REFERENCES courts (id),
    case_id    UUID NOT NULL REFERENCES cases (id),
    party_id   UUID NOT NULL REFERENCES parties (id),
    phone      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    body       TEXT NOT NULL CHECK (body <> ''),
    status     TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    created_at TIMESTAMPTZ NOT NULL,
    sent_at    TIMESTAMPTZ
);
CREATE INDEX party_messages_queued ON party_messages (created_at) WHERE status = 'queued';
CREATE INDEX party_messages_case ON party_messages (case_id, created_at);

-- The fast path (item 5): frozen money that covers what is owed is offered
-- for deduction; the handler's approval (recorded here) sends one deduction
-- per control. Whether it is still under way is read from those requests.
CREATE TABLE deduction_offers (
    id              UUID PRIMARY KEY,
    court_id        UUID NOT NULL REFERENCES courts (id),
    case_id         UUID NOT NULL REFERENCES cases (id),
    owed_fen        BIGINT NOT NULL CHECK (owed_fen > 0),
    frozen_fen      BIGINT NOT NULL CHECK (frozen_fen >= 0),
    approved_by     UUID REFERENCES users (id),
    approved_by_name TEXT NOT NULL,
    note            TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX deduction_offers_case ON deduction_offers (case_id, created_at);

-- +goose Down
DROP TABLE deduction_offers;
DROP TABLE party_messages;
DROP TABLE restoration_proposals;
DROP TABLE requeries;
