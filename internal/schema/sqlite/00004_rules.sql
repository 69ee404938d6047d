-- Rule parameters (package internal/ruleparams): the values of the rules
-- DOMAIN.md tags C, as configurable, effective-dated data with their
-- citation (DOMAIN.md §0). The PostgreSQL twin of this file is
-- ../postgres/00004_rules.sql; the two must expose the same tables and
-- columns (schema_test.go checks).
-- SQLite types: ids TEXT (UUID), instants TIMESTAMP (UTC text), legal dates
-- TEXT (YYYY-MM-DD, Asia/Shanghai).

-- +goose Up

-- One value of one parameter from a date on. A change is a new row with a
-- later effective_from; a row is updated only to correct it before it takes
-- effect, and deleted only then. The value in force on a day is the latest
-- row with effective_from on or before it: the court's own, else the
-- platform's (court_id NULL).
CREATE TABLE rule_params (
    id             TEXT PRIMARY KEY,
    court_id       TEXT REFERENCES courts (id),  -- NULL: the platform default
    rule_id        TEXT NOT NULL,                -- DOMAIN.md rule, e.g. CLOCK-2
    param          TEXT NOT NULL,                -- e.g. term_months
    value          TEXT NOT NULL CHECK (value <> ''),  -- canonical: a decimal integer, true or false
    effective_from TEXT NOT NULL,                -- first legal day the value applies
    citation       TEXT NOT NULL,                -- regulation, document number, article; or local practice
    note           TEXT NOT NULL DEFAULT '',
    set_by         TEXT NOT NULL,                -- who set it, by name (the audit log has the account)
    set_at         TIMESTAMP NOT NULL
);
-- One row per scope, parameter and day. NULLs are distinct in a UNIQUE
-- index, so the platform's rows have their own.
CREATE UNIQUE INDEX rule_params_court ON rule_params (court_id, rule_id, param, effective_from) WHERE court_id IS NOT NULL;
CREATE UNIQUE INDEX rule_params_platform ON rule_params (rule_id, param, effective_from) WHERE court_id IS NULL;

-- +goose Down
DROP TABLE rule_params;
