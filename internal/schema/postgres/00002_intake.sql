-- Intake and the case (issue 3, DOMAIN.md §1–3): parties, enforcement
-- applications and their materials, pre-enforcement mediation, bulk intake,
-- case numbering, triage rule sets, cases with their timeline and clock, and
-- the holiday calendar. The SQLite twin is ../sqlite/00002_intake.sql.

-- +goose Up

-- The statutory holiday and make-up working-day calendar (CAL-1), as sparse
-- per-year data an administrator edits.
CREATE TABLE calendar_days (
    day        DATE PRIMARY KEY,
    kind       TEXT NOT NULL CHECK (kind IN ('holiday', 'workday')),
    name       TEXT NOT NULL DEFAULT '',
    notice     TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMPTZ NOT NULL
);

-- One party per resident ID or credit code, across cases and courts, so the
-- debtor view can list every case of a party. Parties without an identity
-- number (rare: foreign parties, unknown) get one row per appearance.
CREATE TABLE parties (
    id              UUID PRIMARY KEY,
    kind            TEXT NOT NULL CHECK (kind IN ('person', 'organization')),
    name            TEXT NOT NULL,
    id_number       TEXT NOT NULL DEFAULT '',  -- normalised resident ID or 统一社会信用代码
    id_checked      BOOLEAN NOT NULL,          -- passed IDC-1/USCC-1 checks
    id_override     TEXT NOT NULL DEFAULT '',  -- ID-OVR-1 reason code when it did not
    id_override_note TEXT NOT NULL DEFAULT '',
    id_override_by  UUID,
    id_override_at  TIMESTAMPTZ,
    legal_rep       TEXT NOT NULL DEFAULT '',  -- organisation's legal representative
    phone           TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX parties_identity ON parties (kind, id_number) WHERE id_number <> '';
CREATE INDEX parties_name ON parties (name);

CREATE TABLE bulk_batches (
    id           UUID PRIMARY KEY,
    court_id     UUID NOT NULL REFERENCES courts (id),
    file_sha256  TEXT NOT NULL,
    file_name    TEXT NOT NULL,
    format       TEXT NOT NULL CHECK (format IN ('csv', 'xlsx', 'json')),
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    total_rows   INTEGER NOT NULL,
    done_rows    INTEGER NOT NULL DEFAULT 0,
    created_rows INTEGER NOT NULL DEFAULT 0,
    error_rows   INTEGER NOT NULL DEFAULT 0,
    submitted_by UUID NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    content      BYTEA NOT NULL,         -- the file as uploaded (or the JSON body), read again to resume
    UNIQUE (court_id, file_sha256)
);

CREATE TABLE bulk_rows (
    batch_id       UUID NOT NULL REFERENCES bulk_batches (id),
    row_no         INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('created', 'invalid', 'duplicate')),
    application_id UUID,
    errors         TEXT NOT NULL DEFAULT '',  -- JSON list of {field, detail}
    PRIMARY KEY (batch_id, row_no)
);

CREATE TABLE applications (
    id                   UUID PRIMARY KEY,
    court_id             UUID NOT NULL REFERENCES courts (id),
    status               TEXT NOT NULL CHECK (status IN ('received', 'mediation', 'filed', 'refused', 'settled', 'withdrawn')),
    channel              TEXT NOT NULL CHECK (channel IN ('window', 'api', 'bulk')),
    case_type            TEXT NOT NULL REFERENCES case_types (code),
    received_on          DATE NOT NULL,
    decision_due         DATE NOT NULL,        -- CLOCK-4
    basis_kind           TEXT NOT NULL,
    basis_document_no    TEXT NOT NULL,
    basis_key            TEXT NOT NULL,        -- normalised document number, for duplicates
    basis_issued_by      TEXT NOT NULL,
    basis_effective_date DATE NOT NULL,
    basis_due_date       DATE,                 -- last performance day, if the basis sets one
    period_last_day      DATE NOT NULL,        -- CLOCK-1
    period_late          BOOLEAN NOT NULL,
    period_note          TEXT NOT NULL DEFAULT '',
    claim_amount_fen     BIGINT NOT NULL CHECK (claim_amount_fen >= 0),
    non_money_claims     TEXT NOT NULL DEFAULT '',
    note                 TEXT NOT NULL DEFAULT '',
    received_by          UUID NOT NULL,
    decided_by           UUID,
    decided_at           TIMESTAMPTZ,
    refusal_reason       TEXT NOT NULL DEFAULT '',
    case_id              UUID,
    batch_id             UUID,
    batch_row            INTEGER,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (court_id, id)
);
CREATE INDEX applications_court_status ON applications (court_id, status, id);
CREATE INDEX applications_basis ON applications (basis_key);
CREATE UNIQUE INDEX applications_batch_row ON applications (batch_id, batch_row) WHERE batch_id IS NOT NULL;

