-- +goose Up
-- The enforcement measures a case's file shows (DOMAIN.md §5): 执行通知书
-- served, 报告财产令 issued and the report checked, 限制消费令, 失信 or its
-- grounds found wanting, on-site investigation, the debtor's conduct
-- checked, the applicant's consent or the collegial review and the
-- president's approval, the interview and the 拟终本告知书. The 终本 gate
-- (ZB-1 … ZB-6) reads them. A record made in error is withdrawn with a
-- reason, never deleted.
CREATE TABLE case_measures (
    id               TEXT PRIMARY KEY,
    court_id         TEXT NOT NULL REFERENCES courts (id),
    case_id          TEXT NOT NULL REFERENCES cases (id),
    kind             TEXT NOT NULL CHECK (kind IN ('notice_served', 'report_order', 'report_checked', 'consumption_ban',
                         'dishonest_listed', 'dishonest_not_due', 'on_site', 'conduct_checked', 'applicant_consent',
                         'collegial_review', 'president_approval', 'interview', 'notice_of_intent')),
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
CREATE INDEX case_measures_case ON case_measures (case_id, created_at);

-- +goose Down
DROP TABLE case_measures;
