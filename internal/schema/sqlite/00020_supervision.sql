-- +goose Up
-- Supervision (督办, DOMAIN.md §12): rule sets as court data, the due-date
-- queue the daily scan reads, the items the rules (or people) raise and
-- their history, and the lists (督办清单) the command center issues to a team.
-- The PostgreSQL twin is ../postgres/00020_supervision.sql.

-- A court's supervision rules, one row per version; at most one active. A
-- court without an active version uses the built-in defaults (version 0).
CREATE TABLE supervision_rule_sets (
    id              TEXT PRIMARY KEY,
    court_id        TEXT NOT NULL REFERENCES courts (id),
    version         INTEGER NOT NULL CHECK (version > 0),
    rules           TEXT NOT NULL,              -- JSON array of rules
    note            TEXT NOT NULL DEFAULT '',
    active          BOOLEAN NOT NULL DEFAULT FALSE,
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    activated_at    TIMESTAMP,
    -- Activation re-reads every open subject of the court (a job): its progress.
    rewatch_total   INTEGER NOT NULL DEFAULT 0,
    rewatch_done    INTEGER NOT NULL DEFAULT 0,
    rewatch_finished_at TIMESTAMP,
    UNIQUE (court_id, version)
);
CREATE UNIQUE INDEX supervision_rule_sets_active ON supervision_rule_sets (court_id) WHERE active;

-- The due-date queue: for each watched subject (a case, a control, a
-- creditor's account) the next day one of its rules needs looking at (a
-- warning or an item due). Kept in the transaction of every change of the
-- subject's facts; the scan reads only the rows due, so its cost follows
-- what is due, not what is open.
CREATE TABLE supervision_watches (
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('case', 'control', 'account')),
    subject_id   TEXT NOT NULL,
    court_id     TEXT NOT NULL,
    due_on       TEXT NOT NULL,
    PRIMARY KEY (subject_kind, subject_id)
);
CREATE INDEX supervision_watches_due ON supervision_watches (due_on, subject_kind, subject_id);
-- The case a 执恢 case restores: its facts read the restoration (ZB-8).
CREATE INDEX cases_origin ON cases (origin_case_id) WHERE origin_case_id IS NOT NULL;

CREATE TABLE supervision_lists (
    id             TEXT PRIMARY KEY,
    court_id       TEXT NOT NULL REFERENCES courts (id),
    team_id        TEXT NOT NULL,
    title          TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    deadline       TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    item_count     INTEGER NOT NULL DEFAULT 0,
    issued_by      TEXT REFERENCES users (id),
    issued_by_name TEXT NOT NULL,
    created_at     TIMESTAMP NOT NULL,
    closed_at      TIMESTAMP,
    FOREIGN KEY (court_id, team_id) REFERENCES teams (court_id, id)
);
CREATE INDEX supervision_lists_court ON supervision_lists (court_id, created_at);
CREATE INDEX supervision_lists_team ON supervision_lists (team_id, status);

