package funds

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Payout transfer kinds: the money leaves the party's account for the
// in-transit account when the payout is approved, and the custody account
// when the bank has paid it; a failed or returned payout puts it back.
const (
	KindPayout         TransferKind = "payout"          // party → in transit (approved, instruction queued)
	KindPayoutSettled  TransferKind = "payout_settled"  // in transit → out of the custody account (paid)
	KindPayoutFailed   TransferKind = "payout_failed"   // in transit → back to the party (not paid)
	KindPayoutReturned TransferKind = "payout_returned" // back into the custody account → the party (paid, then returned)
)

// PayoutStatus is where a payout stands.
type PayoutStatus string

const (
	PayoutPending   PayoutStatus = "pending"   // approvals outstanding
	PayoutApproved  PayoutStatus = "approved"  // money reserved, instruction to send
	PayoutSent      PayoutStatus = "sent"      // the bank took the instruction
	PayoutSettled   PayoutStatus = "settled"   // paid
	PayoutFailed    PayoutStatus = "failed"    // not paid: money back on the account
	PayoutReturned  PayoutStatus = "returned"  // paid, returned: money back on the account
	PayoutRejected  PayoutStatus = "rejected"  // an approver said no
	PayoutCancelled PayoutStatus = "cancelled" // withdrawn before approval
)

// Label is the status's Chinese name.
func (s PayoutStatus) Label() string {
	switch s {
	case PayoutPending:
		return "待审批"
	case PayoutApproved:
		return "已批准，待发送银行"
	case PayoutSent:
		return "银行办理中"
	case PayoutSettled:
		return "已发放"
	case PayoutFailed:
		return "发放失败"
	case PayoutReturned:
		return "已退回"
	case PayoutRejected:
		return "审批未通过"
	case PayoutCancelled:
		return "已撤回"
	}
	return string(s)
}

// Payout is money paid from a party's account to its payee account.
type Payout struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CaseID          uuid.UUID
	CaseNo          string
	AccountID       uuid.UUID
	AccountName     string
	PayeeID         uuid.UUID
	PayeeName       string
	PayeeAccountNo  string
	PayeeBank       string
	AmountFen       int64
	Purpose         string
	Status          PayoutStatus
	Levels          int // approvals needed (FUND-6)
	ApprovedLevels  int
	DueOn           legal.Date // zero when no deadline applies
	Attempts        int
	BankRef         string
	LastError       string
	RequestedByID   uuid.UUID
	RequestedByName string
	CreatedAt       time.Time
	SentAt          time.Time
	EndedAt         time.Time
	EndReason       string
	BatchID         uuid.UUID // uuid.Nil unless asked for in a batch
	PartyID         uuid.UUID // whose account pays
	NotifyPhone     string    // told when paid, when the payee is no party of the case
	Approvals       []Approval
}

// Approval is one decision on a payout.
type Approval struct {
	Level   int
	Approve bool
	ByID    uuid.UUID
	ByName  string
	Note    string
	At      time.Time
}

const payoutSelect = `SELECT o.id, o.court_id, o.case_id, k.case_no, o.account_id, a.name, o.payee_account_id, pa.holder_name, pa.account_no,
	pa.bank_name, o.amount_fen, o.purpose, o.status, o.levels, o.approved_levels, o.due_on, o.attempts, o.bank_ref, o.last_error,
	o.requested_by, o.requested_by_name, o.created_at, o.sent_at, o.ended_at, o.end_reason, o.batch_id, a.party_id, o.notify_phone
	FROM payouts o JOIN cases k ON k.id = o.case_id JOIN fund_accounts a ON a.id = o.account_id
	JOIN payee_accounts pa ON pa.id = o.payee_account_id`

