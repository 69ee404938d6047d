-- +goose Up
-- A party account's kept balance moves with each posting inside the
-- database (decision 0009): the posting's INSERT carries the update and the
-- account's CHECK (balance_fen >= 0) refuses an overdraft in the same
-- statement. Measured by zhixing bench ledger (P5): one statement fewer per
-- posting from Go.

-- +goose StatementBegin
CREATE FUNCTION fund_postings_balance() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE fund_accounts SET balance_fen = balance_fen - NEW.amount_fen WHERE id = NEW.account_id AND kind = 'party';
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER fund_postings_balance AFTER INSERT ON fund_postings
    FOR EACH ROW EXECUTE FUNCTION fund_postings_balance();

-- transfer_requests are read per case (sent and received).
CREATE INDEX transfer_requests_requesting_case ON transfer_requests (requesting_case_id);
CREATE INDEX transfer_requests_holding_case ON transfer_requests (holding_case_id);

-- +goose Down
DROP INDEX transfer_requests_holding_case;
DROP INDEX transfer_requests_requesting_case;
DROP TRIGGER fund_postings_balance ON fund_postings;
DROP FUNCTION fund_postings_balance;
