-- Field work (外勤, SCENARIOS S12, DOMAIN.md §1.2 外勤事务中心): stored files
-- (photos) and field tasks with their photos. The SQLite twin is
-- ../sqlite/00007_field.sql; the two must expose the same tables and
-- columns (schema_test.go checks).

-- +goose Up

-- Files kept in the database (internal/files): photos from the field today.
-- Only the feature that owns a file serves it, after its own access checks.
CREATE TABLE files (
    id           UUID PRIMARY KEY,
    court_id     UUID NOT NULL REFERENCES courts (id),
    sha256       TEXT NOT NULL,                 -- hex, of data
    content_type TEXT NOT NULL,                 -- sniffed, never the client's word
    size_bytes   BIGINT NOT NULL CHECK (size_bytes > 0),
    data         BYTEA NOT NULL,
    created_by   UUID,                          -- NULL: the system
    created_at   TIMESTAMPTZ NOT NULL
);

-- A field task: on-site work a case's handler asks of the field center
-- (外勤事务中心), which confirms the area and gives it to the field group of
-- that area (teams of kind 'field' with a region) and then to one of the
-- group's officers, who records the result. requested → registered →
-- assigned → done; cancelled from any open state; a return by the officer
-- goes back to registered.
CREATE TABLE field_tasks (
    id                 UUID PRIMARY KEY,
    court_id           UUID NOT NULL REFERENCES courts (id),
    case_id            UUID NOT NULL REFERENCES cases (id),
    kind               TEXT NOT NULL CHECK (kind IN ('investigate', 'seize', 'evict', 'serve')),
    status             TEXT NOT NULL CHECK (status IN ('requested', 'registered', 'assigned', 'done', 'cancelled')),
    address            TEXT NOT NULL CHECK (address <> ''),
    area               TEXT NOT NULL DEFAULT '',  -- the region it lies in (a field group's region)
    instructions       TEXT NOT NULL CHECK (instructions <> ''),
    due_on             DATE,                      -- the requester's wished last day, if any
    asset_id           UUID REFERENCES assets (id),
    requested_by       UUID NOT NULL REFERENCES users (id),
    requested_by_name  TEXT NOT NULL,
    group_id           UUID,                      -- the field group, from registration
    registered_by_name TEXT NOT NULL DEFAULT '',
    registered_at      TIMESTAMPTZ,
    officer_id         UUID REFERENCES users (id),
    assigned_by_name   TEXT NOT NULL DEFAULT '',
    assigned_at        TIMESTAMPTZ,
    returns            INTEGER NOT NULL DEFAULT 0,  -- times an officer gave it back
    return_reason      TEXT NOT NULL DEFAULT '',    -- the latest
    outcome            TEXT NOT NULL DEFAULT '',
    findings           TEXT NOT NULL DEFAULT '',
    on_site_from       TIMESTAMPTZ,
    on_site_to         TIMESTAMPTZ,
    officers_present   TEXT NOT NULL DEFAULT '',    -- JSON list of names
    result_by          UUID REFERENCES users (id),
    result_by_name     TEXT NOT NULL DEFAULT '',
    done_at            TIMESTAMPTZ,
    cancel_reason      TEXT NOT NULL DEFAULT '',
    cancelled_by_name  TEXT NOT NULL DEFAULT '',
    cancelled_at       TIMESTAMPTZ,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
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
    file_id          UUID PRIMARY KEY REFERENCES files (id),
    court_id         UUID NOT NULL REFERENCES courts (id),
    task_id          UUID NOT NULL REFERENCES field_tasks (id),
    in_result        BOOLEAN NOT NULL DEFAULT FALSE,
    seq              INTEGER NOT NULL DEFAULT 0,
    uploaded_by      UUID REFERENCES users (id),
    uploaded_by_name TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX field_task_photos_task ON field_task_photos (task_id, in_result, seq);

-- +goose Down
DROP TABLE field_task_photos;
DROP TABLE field_tasks;
DROP TABLE files;
