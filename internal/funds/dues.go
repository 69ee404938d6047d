package funds

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// More read-only helpers for the pages (see ui_support.go).

// CaseDues is, for each creditor's account of a case that holds money, the
// day it must be paid by as DuePayouts says (FUND-4, FUND-5): no deadline
// while a postponement is approved, after one ended not before its resume
// day. Keyed by account (cases.read).
func CaseDues(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]*Due, error) {
	caseNo, err := caseInScope(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.kind = 'party'
		AND a.role = 'applicant' AND a.balance_fen > 0 ORDER BY a.id`, caseID)
	if err != nil {
		return nil, err
	}
	accounts, err := store.ScanAll(rows, scanAccount)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	out := make(map[uuid.UUID]*Due, len(accounts))
	for _, a := range accounts {
		d := &Due{Account: a, CaseNo: caseNo}
		due, ok, postponed, err := accountDueAndHold(ctx, q, a.ID)
		if err != nil {
			return nil, err
		}
		d.Postponed = postponed
		if ok {
			d.DueOn, d.Overdue = due, today.After(due)
		}
		out[a.ID] = d
	}
	return out, nil
}
