-- +goose Up
-- The seizure registry's two cross-case rules: preservation measures carried
-- into the enforcement case (TERM-5) and the 60-day transfer of a seized
-- asset to a court enforcing a priority claim (TERM-4).

-- duplicate_of marks a preservation placed while another preservation of the
-- same applicant already binds the asset (TERM-5: flag duplicates).
ALTER TABLE controls ADD COLUMN duplicate_of UUID REFERENCES controls (id);
CREATE INDEX controls_carried_from ON controls (carried_from) WHERE carried_from IS NOT NULL;

-- A court enforcing a priority claim (e.g. a mortgage) that holds a waiting
-- seizure asks the 首封 court for the asset (商请移送执行函); the 首封 court
-- answers within the answer period (移送执行函, or a refusal with reasons).
CREATE TABLE transfer_requests (
    id                    UUID PRIMARY KEY,
    asset_id              UUID NOT NULL REFERENCES assets (id),
    first_control_id      UUID NOT NULL REFERENCES controls (id),  -- the 首封 it asks about
    holding_court_id      UUID NOT NULL REFERENCES courts (id),
    holding_case_id       UUID NOT NULL REFERENCES cases (id),
    requesting_control_id UUID NOT NULL REFERENCES controls (id),  -- its own waiting seizure
    requesting_court_id   UUID NOT NULL REFERENCES courts (id),
    requesting_case_id    UUID NOT NULL REFERENCES cases (id),
    priority_claim        TEXT NOT NULL CHECK (priority_claim <> ''),
    letter_no             TEXT NOT NULL CHECK (letter_no <> ''),
    status                TEXT NOT NULL CHECK (status IN ('pending', 'agreed', 'refused', 'withdrawn')),
    requested_on          DATE NOT NULL,
    answer_due            DATE NOT NULL,
    requested_by          UUID REFERENCES users (id),
    requested_by_name     TEXT NOT NULL,
    answer_letter_no      TEXT NOT NULL DEFAULT '',
    answer_reason         TEXT NOT NULL DEFAULT '',
    answered_by           UUID REFERENCES users (id),
    answered_by_name      TEXT NOT NULL DEFAULT '',
    answered_at           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX transfer_requests_one_open ON transfer_requests (asset_id, requesting_case_id) WHERE status = 'pending';
CREATE INDEX transfer_requests_incoming ON transfer_requests (holding_court_id, status, answer_due);
CREATE INDEX transfer_requests_outgoing ON transfer_requests (requesting_court_id, status, answer_due);
CREATE INDEX transfer_requests_asset ON transfer_requests (asset_id, status);

-- +goose Down
DROP TABLE transfer_requests;
DROP INDEX controls_carried_from;
ALTER TABLE controls DROP COLUMN duplicate_of;
