-- +goose Up
-- A court's roll-up of the KPI aggregates (decision 0011): case_stats summed
-- over teams and handlers, per day (grain 'day') and per month (grain
-- 'month', day = the month's first day), kept by metrics.Apply in the same
-- statement batch as case_stats. The court, city and province figures read
-- whole months here and only the days at a period's two edges, so their
-- cost follows the number of courts and months, not the cases, the teams or
-- the handlers. zhixing metrics verify recomputes it with case_stats.
CREATE TABLE case_stats_court (
    court_id          TEXT NOT NULL,
    grain             TEXT NOT NULL CHECK (grain IN ('day', 'month')),
    day               TEXT NOT NULL,
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
    PRIMARY KEY (court_id, grain, day, case_type, lane)
);
-- Every court at once (a system-wide scope): by grain and day.
CREATE INDEX case_stats_court_grain_day ON case_stats_court (grain, day);

INSERT INTO case_stats_court
SELECT court_id, 'day', day, case_type, lane, SUM(received), SUM(closed), SUM(closed_performed), SUM(closed_actual), SUM(closed_zhongben),
       SUM(closed_in_term), SUM(closed_days), SUM(closed_claim_fen), SUM(closed_recovered_fen)
FROM case_stats GROUP BY court_id, day, case_type, lane;

INSERT INTO case_stats_court
SELECT court_id, 'month', substr(day, 1, 8) || '01', case_type, lane, SUM(received), SUM(closed), SUM(closed_performed), SUM(closed_actual),
       SUM(closed_zhongben), SUM(closed_in_term), SUM(closed_days), SUM(closed_claim_fen), SUM(closed_recovered_fen)
FROM case_stats GROUP BY court_id, substr(day, 1, 8) || '01', case_type, lane;

-- +goose Down
DROP TABLE case_stats_court;
