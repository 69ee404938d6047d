// Package funds is the ledger of case funds (DOMAIN.md §9, decision 0009):
// a virtual account per party per case (一案一账号, FUND-1) under the
// court's custody account, and every movement of money as a balanced
// transfer written once and never changed. Money in (deductions, payments,
// auction proceeds), its allocation to creditors and fees, and money out are
// all transfers between these accounts; balances are derived from the
// postings, and Verify proves them.
package funds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// AccountKind is what an account holds.
type AccountKind string

const (
	Custody   AccountKind = "custody"    // the court's custody bank account (执行款专户): money held
	Party     AccountKind = "party"      // a party's sub-account in a case (一案一账号)
	Fees      AccountKind = "fees"       // application fees taken from recovered money
	Suspense  AccountKind = "suspense"   // money in that no case has claimed yet (不明款)
	InTransit AccountKind = "in_transit" // payouts sent to the bank, not yet confirmed
)

// Label is the kind's Chinese name.
func (k AccountKind) Label() string {
	switch k {
	case Custody:
		return "执行款专户"
	case Party:
		return "案款分户"
	case Fees:
		return "诉讼费（申请执行费）"
	case Suspense:
		return "不明款"
	case InTransit:
		return "在途付款"
	}
	return string(k)
}

// sign turns postings (debit positive) into the account's own sense: the
// custody account holds money (debit-normal), every other account is
// money the court owes someone (credit-normal).
func (k AccountKind) sign() int64 {
	if k == Custody {
		return 1
	}
	return -1
}

// TransferKind names a movement of money.
type TransferKind string

const (
	KindReceipt      TransferKind = "receipt"      // money in, to a case party's account or to suspense
	KindReversal     TransferKind = "reversal"     // a correction undoing an earlier transfer
	KindAllocation   TransferKind = "allocation"   // from the paying party to the creditors and fees
	KindUnidentified TransferKind = "unidentified" // money in that names no case: custody → suspense (FUND-3)
)

// ValueDate is the day the money of a transfer reached the custody
// account.
func (t *Transfer) ValueDate() legal.Date {
	if !t.ValueOn.IsZero() {
		return t.ValueOn
	}
	return legal.DateOf(t.CreatedAt)
}

// Label is the kind's Chinese name.
func (k TransferKind) Label() string {
	switch k {
	case KindReceipt:
		return "收款"
	case KindReversal:
		return "冲正"
	case KindAllocation:
		return "款项分配"
	case KindUnidentified:
		return "不明款入账"
	case KindPayout:
		return "发放（在途）"
	case KindPayoutSettled:
		return "发放完成"
	case KindPayoutFailed:
		return "发放失败退回分户"
	case KindPayoutReturned:
		return "发放被退回"
	}
	return string(k)
}

// Posting moves money into (positive, debit) or out of (negative, credit)
// one account.
type Posting struct {
	AccountID uuid.UUID
	AmountFen int64
	kind      AccountKind // known to the code that built the posting
	// AccountNumber and AccountName are filled when postings are read.
	AccountNumber, AccountName string
}

// Kind is the kind of the posting's account.
func (p Posting) Kind() AccountKind { return p.kind }

// debit and credit build the postings of a transfer.
func debit(a *Account, fen int64) Posting {
	return Posting{AccountID: a.ID, AmountFen: fen, kind: a.Kind, AccountNumber: a.Number, AccountName: a.Name}
}

func credit(a *Account, fen int64) Posting {
	return Posting{AccountID: a.ID, AmountFen: -fen, kind: a.Kind, AccountNumber: a.Number, AccountName: a.Name}
}