func scanPayout(sc store.Scanner) (*Payout, error) {
	o := &Payout{}
	var due *legal.Date
	var by, batch, party uuid.NullUUID
	var sent, ended *time.Time
	if err := sc.Scan(&o.ID, &o.CourtID, &o.CaseID, &o.CaseNo, &o.AccountID, &o.AccountName, &o.PayeeID, &o.PayeeName, &o.PayeeAccountNo,
		&o.PayeeBank, &o.AmountFen, &o.Purpose, &o.Status, &o.Levels, &o.ApprovedLevels, &due, &o.Attempts, &o.BankRef, &o.LastError,
		&by, &o.RequestedByName, &o.CreatedAt, &sent, &ended, &o.EndReason, &batch, &party, &o.NotifyPhone); err != nil {
		return nil, err
	}
	o.BatchID, o.PartyID = batch.UUID, party.UUID
	if due != nil {
		o.DueOn = *due
	}
	o.RequestedByID, o.CreatedAt = by.UUID, o.CreatedAt.UTC()
	if sent != nil {
		o.SentAt = sent.UTC()
	}
	if ended != nil {
		o.EndedAt = ended.UTC()
	}
	return o, nil
}

func getPayout(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*Payout, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("o")
	}
	o, err := scanPayout(q.QueryRow(ctx, payoutSelect+` WHERE o.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("案款发放")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT level, approve, by_user, by_name, note, created_at FROM payout_approvals WHERE payout_id = ? ORDER BY level`, id)
	if err != nil {
		return nil, err
	}
	o.Approvals, err = store.ScanAll(rows, scanApproval)
	return o, err
}

func scanApproval(sc store.Scanner) (Approval, error) {
	var a Approval
	var by uuid.NullUUID
	err := sc.Scan(&a.Level, &a.Approve, &by, &a.ByName, &a.Note, &a.At)
	a.ByID, a.At = by.UUID, a.At.UTC()
	return a, err
}

// GetPayout returns a payout of the caller's courts (cases.read).
func GetPayout(ctx context.Context, q store.Querier, id uuid.UUID) (*Payout, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	o, err := getPayout(ctx, q, id, false)
	if err == nil && !p.Sees(o.CourtID) {
		return nil, apperr.NotFoundf("案款发放")
	}
	return o, err
}

// PayoutInput asks for a payout.
type PayoutInput struct {
	PartyID   uuid.UUID
	AmountFen int64
	Purpose   string
}

