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
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Postponement (延缓发放, FUND-5): money owed to a creditor may be held back
// past the payout deadline only for a listed reason, with the approval of
// the bureau chief; when the reason ends, it must be paid within the
// court's resume period.

// PostponeReasons are FUND-5's reasons, in display order.
var PostponeReasons = []struct{ Code, Label string }{
	{"distribution_pending", "分配方案尚未确定"},
	{"frozen_elsewhere", "款项被其他案件或刑事程序冻结"},
	{"applicant_unreachable", "申请执行人下落不明或拒不领取"},
	{"case_suspended", "案件中止执行"},
	{"other", "其他事由"},
}

func postponeReasonLabel(code string) (string, bool) {
	for _, r := range PostponeReasons {
		if r.Code == code {
			return r.Label, true
		}
	}
	return "", false
}

// Postponement is a hold on a creditor's payout.
type Postponement struct {
	ID              uuid.UUID
	CourtID         uuid.UUID
	CaseID          uuid.UUID
	CaseNo          string
	AccountID       uuid.UUID
	AccountName     string
	Reason          string
	ReasonLabel     string
	Note            string
	Status          string // requested, approved, rejected, ended
	RequestedByID   uuid.UUID
	RequestedByName string
	DecidedByName   string
	DecisionNote    string
	EndedOn         legal.Date
	ResumeDue       legal.Date
	CreatedAt       time.Time
}

const postponementSelect = `SELECT p.id, p.court_id, p.case_id, k.case_no, p.account_id, a.name, p.reason, p.note, p.status, p.requested_by,
	p.requested_by_name, p.decided_by_name, p.decision_note, p.ended_on, p.resume_due, p.created_at
	FROM payout_postponements p JOIN cases k ON k.id = p.case_id JOIN fund_accounts a ON a.id = p.account_id`

func scanPostponement(sc store.Scanner) (*Postponement, error) {
	p := &Postponement{}
	var by uuid.NullUUID
	var ended, resume *legal.Date
	if err := sc.Scan(&p.ID, &p.CourtID, &p.CaseID, &p.CaseNo, &p.AccountID, &p.AccountName, &p.Reason, &p.Note, &p.Status, &by,
		&p.RequestedByName, &p.DecidedByName, &p.DecisionNote, &ended, &resume, &p.CreatedAt); err != nil {
		return nil, err
	}
	p.RequestedByID, p.CreatedAt = by.UUID, p.CreatedAt.UTC()
	p.ReasonLabel, _ = postponeReasonLabel(p.Reason)
	if ended != nil {
		p.EndedOn = *ended
	}
	if resume != nil {
		p.ResumeDue = *resume
	}
	return p, nil
}

// PostponeInput asks to hold a creditor's payout back.
type PostponeInput struct {
	PartyID uuid.UUID
	Reason  string // a code of PostponeReasons
	Note    string
}

