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

// A payout batch (批量代发) is many payouts of one case asked for and
// approved as one: a mass-claim round pays tens of thousands of people, and
// MASS-6 has its batches approved as FUND-6 — the batch's total sets the
// levels. Asking, approving and refusing take a fixed number of statements
// whatever the batch's size; once approved, each payout is sent, settled,
// failed or returned on its own like any other (Payer).

// BatchStatus is where a batch stands.
type BatchStatus string

const (
	BatchPending  BatchStatus = "pending"
	BatchApproved BatchStatus = "approved"
	BatchRejected BatchStatus = "rejected"
)

// Label is the status's Chinese name.
func (s BatchStatus) Label() string {
	switch s {
	case BatchPending:
		return "待审批"
	case BatchApproved:
		return "已批准"
	case BatchRejected:
		return "审批未通过"
	}
	return string(s)
}

// PayoutBatch is a batch of payouts of one case.
type PayoutBatch struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CaseID          uuid.UUID
	CaseNo          string
	Title           string
	Payouts         int
	TotalFen        int64
	Status          BatchStatus
	Levels          int
	ApprovedLevels  int
	RequestedByID   uuid.UUID
	RequestedByName string
	CreatedAt       time.Time
	Approvals       []Approval
	// Counts is how many of its payouts stand in each status (GetBatch).
	Counts map[PayoutStatus]int
}

// BatchPayout is one payout of a batch: a party of the case (or a
// participant paid from it) with money on its account of the case, paid
// to the account given here, or to its confirmed payee account when none
// is given.
type BatchPayout struct {
	PartyID   uuid.UUID
	AmountFen int64
	// The payee account, confirmed by how it was given (Confirmation: for
	// a campaign, the participant's own real-name registration, FUND-2).
	Holder, AccountNo, Bank, Confirmation string
	Phone                                 string // told when it is paid (notify_phone)
}

const batchSelect = `SELECT b.id, b.court_id, b.case_id, k.case_no, b.title, b.payouts, b.total_fen, b.status, b.levels, b.approved_levels,
	b.requested_by, b.requested_by_name, b.created_at FROM payout_batches b JOIN cases k ON k.id = b.case_id`

func scanBatch(sc store.Scanner) (*PayoutBatch, error) {
	b := &PayoutBatch{}
	var by uuid.NullUUID
	if err := sc.Scan(&b.ID, &b.CourtID, &b.CaseID, &b.CaseNo, &b.Title, &b.Payouts, &b.TotalFen, &b.Status, &b.Levels, &b.ApprovedLevels,
		&by, &b.RequestedByName, &b.CreatedAt); err != nil {
		return nil, err
	}
	b.RequestedByID, b.CreatedAt = by.UUID, b.CreatedAt.UTC()
	return b, nil
}

func getBatch(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*PayoutBatch, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("b")
	}
	b, err := scanBatch(q.QueryRow(ctx, batchSelect+` WHERE b.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("批量发放")
	}
	if err != nil {
		return nil, err
	}
	return b, batchDetails(ctx, q, b)
}

// batchDetails fills a batch's approvals and its payouts' counts.
func batchDetails(ctx context.Context, q store.Querier, b *PayoutBatch) error {
	rows, err := q.Query(ctx, `SELECT level, approve, by_user, by_name, note, created_at FROM payout_batch_approvals WHERE batch_id = ? ORDER BY level`, b.ID)
	if err != nil {
		return err
	}
	if b.Approvals, err = store.ScanAll(rows, scanApproval); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT status, COUNT(*) FROM payouts WHERE batch_id = ? GROUP BY status`, b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	b.Counts = map[PayoutStatus]int{}
	for rows.Next() {
		var s PayoutStatus
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return err
		}
		b.Counts[s] = n
	}
	return rows.Err()
}

// GetBatch returns a batch of the caller's courts (cases.read).
func GetBatch(ctx context.Context, q store.Querier, id uuid.UUID) (*PayoutBatch, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	b, err := getBatch(ctx, q, id, false)
	if err == nil && !p.Sees(b.CourtID) {
		return nil, apperr.NotFoundf("批量发放")
	}
	return b, err
}

