-- +goose Up
-- The KPI aggregates (DOMAIN.md §13): per court, team, handler, case type,
-- lane and day, what was received (by filing day) and closed (by closing
-- day), kept in the transaction of each change as the difference of the
-- case's contribution before and after it, attributed to the case's
-- current owner. Never one global row: a change touches its own buckets.
-- zhixing metrics verify recomputes them from the cases and must agree.
-- A missing team or handler is the zero uuid.
CREATE TABLE case_stats (
    court_id          UUID NOT NULL,
    day               DATE NOT NULL,
    team_id           UUID NOT NULL,
    handler_id        UUID NOT NULL,
    case_type         TEXT NOT NULL,
    lane              TEXT NOT NULL,
    received          BIGINT NOT NULL DEFAULT 0,
    closed            BIGINT NOT NULL DEFAULT 0,
    closed_performed  BIGINT NOT NULL DEFAULT 0,  -- 执行完毕
    closed_actual     BIGINT NOT NULL DEFAULT 0,  -- 执行完毕 or 和解长期履行 (实际执结, MET-4)
    closed_zhongben   BIGINT NOT NULL DEFAULT 0,
    closed_in_term    BIGINT NOT NULL DEFAULT 0,  -- closed on or before the effective deadline (MET-7)
    closed_days       BIGINT NOT NULL DEFAULT 0,  -- sum of (closed − filed − deducted) days (MET-8)
    closed_claim_fen  BIGINT NOT NULL DEFAULT 0,  -- claims of the cases closed (MET-6)
    closed_recovered_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (court_id, day, team_id, handler_id, case_type, lane)
);

-- The days a case's clock stood still (CLOCK-8), kept with its deadline.
ALTER TABLE cases ADD COLUMN deducted_days INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE cases DROP COLUMN deducted_days;
DROP TABLE case_stats;
