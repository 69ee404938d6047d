-- Asset inquiry and control (查控, issue 4, DOMAIN.md §4): the agencies and
-- their connectors, inquiries, the assets found, the seizure registry and
-- every message exchanged with an agency. The SQLite twin is
-- ../sqlite/00005_assets.sql; the two must expose the same tables and
-- columns (schema_test.go checks).

-- +goose Up

-- The agencies that assist enforcement (协助执行单位), seeded from the
-- directory of internal/assets/agency. endpoint '' means the configured
-- simulator; secret '' means the simulator's key.
CREATE TABLE agencies (
    id           UUID PRIMARY KEY,
    code         TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    kinds        TEXT NOT NULL,                 -- space-separated inquiry kinds (INV-5)
    inquire      BOOLEAN NOT NULL,              -- answers inquiries of its kinds
    control      BOOLEAN NOT NULL,              -- carries out controls of its kinds
    channel      TEXT NOT NULL CHECK (channel IN ('zdz', 'ddd', 'portal')),
    region       TEXT NOT NULL DEFAULT '',      -- court code prefix served ('' national)
    endpoint     TEXT NOT NULL DEFAULT '',
    key_id       TEXT NOT NULL DEFAULT '',
    secret       TEXT NOT NULL DEFAULT '',
    rate_per_sec INTEGER NOT NULL DEFAULT 0 CHECK (rate_per_sec >= 0),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    poll_cursor  BIGINT NOT NULL DEFAULT 0,     -- the last result Seq read by polling
    polled_at    TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- An agency operator's account belongs to one agency and sees only its
-- requests.
ALTER TABLE users ADD COLUMN agency_id UUID REFERENCES agencies (id);

-- One inquiry (一键查询) of a case: every kind, every respondent, with who
-- asked and why (INV-4). Created 'pending' (cheap, in the transaction that
-- causes it: filing, a click, a re-query); the dispatcher expands it into
-- its agency requests ('open'); 'done' once every request ended.
CREATE TABLE asset_inquiries (
    id                UUID PRIMARY KEY,
    court_id          UUID NOT NULL REFERENCES courts (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    source            TEXT NOT NULL CHECK (source IN ('filing', 'manual', 'requery')),
    purpose           TEXT NOT NULL CHECK (purpose <> ''),
    kinds             TEXT NOT NULL DEFAULT '',  -- space-separated; '' every kind
    party_ids         TEXT NOT NULL DEFAULT '',  -- space-separated; '' every respondent
    status            TEXT NOT NULL CHECK (status IN ('pending', 'open', 'done')),
    requests          INTEGER NOT NULL DEFAULT 0,
    answered          INTEGER NOT NULL DEFAULT 0,
    found             INTEGER NOT NULL DEFAULT 0, -- holdings reported
    requested_by      UUID,                        -- NULL: the system
    requested_by_name TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    finished_at       TIMESTAMPTZ
);
CREATE INDEX asset_inquiries_case ON asset_inquiries (case_id, created_at);
CREATE INDEX asset_inquiries_pending ON asset_inquiries (status, created_at) WHERE status = 'pending';

-- The assets agencies reported, one row per (party, agency, kind, reference):
-- repeated findings merge into it (duplicates merged), latest values kept.
CREATE TABLE assets (
    id              UUID PRIMARY KEY,
    party_id        UUID NOT NULL REFERENCES parties (id),
    agency_id       UUID NOT NULL REFERENCES agencies (id),
    kind            TEXT NOT NULL,
    ref             TEXT NOT NULL,
    institution     TEXT NOT NULL DEFAULT '',
    description     TEXT NOT NULL DEFAULT '',
    value_fen       BIGINT NOT NULL DEFAULT 0,
    available_fen   BIGINT NOT NULL DEFAULT 0,
    attributes      TEXT NOT NULL DEFAULT '',   -- JSON object
    exempt          BOOLEAN NOT NULL DEFAULT FALSE,  -- TERM-6
    exempt_reason   TEXT NOT NULL DEFAULT '',
    first_found_at  TIMESTAMPTZ NOT NULL,
    last_seen_at    TIMESTAMPTZ NOT NULL,
    last_request_id UUID,
    UNIQUE (party_id, agency_id, kind, ref)
);

-- Controls (查封、扣押、冻结): the seizure registry across cases and courts.
-- rank orders the controls in force on one asset: 1 首封, 2… 轮候 (TERM-3).
CREATE TABLE controls (
    id                UUID PRIMARY KEY,
    court_id          UUID NOT NULL REFERENCES courts (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    asset_id          UUID NOT NULL REFERENCES assets (id),
    op                TEXT NOT NULL CHECK (op IN ('freeze', 'seize')),
    status            TEXT NOT NULL CHECK (status IN ('requested', 'active', 'waiting', 'failed', 'released', 'expired')),
    amount_asked_fen  BIGINT NOT NULL DEFAULT 0 CHECK (amount_asked_fen >= 0),
    amount_fen        BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),   -- in force (frozen, less what was deducted)
    deducted_fen      BIGINT NOT NULL DEFAULT 0 CHECK (deducted_fen >= 0),
    term_class        TEXT NOT NULL,
    term_to           DATE,                    -- last day in force (TERM-1, TERM-2)
    effective_at      TIMESTAMPTZ,
    rank              INTEGER NOT NULL DEFAULT 0,
    agency_ref        TEXT NOT NULL DEFAULT '',
    preservation      BOOLEAN NOT NULL DEFAULT FALSE,  -- placed in a 执保 case (TERM-5)
    carried_from      UUID,                      -- the preservation control it continues
    warned_days       INTEGER NOT NULL DEFAULT 0,      -- the smallest expiry warning given (30, 7)
    reason            TEXT NOT NULL,
    requested_by_name TEXT NOT NULL,
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL,
    ended_at          TIMESTAMPTZ,
    end_reason        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX controls_asset ON controls (asset_id, status, rank);
CREATE INDEX controls_case ON controls (case_id, created_at);
CREATE INDEX controls_expiry ON controls (term_to) WHERE status IN ('active', 'waiting');

-- Every message to an agency and its answer (INV-4, INV-5): the outbox the
-- dispatcher sends from, and the record of who asked what for which case.
-- The id is the request id the agency sees: retries reuse it.
CREATE TABLE agency_requests (
    id                UUID PRIMARY KEY,
    court_id          UUID NOT NULL REFERENCES courts (id),
    case_id           UUID NOT NULL REFERENCES cases (id),
    inquiry_id        UUID REFERENCES asset_inquiries (id),
    control_id        UUID REFERENCES controls (id),
    agency_id         UUID NOT NULL REFERENCES agencies (id),
    party_id          UUID NOT NULL REFERENCES parties (id),
    kind              TEXT NOT NULL,
    op                TEXT NOT NULL CHECK (op IN ('inquire', 'freeze', 'seize', 'deduct', 'renew', 'release', 'locate')),
    asset_id          UUID REFERENCES assets (id),
    amount_fen        BIGINT NOT NULL DEFAULT 0 CHECK (amount_fen >= 0),
    term_to           DATE,
    purpose           TEXT NOT NULL CHECK (purpose <> ''),
    documents         TEXT NOT NULL DEFAULT '',  -- JSON list of agency.Document
    requested_by      UUID,
    requested_by_name TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'answered', 'rejected', 'dead')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_at           TIMESTAMPTZ NOT NULL,              -- queued: not before (also the lease of a send in flight)
    last_error        TEXT NOT NULL DEFAULT '',
    sent_at           TIMESTAMPTZ,
    answered_at       TIMESTAMPTZ,
    result_status     TEXT NOT NULL DEFAULT '',
    result_message    TEXT NOT NULL DEFAULT '',
    result            TEXT NOT NULL DEFAULT '',  -- the agency's Result, JSON
    answered_by       TEXT NOT NULL DEFAULT '',  -- callback, poll, or the portal operator's name
    created_at        TIMESTAMPTZ NOT NULL,
    updated_at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX agency_requests_due ON agency_requests (status, next_at) WHERE status = 'queued';
CREATE INDEX agency_requests_waiting ON agency_requests (agency_id, status, sent_at) WHERE status = 'sent';
CREATE INDEX agency_requests_case ON agency_requests (case_id, created_at);
CREATE INDEX agency_requests_inquiry ON agency_requests (inquiry_id) WHERE inquiry_id IS NOT NULL;
CREATE INDEX agency_requests_agency ON agency_requests (agency_id, id);
CREATE INDEX agency_requests_dead ON agency_requests (status, id) WHERE status = 'dead';

-- +goose Down
DROP TABLE agency_requests;
DROP TABLE controls;
DROP TABLE assets;
DROP TABLE asset_inquiries;
ALTER TABLE users DROP COLUMN agency_id;
DROP TABLE agencies;