-- An item: status warning (SUP-2: before the node's day T) → open (raised at
-- T, at level 1) → answered → closed; escalated level by level (SUP-3:
-- 1 承办人, 2 团队长, 3 执行局长, 4 院长) while open past escalate_on. An item
-- whose condition no longer holds is closed as cleared (and reopened if it
-- holds again for the same day T).
CREATE TABLE supervision_items (
    id               TEXT PRIMARY KEY,
    court_id         TEXT NOT NULL REFERENCES courts (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    team_id          TEXT,
    handler_id       TEXT,
    subject_kind     TEXT NOT NULL CHECK (subject_kind IN ('case', 'control', 'account')),
    subject_id       TEXT NOT NULL,
    source           TEXT NOT NULL CHECK (source IN ('rule', 'manual', 'list')),
    rule_id          TEXT NOT NULL DEFAULT '',
    rule_version     INTEGER NOT NULL DEFAULT 0,
    module           TEXT NOT NULL,
    severity         TEXT NOT NULL CHECK (severity IN ('low', 'normal', 'high')),
    title            TEXT NOT NULL,
    detail           TEXT NOT NULL DEFAULT '',
    status           TEXT NOT NULL CHECK (status IN ('warning', 'open', 'answered', 'closed')),
    level            INTEGER NOT NULL CHECK (level BETWEEN 1 AND 4),
    assignee_id      TEXT,
    assignee_name    TEXT NOT NULL DEFAULT '',
    due_on           TEXT NOT NULL,             -- T: the node's day
    raised_on        TEXT,                      -- the day it became an item; NULL while a warning
    answer_due       TEXT,
    escalate_on      TEXT,                      -- the next level's day while open; NULL at the top
    escalation       TEXT NOT NULL DEFAULT '',  -- the chain: days after T of levels 2, 3, 4 ("3,7,15")
    list_id          TEXT REFERENCES supervision_lists (id),
    answer           TEXT NOT NULL DEFAULT '',
    answered_on      TEXT,
    answered_by_name TEXT NOT NULL DEFAULT '',
    closed_on        TEXT,
    closed_by_name   TEXT NOT NULL DEFAULT '',
    close_reason     TEXT NOT NULL DEFAULT '' CHECK (close_reason IN ('', 'accepted', 'cleared', 'withdrawn')),
    on_time          BOOLEAN,                   -- answered by answer_due (MET-13)
    handling_days    INTEGER,                   -- closed_on − raised_on (MET-13)
    raised_by_name   TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL
);
-- One item per rule, subject and day T.
CREATE UNIQUE INDEX supervision_items_rule ON supervision_items (rule_id, subject_kind, subject_id, due_on) WHERE source = 'rule';
CREATE INDEX supervision_items_subject ON supervision_items (subject_kind, subject_id) WHERE status <> 'closed';
CREATE INDEX supervision_items_escalate ON supervision_items (escalate_on) WHERE status = 'open';
CREATE INDEX supervision_items_court ON supervision_items (court_id, status, due_on, id);
CREATE INDEX supervision_items_assignee ON supervision_items (assignee_id, status);
CREATE INDEX supervision_items_team ON supervision_items (team_id, status);
CREATE INDEX supervision_items_case ON supervision_items (case_id, created_at);
CREATE INDEX supervision_items_list ON supervision_items (list_id) WHERE list_id IS NOT NULL;
CREATE INDEX supervision_items_closed ON supervision_items (court_id, closed_on) WHERE status = 'closed';

CREATE TABLE supervision_events (
    item_id    TEXT NOT NULL REFERENCES supervision_items (id),
    seq        INTEGER NOT NULL,
    at         TIMESTAMP NOT NULL,
    kind       TEXT NOT NULL,   -- warned, raised, escalated, answered, returned, closed, cleared, reopened
    level      INTEGER NOT NULL,
    actor_name TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, seq)
);

-- ZB-8: the 终本 case's entry into the 终本 database and its removal are
-- measures on file too (supervised windows of 7 and 3 days).
PRAGMA defer_foreign_keys = ON;
CREATE TABLE case_measures_new (
    id               TEXT PRIMARY KEY,
    court_id         TEXT NOT NULL REFERENCES courts (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL CHECK (kind IN ('notice_served', 'report_order', 'report_checked', 'consumption_ban',
                         'dishonest_listed', 'dishonest_not_due', 'on_site', 'conduct_checked', 'applicant_consent',
                         'collegial_review', 'president_approval', 'interview', 'notice_of_intent',
                         'zhongben_uploaded', 'zhongben_removed')),
    done_on          TEXT NOT NULL,
    document_no      TEXT NOT NULL DEFAULT '',
    note             TEXT NOT NULL DEFAULT '',
    recorded_by      TEXT REFERENCES users (id),
    recorded_by_name TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    withdrawn_at     TIMESTAMP,
    withdrawn_by_name TEXT NOT NULL DEFAULT '',
    withdraw_reason  TEXT NOT NULL DEFAULT ''
);
INSERT INTO case_measures_new SELECT * FROM case_measures;
DROP TABLE case_measures;
ALTER TABLE case_measures_new RENAME TO case_measures;
CREATE INDEX case_measures_case ON case_measures (case_id, created_at);

-- +goose Down
DROP INDEX cases_origin;
DROP TABLE supervision_events;
DROP TABLE supervision_items;
DROP TABLE supervision_lists;
DROP TABLE supervision_watches;
DROP TABLE supervision_rule_sets;
