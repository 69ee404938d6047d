package funds

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// CaseLedger is what the ledger holds for a case: its parties' accounts and
// the totals of its money.
type CaseLedger struct {
	CaseID   uuid.UUID
	CaseNo   string
	Accounts []*Account
	// ReceivedFen is all the money that came in for the case (net of
	// reversals); HeldFen what the court still holds for it.
	ReceivedFen, HeldFen int64
}

// caseInScope checks that the caller may read the case (cases.read).
func caseInScope(ctx context.Context, q store.Querier, caseID uuid.UUID) (string, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return "", err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return "", err
	}
	var court uuid.UUID
	var caseNo string
	err = q.QueryRow(ctx, `SELECT court_id, case_no FROM cases WHERE id = ?`, caseID).Scan(&court, &caseNo)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return "", apperr.NotFoundf("案件")
	}
	return caseNo, err
}

// ForCase returns the ledger of a case (cases.read). Accounts of a case
// filed before the ledger existed are shown once opened by its first money.
func ForCase(ctx context.Context, q store.Querier, caseID uuid.UUID) (*CaseLedger, error) {
	caseNo, err := caseInScope(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	l := &CaseLedger{CaseID: caseID, CaseNo: caseNo}
	if l.Accounts, err = caseAccounts(ctx, q, caseID); err != nil {
		return nil, err
	}
	for _, a := range l.Accounts {
		l.HeldFen += a.Balance
	}
	payments, err := casePayments(ctx, q, caseID)
	for _, p := range payments {
		l.ReceivedFen += p.AmountFen
	}
	return l, err
}

// CaseTransfers pages through a case's transfers, the latest first, with
// their postings (cases.read).
func CaseTransfers(ctx context.Context, q store.Querier, caseID uuid.UUID, req page.Request) (page.Page[*Transfer], error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return page.Page[*Transfer]{}, err
	}
	// Every transfer written for the case, and every one that moved money
	// on its accounts for another (a distribution touches several cases).
	pg, err := store.PageByID(ctx, q, req, `SELECT `+transferColumns+` FROM fund_transfers t WHERE (t.case_id = ? OR t.id IN (SELECT p.transfer_id
		FROM fund_postings p JOIN fund_accounts a ON a.id = p.account_id WHERE a.case_id = ?))`, []any{caseID, caseID}, "t.id", true,
		scanTransfer, func(t *Transfer) uuid.UUID { return t.ID })
	if err != nil {
		return pg, err
	}
	return pg, loadPostings(ctx, q, pg.Items)
}