CREATE TABLE application_parties (
    application_id UUID NOT NULL REFERENCES applications (id),
    seq            INTEGER NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('applicant', 'respondent')),
    party_id       UUID NOT NULL REFERENCES parties (id),
    name           TEXT NOT NULL,
    phone          TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT '',
    legal_rep      TEXT NOT NULL DEFAULT '',
    financial      BOOLEAN NOT NULL DEFAULT FALSE,   -- applicant is a financial institution
    PRIMARY KEY (application_id, seq)
);
CREATE INDEX application_parties_party ON application_parties (party_id);

-- The checklist of materials per basis kind, as data.
CREATE TABLE material_kinds (
    basis_kind TEXT NOT NULL,
    code       TEXT NOT NULL,
    name       TEXT NOT NULL,
    required   BOOLEAN NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    PRIMARY KEY (basis_kind, code)
);

CREATE TABLE application_materials (
    application_id UUID NOT NULL REFERENCES applications (id),
    code           TEXT NOT NULL,
    name           TEXT NOT NULL,
    required       BOOLEAN NOT NULL,
    received       BOOLEAN NOT NULL,
    copies         INTEGER NOT NULL DEFAULT 0,
    note           TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (application_id, code)
);

-- 执诉前调: one mediation per application.
CREATE TABLE mediations (
    application_id UUID PRIMARY KEY REFERENCES applications (id),
    court_id       UUID NOT NULL REFERENCES courts (id),
    mediator_id    UUID NOT NULL REFERENCES users (id),
    status         TEXT NOT NULL CHECK (status IN ('open', 'paid', 'settled', 'failed')),
    notice_sent_on DATE,                       -- 执前督促履行告知书
    started_at     TIMESTAMPTZ NOT NULL,
    ended_at       TIMESTAMPTZ,
    outcome_note   TEXT NOT NULL DEFAULT '',
    paid_fen       BIGINT NOT NULL DEFAULT 0 CHECK (paid_fen >= 0)
);
CREATE INDEX mediations_mediator ON mediations (mediator_id, status);

CREATE TABLE mediation_contacts (
    id             UUID PRIMARY KEY,
    application_id UUID NOT NULL REFERENCES mediations (application_id),
    at             TIMESTAMPTZ NOT NULL,
    channel        TEXT NOT NULL CHECK (channel IN ('phone', 'visit', 'sms', 'video', 'other')),
    party_name     TEXT NOT NULL DEFAULT '',
    summary        TEXT NOT NULL,
    recorded_by    UUID NOT NULL
);
CREATE INDEX mediation_contacts_app ON mediation_contacts (application_id, at);

-- Triage rule sets (FLOW-5), versioned per court; the platform default has no
-- court. Only one version per scope is active.
CREATE TABLE triage_rule_sets (
    id           UUID PRIMARY KEY,
    court_id     UUID REFERENCES courts (id),
    version      INTEGER NOT NULL,
    rules        TEXT NOT NULL,               -- JSON
    note         TEXT NOT NULL DEFAULT '',
    active       BOOLEAN NOT NULL,
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ
);
CREATE UNIQUE INDEX triage_rule_sets_court_version ON triage_rule_sets (court_id, version) WHERE court_id IS NOT NULL;
CREATE UNIQUE INDEX triage_rule_sets_platform_version ON triage_rule_sets (version) WHERE court_id IS NULL;

-- CASENO-2: the last sequence number per (court, 类型代字, year), advanced in
-- the filing transaction, so numbers have no gaps and no duplicates.
CREATE TABLE case_counters (
    court_id UUID NOT NULL REFERENCES courts (id),
    zi       TEXT NOT NULL,
    year     INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    PRIMARY KEY (court_id, zi, year)
);

