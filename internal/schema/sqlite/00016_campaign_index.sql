-- +goose Up
-- A case's campaigns are listed on its page.
CREATE INDEX campaigns_case ON campaigns (case_id);

-- +goose Down
DROP INDEX campaigns_case;