// RequestPayout asks to pay a party from its account of a case to its
// confirmed payee account (funds.handle). The amount may not exceed what
// the account holds less the payouts already waiting for approval; a
// respondent is paid only what is over once the claim is satisfied. The
// payout needs one approval, or two from the court's threshold on
// (FUND-6).
func RequestPayout(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in PayoutInput) (*Payout, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	in.Purpose = strings.TrimSpace(in.Purpose)
	if in.AmountFen <= 0 || in.AmountFen > legal.MaxAmountFen {
		return nil, apperr.InvalidField("invalid_amount", "body.amount_fen", "发放金额须为正数（分）")
	}
	acc, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.party_id = ? AND a.kind = 'party'`+
		tx.ForUpdate("a"), caseID, in.PartyID))
	if store.IsNoRows(err) {
		return nil, apperr.InvalidField("not_a_party", "body.party_id", "该当事人在本案没有案款分户")
	}
	if err != nil {
		return nil, err
	}
	payee, err := currentPayee(ctx, tx, caseID, in.PartyID)
	if err != nil {
		return nil, err
	}
	if payee == nil {
		return nil, apperr.New(apperr.Conflict, "no_payee", "请先登记"+acc.Name+"的收款账户（FUND-2）")
	}
	if !payee.Confirmed() {
		return nil, apperr.New(apperr.Conflict, "payee_unconfirmed", "收款账户 "+MaskAccount(payee.AccountNo)+" 尚未经书面确认，不能发放（FUND-2）")
	}
	var waiting int64
	if err := tx.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE account_id = ? AND status = 'pending'`, acc.ID).
		Scan(&waiting); err != nil {
		return nil, err
	}
	if in.AmountFen > acc.Balance-waiting {
		return nil, apperr.New(apperr.Conflict, "insufficient_balance", fmt.Sprintf("%s 余额 %s，待审批的发放 %s，可发放 %s", acc.Name,
			triage.FormatYuan(acc.Balance), triage.FormatYuan(waiting), triage.FormatYuan(max(acc.Balance-waiting, 0))))
	}
	today := legal.Today(time.Now())
	if acc.Role == "respondent" {
		st, _, err := statementOf(ctx, tx, caseID, today)
		if err != nil {
			return nil, err
		}
		if st.OwedFen() > 0 {
			return nil, apperr.New(apperr.Conflict, "claim_unsatisfied", fmt.Sprintf("本案尚欠 %s，被执行人的款项应先分配（退还仅限清偿后的余款）",
				triage.FormatYuan(st.OwedFen())))
		}
		// Only the surplus goes back: what the statement says is the
		// creditors' and the court's stays until it is allocated.
		fee, creditors := st.ToAllocate()
		if surplus := acc.Balance - waiting - fee - creditors; in.AmountFen > surplus {
			return nil, apperr.New(apperr.Conflict, "not_surplus", fmt.Sprintf("可退还被执行人的余款为 %s；其余 %s 应先分配给申请执行人和诉讼费",
				triage.FormatYuan(max(surplus, 0)), triage.FormatYuan(fee+creditors)))
		}
	}
	if in.Purpose == "" {
		in.Purpose = c.CaseNo + " 执行款"
	}
	v, err := ruleparams.Resolve(ctx, tx, c.CourtID, today)
	if err != nil {
		return nil, err
	}
	levels := 1
	if in.AmountFen >= int64(v.Int(ruleparams.KeyLargePayoutYuan))*100 {
		levels = 2
	}
	var due *legal.Date
	if d, ok, _, err := accountDueAndHold(ctx, tx, acc.ID); err != nil {
		return nil, err
	} else if ok {
		due = &d
	}
	now := time.Now().UTC()
	id := store.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO payouts (id, court_id, case_id, account_id, payee_account_id, amount_fen, purpose, status, levels,
		due_on, requested_by, requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
		id, c.CourtID, caseID, acc.ID, payee.ID, in.AmountFen, textutil.Truncate(in.Purpose, 200), levels, due, p.UserID, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	o, err := getPayout(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("申请向%s发放 %s 至 %s %s（需 %d 级审批）", acc.Name, triage.FormatYuan(in.AmountFen), payee.BankName,
		MaskAccount(payee.AccountNo), levels)
	return o, logPayout(ctx, tx, o, "funds.payout_requested", summary, audit.Changes{"amount_fen": {To: in.AmountFen}, "levels": {To: levels},
		"status": {To: PayoutPending}})
}

// accountDue is the due day of the oldest money on an account not yet
// covered by its settled payouts (FUND-4).
func accountDue(ctx context.Context, q store.Querier, accountID uuid.UUID) (legal.Date, bool, error) {
	var paid int64
	if err := q.QueryRow(ctx, `SELECT COALESCE(SUM(amount_fen), 0) FROM payouts WHERE account_id = ? AND status = 'settled'`, accountID).
		Scan(&paid); err != nil {
		return legal.Date{}, false, err
	}
	rows, err := q.Query(ctx, `SELECT amount_fen, due_on FROM payables WHERE account_id = ? ORDER BY arrived_on, id`, accountID)
	if err != nil {
		return legal.Date{}, false, err
	}
	type payable struct {
		amount int64
		due    legal.Date
	}
	list, err := store.ScanAll(rows, func(sc store.Scanner) (payable, error) {
		var p payable
		return p, sc.Scan(&p.amount, &p.due)
	})
	if err != nil {
		return legal.Date{}, false, err
	}
	var cum int64
	for _, p := range list {
		cum += p.amount
		if cum > paid {
			return p.due, true, nil
		}
	}
	return legal.Date{}, false, nil
}

// logPayout records a step of a payout: on the case's timeline and in the
// audit log; a batch's payouts only in the audit log (the batch's own steps
// are on the timeline: a campaign round would put 100,000 entries there).
func logPayout(ctx context.Context, tx *store.Tx, o *Payout, action, summary string, ch audit.Changes) error {
	if o.BatchID == uuid.Nil {
		if err := cases.AppendEvents(ctx, tx, o.CaseID, cases.Event{Kind: action, Summary: summary}); err != nil {
			return err
		}
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: o.CourtID, Action: action, ObjectType: "payout", ObjectID: o.ID.String(),
		Summary: o.CaseNo + "：" + summary, Changes: ch})
}