// Batches pages through the batches of the caller's courts, oldest first,
// those of one status when status is not "" (cases.read), each with its
// approvals and counts.
func Batches(ctx context.Context, q store.Querier, status BatchStatus, req page.Request) (page.Page[*PayoutBatch], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*PayoutBatch]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*PayoutBatch]{}, err
	}
	cond, args := p.CourtFilter("b.court_id")
	if status != "" {
		cond += " AND b.status = ?"
		args = append(args, string(status))
	}
	pg, err := store.PageByID(ctx, q, req, batchSelect+` WHERE `+cond, args, "b.id", false, scanBatch,
		func(b *PayoutBatch) uuid.UUID { return b.ID })
	if err != nil {
		return pg, err
	}
	for _, b := range pg.Items {
		if err := batchDetails(ctx, q, b); err != nil {
			return pg, err
		}
	}
	return pg, nil
}

// RequestBatch asks for many payouts of a case as one batch (funds.handle):
// each from a creditor's account of the case, within what it holds less
// the payouts already waiting, to the payee account given (recorded as
// confirmed, replacing the one in use) or to the one confirmed before.
// The batch needs one approval, or two when its total reaches the court's
// threshold (FUND-6). Nothing is written when one item is refused.
func RequestBatch(ctx context.Context, tx *store.Tx, caseID uuid.UUID, title string, items []BatchPayout) (*PayoutBatch, []uuid.UUID, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, nil, err
	}
	if title = strings.TrimSpace(title); title == "" {
		title = c.CaseNo + " 批量发放"
	}
	if len(items) == 0 {
		return nil, nil, apperr.InvalidField("empty_batch", "body.items", "批量发放至少应有一笔")
	}
	accounts, err := partyAccounts(ctx, tx, caseID)
	if err != nil {
		return nil, nil, err
	}
	waiting, err := pendingByAccount(ctx, tx, caseID)
	if err != nil {
		return nil, nil, err
	}
	payees, err := casePayeesByParty(ctx, tx, caseID)
	if err != nil {
		return nil, nil, err
	}
	now := time.Now().UTC()
	type row struct {
		item    *BatchPayout
		account *Account
		payee   uuid.UUID
	}
	rows := make([]row, len(items))
	seen := make(map[uuid.UUID]bool, len(items))
	var total int64
	var revoke []any
	var fresh []*Payee
	for i := range items {
		it := &items[i]
		field := fmt.Sprintf("body.items[%d]", i)
		if it.AmountFen <= 0 || it.AmountFen > legal.MaxAmountFen {
			return nil, nil, apperr.InvalidField("invalid_amount", field+".amount_fen", "发放金额须为正数（分）")
		}
		acc := accounts[it.PartyID]
		if acc == nil {
			return nil, nil, apperr.InvalidField("not_a_party", field+".party_id", "该当事人在本案没有案款分户")
		}
		if acc.Role != "applicant" {
			return nil, nil, apperr.InvalidField("not_a_creditor", field+".party_id", acc.Name+" 不是本案的债权人，不能批量发放")
		}
		if seen[it.PartyID] {
			return nil, nil, apperr.InvalidField("duplicate_party", field+".party_id", acc.Name+" 在本批中出现两次")
		}
		seen[it.PartyID] = true
		if avail := acc.Balance - waiting[acc.ID]; it.AmountFen > avail {
			return nil, nil, apperr.New(apperr.Conflict, "insufficient_balance", fmt.Sprintf("%s 余额 %s，待审批的发放 %s，可发放 %s", acc.Name,
				triage.FormatYuan(acc.Balance), triage.FormatYuan(waiting[acc.ID]), triage.FormatYuan(max(acc.Balance-waiting[acc.ID], 0))))
		}
		old := payees[it.PartyID]
		it.AccountNo = strings.TrimSpace(it.AccountNo)
		switch {
		case it.AccountNo == "" && old == nil:
			return nil, nil, apperr.New(apperr.Conflict, "no_payee", "请先登记"+acc.Name+"的收款账户（FUND-2）")
		case it.AccountNo == "" && !old.Confirmed():
			return nil, nil, apperr.New(apperr.Conflict, "payee_unconfirmed", "收款账户 "+MaskAccount(old.AccountNo)+" 尚未经书面确认，不能发放（FUND-2）")
		case it.AccountNo == "" || old != nil && old.AccountNo == it.AccountNo && old.Confirmed():
			rows[i] = row{it, acc, old.ID}
		default:
			if strings.TrimSpace(it.Holder) == "" || strings.TrimSpace(it.Bank) == "" || strings.TrimSpace(it.Confirmation) == "" {
				return nil, nil, apperr.InvalidField("invalid_payee", field, "收款账户须写明户名、开户行和确认依据（FUND-2）")
			}
			if old != nil {
				revoke = append(revoke, old.ID)
			}
			pa := &Payee{ID: store.NewID(), PartyID: it.PartyID, HolderName: textutil.Truncate(it.Holder, 60), AccountNo: it.AccountNo,
				BankName: textutil.Truncate(it.Bank, 100), Confirmation: textutil.Truncate(it.Confirmation, 200)}
			fresh = append(fresh, pa)
			rows[i] = row{it, acc, pa.ID}
		}
		total += it.AmountFen
	}
	if total > legal.MaxAmountFen {
		return nil, nil, apperr.InvalidField("invalid_amount", "body.items", "本批金额合计过大")
	}
	for from := 0; from < len(revoke); from += 500 {
		chunk := revoke[from:min(from+500, len(revoke))]
		if _, err := tx.Exec(ctx, `UPDATE payee_accounts SET status = 'revoked', updated_at = ? WHERE id IN (`+store.Placeholders(len(chunk))+`)`,
			append([]any{now}, chunk...)...); err != nil {
			return nil, nil, err
		}
	}
	if err := store.InsertRows(ctx, tx, `INSERT INTO payee_accounts (id, court_id, case_id, party_id, holder_name, account_no, bank_name, status,
		confirmation, confirmed_by_name, confirmed_at, created_by_name, created_at, updated_at) VALUES `, 14, len(fresh), func(i int, args []any) []any {
		pa := fresh[i]
		return append(args, pa.ID, c.CourtID, caseID, pa.PartyID, pa.HolderName, pa.AccountNo, pa.BankName, "confirmed", pa.Confirmation,
			pa.HolderName, now, p.DisplayName, now, now)
	}); err != nil {
		return nil, nil, err
	}
	v, err := ruleparams.Resolve(ctx, tx, c.CourtID, legal.Today(now))
	if err != nil {
		return nil, nil, err
	}
	levels := 1
	if total >= int64(v.Int(ruleparams.KeyLargePayoutYuan))*100 {
		levels = 2
	}
	b := &PayoutBatch{ID: store.NewID(), CourtID: c.CourtID, CaseID: caseID, CaseNo: c.CaseNo, Title: textutil.Truncate(title, 200),
		Payouts: len(rows), TotalFen: total, Status: BatchPending, Levels: levels, RequestedByID: p.UserID, RequestedByName: p.DisplayName,
		CreatedAt: now, Counts: map[PayoutStatus]int{PayoutPending: len(rows)}}
	if _, err := tx.Exec(ctx, `INSERT INTO payout_batches (id, court_id, case_id, title, payouts, total_fen, status, levels, requested_by,
		requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)`, b.ID, b.CourtID, caseID, b.Title, b.Payouts,
		total, levels, store.NullID(p.UserID), p.DisplayName, now, now); err != nil {
		return nil, nil, err
	}
	ids := make([]uuid.UUID, len(rows))
	if err := store.InsertRows(ctx, tx, `INSERT INTO payouts (id, court_id, case_id, account_id, payee_account_id, amount_fen, purpose, status,
		levels, requested_by, requested_by_name, created_at, updated_at, batch_id, notify_phone) VALUES `, 15, len(rows), func(i int, args []any) []any {
		ids[i] = store.NewID()
		r := rows[i]
		return append(args, ids[i], c.CourtID, caseID, r.account.ID, r.payee, r.item.AmountFen, b.Title, "pending", levels,
			store.NullID(p.UserID), p.DisplayName, now, now, b.ID, strings.TrimSpace(r.item.Phone))
	}); err != nil {
		return nil, nil, err
	}
	summary := fmt.Sprintf("申请批量发放「%s」：%d 笔，合计 %s（需 %d 级审批）", b.Title, b.Payouts, triage.FormatYuan(total), levels)
	return b, ids, logBatch(ctx, tx, b, "funds.batch_requested", summary, audit.Changes{"payouts": {To: b.Payouts}, "total_fen": {To: total},
		"levels": {To: levels}, "status": {To: BatchPending}})
}

