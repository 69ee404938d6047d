-- Platform foundation: courts and their hierarchy, teams, case types, roles,
-- users, sessions, login throttling, idempotency keys and the audit chain.
-- The PostgreSQL twin of this file is ../postgres/00001_platform.sql; the two
-- must expose the same tables and columns (schema_test.go checks).
--
-- SQLite types: ids are TEXT (UUID), instants TIMESTAMP (UTC text, see
-- store.TimeLayout), flags BOOLEAN (0/1).

-- +goose Up
CREATE TABLE courts (
    id            TEXT PRIMARY KEY,
    code          TEXT NOT NULL UNIQUE,       -- 法院代字, e.g. 粤0607 (CODE-1)
    name          TEXT NOT NULL UNIQUE,
    short_name    TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('supreme', 'high', 'intermediate', 'basic')),
    parent_id     TEXT REFERENCES courts (id),
    path          TEXT NOT NULL UNIQUE,       -- '/<root id>/…/<own id>/', for subtree scope
    division_code TEXT NOT NULL DEFAULT '',   -- GB/T 2260
    confidence    TEXT NOT NULL DEFAULT 'firm' CHECK (confidence IN ('firm', 'check')),
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX courts_parent ON courts (parent_id);

CREATE TABLE team_kinds (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    sort_order  INTEGER NOT NULL DEFAULT 0,
    active      BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE teams (
    id         TEXT PRIMARY KEY,
    court_id   TEXT NOT NULL REFERENCES courts (id),
    kind       TEXT NOT NULL REFERENCES team_kinds (code),
    name       TEXT NOT NULL,
    region     TEXT NOT NULL DEFAULT '',      -- area a field group covers
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (court_id, name),
    UNIQUE (court_id, id)
);

CREATE TABLE case_types (
    code       TEXT PRIMARY KEY,              -- API code, e.g. first_enforcement
    zi         TEXT NOT NULL UNIQUE,          -- 类型代字, e.g. 执恢 (CODE-2)
    legacy_zi  TEXT NOT NULL DEFAULT '',      -- pre-2016 form, e.g. 执恢字
    name       TEXT NOT NULL,
    category   TEXT NOT NULL CHECK (category IN ('implementation', 'examination', 'other', 'local')),
    confidence TEXT NOT NULL DEFAULT 'firm' CHECK (confidence IN ('firm', 'check')),
    sort_order INTEGER NOT NULL DEFAULT 0,
    active     BOOLEAN NOT NULL DEFAULT TRUE,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE roles (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    scope       TEXT NOT NULL CHECK (scope IN ('none', 'court', 'subtree', 'all')),
    sort_order  INTEGER NOT NULL DEFAULT 0,
    updated_at  TIMESTAMP NOT NULL
);

CREATE TABLE role_permissions (
    role_code  TEXT NOT NULL REFERENCES roles (code) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (role_code, permission)
);

CREATE TABLE users (
    id                   TEXT PRIMARY KEY,
    court_id             TEXT NOT NULL REFERENCES courts (id),
    team_id              TEXT,
    username             TEXT NOT NULL UNIQUE, -- lower case
    display_name         TEXT NOT NULL,
    role                 TEXT NOT NULL REFERENCES roles (code),
    phone                TEXT NOT NULL DEFAULT '',
    password_hash        TEXT NOT NULL,
    must_change_password BOOLEAN NOT NULL DEFAULT FALSE,
    password_changed_at  TIMESTAMP NOT NULL,
    last_login_at        TIMESTAMP,
    disabled_at          TIMESTAMP,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    FOREIGN KEY (court_id, team_id) REFERENCES teams (court_id, id)
);
CREATE INDEX users_court ON users (court_id, username);

CREATE TABLE sessions (
    id              TEXT PRIMARY KEY,
    token_hash      TEXT NOT NULL UNIQUE,     -- SHA-256 of the token; the token is never stored
    user_id         TEXT NOT NULL REFERENCES users (id),
    court_id        TEXT NOT NULL REFERENCES courts (id),
    kind            TEXT NOT NULL CHECK (kind IN ('cookie', 'bearer')),
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP NOT NULL,
    idle_expires_at TIMESTAMP NOT NULL,
    last_seen_at    TIMESTAMP NOT NULL,
    revoked_at      TIMESTAMP,
    ip              TEXT NOT NULL DEFAULT '',
    user_agent      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

-- Failed logins per user name, whether or not the name exists, so that the
-- answer never reveals which names do.
CREATE TABLE login_failures (
    username     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    window_start TIMESTAMP NOT NULL,
    locked_until TIMESTAMP
);

CREATE TABLE idempotency_keys (
    owner        TEXT NOT NULL,               -- the caller: user id
    key          TEXT NOT NULL,
    method       TEXT NOT NULL,
    path         TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status       INTEGER,                     -- NULL until the answer is stored
    content_type TEXT NOT NULL DEFAULT '',
    body         BLOB,
    created_at   TIMESTAMP NOT NULL,
    completed_at TIMESTAMP,
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- Reference data sets loaded by `zhixing migrate` after the SQL migrations
-- (courts, teams, case types, roles): the version of each that is loaded.
CREATE TABLE reference_seeds (
    name       TEXT PRIMARY KEY,
    version    INTEGER NOT NULL,
    applied_at TIMESTAMP NOT NULL
);

-- The audit log: one hash chain per court. Records are never updated or
-- deleted (the triggers below refuse it); audit_heads holds each chain's last
-- sequence number and hash.
CREATE TABLE audit_log (
    court_id       TEXT NOT NULL,
    seq            BIGINT NOT NULL,
    id             TEXT NOT NULL UNIQUE,
    at             TIMESTAMP NOT NULL,
    actor_id       TEXT,
    actor_name     TEXT NOT NULL,
    actor_role     TEXT NOT NULL,
    actor_court_id TEXT,
    action         TEXT NOT NULL,
    object_type    TEXT NOT NULL,
    object_id      TEXT NOT NULL,
    summary        TEXT NOT NULL,
    changes        TEXT NOT NULL,             -- JSON, kept as text so the hash input never changes
    request_id     TEXT NOT NULL,
    prev_hash      TEXT NOT NULL,
    hash           TEXT NOT NULL,
    PRIMARY KEY (court_id, seq)
) WITHOUT ROWID; -- the key is the chain position: one B-tree less per record
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id);

CREATE TABLE audit_heads (
    court_id TEXT PRIMARY KEY,
    seq      BIGINT NOT NULL,
    hash     TEXT NOT NULL
);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE audit_heads;
DROP TABLE audit_log;
DROP TABLE reference_seeds;
DROP TABLE idempotency_keys;
DROP TABLE login_failures;
DROP TABLE sessions;
DROP TABLE users;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE case_types;
DROP TABLE teams;
DROP TABLE team_kinds;
DROP TABLE courts;