// Transfer is one balanced movement of money.
type Transfer struct {
	ID        uuid.UUID
	CourtID   uuid.UUID
	CaseID    uuid.UUID // uuid.Nil for money not yet claimed by a case
	Kind      TransferKind
	AmountFen int64
	Ref       string
	Memo      string
	Reverses  uuid.UUID
	// ValueOn is the day the money reached the custody account, when not
	// the day the transfer was written.
	ValueOn legal.Date
	// BankRef is the bank's own reference of the money (a deduction's
	// receipt number, a payout's transaction number).
	BankRef       string
	CreatedByName string
	CreatedAt     time.Time
	Postings      []Posting
	// Repeat is set when the transfer had been recorded before under the
	// same reference: nothing was written.
	Repeat bool
}

// post writes a transfer and its postings and moves the balances of the
// party accounts it touches, refusing any that would go below zero. A
// transfer with a reference already recorded (same court, kind and
// reference) is not written again: the earlier one comes back with Repeat
// set, or a conflict when it differs in amount.
func post(ctx context.Context, tx *store.Tx, t *Transfer) (*Transfer, error) {
	if len(t.Postings) < 2 {
		return nil, fmt.Errorf("funds: transfer %s has %d postings", t.Kind, len(t.Postings))
	}
	var sum, moved int64
	for _, p := range t.Postings {
		if p.kind == "" {
			return nil, fmt.Errorf("funds: posting to %s built without its account", p.AccountID)
		}
		if p.AmountFen == 0 || p.AmountFen > legal.MaxAmountFen || p.AmountFen < -legal.MaxAmountFen {
			return nil, fmt.Errorf("funds: transfer %s has a posting of %d fen", t.Kind, p.AmountFen)
		}
		sum += p.AmountFen
		if p.AmountFen > 0 {
			moved += p.AmountFen
		}
	}
	if sum != 0 {
		return nil, fmt.Errorf("funds: transfer %s does not balance (%d fen)", t.Kind, sum)
	}
	t.AmountFen = moved
	t.Ref, t.Memo = strings.TrimSpace(t.Ref), strings.TrimSpace(t.Memo)
	var by uuid.NullUUID
	if p := access.From(ctx); p != nil && !p.IsSystem() {
		by = uuid.NullUUID{UUID: p.UserID, Valid: true}
		if t.CreatedByName == "" {
			t.CreatedByName = p.DisplayName
		}
	}
	if t.CreatedByName == "" {
		t.CreatedByName = "系统"
	}
	t.ID, t.CreatedAt = store.NewID(), time.Now().UTC()
	caseID := uuid.NullUUID{UUID: t.CaseID, Valid: t.CaseID != uuid.Nil}
	reverses := uuid.NullUUID{UUID: t.Reverses, Valid: t.Reverses != uuid.Nil}
	var valueOn *legal.Date
	if !t.ValueOn.IsZero() {
		valueOn = &t.ValueOn
	}
	// A reference recorded before makes the INSERT do nothing (the partial
	// unique index), and the earlier transfer comes back: no read first.
	t.BankRef = textutil.Truncate(strings.TrimSpace(t.BankRef), 100)
	res, err := tx.Exec(ctx, `INSERT INTO fund_transfers (id, court_id, case_id, kind, amount_fen, ref, memo, reverses, value_on, bank_ref,
		created_by, created_by_name, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (court_id, kind, ref) WHERE ref <> ''
		DO NOTHING`, t.ID, t.CourtID, caseID, string(t.Kind), t.AmountFen, t.Ref, textutil.Truncate(t.Memo, 500), reverses, valueOn, t.BankRef, by,
		t.CreatedByName, t.CreatedAt)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		prev, err := transferByRef(ctx, tx, t.CourtID, t.Kind, t.Ref)
		if err != nil {
			return nil, err
		}
		if prev == nil {
			return nil, fmt.Errorf("funds: transfer %s %q neither written nor found", t.Kind, t.Ref)
		}
		if prev.AmountFen != t.AmountFen {
			return nil, apperr.New(apperr.Conflict, "ref_reused", fmt.Sprintf("参考号 %s 已用于另一笔 %s 的款项", t.Ref,
				triage.FormatYuan(prev.AmountFen)))
		}
		prev.Repeat = true
		return prev, nil
	}
	// Party accounts are credit-normal: a credit (negative posting) adds to
	// what the court owes the party. The posting's INSERT moves the kept
	// balance (a trigger, migration 00012) and the account's CHECK refuses
	// an overdraft in the same statement, so two transfers racing for the
	// same money cannot both pass.
	err = store.InsertRows(ctx, tx, `INSERT INTO fund_postings (transfer_id, seq, account_id, amount_fen) VALUES `, 4, len(t.Postings),
		func(i int, args []any) []any {
			return append(args, t.ID, i+1, t.Postings[i].AccountID, t.Postings[i].AmountFen)
		})
	if store.IsCheckViolation(err) {
		var names []string
		for _, p := range t.Postings {
			if p.kind == Party && p.AmountFen > 0 {
				names = append(names, p.AccountName+" 转出 "+triage.FormatYuan(p.AmountFen))
			}
		}
		if len(names) > 5 { // a batch: the first few name the problem
			names = append(names[:5], fmt.Sprintf("等 %d 户", len(names)))
		}
		return nil, apperr.New(apperr.Conflict, "insufficient_balance", "余额不足："+strings.Join(names, "；"))
	}
	if err != nil {
		return nil, err
	}
	return t, nil
}

