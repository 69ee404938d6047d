package funds

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Statement is a case's statement of account (DOMAIN.md §9 item 4): the
// claim, what the money received has paid of it, and what the ledger has
// already allocated.
type Statement struct {
	legal.Settlement
	Claim legal.Claim
	// AllocatedFeeFen and AllocatedCreditorsFen are what allocations moved
	// so far to the fee account and to the applicants' accounts.
	AllocatedFeeFen, AllocatedCreditorsFen int64
	// Unallocated is what the ledger still holds on the respondents'
	// accounts.
	UnallocatedFen int64
}

// ToAllocate is what an allocation now would move: fee and creditors' parts
// not yet allocated.
func (s *Statement) ToAllocate() (feeFen, creditorsFen int64) {
	return max(s.FeePaidFen-s.AllocatedFeeFen, 0), max(s.PrincipalPaidFen+s.InterestPaidFen-s.AllocatedCreditorsFen, 0)
}

// statementOf draws the statement of account of a case on a day from its
// receipts: the claim's principal, the application fee on it (FEE-1) and
// the late interest from the basis's last day to perform (INT-1).
func statementOf(ctx context.Context, q store.Querier, caseID uuid.UUID, today legal.Date) (*Statement, []legal.Payment, error) {
	var claim int64
	var due *legal.Date
	if err := q.QueryRow(ctx, `SELECT c.claim_amount_fen, a.basis_due_date FROM cases c LEFT JOIN applications a ON a.id = c.application_id
		WHERE c.id = ?`, caseID).Scan(&claim, &due); err != nil {
		return nil, nil, err
	}
	st := &Statement{Claim: legal.Claim{PrincipalFen: claim, FeeFen: legal.ApplicationFee(claim, legal.DefaultFeeBands)}}
	if due != nil {
		st.Claim.LastDay = *due
	}
	payments, err := casePayments(ctx, q, caseID)
	if err != nil {
		return nil, nil, err
	}
	st.Settlement = legal.Settle(st.Claim, payments, today)
	if err := q.QueryRow(ctx, `SELECT
		COALESCE(SUM(CASE WHEN a.kind = 'fees' THEN -p.amount_fen ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN a.kind = 'party' AND a.role = 'applicant' THEN -p.amount_fen ELSE 0 END), 0)
		FROM fund_transfers t JOIN fund_postings p ON p.transfer_id = t.id JOIN fund_accounts a ON a.id = p.account_id
		WHERE t.case_id = ? AND t.kind = 'allocation'`, caseID).Scan(&st.AllocatedFeeFen, &st.AllocatedCreditorsFen); err != nil {
		return nil, nil, err
	}
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(balance_fen), 0) FROM fund_accounts WHERE case_id = ? AND kind = 'party' AND role = 'respondent'`,
		caseID).Scan(&st.UnallocatedFen); err != nil {
		return nil, nil, err
	}
	return st, payments, nil
}

// casePayments is the money the case's debtors paid, by the day it reached
// the custody account: what came onto their accounts of the case as receipts
// (deductions, payments, claimed money) and by distribution from another
// case, less what a distribution passed on from them to other cases. Money
// passed on is taken from the latest payments before it.
func casePayments(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]legal.Payment, error) {
	rows, err := q.Query(ctx, `SELECT -p.amount_fen, t.value_on, t.created_at FROM fund_postings p
		JOIN fund_accounts a ON a.id = p.account_id JOIN fund_transfers t ON t.id = p.transfer_id
		WHERE a.case_id = ? AND a.kind = 'party' AND a.role = 'respondent' AND t.kind IN ('receipt', 'distribution')
		AND NOT EXISTS (SELECT 1 FROM fund_transfers r WHERE r.reverses = t.id)`, caseID)
	if err != nil {
		return nil, err
	}
	moves, err := store.ScanAll(rows, func(sc store.Scanner) (legal.Payment, error) {
		var t Transfer
		var valueOn *legal.Date
		if err := sc.Scan(&t.AmountFen, &valueOn, &t.CreatedAt); err != nil {
			return legal.Payment{}, err
		}
		if valueOn != nil {
			t.ValueOn = *valueOn
		}
		return legal.Payment{On: t.ValueDate(), AmountFen: t.AmountFen}, nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(moves, func(a, b legal.Payment) int {
		if c := a.On.Compare(b.On); c != 0 {
			return c
		}
		return -cmp.Compare(a.AmountFen, 0) // money in before money passed on, on one day
	})
	var out []legal.Payment
	for _, m := range moves {
		if m.AmountFen > 0 {
			out = append(out, m)
			continue
		}
		out = dropLatest(out, -m.AmountFen)
	}
	return out, nil
}

// dropLatest takes fen off payments from the latest back: money passed on
// (or about to be shared) leaves the credit the case received last.
func dropLatest(payments []legal.Payment, fen int64) []legal.Payment {
	for fen > 0 && len(payments) > 0 {
		last := &payments[len(payments)-1]
		take := min(fen, last.AmountFen)
		last.AmountFen -= take
		fen -= take
		if last.AmountFen == 0 {
			payments = payments[:len(payments)-1]
		}
	}
	return payments
}

// CaseStatement returns a case's statement of account today (cases.read).
func CaseStatement(ctx context.Context, q store.Querier, caseID uuid.UUID) (*Statement, error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return nil, err
	}
	st, _, err := statementOf(ctx, q, caseID, legal.Today(time.Now()))
	return st, err
}

// Allocation is what Allocate moved.
type Allocation struct {
	Transfer     *Transfer
	FeeFen       int64
	CreditorsFen int64
	Statement    *Statement
	DueOn        legal.Date
}

// Allocate moves the money received for a case from the respondents'
// accounts to where the statement of account says it belongs (funds.handle):
// the application fee to the court's fee account, principal and interest to
// the applicants' accounts (shared evenly among several applicants, the
// remainder rule of legal.ProRata), where it is owed to them from the day it
// arrived and must be paid within the court's payout period (FUND-4). What
// is received beyond the claim stays with the debtor. Allocating again
// with nothing new is refused.
func Allocate(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*Allocation, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	st, payments, err := statementOf(ctx, tx, caseID, today)
	if err != nil {
		return nil, err
	}
	fee, creditors := st.ToAllocate()
	if fee+creditors == 0 {
		return nil, apperr.New(apperr.Conflict, "nothing_to_allocate", "本案没有待分配的执行款")
	}
	accounts, err := OpenCaseAccounts(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	var from, to []*Account
	for _, a := range accounts {
		if a.Role == "respondent" && a.Balance > 0 {
			from = append(from, a)
		} else if a.Role == "applicant" {
			to = append(to, a)
		}
	}
	if len(to) == 0 {
		return nil, apperr.New(apperr.Conflict, "no_applicant", "本案没有申请执行人，无法分配")
	}
	if st.UnallocatedFen < fee+creditors {
		return nil, apperr.New(apperr.Conflict, "insufficient_balance", fmt.Sprintf("被执行人分户余额 %s，不足待分配的 %s",
			triage.FormatYuan(st.UnallocatedFen), triage.FormatYuan(fee+creditors)))
	}
	var postings []Posting
	need := fee + creditors
	for _, a := range from {
		take := min(a.Balance, need)
		if take > 0 {
			postings = append(postings, debit(a, take))
			need -= take
		}
	}
	if fee > 0 {
		fees, err := courtAccount(ctx, tx, c.CourtID, Fees)
		if err != nil {
			return nil, err
		}
		postings = append(postings, credit(fees, fee))
	}
	weights := make([]int64, len(to))
	for i := range weights {
		weights[i] = 1
	}
	shares := legal.ProRata(creditors, weights)
	for i, a := range to {
		if shares[i] > 0 {
			postings = append(postings, credit(a, shares[i]))
		}
	}
	memo := fmt.Sprintf("按案款结算分配：申请执行费 %s，本金及迟延履行利息 %s", triage.FormatYuan(fee), triage.FormatYuan(creditors))
	t, err := post(ctx, tx, &Transfer{CourtID: c.CourtID, CaseID: caseID, Kind: KindAllocation, Memo: memo, Postings: postings})
	if err != nil {
		return nil, err
	}
	// The money is owed to the applicants from the day the earliest of it
	// arrived: the first receipt not wholly allocated before.
	allocatedBefore := st.AllocatedFeeFen + st.AllocatedCreditorsFen
	arrived := today
	var cum int64
	for _, pm := range payments {
		cum += pm.AmountFen
		if cum > allocatedBefore {
			arrived = pm.On
			break
		}
	}
	v, err := ruleparams.Resolve(ctx, tx, c.CourtID, today)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	due := cal.DaysPeriodEnd(arrived, v.Int(ruleparams.KeyPayoutDays))
	for i, a := range to {
		if shares[i] == 0 {
			continue
		}
		if _, err := tx.Exec(ctx, `INSERT INTO payables (id, court_id, case_id, account_id, transfer_id, amount_fen, arrived_on, due_on,
			created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, store.NewID(), c.CourtID, caseID, a.ID, t.ID, shares[i],
			arrived, due, t.CreatedAt, t.CreatedAt); err != nil {
			return nil, err
		}
	}
	var held []uuid.UUID
	for i, a := range to {
		if shares[i] != 0 {
			held = append(held, a.ID)
		}
	}
	if err := superviseAccounts(ctx, tx, held...); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("%s；应于 %s 前发放给申请执行人（FUND-4）", memo, due)
	if err := cases.AppendEvents(ctx, tx, caseID, cases.Event{Kind: "funds.allocated", Summary: summary}); err != nil {
		return nil, err
	}
	if err := audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "funds.allocated", ObjectType: "fund_transfer", ObjectID: t.ID.String(),
		Summary: c.CaseNo + "：" + summary, Changes: audit.Changes{"fee_fen": {To: fee}, "creditors_fen": {To: creditors},
			"due_on": {To: due}, "by": {To: p.DisplayName}}}); err != nil {
		return nil, err
	}
	st.AllocatedFeeFen += fee
	st.AllocatedCreditorsFen += creditors
	st.UnallocatedFen -= fee + creditors
	return &Allocation{Transfer: t, FeeFen: fee, CreditorsFen: creditors, Statement: st, DueOn: due}, nil
}