// pendingByAccount is the money of each account of a case waiting in
// payouts not yet approved.
func pendingByAccount(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]int64, error) {
	rows, err := q.Query(ctx, `SELECT account_id, SUM(amount_fen) FROM payouts WHERE case_id = ? AND status = 'pending' GROUP BY account_id`, caseID)
	if err != nil {
		return nil, err
	}
	out := map[uuid.UUID]int64{}
	for rows.Next() {
		var id uuid.UUID
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, err
		}
		out[id] = n
	}
	rows.Close()
	return out, rows.Err()
}

// casePayeesByParty is the payee account in use of each party of a case.
func casePayeesByParty(ctx context.Context, q store.Querier, caseID uuid.UUID) (map[uuid.UUID]*Payee, error) {
	rows, err := q.Query(ctx, `SELECT `+payeeColumns+` FROM payee_accounts WHERE case_id = ? AND status <> 'revoked'`, caseID)
	if err != nil {
		return nil, err
	}
	list, err := store.ScanAll(rows, scanPayee)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]*Payee, len(list))
	for _, pa := range list {
		out[pa.PartyID] = pa
	}
	return out, nil
}

func logBatch(ctx context.Context, tx *store.Tx, b *PayoutBatch, action, summary string, ch audit.Changes) error {
	if err := cases.AppendEvents(ctx, tx, b.CaseID, cases.Event{Kind: action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: b.CourtID, Action: action, ObjectType: "payout_batch", ObjectID: b.ID.String(),
		Summary: b.CaseNo + "：" + summary, Changes: ch})
}

