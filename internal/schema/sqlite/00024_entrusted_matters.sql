-- +goose Up
-- Entrusted matters (事项委托, DOMAIN.md §1.1 command center, CLOCK-12,
-- MET-10): one court's case asks another enforcing court to do one thing
-- (an investigation, a seizure or freeze, a service, a delivery). The row
-- carries what the receiving court may see — the case number, the subject,
-- what is asked — so the receiving court never reads the case itself.
-- court_id is the entrusting court (the case's), to_court_id the receiving
-- one; both see the matter. The PostgreSQL twin is
-- ../postgres/00024_entrusted_matters.sql.
CREATE TABLE entrusted_matters (
    id                TEXT PRIMARY KEY,
    court_id          TEXT NOT NULL REFERENCES courts (id),
    case_id           TEXT NOT NULL REFERENCES cases (id),
    case_no           TEXT NOT NULL,
    case_type         TEXT NOT NULL,
    to_court_id       TEXT NOT NULL REFERENCES courts (id),
    kind              TEXT NOT NULL CHECK (kind IN ('investigate', 'seize', 'serve', 'deliver')),
    status            TEXT NOT NULL CHECK (status IN ('sent', 'accepted', 'assigned', 'reported', 'returned')),
    subject           TEXT NOT NULL,                 -- the asset or party it concerns, as text
    asset_id          TEXT REFERENCES assets (id),   -- optional: the asset of the case it concerns
    request           TEXT NOT NULL,                 -- what is asked
    attachments       TEXT NOT NULL DEFAULT '',      -- attachments, as text for now
    sent_by           TEXT NOT NULL REFERENCES users (id),
    sent_by_name      TEXT NOT NULL,
    sent_on           TEXT NOT NULL,                 -- legal date the matter was sent
    days              INTEGER NOT NULL,              -- CLOCK-12 in force at the receiving court on sent_on
    due_on            TEXT NOT NULL,
    accepted_by_name  TEXT NOT NULL DEFAULT '',
    accepted_at       TIMESTAMP,
    returned_by_name  TEXT NOT NULL DEFAULT '',
    return_reason     TEXT NOT NULL DEFAULT '',
    returned_at       TIMESTAMP,
    team_id           TEXT REFERENCES teams (id),    -- the receiving court's team
    assignee_id       TEXT REFERENCES users (id),    -- the receiving court's person
    assigned_by_name  TEXT NOT NULL DEFAULT '',
    assigned_at       TIMESTAMP,
    result            TEXT NOT NULL DEFAULT '',
    done_on           TEXT,
    registry_ref      TEXT NOT NULL DEFAULT '',      -- a seizure's registry reference (登记文号), if any
    reported_by_name  TEXT NOT NULL DEFAULT '',
    reported_at       TIMESTAMP,
    created_at        TIMESTAMP NOT NULL,
    updated_at        TIMESTAMP NOT NULL
);
CREATE INDEX entrusted_matters_out ON entrusted_matters (court_id, id);
CREATE INDEX entrusted_matters_in ON entrusted_matters (to_court_id, id);
CREATE INDEX entrusted_matters_case ON entrusted_matters (case_id, id);
-- MET-10 reads the matters due in a period, per receiving court.
CREATE INDEX entrusted_matters_due ON entrusted_matters (to_court_id, due_on) WHERE status <> 'returned';
CREATE INDEX entrusted_matters_done ON entrusted_matters (to_court_id, done_on) WHERE status = 'reported';

-- The work recorded on a matter by the receiving court, in order.
CREATE TABLE entrusted_matter_notes (
    id          TEXT PRIMARY KEY,
    matter_id   TEXT NOT NULL REFERENCES entrusted_matters (id),
    court_id    TEXT NOT NULL REFERENCES courts (id),
    text        TEXT NOT NULL,
    by_name     TEXT NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
CREATE INDEX entrusted_matter_notes_matter ON entrusted_matter_notes (matter_id, created_at);

-- +goose Down
DROP TABLE entrusted_matter_notes;
DROP TABLE entrusted_matters;
