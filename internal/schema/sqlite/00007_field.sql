-- Field work (外勤, SCENARIOS S12, DOMAIN.md §1.2 外勤事务中心): stored files
-- (photos) and field tasks with their photos. The PostgreSQL twin is
-- ../postgres/00007_field.sql; the two must expose the same tables and
-- columns (schema_test.go checks).

-- +goose Up

-- Files kept in the database (internal/files): photos from the field today.
-- Only the feature that owns a file serves it, after its own access checks.
CREATE TABLE files (
    id           TEXT PRIMARY KEY,
    court_id     TEXT NOT NULL REFERENCES courts (id),
    sha256       TEXT NOT NULL,                 -- hex, of data
    content_type TEXT NOT NULL,                 -- sniffed, never the client's word
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    data         BLOB NOT NULL,
    created_by   TEXT,                          -- NULL: the system
    created_at   TIMESTAMP NOT NULL
);

-- A field task: on-site work a case's handler asks of the field center
-- (外勤事务中心), which confirms the area and gives it to the field group of
-- that area (teams of kind 'field' with a region) and then to one of the
-- group's officers, who records the result. requested → registered →
-- assigned → done; cancelled from any open state; a return by the officer
-- goes back to registered.
CREATE TABLE field_tasks (
    id                 TEXT PRIMARY KEY,
    court_id           TEXT NOT NULL REFERENCES courts (id),
    case_id            TEXT NOT NULL REFERENCES cases (id),
    kind               TEXT NOT NULL CHECK (kind IN ('investigate', 'seize', 'evict', 'serve')),
    status             TEXT NOT NULL CHECK (status IN ('requested', 'registered', 'assigned', 'done', 'cancelled')),
    address            TEXT NOT NULL CHECK (address <> ''),
    area               TEXT NOT NULL DEFAULT '',  -- the region it lies in (a field group's region)
    instructions       TEXT NOT NULL CHECK (instructions <> ''),
    due_on             TEXT,                      -- the requester's wished last day, if any
    asset_id           TEXT REFERENCES assets (id),
    requested_by       TEXT NOT NULL REFERENCES users (id),
    requested_by_name  TEXT NOT NULL,
    group_id           TEXT,                      -- the field group, from registration
    registered_by_name TEXT NOT NULL DEFAULT '',
    registered_at      TIMESTAMP,
    officer_id         TEXT REFERENCES users (id),
    assigned_by_name   TEXT NOT NULL DEFAULT '',
    assigned_at        TIMESTAMP,
    returns            INTEGER NOT NULL DEFAULT 0,  -- times an officer gave it back
    return_reason      TEXT NOT NULL DEFAULT '',    -- the latest
    outcome            TEXT NOT NULL DEFAULT '',
    findings           TEXT NOT NULL DEFAULT '',
    on_site_from       TIMESTAMP,
    on_site_to         TIMESTAMP,
    officers_present   TEXT NOT NULL DEFAULT '',    -- JSON list of names
    result_by          TEXT REFERENCES users (id),
    result_by_name     TEXT NOT NULL DEFAULT '',
    done_at            TIMESTAMP,
    cancel_reason      TEXT NOT NULL DEFAULT '',
    cancelled_by_name  TEXT NOT NULL DEFAULT '',
    cancelled_at       TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    FOREIGN KEY (court_id, group_id) REFERENCES teams (court_id, id)
);
-- The field center's inbox (by court and status, oldest first), by area;
-- a group's and an officer's tasks; a case's tasks.
CREATE INDEX field_tasks_inbox ON field_tasks (court_id, status, id);
CREATE INDEX field_tasks_area ON field_tasks (court_id, area, status, id);
CREATE INDEX field_tasks_group ON field_tasks (group_id, status, id) WHERE group_id IS NOT NULL;
CREATE INDEX field_tasks_officer ON field_tasks (officer_id, status, id) WHERE officer_id IS NOT NULL;
CREATE INDEX field_tasks_case ON field_tasks (case_id, id);

-- The photos of a field task. Uploaded by the assigned officer (pending,
-- in_result false); recording the result keeps the chosen ones in its order
-- and deletes the others.
CREATE TABLE field_task_photos (
    file_id          TEXT PRIMARY KEY REFERENCES files (id),
    court_id         TEXT NOT NULL REFERENCES courts (id),
    task_id          TEXT NOT NULL REFERENCES field_tasks (id),
    in_result        BOOLEAN NOT NULL DEFAULT FALSE,
    seq              INTEGER NOT NULL DEFAULT 0,
    uploaded_by      TEXT REFERENCES users (id),
    uploaded_by_name TEXT NOT NULL,
    created_at       TIMESTAMP NOT NULL
);
CREATE INDEX field_task_photos_task ON field_task_photos (task_id, in_result, seq);

-- +goose Down
DROP TABLE field_task_photos;
DROP TABLE field_tasks;
DROP TABLE files;
