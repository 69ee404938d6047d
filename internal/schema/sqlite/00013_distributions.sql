-- +goose Up
-- Distribution among the creditors of one debtor (DOMAIN.md §10): a plan
-- shares money the court holds for the debtor in one case among several
-- cases against the debtor, published for objection (DIST-4) and then
-- carried out: each case's share becomes money received for that case.

CREATE TABLE distributions (
    id               TEXT PRIMARY KEY,
    court_id         TEXT NOT NULL REFERENCES courts (id),
    source_case_id   TEXT NOT NULL REFERENCES cases (id),   -- where the money is held
    debtor_party_id  TEXT NOT NULL REFERENCES parties (id),
    amount_fen       BIGINT NOT NULL CHECK (amount_fen > 0),
    legal_person     BOOLEAN NOT NULL,                       -- DIST-3 order instead of pro rata
    left_fen         BIGINT NOT NULL DEFAULT 0,              -- over every claim: the debtor's
    status           TEXT NOT NULL CHECK (status IN ('draft', 'published', 'executed', 'withdrawn')),
    published_on     TEXT,
    objection_due    TEXT,                                   -- DIST-4: 15 days from publication
    note             TEXT NOT NULL DEFAULT '',
    created_by_name  TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    executed_at      TIMESTAMP,
    end_reason       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX distributions_court ON distributions (court_id, status, created_at);
CREATE INDEX distributions_source ON distributions (source_case_id);

-- The claims of a plan, in order, and their shares.
CREATE TABLE distribution_claims (
    distribution_id    TEXT NOT NULL REFERENCES distributions (id),
    seq                INTEGER NOT NULL,
    case_id            TEXT NOT NULL REFERENCES cases (id),
    costs_fen          BIGINT NOT NULL CHECK (costs_fen >= 0),
    priority_fen       BIGINT NOT NULL CHECK (priority_fen >= 0),
    ordinary_fen       BIGINT NOT NULL CHECK (ordinary_fen >= 0),
    rank               INTEGER NOT NULL DEFAULT 0,
    share_costs_fen    BIGINT NOT NULL DEFAULT 0,
    share_priority_fen BIGINT NOT NULL DEFAULT 0,
    share_ordinary_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (distribution_id, seq),
    UNIQUE (distribution_id, case_id)
);
CREATE INDEX distribution_claims_case ON distribution_claims (case_id);

-- Objections to a published plan (DIST-4): filed within the objection
-- period; the others are told and may counter-object within 15 days; if
-- they do, the objector must sue within 15 days or the plan stands.
CREATE TABLE distribution_objections (
    id               TEXT PRIMARY KEY,
    distribution_id  TEXT NOT NULL REFERENCES distributions (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),   -- the objector's case
    objector         TEXT NOT NULL,
    reason           TEXT NOT NULL CHECK (reason <> ''),
    filed_on         TEXT NOT NULL,
    counter_due      TEXT NOT NULL,
    countered_on     TEXT,
    suit_due         TEXT,
    status           TEXT NOT NULL CHECK (status IN ('open', 'countered', 'sued', 'upheld', 'dismissed')),
    outcome_note     TEXT NOT NULL DEFAULT '',
    created_by_name  TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX distribution_objections_plan ON distribution_objections (distribution_id);

-- +goose Down
DROP TABLE distribution_objections;
DROP TABLE distribution_claims;
DROP TABLE distributions;