// DecideBatch records the next approval of a batch, or its rejection, as
// DecidePayout does for one payout (FUND-6: levels by the batch's total,
// nobody approves a batch they asked for or approves it twice). The last
// approval reserves the money of every payout of the batch (each account →
// in transit) in one transfer and queues them all for the bank; a
// rejection ends them all.
func DecideBatch(ctx context.Context, tx *store.Tx, id uuid.UUID, d Decision) (*PayoutBatch, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.FundsApprove) && !p.Can(access.FundsApproveLarge) {
		return nil, apperr.Forbid("需要案款发放审批权限")
	}
	b, err := getBatch(ctx, tx, id, false)
	if err == nil && !p.Sees(b.CourtID) {
		err = apperr.NotFoundf("批量发放")
	}
	if err != nil {
		return nil, err
	}
	if _, _, err := cases.LockForWork(ctx, tx, b.CaseID, ""); err != nil {
		return nil, err
	}
	if b, err = getBatch(ctx, tx, id, true); err != nil {
		return nil, err
	}
	if b.Status != BatchPending {
		return nil, apperr.New(apperr.Conflict, "not_pending", "该批量发放"+b.Status.Label()+"，无需再审批")
	}
	level := b.ApprovedLevels + 1
	if err := checkDecision(p, level, b.RequestedByID, b.Approvals, &d); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO payout_batch_approvals (batch_id, level, approve, by_user, by_name, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		b.ID, level, d.Approve, p.UserID, p.DisplayName, textutil.Truncate(d.Note, 500), now); err != nil {
		return nil, err
	}
	if !d.Approve {
		if _, err := tx.Exec(ctx, `UPDATE payout_batches SET status = 'rejected', updated_at = ? WHERE id = ?`, now, b.ID); err != nil {
			return nil, err
		}
		if _, err := tx.Exec(ctx, `UPDATE payouts SET status = 'rejected', ended_at = ?, end_reason = ?, updated_at = ? WHERE batch_id = ?
			AND status = 'pending'`, now, textutil.Truncate(d.Note, 500), now, b.ID); err != nil {
			return nil, err
		}
		if err := logBatch(ctx, tx, b, "funds.batch_rejected", fmt.Sprintf("第 %d 级审批不同意批量发放「%s」（%d 笔，%s）：%s", level, b.Title,
			b.Payouts, triage.FormatYuan(b.TotalFen), d.Note), audit.Changes{"status": {From: BatchPending, To: BatchRejected}}); err != nil {
			return nil, err
		}
		return getBatch(ctx, tx, b.ID, false)
	}
	status := BatchPending
	if level == b.Levels {
		status = BatchApproved
		if err := reserveBatch(ctx, tx, b); err != nil {
			return nil, err
		}
	}
	payoutStatus := PayoutPending
	if status == BatchApproved {
		payoutStatus = PayoutApproved
	}
	if _, err := tx.Exec(ctx, `UPDATE payout_batches SET approved_levels = ?, status = ?, updated_at = ? WHERE id = ?`, level, string(status), now,
		b.ID); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE payouts SET approved_levels = ?, status = ?, next_at = ?, updated_at = ? WHERE batch_id = ? AND status = 'pending'`,
		level, string(payoutStatus), now, now, b.ID); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("第 %d 级审批同意批量发放「%s」：%d 笔，合计 %s", level, b.Title, b.Payouts, triage.FormatYuan(b.TotalFen))
	if status == BatchApproved {
		summary += "，款项转入在途，等待发送银行"
	}
	if d.Note != "" {
		summary += "：" + d.Note
	}
	if err := logBatch(ctx, tx, b, "funds.batch_approved", summary, audit.Changes{"level": {To: level}, "status": {From: BatchPending,
		To: status}}); err != nil {
		return nil, err
	}
	return getBatch(ctx, tx, b.ID, false)
}

// reserveBatch moves the money of every payout of a batch from its
// account to the in-transit account in one transfer.
func reserveBatch(ctx context.Context, tx *store.Tx, b *PayoutBatch) error {
	rows, err := tx.Query(ctx, `SELECT o.amount_fen, `+accountColumns+` FROM payouts o JOIN fund_accounts a ON a.id = o.account_id
		WHERE o.batch_id = ? AND o.status = 'pending'`, b.ID)
	if err != nil {
		return err
	}
	postings, err := store.ScanAll(rows, func(sc store.Scanner) (Posting, error) {
		var fen int64
		a, err := scanAccount(scannerFunc(func(dest ...any) error { return sc.Scan(append([]any{&fen}, dest...)...) }))
		if err != nil {
			return Posting{}, err
		}
		return debit(a, fen), nil
	})
	if err != nil {
		return err
	}
	var total int64
	for _, p := range postings {
		total += p.AmountFen
	}
	if len(postings) != b.Payouts || total != b.TotalFen {
		return fmt.Errorf("funds: batch %s holds %d payouts of %d fen, recorded %d of %d", b.ID, len(postings), total, b.Payouts, b.TotalFen)
	}
	inTransit, err := courtAccount(ctx, tx, b.CourtID, InTransit)
	if err != nil {
		return err
	}
	_, err = post(ctx, tx, &Transfer{CourtID: b.CourtID, CaseID: b.CaseID, Kind: KindPayout, Ref: "payout_batch:" + b.ID.String(),
		Memo: fmt.Sprintf("批量发放「%s」%d 笔", b.Title, b.Payouts), Postings: append(postings, credit(inTransit, total))})
	return err
}

// scannerFunc adapts a function to store.Scanner.
type scannerFunc func(dest ...any) error

func (f scannerFunc) Scan(dest ...any) error { return f(dest...) }
