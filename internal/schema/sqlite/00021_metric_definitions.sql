-- +goose Up
-- Metric definitions (MET-0, DOMAIN.md §13): which case types each KPI
-- counts, as court data. One row per version of a court's definitions
-- (court_id NULL: the platform's, for the courts without their own); the
-- built-in DOMAIN.md §13 defaults (version 0, in code) apply when neither
-- has a version in force. The version in force on a day is the one with the
-- latest effective_from on or before it, the highest version among equals.
-- Rates are computed when asked from case_stats, which keeps every figure
-- per case type, so a new version needs no rebuild and applies to past
-- periods too; every KPI answer names the version it used.
-- The PostgreSQL twin is ../postgres/00021_metric_definitions.sql.
CREATE TABLE metric_definitions (
    id              TEXT PRIMARY KEY,
    court_id        TEXT REFERENCES courts (id),  -- NULL: the platform default
    version         INTEGER NOT NULL CHECK (version > 0),
    effective_from  TEXT NOT NULL,
    metrics         TEXT NOT NULL,                -- JSON: [{metric, case_types, closures, note}], every configurable metric
    citation        TEXT NOT NULL DEFAULT '',
    note            TEXT NOT NULL DEFAULT '',
    created_by      TEXT REFERENCES users (id),
    created_by_name TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX metric_definitions_court ON metric_definitions (court_id, version) WHERE court_id IS NOT NULL;
CREATE UNIQUE INDEX metric_definitions_platform ON metric_definitions (version) WHERE court_id IS NULL;

-- MET-11 (案款发放及时率, 平均发放天数) is answered from the payouts of the
-- period when asked: those due in it, and those settled in it.
CREATE INDEX payouts_court_due ON payouts (court_id, due_on) WHERE due_on IS NOT NULL;
CREATE INDEX payouts_settled ON payouts (court_id, ended_at) WHERE status = 'settled';
-- MET-13 (督办 mean days, on-time rate): the items raised in the period.
CREATE INDEX supervision_items_raised ON supervision_items (court_id, raised_on) WHERE raised_on IS NOT NULL;

-- +goose Down
DROP INDEX supervision_items_raised;
DROP INDEX payouts_settled;
DROP INDEX payouts_court_due;
DROP TABLE metric_definitions;