CREATE TABLE cases (
    id                   UUID PRIMARY KEY,
    court_id             UUID NOT NULL REFERENCES courts (id),
    case_no              TEXT NOT NULL UNIQUE,  -- canonical （2024）粤0607执1234号
    year                 INTEGER NOT NULL,
    zi                   TEXT NOT NULL,
    seq                  INTEGER NOT NULL,
    case_type            TEXT NOT NULL REFERENCES case_types (code),
    application_id       UUID UNIQUE,
    origin_case_id       UUID,                  -- the case a 执恢 case restores
    status               TEXT NOT NULL CHECK (status IN ('filed', 'in_progress', 'suspended', 'deferred', 'closed')),
    closure              TEXT NOT NULL DEFAULT '', -- CODE-3 when closed
    closure_reason       TEXT NOT NULL DEFAULT '',
    lane                 TEXT NOT NULL DEFAULT '',
    team_id              UUID,
    handler_id           UUID,
    assigned_on          DATE,
    triage_rule          TEXT NOT NULL DEFAULT '',
    triage_version       INTEGER NOT NULL DEFAULT 0,
    triage_explanation   TEXT NOT NULL DEFAULT '',
    triage_override      TEXT NOT NULL DEFAULT '', -- reason for a manual lane change
    facts                TEXT NOT NULL DEFAULT '', -- JSON triage facts at filing, for dry runs
    basis_kind           TEXT NOT NULL,
    basis_document_no    TEXT NOT NULL,
    claim_amount_fen     BIGINT NOT NULL,
    recovered_amount_fen BIGINT NOT NULL DEFAULT 0,
    non_litigation       BOOLEAN NOT NULL DEFAULT FALSE,
    received_on          DATE NOT NULL,
    filed_on             DATE NOT NULL,
    deadline             DATE NOT NULL,          -- effective deadline (CLOCK-2, -3, -8), kept current
    closed_on            DATE,
    party_names          TEXT NOT NULL DEFAULT '', -- for search and lists: 申请人 | 被执行人
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    UNIQUE (court_id, zi, year, seq),
    FOREIGN KEY (court_id, team_id) REFERENCES teams (court_id, id)
);
CREATE INDEX cases_court_filed ON cases (court_id, filed_on, id);
CREATE INDEX cases_court_status ON cases (court_id, status, id);
CREATE INDEX cases_handler ON cases (handler_id, status);
CREATE INDEX cases_team ON cases (team_id, status);
CREATE INDEX cases_open_deadline ON cases (deadline) WHERE status <> 'closed';

-- Open cases per team and per handler, kept with every change of a case's
-- team, handler or closure, so choosing by load reads one row per candidate
-- instead of counting cases (filing stays flat as cases accumulate).
CREATE TABLE workloads (
    owner_id   UUID PRIMARY KEY,   -- a team or a user
    open_cases INTEGER NOT NULL CHECK (open_cases >= 0)
);

CREATE TABLE case_parties (
    case_id   UUID NOT NULL REFERENCES cases (id),
    seq       INTEGER NOT NULL,
    role      TEXT NOT NULL CHECK (role IN ('applicant', 'respondent')),
    party_id  UUID NOT NULL REFERENCES parties (id),
    name      TEXT NOT NULL,
    phone     TEXT NOT NULL DEFAULT '',
    address   TEXT NOT NULL DEFAULT '',
    legal_rep TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_parties_party ON case_parties (party_id, case_id);

-- The case's timeline, as the people working it read it.
CREATE TABLE case_events (
    id         UUID PRIMARY KEY,
    case_id    UUID NOT NULL REFERENCES cases (id),
    at         TIMESTAMPTZ NOT NULL,
    kind       TEXT NOT NULL,
    summary    TEXT NOT NULL,
    actor_id   UUID,
    actor_name TEXT NOT NULL
);
CREATE INDEX case_events_case ON case_events (case_id, at, id);

-- Extensions and deductions of the case clock (CLOCK-3, CLOCK-8), each with
-- its approval.
CREATE TABLE case_clock_entries (
    id             UUID PRIMARY KEY,
    case_id        UUID NOT NULL REFERENCES cases (id),
    kind           TEXT NOT NULL CHECK (kind IN ('extension', 'deduction')),
    deduction_kind TEXT NOT NULL DEFAULT '',
    from_date      DATE,
    to_date        DATE,
    months         INTEGER NOT NULL DEFAULT 0,
    days           INTEGER NOT NULL DEFAULT 0,
    status         TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'refused')),
    reason         TEXT NOT NULL,
    requested_by   UUID NOT NULL,
    requested_at   TIMESTAMPTZ NOT NULL,
    decided_by     UUID,
    decided_at     TIMESTAMPTZ,
    decision_note  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX case_clock_entries_case ON case_clock_entries (case_id, requested_at);

-- +goose Down
DROP TABLE case_clock_entries;
DROP TABLE case_events;
DROP TABLE case_parties;
DROP TABLE workloads;
DROP TABLE cases;
DROP TABLE case_counters;
DROP TABLE triage_rule_sets;
DROP TABLE mediation_contacts;
DROP TABLE mediations;
DROP TABLE application_materials;
DROP TABLE material_kinds;
DROP TABLE application_parties;
DROP TABLE applications;
DROP TABLE bulk_rows;
DROP TABLE bulk_batches;
DROP TABLE parties;
DROP TABLE calendar_days;
