-- +goose Up
-- Remedies (DOMAIN.md §6: 执行异议, 案外人异议, 复议, 执行信访) and the command
-- center's hotline (热线). The PostgreSQL twin is ../postgres/00022_remedies.sql.

-- A remedy against (or complaint about) an enforcement case. court_id is
-- the court that examines it: the case's court, or for 复议 the next higher
-- court; origin_court_id is always the case's court. number is the 执异 or
-- 执复 case number from case_counters (or the 执行信访 register number),
-- given at registration. State: filed → (复议: forwarded →) registered or
-- not_accepted → examined → decided → served. due_on is the next due day of
-- the current state (for the overdue lists).
CREATE TABLE remedies (
    id                  TEXT PRIMARY KEY,
    court_id            TEXT NOT NULL REFERENCES courts (id),
    origin_court_id     TEXT NOT NULL REFERENCES courts (id),
    case_id             TEXT NOT NULL REFERENCES cases (id),
    kind                TEXT NOT NULL CHECK (kind IN ('objection', 'outsider', 'review', 'complaint')),
    state               TEXT NOT NULL CHECK (state IN ('filed', 'forwarded', 'registered', 'not_accepted', 'examined', 'decided', 'served')),
    reviewed_id         TEXT REFERENCES remedies (id),   -- 复议: the objection whose ruling it reviews
    number              TEXT NOT NULL DEFAULT '',
    applicant_name      TEXT NOT NULL CHECK (applicant_name <> ''),
    applicant_role      TEXT NOT NULL,
    applicant_phone     TEXT NOT NULL DEFAULT '',
    request             TEXT NOT NULL CHECK (request <> ''),
    grounds             TEXT NOT NULL DEFAULT '',
    asset_id            TEXT REFERENCES assets (id),     -- 案外人异议: the asset claimed
    received_on         TEXT NOT NULL,
    restarted_on        TEXT,                            -- a 复议 sent it back: examined again from this day
    forwarded_on        TEXT,
    registered_on       TEXT,
    not_accepted_reason TEXT NOT NULL DEFAULT '',
    examined_on         TEXT,
    examination         TEXT NOT NULL DEFAULT '',
    decided_on          TEXT,
    outcome             TEXT NOT NULL DEFAULT '',
    decision            TEXT NOT NULL DEFAULT '',
    served_on           TEXT,
    extended            BOOLEAN NOT NULL DEFAULT FALSE,
    extension_reason    TEXT NOT NULL DEFAULT '',
    extended_by_name    TEXT NOT NULL DEFAULT '',
    remands             INTEGER NOT NULL DEFAULT 0,      -- times a 复议 sent it back (OBJ-3: at most once)
    -- The clocks (legal.RemedyDeadlines), kept at every step: OBJ-1/XF-1,
    -- OBJ-3 forwarding, OBJ-2/OBJ-4/OBJ-3/XF-1 decision, OBJ-5 overall and
    -- the last day to ask its extension; after service, the 复议 window
    -- (OBJ-3) and the suit window (OBJ-4).
    register_by         TEXT,
    forward_by          TEXT,
    decide_by           TEXT,
    overall_by          TEXT,
    extend_ask_by       TEXT,
    review_by           TEXT,
    suit_by             TEXT,
    due_on              TEXT,                            -- the next of these the current state waits for
    created_by          TEXT REFERENCES users (id),
    created_by_name     TEXT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL
);
CREATE INDEX remedies_court ON remedies (court_id, state, id);
CREATE INDEX remedies_origin ON remedies (origin_court_id, id);
CREATE INDEX remedies_case ON remedies (case_id, id);
CREATE INDEX remedies_reviewed ON remedies (reviewed_id) WHERE reviewed_id IS NOT NULL;

-- Each step of a remedy, with who and when.
CREATE TABLE remedy_steps (
    id         TEXT PRIMARY KEY,
    remedy_id  TEXT NOT NULL REFERENCES remedies (id),
    step       TEXT NOT NULL,
    on_date    TEXT NOT NULL,
    summary    TEXT NOT NULL,
    actor_id   TEXT REFERENCES users (id),
    actor_name TEXT NOT NULL,
    at         TIMESTAMP NOT NULL
);
CREATE INDEX remedy_steps_remedy ON remedy_steps (remedy_id, at);

-- Assets whose enforcement stopped because an outsider's objection was
-- upheld (OBJ-4): disposal code asks remedies.AssetBlocked.
CREATE TABLE remedy_asset_stops (
    remedy_id  TEXT PRIMARY KEY REFERENCES remedies (id),
    asset_id   TEXT NOT NULL REFERENCES assets (id),
    court_id   TEXT NOT NULL REFERENCES courts (id),
    case_id    TEXT NOT NULL REFERENCES cases (id),
    since_on   TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX remedy_asset_stops_asset ON remedy_asset_stops (asset_id);

-- Hotline calls (热线): open → routed → closed (answered). due_on is the
-- answer deadline (HOT-1, local practice, working days).
CREATE TABLE hotline_calls (
    id               TEXT PRIMARY KEY,
    court_id         TEXT NOT NULL REFERENCES courts (id),
    kind             TEXT NOT NULL CHECK (kind IN ('consult', 'progress', 'reach_judge', 'complaint')),
    state            TEXT NOT NULL CHECK (state IN ('open', 'routed', 'closed')),
    caller_name      TEXT NOT NULL CHECK (caller_name <> ''),
    caller_phone     TEXT NOT NULL CHECK (caller_phone <> ''),
    case_id          TEXT REFERENCES cases (id),
    question         TEXT NOT NULL CHECK (question <> ''),
    received_at      TIMESTAMP NOT NULL,
    due_on           TEXT NOT NULL,
    routed_user_id   TEXT REFERENCES users (id),
    routed_team_id   TEXT REFERENCES teams (id),
    route_note       TEXT NOT NULL DEFAULT '',
    routed_by_name   TEXT NOT NULL DEFAULT '',
    routed_at        TIMESTAMP,
    answer           TEXT NOT NULL DEFAULT '',
    answered_by_name TEXT NOT NULL DEFAULT '',
    closed_at        TIMESTAMP,
    closed_on        TEXT,
    on_time          BOOLEAN,
    created_by       TEXT REFERENCES users (id),
    created_by_name  TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX hotline_calls_open ON hotline_calls (court_id, state, due_on, id);
CREATE INDEX hotline_calls_case ON hotline_calls (case_id, id) WHERE case_id IS NOT NULL;

-- +goose Down
DROP TABLE hotline_calls;
DROP TABLE remedy_asset_stops;
DROP TABLE remedy_steps;
DROP TABLE remedies;