// Decision is an approver's answer.
type Decision struct {
	Approve bool
	Note    string
}

// DecidePayout records the next approval of a payout, or its rejection
// (FUND-6): the first level needs funds.approve (or funds.approve_large),
// the second funds.approve_large, and nobody approves a payout they asked
// for or approves it twice. The last approval reserves the money (party →
// in transit) and queues the instruction to the bank.
func DecidePayout(ctx context.Context, tx *store.Tx, id uuid.UUID, d Decision) (*Payout, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.FundsApprove) && !p.Can(access.FundsApproveLarge) {
		return nil, apperr.Forbid("需要案款发放审批权限")
	}
	o, err := getPayout(ctx, tx, id, false)
	if err == nil && !p.Sees(o.CourtID) {
		err = apperr.NotFoundf("案款发放")
	}
	if err != nil {
		return nil, err
	}
	if _, _, err := cases.LockForWork(ctx, tx, o.CaseID, ""); err != nil {
		return nil, err
	}
	if o, err = getPayout(ctx, tx, id, true); err != nil {
		return nil, err
	}
	if o.Status != PayoutPending {
		return nil, apperr.New(apperr.Conflict, "not_pending", "该发放"+o.Status.Label()+"，无需再审批")
	}
	if o.BatchID != uuid.Nil {
		return nil, apperr.New(apperr.Conflict, "in_batch", "该发放属于批量发放，须整批审批（/payout-batches/"+o.BatchID.String()+"）")
	}
	level := o.ApprovedLevels + 1
	if err := checkDecision(p, level, o.RequestedByID, o.Approvals, &d); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO payout_approvals (payout_id, level, approve, by_user, by_name, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		o.ID, level, d.Approve, p.UserID, p.DisplayName, textutil.Truncate(d.Note, 500), now); err != nil {
		return nil, err
	}
	if !d.Approve {
		if _, err := tx.Exec(ctx, `UPDATE payouts SET status = 'rejected', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
			now, textutil.Truncate(d.Note, 500), now, o.ID); err != nil {
			return nil, err
		}
		if err := logPayout(ctx, tx, o, "funds.payout_rejected", fmt.Sprintf("第 %d 级审批不同意发放 %s：%s", level,
			triage.FormatYuan(o.AmountFen), d.Note), audit.Changes{"status": {From: PayoutPending, To: PayoutRejected}}); err != nil {
			return nil, err
		}
		return getPayout(ctx, tx, o.ID, false)
	}
	status := PayoutPending
	if level == o.Levels {
		status = PayoutApproved
		inTransit, err := courtAccount(ctx, tx, o.CourtID, InTransit)
		if err != nil {
			return nil, err
		}
		acc, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.id = ?`, o.AccountID))
		if err != nil {
			return nil, err
		}
		if _, err := post(ctx, tx, &Transfer{CourtID: o.CourtID, CaseID: o.CaseID, Kind: KindPayout, Ref: "payout:" + o.ID.String(),
			Memo:     fmt.Sprintf("发放至 %s %s %s", o.PayeeName, o.PayeeBank, MaskAccount(o.PayeeAccountNo)),
			Postings: []Posting{debit(acc, o.AmountFen), credit(inTransit, o.AmountFen)}}); err != nil {
			return nil, err
		}
		if err := superviseAccounts(ctx, tx, o.AccountID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE payouts SET approved_levels = ?, status = ?, next_at = ?, updated_at = ? WHERE id = ?`,
		level, string(status), now, now, o.ID); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("第 %d 级审批同意发放 %s", level, triage.FormatYuan(o.AmountFen))
	if status == PayoutApproved {
		summary += "，款项转入在途，等待发送银行"
	}
	if d.Note != "" {
		summary += "：" + d.Note
	}
	if err := logPayout(ctx, tx, o, "funds.payout_approved", summary, audit.Changes{"level": {To: level}, "status": {From: PayoutPending,
		To: status}}); err != nil {
		return nil, err
	}
	return getPayout(ctx, tx, o.ID, false)
}

// checkDecision refuses p deciding level of a payout or a batch asked for
// by requestedBy and approved so far by approvals (FUND-6: the second level
// is the bureau chief's, nobody decides their own request or two levels) and
// a refusal without its reason; it trims d's note.
func checkDecision(p *access.Principal, level int, requestedBy uuid.UUID, approvals []Approval, d *Decision) error {
	if level == 2 && !p.Can(access.FundsApproveLarge) {
		return apperr.Forbid("第二级审批须由有大额发放审批权限的人员（执行局长）办理（FUND-6）")
	}
	if requestedBy == p.UserID {
		return apperr.Forbid("不能审批本人申请的发放")
	}
	for _, a := range approvals {
		if a.ByID == p.UserID {
			return apperr.Forbid("同一人不能审批两级")
		}
	}
	d.Note = strings.TrimSpace(d.Note)
	if !d.Approve && d.Note == "" {
		return apperr.InvalidField("note_required", "body.note", "不同意发放的，请写明理由")
	}
	return nil
}

// CancelPayout withdraws a payout still waiting for approval (funds.handle).
func CancelPayout(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Payout, error) {
	o, err := GetPayout(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := cases.LockForWork(ctx, tx, o.CaseID, access.FundsHandle); err != nil {
		return nil, err
	}
	if o, err = getPayout(ctx, tx, id, true); err != nil {
		return nil, err
	}
	if o.Status != PayoutPending {
		return nil, apperr.New(apperr.Conflict, "not_pending", "该发放"+o.Status.Label()+"，不能撤回")
	}
	if o.BatchID != uuid.Nil {
		return nil, apperr.New(apperr.Conflict, "in_batch", "该发放属于批量发放，不能单独撤回；可在审批时整批不同意")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明撤回理由")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE payouts SET status = 'cancelled', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
		now, textutil.Truncate(reason, 500), now, o.ID); err != nil {
		return nil, err
	}
	if err := logPayout(ctx, tx, o, "funds.payout_cancelled", "撤回发放 "+triage.FormatYuan(o.AmountFen)+"："+reason,
		audit.Changes{"status": {From: PayoutPending, To: PayoutCancelled}}); err != nil {
		return nil, err
	}
	return getPayout(ctx, tx, o.ID, false)
}

// CasePayouts lists a case's payouts, the latest first (cases.read).
func CasePayouts(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Payout, error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, payoutSelect+` WHERE o.case_id = ? ORDER BY o.created_at DESC, o.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanPayout)
}

// PayoutFilter selects payouts for the funds desk.
type PayoutFilter struct {
	Status PayoutStatus // "" for any
	Batch  uuid.UUID    // one batch's payouts
	Single bool         // only payouts asked for one by one (a batch is decided as a whole)
}

// Payouts pages through the payouts of the caller's courts, oldest first
// (cases.read).
func Payouts(ctx context.Context, q store.Querier, f PayoutFilter, req page.Request) (page.Page[*Payout], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Payout]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Payout]{}, err
	}
	cond, args := p.CourtFilter("o.court_id")
	if f.Status != "" {
		cond += " AND o.status = ?"
		args = append(args, string(f.Status))
	}
	if f.Batch != uuid.Nil {
		cond += " AND o.batch_id = ?"
		args = append(args, f.Batch)
	}
	if f.Single {
		cond += " AND o.batch_id IS NULL"
	}
	return store.PageByID(ctx, q, req, payoutSelect+` WHERE `+cond, args, "o.id", false, scanPayout,
		func(o *Payout) uuid.UUID { return o.ID })
}
