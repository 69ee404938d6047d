-- +goose Up
-- Remedies (DOMAIN.md §6: 执行异议, 案外人异议, 复议, 执行信访) and the command
-- center's hotline (热线). The SQLite twin is ../sqlite/00022_remedies.sql.

-- A remedy against (or complaint about) an enforcement case. court_id is
-- the court that examines it: the case's court, or for 复议 the next higher
-- court; origin_court_id is always the case's court. number is the 执异 or
-- 执复 case number from case_counters (or the 执行信访 register number),
-- given at registration. State: filed → (复议: forwarded →) registered or
-- not_accepted → examined → decided → served. due_on is the next due day of
-- the current state (for the overdue lists).
CREATE TABLE remedies (
    id                  UUID PRIMARY KEY,
    court_id            UUID NOT NULL REFERENCES courts (id),
    origin_court_id     UUID NOT NULL REFERENCES courts (id),
    case_id             UUID NOT NULL REFERENCES cases (id),
    kind                TEXT NOT NULL CHECK (kind IN ('objection', 'outsider', 'review', 'complaint')),
    state               TEXT NOT NULL CHECK (state IN ('filed', 'forwarded', 'registered', 'not_accepted', 'examined', 'decided', 'served')),
    reviewed_id         UUID REFERENCES remedies (id),   -- 复议: the objection whose ruling it reviews
    number              TEXT NOT NULL DEFAULT '',
    applicant_name      TEXT NOT NULL CHECK (applicant_name <> ''),
    applicant_role      TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL DEFAULT '',
    request             TEXT NOT NULL CHECK (request <> ''),
    grounds             TEXT NOT NULL DEFAULT '',
    asset_id            UUID REFERENCES assets (id),     -- 案外人异议: the asset claimed
    received_on         DATE NOT NULL,
    restarted_on        DATE,                            -- a 复议 sent it back: examined again from this day
    forwarded_on        DATE,
    registered_on       DATE,
    not_accepted_reason TEXT NOT NULL DEFAULT '',
    examined_on         DATE,
    examination         TEXT NOT NULL DEFAULT '',
    decided_on          DATE,
    outcome             TEXT NOT NULL DEFAULT '',
    decision            TEXT NOT NULL DEFAULT '',
    served_on           DATE,
    extended            BOOLEAN NOT NULL DEFAULT FALSE,
    extension_reason    TEXT NOT NULL DEFAULT '',
    extended_by_name    TEXT NOT NULL DEFAULT '',
    remands             INTEGER NOT NULL DEFAULT 0,      -- times a 复议 sent it back (OBJ-3: at most once)
    -- The clocks (legal.RemedyDeadlines), kept at every step: OBJ-1/XF-1,
    -- OBJ-3 forwarding, OBJ-2/OBJ-4/OBJ-3/XF-1 decision, OBJ-5 overall and
    -- the last day to ask its extension; after service, the 复议 window
    -- (OBJ-3) and the suit window (OBJ-4).
    register_by         DATE,
    forward_by          DATE,
    decide_by           DATE,
    overall_by          DATE,
    extend_ask_by       DATE,
    review_by           DATE,
    suit_by             DATE,
    due_on              DATE,                            -- the next of these the current state waits for
    created_by          UUID REFERENCES users (id),
    created_by_name     TEXT NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL
);
CREATE INDEX remedies_court ON remedies (court_id, state, id);
CREATE INDEX remedies_origin ON remedies (origin_court_id, id);
CREATE INDEX remedies_case ON remedies (case_id, id);
CREATE INDEX remedies_reviewed ON remedies (reviewed_id) WHERE reviewed_id IS NOT NULL;

-- Each step of a remedy, with who and when.
CREATE TABLE remedy_steps (
    id         UUID PRIMARY KEY,
    remedy_id  UUID NOT NULL REFERENCES remedies (id),
    step       TEXT NOT NULL,
    on_date    DATE NOT NULL,
    summary    TEXT NOT NULL,
    actor_id   UUID REFERENCES users (id),
    actor_name TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX remedy_steps_remedy ON remedy_steps (remedy_id, at);

-- Assets whose enforcement stopped because an outsider's objection was
-- upheld (OBJ-4): disposal code asks remedies.AssetBlocked.
CREATE TABLE remedy_asset_stops (
    remedy_id  UUID PRIMARY KEY REFERENCES remedies (id),
    asset_id   UUID NOT NULL REFERENCES assets (id),
    court_id   UUID NOT NULL REFERENCES courts (id),
    case_id    UUID NOT NULL REFERENCES cases (id),
    since_on   DATE NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX remedy_asset_stops_asset ON remedy_asset_stops (asset_id);

-- Hotline calls (热线): open → routed → closed (answered). due_on is the
-- answer deadline (HOT-1, local practice, working days).
CREATE TABLE hotline_calls (
    id               UUID PRIMARY KEY,
    court_id         UUID NOT NULL REFERENCES courts (id),
    kind             TEXT NOT NULL CHECK (kind IN ('consult', 'progress', 'reach_judge', 'complaint')),
    state            TEXT NOT NULL CHECK (state IN ('open', 'routed', 'closed')),
    caller_name      TEXT NOT NULL CHECK (caller_name <> ''),
    caller_phone     TEXT NOT NULL CHECK (caller_phone <> ''),
    case_id          UUID REFERENCES cases (id),
    question         TEXT NOT NULL CHECK (question <> ''),
    received_at      TIMESTAMPTZ NOT NULL,
    due_on           DATE NOT NULL,
    routed_user_id   UUID REFERENCES users (id),
    routed_team_id   UUID REFERENCES teams (id),
    route_note       TEXT NOT NULL DEFAULT '',
    routed_by_name   TEXT NOT NULL DEFAULT '',
    routed_at        TIMESTAMPTZ,
    answer           TEXT NOT NULL DEFAULT '',
    answered_by_name TEXT NOT NULL DEFAULT '',
    closed_at        TIMESTAMPTZ,
    closed_on        DATE,
    on_time          BOOLEAN,
    created_by       UUID REFERENCES users (id),
    created_by_name  TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX hotline_calls_open ON hotline_calls (court_id, state, due_on, id);
CREATE INDEX hotline_calls_case ON hotline_calls (case_id, id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP TABLE hotline_calls;
DROP TABLE remedy_asset_stops;
DROP TABLE remedy_steps;
DROP TABLE remedies;
