package funds

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Batch work on many cases at once (S3: one employer's money paid to 85
// workers in one go). Each case or payout is its own transaction, so one
// refusal does not hold up the others; each item says what happened.

// BatchItem is the outcome of one item of a batch.
type BatchItem struct {
	CaseID   uuid.UUID
	PayoutID uuid.UUID
	Payout   *Payout
	Code     string // the error's code; "" when it went through
	Detail   string
}

func batchError(item *BatchItem, err error) {
	item.Code, item.Detail = apperr.CodeOf(err), err.Error()
	if e, ok := apperr.As(err); ok {
		item.Detail = e.Detail
	}
}

// RequestPayouts asks, for each case, a payout of each applicant's whole
// balance to their confirmed payee account (funds.handle). A case with
// nothing to pay, or a payee not confirmed, is reported and skipped;
// asking again asks only for what is not yet asked for.
func RequestPayouts(ctx context.Context, db *store.DB, caseIDs []uuid.UUID, purpose string) ([]BatchItem, error) {
	var out []BatchItem
	for _, caseID := range caseIDs {
		var accounts []*Account
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := caseInScope(ctx, tx, caseID); err != nil {
				return err
			}
			var err error
			accounts, err = caseAccounts(ctx, tx, caseID)
			return err
		}); err != nil {
			item := BatchItem{CaseID: caseID}
			batchError(&item, err)
			out = append(out, item)
			continue
		}
		asked := false
		for _, a := range accounts {
			if a.Role != "applicant" {
				continue
			}
			item := BatchItem{CaseID: caseID}
			o, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*Payout, error) {
				var waiting int64
				if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE account_id = ? AND status = 'pending'`,
					a.ID).Scan(&waiting); err != nil {
					return nil, err
				}
				var balance int64
				if err := tx.QueryRow(ctx, `SELECT balance_fen FROM fund_accounts WHERE id = ?`, a.ID).Scan(&balance); err != nil {
					return nil, err
				}
				if balance-waiting <= 0 {
					return nil, apperr.New(apperr.Conflict, "nothing_to_pay", a.Name+" 没有待申请发放的款项")
				}
				return RequestPayout(ctx, tx, caseID, PayoutInput{PartyID: a.PartyID, AmountFen: balance - waiting, Purpose: purpose})
			})
			if err != nil {
				batchError(&item, err)
			} else {
				item.Payout, item.PayoutID = o, o.ID
			}
			out = append(out, item)
			asked = true
		}
		if !asked {
			out = append(out, BatchItem{CaseID: caseID, Code: "no_applicant", Detail: "本案没有申请执行人分户"})
		}
	}
	return out, nil
}

// DecidePayouts approves or refuses many payouts with one decision, each
// checked as DecidePayout checks one.
func DecidePayouts(ctx context.Context, db *store.DB, ids []uuid.UUID, d Decision) []BatchItem {
	out := make([]BatchItem, 0, len(ids))
	for _, id := range ids {
		item := BatchItem{PayoutID: id}
		o, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*Payout, error) { return DecidePayout(ctx, tx, id, d) })
		if err != nil {
			batchError(&item, err)
		} else {
			item.Payout, item.CaseID = o, o.CaseID
		}
		out = append(out, item)
	}
	return out
}