// RequestPostponement asks to hold back the money owed to a creditor of a
// case (funds.handle); the bureau chief decides.
func RequestPostponement(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in PostponeInput) (*Postponement, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.FundsHandle)
	if err != nil {
		return nil, err
	}
	in.Note = strings.TrimSpace(in.Note)
	var probs apperr.Problems
	label, ok := postponeReasonLabel(in.Reason)
	if !ok {
		probs.Add("invalid_reason", "body.reason", "延缓发放的事由应为：分配方案尚未确定、款项被冻结、申请执行人下落不明或拒不领取、案件中止执行或其他事由")
	}
	if in.Note == "" {
		probs.Add("note_required", "body.note", "请写明具体情况")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	acc, err := scanAccount(tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM fund_accounts a WHERE a.case_id = ? AND a.party_id = ?
		AND a.kind = 'party' AND a.role = 'applicant'`, caseID, in.PartyID))
	if store.IsNoRows(err) {
		return nil, apperr.InvalidField("not_an_applicant", "body.party_id", "只有申请执行人的款项可以延缓发放")
	}
	if err != nil {
		return nil, err
	}
	if acc.Balance == 0 {
		return nil, apperr.New(apperr.Conflict, "nothing_owed", acc.Name+" 的分户没有待发放的款项")
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM payout_postponements WHERE account_id = ? AND status IN ('requested', 'approved')`,
		acc.ID).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "already_postponed", acc.Name+" 的款项已申请或已批准延缓发放")
	}
	now := time.Now().UTC()
	id := store.NewID()
	if _, err := tx.Exec(ctx, `INSERT INTO payout_postponements (id, court_id, case_id, account_id, reason, note, status, requested_by,
		requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?)`, id, c.CourtID, caseID, acc.ID, in.Reason,
		textutil.Truncate(in.Note, 1000), p.UserID, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	pp, err := getPostponement(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	return pp, logPostponement(ctx, tx, pp, "funds.postponement_requested", fmt.Sprintf("申请延缓发放%s的 %s：%s（%s）", acc.Name,
		triage.FormatYuan(acc.Balance), label, in.Note))
}

func getPostponement(ctx context.Context, q store.Querier, id uuid.UUID) (*Postponement, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok {
		suffix = tx.ForUpdate("p")
	}
	pp, err := scanPostponement(q.QueryRow(ctx, postponementSelect+` WHERE p.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("延缓发放")
	}
	return pp, err
}

func logPostponement(ctx context.Context, tx *store.Tx, pp *Postponement, action, summary string) error {
	if err := cases.AppendEvents(ctx, tx, pp.CaseID, cases.Event{Kind: action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: pp.CourtID, Action: action, ObjectType: "payout_postponement", ObjectID: pp.ID.String(),
		Summary: pp.CaseNo + "：" + summary, Changes: audit.Changes{"status": {To: pp.Status}, "reason": {To: pp.Reason}}})
}

// DecidePostponement approves or refuses a request (funds.approve_large,
// not the person who asked).
func DecidePostponement(ctx context.Context, tx *store.Tx, id uuid.UUID, approve bool, note string) (*Postponement, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.FundsApproveLarge); err != nil {
		return nil, err
	}
	pp, err := getPostponement(ctx, tx, id)
	if err == nil && !p.Sees(pp.CourtID) {
		err = apperr.NotFoundf("延缓发放")
	}
	if err != nil {
		return nil, err
	}
	if pp.Status != "requested" {
		return nil, apperr.New(apperr.Conflict, "not_requested", "该延缓发放申请已处理")
	}
	if pp.RequestedByID == p.UserID {
		return nil, apperr.Forbid("不能审批本人的申请")
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "不同意的，请写明理由")
	}
	status := map[bool]string{true: "approved", false: "rejected"}[approve]
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE payout_postponements SET status = ?, decided_by = ?, decided_by_name = ?, decision_note = ?, decided_at = ?,
		updated_at = ? WHERE id = ?`, status, p.UserID, p.DisplayName, textutil.Truncate(note, 1000), now, now, pp.ID); err != nil {
		return nil, err
	}
	pp.Status, pp.DecidedByName, pp.DecisionNote = status, p.DisplayName, note
	verb := map[bool]string{true: "批准延缓发放", false: "不同意延缓发放"}[approve]
	return pp, logPostponement(ctx, tx, pp, "funds.postponement_decided", fmt.Sprintf("%s%s的款项（%s）%s", verb, pp.AccountName, pp.ReasonLabel,
		map[bool]string{true: "", false: "：" + note}[note != ""]))
}

// EndPostponement records that the reason has ended (funds.handle): the
// money is due within the resume period from today.
func EndPostponement(ctx context.Context, tx *store.Tx, id uuid.UUID, note string) (*Postponement, error) {
	pp, err := getPostponement(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if _, _, err := cases.LockForWork(ctx, tx, pp.CaseID, access.FundsHandle); err != nil {
		return nil, err
	}
	if pp.Status != "approved" {
		return nil, apperr.New(apperr.Conflict, "not_approved", "只有已批准的延缓发放可以结束")
	}
	today := legal.Today(time.Now())
	v, err := ruleparams.Resolve(ctx, tx, pp.CourtID, today)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	due := cal.DaysPeriodEnd(today, v.Int(ruleparams.KeyPostponedResumeDays))
	if _, err := tx.Exec(ctx, `UPDATE payout_postponements SET status = 'ended', ended_on = ?, resume_due = ?, decision_note = CASE WHEN ? <> ''
		THEN ? ELSE decision_note END, updated_at = ? WHERE id = ?`, today, due, strings.TrimSpace(note), textutil.Truncate(strings.TrimSpace(note), 1000),
		time.Now().UTC(), pp.ID); err != nil {
		return nil, err
	}
	pp.Status, pp.EndedOn, pp.ResumeDue = "ended", today, due
	return pp, logPostponement(ctx, tx, pp, "funds.postponement_ended", fmt.Sprintf("延缓发放的事由（%s）已消除，%s的款项应于 %s 前发放（FUND-5）",
		pp.ReasonLabel, pp.AccountName, due))
}

// CasePostponements lists a case's postponements, latest first (cases.read).
func CasePostponements(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Postponement, error) {
	if _, err := caseInScope(ctx, q, caseID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, postponementSelect+` WHERE p.case_id = ? ORDER BY p.created_at DESC, p.id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanPostponement)
}

// Due is money owed to a creditor and when it must be paid.
type Due struct {
	Account   *Account
	CaseNo    string
	DueOn     legal.Date // zero while postponed, or when nothing is due by a date
	Postponed bool
	Overdue   bool
}

// DuePayouts pages through the creditors' accounts of the caller's courts
// that still hold money (a payout awaiting approval included), with the day
// it must be paid by (FUND-4, FUND-5) (cases.read).
func DuePayouts(ctx context.Context, q store.Querier, req page.Request) (page.Page[*Due], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Due]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Due]{}, err
	}
	cond, args := p.CourtFilter("a.court_id")
	pg, err := store.PageByID(ctx, q, req, `SELECT `+accountColumns+`, k.case_no FROM fund_accounts a JOIN cases k ON k.id = a.case_id
		WHERE a.kind = 'party' AND a.role = 'applicant' AND a.balance_fen > 0 AND `+cond, args, "a.id", false,
		func(sc store.Scanner) (*Due, error) {
			d := &Due{}
			var err error
			d.Account, err = scanAccount(scanExtra{sc, &d.CaseNo})
			return d, err
		}, func(d *Due) uuid.UUID { return d.Account.ID })
	if err != nil {
		return pg, err
	}
	today := legal.Today(time.Now())
	for _, d := range pg.Items {
		due, ok, postponed, err := accountDueAndHold(ctx, q, d.Account.ID)
		if err != nil {
			return pg, err
		}
		d.Postponed = postponed
		if ok {
			d.DueOn, d.Overdue = due, today.After(due)
		}
	}
	return pg, nil
}

// scanExtra scans the account's columns, then more.
type scanExtra struct {
	sc    store.Scanner
	extra *string
}

func (s scanExtra) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra)...) }

// accountDueAndHold is accountDue with FUND-5 applied: no deadline while a
// postponement is approved; after one ended, not before its resume day.
func accountDueAndHold(ctx context.Context, q store.Querier, accountID uuid.UUID) (due legal.Date, ok, postponed bool, err error) {
	due, ok, err = accountDue(ctx, q, accountID)
	if err != nil || !ok {
		return due, ok, false, err
	}
	var status string
	var resume *legal.Date
	err = q.QueryRow(ctx, `SELECT status, resume_due FROM payout_postponements WHERE account_id = ? AND status IN ('approved', 'ended')
		ORDER BY created_at DESC LIMIT 1`, accountID).Scan(&status, &resume)
	switch {
	case store.IsNoRows(err):
		return due, true, false, nil
	case err != nil:
		return due, false, false, err
	case status == "approved":
		return legal.Date{}, false, true, nil
	}
	if resume != nil && resume.After(due) {
		due = *resume
	}
	return due, true, false, nil
}
