-- +goose Up
-- Roll-ups of the KPI aggregates (decision 0011), kept by metrics.Apply in
-- the same transaction as case_stats and checked with it by zhixing metrics
-- verify. Per grain:
--   'day'        a court's day: case_stats summed over teams and handlers;
--   'month'      a court's month (day = the month's first day), likewise;
--   'team_month' a month per team, handler, case type and lane.
-- Court-level rows carry the zero uuid as team and handler. A period's
-- figures read whole months here and only the days of its two edge months,
-- so their cost follows the months of history and the owners, not the
-- number of cases.
CREATE TABLE case_stats_rollup (
    court_id          UUID NOT NULL,
    grain             TEXT NOT NULL CHECK (grain IN ('day', 'month', 'team_month')),
    day               DATE NOT NULL,
    team_id           UUID NOT NULL,
    handler_id        UUID NOT NULL,
    case_type         TEXT NOT NULL,
    lane              TEXT NOT NULL,
    received          BIGINT NOT NULL DEFAULT 0,
    closed            BIGINT NOT NULL DEFAULT 0,
    closed_performed  BIGINT NOT NULL DEFAULT 0,
    closed_actual     BIGINT NOT NULL DEFAULT 0,
    closed_zhongben   BIGINT NOT NULL DEFAULT 0,
    closed_in_term    BIGINT NOT NULL DEFAULT 0,
    closed_days       BIGINT NOT NULL DEFAULT 0,
    closed_claim_fen  BIGINT NOT NULL DEFAULT 0,
    closed_recovered_fen BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (court_id, grain, day, team_id, handler_id, case_type, lane)
);
-- Every court at once (a system-wide scope): by grain and day.
CREATE INDEX case_stats_rollup_grain_day ON case_stats_rollup (grain, day);

INSERT INTO case_stats_rollup
SELECT court_id, 'day', day, '00000000-0000-0000-0000-000000000000'::uuid, '00000000-0000-0000-0000-000000000000'::uuid, case_type, lane,
       SUM(received), SUM(closed), SUM(closed_performed), SUM(closed_actual), SUM(closed_zhongben), SUM(closed_in_term), SUM(closed_days),
       SUM(closed_claim_fen), SUM(closed_recovered_fen)
FROM case_stats GROUP BY court_id, day, case_type, lane;

INSERT INTO case_stats_rollup
SELECT court_id, 'month', date_trunc('month', day)::date, '00000000-0000-0000-0000-000000000000'::uuid, '00000000-0000-0000-0000-000000000000'::uuid,
       case_type, lane, SUM(received), SUM(closed), SUM(closed_performed), SUM(closed_actual), SUM(closed_zhongben), SUM(closed_in_term),
       SUM(closed_days), SUM(closed_claim_fen), SUM(closed_recovered_fen)
FROM case_stats GROUP BY court_id, date_trunc('month', day)::date, case_type, lane;

INSERT INTO case_stats_rollup
SELECT court_id, 'team_month', date_trunc('month', day)::date, team_id, handler_id, case_type, lane, SUM(received), SUM(closed),
       SUM(closed_performed), SUM(closed_actual), SUM(closed_zhongben), SUM(closed_in_term), SUM(closed_days), SUM(closed_claim_fen),
       SUM(closed_recovered_fen)
FROM case_stats GROUP BY court_id, date_trunc('month', day)::date, team_id, handler_id, case_type, lane;

-- +goose Down
DROP TABLE case_stats_rollup;