func transferByRef(ctx context.Context, tx *store.Tx, courtID uuid.UUID, kind TransferKind, ref string) (*Transfer, error) {
	// ref <> '' lets the planner use the partial unique index (both
	// engines): without it this read scanned every transfer.
	t, err := scanTransfer(tx.QueryRow(ctx, `SELECT `+transferColumns+` FROM fund_transfers t WHERE t.court_id = ? AND t.kind = ? AND t.ref = ?
		AND t.ref <> ''`,
		courtID, string(kind), ref))
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return t, loadPostings(ctx, tx, []*Transfer{t})
}

const transferColumns = `t.id, t.court_id, t.case_id, t.kind, t.amount_fen, t.ref, t.memo, t.reverses, t.value_on, t.bank_ref,
	t.created_by_name, t.created_at`

func scanTransfer(sc store.Scanner) (*Transfer, error) {
	t := &Transfer{}
	var caseID, reverses uuid.NullUUID
	var valueOn *legal.Date
	if err := sc.Scan(&t.ID, &t.CourtID, &caseID, &t.Kind, &t.AmountFen, &t.Ref, &t.Memo, &reverses, &valueOn, &t.BankRef, &t.CreatedByName,
		&t.CreatedAt); err != nil {
		return nil, err
	}
	if valueOn != nil {
		t.ValueOn = *valueOn
	}
	t.CaseID, t.Reverses, t.CreatedAt = caseID.UUID, reverses.UUID, t.CreatedAt.UTC()
	return t, nil
}

// loadPostings fills the postings of transfers.
func loadPostings(ctx context.Context, q store.Querier, list []*Transfer) error {
	if len(list) == 0 {
		return nil
	}
	byID := make(map[uuid.UUID]*Transfer, len(list))
	ids := make([]any, 0, len(list))
	for _, t := range list {
		byID[t.ID] = t
		t.Postings = nil
		ids = append(ids, t.ID)
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		rows, err := q.Query(ctx, `SELECT p.transfer_id, p.account_id, p.amount_fen, a.kind, a.number, a.name
			FROM fund_postings p JOIN fund_accounts a ON a.id = p.account_id
			WHERE p.transfer_id IN (`+store.Placeholders(len(chunk))+`) ORDER BY p.transfer_id, p.seq`, chunk...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			var p Posting
			if err := rows.Scan(&id, &p.AccountID, &p.AmountFen, &p.kind, &p.AccountNumber, &p.AccountName); err != nil {
				rows.Close()
				return err
			}
			byID[id].Postings = append(byID[id].Postings, p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
