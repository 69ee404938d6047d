package funds

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// Supervision of case money (NODE-6, FUND-4): a creditor's account holding
// money is a subject of the supervision rules, with its payout deadline as
// the date "due_on". Allocation puts it in the queue and a payout that takes
// the money out of it looks at it again; the daily scan catches the rest.

func init() { supervise.RegisterLoader(supervise.SubjectAccount, loadAccountFacts) }

func loadAccountFacts(ctx context.Context, q store.Querier, id uuid.UUID) (*supervise.Facts, error) {
	var caseID uuid.NullUUID
	var balance int64
	var kind, role, name string
	err := q.QueryRow(ctx, `SELECT case_id, balance_fen, kind, role, name FROM fund_accounts WHERE id = ?`, id).
		Scan(&caseID, &balance, &kind, &role, &name)
	if store.IsNoRows(err) || err == nil && (kind != string(Party) || role != "applicant") {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o, err := supervise.LoadCaseOwner(ctx, q, caseID.UUID)
	if err != nil || o == nil {
		return nil, err
	}
	due, ok, postponed, err := accountDueAndHold(ctx, q, id)
	if err != nil {
		return nil, err
	}
	dates := map[string]legal.Date{}
	if ok {
		dates["due_on"] = due
	}
	return o.Facts("案款 "+name, &supervise.AccountFacts{BalanceFen: balance, Postponed: postponed, CaseClosed: o.Closed}, dates), nil
}

// superviseAccounts looks again at creditors' accounts whose money changed.
func superviseAccounts(ctx context.Context, tx *store.Tx, ids ...uuid.UUID) error {
	subjects := make([]supervise.Subject, len(ids))
	for i, id := range ids {
		subjects[i] = supervise.Subject{Kind: supervise.SubjectAccount, ID: id}
	}
	return supervise.Touch(ctx, tx, subjects...)
}
