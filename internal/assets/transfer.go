package assets

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
)

// The 60-day rule (TERM-4): when the court holding the first seizure (首封)
// of an asset has not started to sell it wait_days after seizing, a court
// enforcing a priority claim on it (a mortgage, say), which holds a waiting
// seizure (轮候), may ask for it with a 商请移送执行函. The 首封 court answers
// within answer_days: a 移送执行函 (the requesting court disposes of the
// asset from then on) or a refusal with its reasons, for example that its
// auction notice is already published. Both periods are rule parameters.

// TransferStatus is where a transfer request stands.
type TransferStatus string

const (
	TransferPending   TransferStatus = "pending"
	TransferAgreed    TransferStatus = "agreed"
	TransferRefused   TransferStatus = "refused"
	TransferWithdrawn TransferStatus = "withdrawn"
)

// Label is the status's Chinese name.
func (s TransferStatus) Label() string {
	switch s {
	case TransferPending:
		return "待首封法院答复"
	case TransferAgreed:
		return "同意移送"
	case TransferRefused:
		return "不同意移送"
	case TransferWithdrawn:
		return "已撤回"
	}
	return string(s)
}

// Transfer is a request to the 首封 court to hand over the disposal of an
// asset (TERM-4).
type Transfer struct {
	ID                  uuid.UUID
	AssetID             uuid.UUID
	AssetName           string
	FirstControlID      uuid.UUID
	HoldingCourtID      uuid.UUID
	HoldingCourtName    string
	HoldingCaseID       uuid.UUID
	HoldingCaseNo       string
	RequestingControlID uuid.UUID
	RequestingCourtID   uuid.UUID
	RequestingCourtName string
	RequestingCaseID    uuid.UUID
	RequestingCaseNo    string
	PriorityClaim       string
	LetterNo            string
	Status              TransferStatus
	RequestedOn         legal.Date
	AnswerDue           legal.Date
	RequestedByName     string
	AnswerLetterNo      string
	AnswerReason        string
	AnsweredByName      string
	AnsweredAt          time.Time
	CreatedAt           time.Time
}

// Overdue reports whether the answer is late on a day.
func (t *Transfer) Overdue(today legal.Date) bool {
	return t.Status == TransferPending && today.After(t.AnswerDue)
}

const transferSelect = `SELECT t.id, t.asset_id, a.kind, a.ref, a.institution, t.first_control_id, t.holding_court_id, hc.name, t.holding_case_id,
	hk.case_no, t.requesting_control_id, t.requesting_court_id, rc.name, t.requesting_case_id, rk.case_no, t.priority_claim, t.letter_no,
	t.status, t.requested_on, t.answer_due, t.requested_by_name, t.answer_letter_no, t.answer_reason, t.answered_by_name, t.answered_at,
	t.created_at
	FROM transfer_requests t JOIN assets a ON a.id = t.asset_id
	JOIN courts hc ON hc.id = t.holding_court_id JOIN cases hk ON hk.id = t.holding_case_id
	JOIN courts rc ON rc.id = t.requesting_court_id JOIN cases rk ON rk.id = t.requesting_case_id`

func scanTransfer(sc store.Scanner) (*Transfer, error) {
	t := &Transfer{}
	as := &assetRow{}
	var answered *time.Time
	err := sc.Scan(&t.ID, &t.AssetID, &as.Kind, &as.Ref, &as.Institution, &t.FirstControlID, &t.HoldingCourtID, &t.HoldingCourtName,
		&t.HoldingCaseID, &t.HoldingCaseNo, &t.RequestingControlID, &t.RequestingCourtID, &t.RequestingCourtName, &t.RequestingCaseID,
		&t.RequestingCaseNo, &t.PriorityClaim, &t.LetterNo, &t.Status, &t.RequestedOn, &t.AnswerDue, &t.RequestedByName,
		&t.AnswerLetterNo, &t.AnswerReason, &t.AnsweredByName, &answered, &t.CreatedAt)
	if err != nil {
		return nil, err
	}
	t.AssetName = as.describe()
	if answered != nil {
		t.AnsweredAt = answered.UTC()
	}
	return t, nil
}

// TransferInput is a request for the disposal of an asset.
type TransferInput struct {
	// ControlID is the requesting case's waiting seizure of the asset.
	ControlID uuid.UUID
	// PriorityClaim names the priority right enforced (抵押权 …) and its
	// basis.
	PriorityClaim string
	// LetterNo is the number of the 商请移送执行函.
	LetterNo string
}

// RequestTransfer asks the 首封 court of an asset to hand its disposal to
// the case (assets.control on the requesting case). The requesting case
// must hold a waiting seizure of the asset, the 首封 must be another
// court's, and wait_days must have passed since it took effect (TERM-4).
func RequestTransfer(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in TransferInput) (*Transfer, error) {
	p, c, err := openCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	in.PriorityClaim, in.LetterNo = strings.TrimSpace(in.PriorityClaim), strings.TrimSpace(in.LetterNo)
	var probs apperr.Problems
	if in.PriorityClaim == "" {
		probs.Add("priority_claim_required", "body.priority_claim", "请写明本案执行的优先受偿权（如抵押权）及其依据")
	}
	if in.LetterNo == "" {
		probs.Add("letter_required", "body.letter_no", "请填写商请移送执行函的文号")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	own, err := getControl(ctx, tx, in.ControlID, true)
	if err != nil || own.CaseID != c.ID {
		return nil, apperr.InvalidField("control_not_found", "body.control_id", "本案没有该控制措施")
	}
	if own.Status != ControlWaiting {
		return nil, apperr.New(apperr.Conflict, "not_waiting",
			fmt.Sprintf("本案对该财产的措施目前为“%s”；只有轮候查封的法院可以商请首封法院移送（TERM-4）", own.Status.Label()))
	}
	first, err := firstControl(ctx, tx, own.AssetID)
	if err != nil {
		return nil, err
	}
	if first == nil {
		return nil, apperr.New(apperr.Conflict, "no_first_seizure", "该财产目前没有生效的首封措施")
	}
	if first.CourtID == c.CourtID {
		return nil, apperr.New(apperr.Conflict, "same_court", "首封措施也是本院的（"+first.CaseNo+"），由本院统一处分，无需商请移送")
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM transfer_requests WHERE asset_id = ? AND requesting_case_id = ? AND status = 'pending'`,
		own.AssetID, c.ID).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "already_requested", "本案已就该财产商请移送，正在等待首封法院答复")
	}
	today := legal.Today(time.Now())
	v, err := ruleparams.Resolve(ctx, tx, first.CourtID, today)
	if err != nil {
		return nil, err
	}
	seized := legal.DateOf(first.EffectiveAt)
	wait := v.Int(ruleparams.KeyTransferWaitDays)
	if opens := legal.TransferOpensOn(seized, wait); today.Before(opens) {
		return nil, apperr.New(apperr.Conflict, "too_early", fmt.Sprintf(
			"首封法院于 %s 查封，查封满 %d 日仍未处分的（%s 起）方可商请移送（TERM-4）", seized, wait, opens))
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	id := store.NewID()
	due := cal.DaysPeriodEnd(today, v.Int(ruleparams.KeyTransferAnswerDays))
	if _, err := tx.Exec(ctx, `INSERT INTO transfer_requests (id, asset_id, first_control_id, holding_court_id, holding_case_id,
		requesting_control_id, requesting_court_id, requesting_case_id, priority_claim, letter_no, status, requested_on, answer_due,
		requested_by, requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
		id, own.AssetID, first.ID, first.CourtID, first.CaseID, own.ID, c.CourtID, c.ID, textutil.Abbrev(in.PriorityClaim, 1000),
		textutil.Abbrev(in.LetterNo, 200), today, due, p.UserID, p.DisplayName, now, now); err != nil {
		return nil, err
	}
	t, err := getTransfer(ctx, tx, id, false)
	if err != nil {
		return nil, err
	}
	if err := transferEvents(ctx, tx, t, "transfer.requested",
		fmt.Sprintf("商请 %s（%s）移送 %s 的处分权（%s，执行 %s），请于 %s 前答复（TERM-4）", t.HoldingCourtName, t.HoldingCaseNo,
			t.AssetName, t.LetterNo, t.PriorityClaim, t.AnswerDue),
		fmt.Sprintf("收到 %s（%s）的商请移送执行函（%s）：该院执行 %s，请求处分本案首封的 %s；须于 %s 前答复（TERM-4）",
			t.RequestingCourtName, t.RequestingCaseNo, t.LetterNo, t.PriorityClaim, t.AssetName, t.AnswerDue)); err != nil {
		return nil, err
	}
	return t, audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "transfer.requested", ObjectType: "transfer_request",
		ObjectID: t.ID.String(), Summary: t.RequestingCaseNo + " 商请 " + t.HoldingCaseNo + " 移送 " + t.AssetName,
		Changes: audit.Changes{"status": {To: TransferPending}, "answer_due": {To: t.AnswerDue}, "letter_no": {To: t.LetterNo}}})
}

// firstControl is the control in force at rank 1 on an asset (首封), or nil.
func firstControl(ctx context.Context, q store.Querier, assetID uuid.UUID) (*Control, error) {
	c, err := scanControl(q.QueryRow(ctx, `SELECT `+controlColumns+controlFrom+` WHERE c.asset_id = ? AND c.status = 'active'
		ORDER BY c.rank, c.effective_at, c.id LIMIT 1`, assetID))
	if store.IsNoRows(err) {
		return nil, nil
	}
	return c, err
}

// transferEvents writes the timeline lines of both cases.
func transferEvents(ctx context.Context, tx *store.Tx, t *Transfer, kind, requesting, holding string) error {
	if err := cases.AppendEvents(ctx, tx, t.RequestingCaseID, cases.Event{Kind: kind, Summary: requesting}); err != nil {
		return err
	}
	return cases.AppendEvents(ctx, tx, t.HoldingCaseID, cases.Event{Kind: kind, Summary: holding})
}

func getTransfer(ctx context.Context, q store.Querier, id uuid.UUID, lock bool) (*Transfer, error) {
	suffix := ""
	if tx, ok := q.(*store.Tx); ok && lock {
		suffix = tx.ForUpdate("t")
	}
	t, err := scanTransfer(q.QueryRow(ctx, transferSelect+` WHERE t.id = ?`+suffix, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("商请移送")
	}
	return t, err
}

// GetTransfer returns a transfer request the caller's courts sent or
// received.
func GetTransfer(ctx context.Context, q store.Querier, id uuid.UUID) (*Transfer, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	t, err := getTransfer(ctx, q, id, false)
	if err != nil {
		return nil, err
	}
	if !p.Sees(t.HoldingCourtID) && !p.Sees(t.RequestingCourtID) {
		return nil, apperr.NotFoundf("商请移送")
	}
	return t, nil
}

// TransferAnswer is the 首封 court's answer.
type TransferAnswer struct {
	Agree bool
	// LetterNo is the number of the 移送执行函 (when agreeing).
	LetterNo string
	// Reason explains a refusal (required) or accompanies an agreement.
	Reason string
}

// AnswerTransfer records the 首封 court's answer (assets.control on the
// holding case). Agreeing hands the disposal of the asset to the requesting
// case (DisposalRight); the seizures themselves stay as they are.
func AnswerTransfer(ctx context.Context, tx *store.Tx, id uuid.UUID, in TransferAnswer) (*Transfer, error) {
	t, err := GetTransfer(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p, _, err := cases.LockForWork(ctx, tx, t.HoldingCaseID, access.AssetsControl)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, apperr.New(apperr.Forbidden, "not_holding_court", "只有首封案件的承办法院可以答复商请移送")
		}
		return nil, err
	}
	if t, err = getTransfer(ctx, tx, id, true); err != nil {
		return nil, err
	}
	if t.Status != TransferPending {
		return nil, apperr.New(apperr.Conflict, "already_answered", "该商请已处理（"+t.Status.Label()+"）")
	}
	in.LetterNo, in.Reason = strings.TrimSpace(in.LetterNo), strings.TrimSpace(in.Reason)
	status, verb := TransferRefused, "不同意移送"
	if in.Agree {
		status, verb = TransferAgreed, "同意移送"
		if in.LetterNo == "" {
			return nil, apperr.InvalidField("letter_required", "body.letter_no", "同意移送的，请填写移送执行函的文号")
		}
	} else if in.Reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "不同意移送的，请写明理由（如已发布拍卖公告或已进入变卖程序）")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE transfer_requests SET status = ?, answer_letter_no = ?, answer_reason = ?, answered_by = ?,
		answered_by_name = ?, answered_at = ?, updated_at = ? WHERE id = ?`, string(status), textutil.Abbrev(in.LetterNo, 200),
		textutil.Abbrev(in.Reason, 1000), p.UserID, p.DisplayName, now, now, t.ID); err != nil {
		return nil, err
	}
	today := legal.Today(now)
	late := ""
	if t.Overdue(today) {
		late = fmt.Sprintf("（逾期，答复期限至 %s）", t.AnswerDue)
	}
	t.Status, t.AnswerLetterNo, t.AnswerReason, t.AnsweredByName, t.AnsweredAt = status, in.LetterNo, in.Reason, p.DisplayName, now
	detail := verb
	if in.Agree {
		detail += "，移送执行函 " + in.LetterNo
	}
	if in.Reason != "" {
		detail += "：" + in.Reason
	}
	after := ""
	if in.Agree {
		after = "；此后由 " + t.RequestingCourtName + " 处分该财产，查封顺位不变"
	}
	if err := transferEvents(ctx, tx, t, "transfer.answered",
		fmt.Sprintf("%s 答复商请移送 %s：%s%s%s", t.HoldingCourtName, t.AssetName, detail, late, after),
		fmt.Sprintf("答复 %s（%s）商请移送 %s：%s%s%s", t.RequestingCourtName, t.RequestingCaseNo, t.AssetName, detail, late, after)); err != nil {
		return nil, err
	}
	return t, audit.Log(ctx, tx, audit.Entry{CourtID: t.HoldingCourtID, Action: "transfer.answered", ObjectType: "transfer_request",
		ObjectID: t.ID.String(), Summary: t.HoldingCaseNo + " " + verb + " " + t.AssetName + " 至 " + t.RequestingCaseNo,
		Changes: audit.Changes{"status": {From: TransferPending, To: status}, "answer_letter_no": {To: in.LetterNo}, "reason": {To: in.Reason}}})
}

// WithdrawTransfer withdraws a request still waiting for its answer
// (assets.control on the requesting case).
func WithdrawTransfer(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Transfer, error) {
	t, err := GetTransfer(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p, _, err := cases.LockForWork(ctx, tx, t.RequestingCaseID, access.AssetsControl)
	if err != nil {
		if apperr.KindOf(err) == apperr.NotFound {
			return nil, apperr.New(apperr.Forbidden, "not_requesting_court", "只有发出商请的案件可以撤回")
		}
		return nil, err
	}
	if t, err = getTransfer(ctx, tx, id, true); err != nil {
		return nil, err
	}
	if t.Status != TransferPending {
		return nil, apperr.New(apperr.Conflict, "already_answered", "该商请已处理（"+t.Status.Label()+"），不能撤回")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明撤回理由")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE transfer_requests SET status = 'withdrawn', answer_reason = ?, answered_by = ?, answered_by_name = ?,
		answered_at = ?, updated_at = ? WHERE id = ?`, textutil.Abbrev(reason, 1000), p.UserID, p.DisplayName, now, now, t.ID); err != nil {
		return nil, err
	}
	t.Status, t.AnswerReason, t.AnsweredByName, t.AnsweredAt = TransferWithdrawn, reason, p.DisplayName, now
	if err := transferEvents(ctx, tx, t, "transfer.withdrawn", "撤回商请移送 "+t.AssetName+"："+reason,
		t.RequestingCourtName+"（"+t.RequestingCaseNo+"）撤回对 "+t.AssetName+" 的商请移送："+reason); err != nil {
		return nil, err
	}
	return t, audit.Log(ctx, tx, audit.Entry{CourtID: t.RequestingCourtID, Action: "transfer.withdrawn", ObjectType: "transfer_request",
		ObjectID: t.ID.String(), Summary: t.RequestingCaseNo + " 撤回商请移送 " + t.AssetName,
		Changes: audit.Changes{"status": {From: TransferPending, To: TransferWithdrawn}, "reason": {To: reason}}})
}

// TransferFilter selects transfer requests of the caller's courts.
type TransferFilter struct {
	// Incoming lists requests the caller's courts must answer (they hold
	// the 首封); otherwise those they sent.
	Incoming bool
	Status   TransferStatus // "" for any
	// Overdue keeps pending requests past their answer day.
	Overdue bool
}

// Transfers lists transfer requests (assets.control), oldest first.
func Transfers(ctx context.Context, q store.Querier, f TransferFilter, req page.Request) (page.Page[*Transfer], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Transfer]{}, err
	}
	if err := p.Require(access.AssetsControl); err != nil {
		return page.Page[*Transfer]{}, err
	}
	col := "t.requesting_court_id"
	if f.Incoming {
		col = "t.holding_court_id"
	}
	cond, args := p.CourtFilter(col)
	if f.Overdue {
		f.Status = TransferPending
		cond += " AND t.answer_due < ?"
		args = append(args, legal.Today(time.Now()))
	}
	if f.Status != "" {
		cond += " AND t.status = ?"
		args = append(args, string(f.Status))
	}
	return store.PageByID(ctx, q, req, transferSelect+` WHERE `+cond, args, "t.id", false, scanTransfer,
		func(t *Transfer) uuid.UUID { return t.ID })
}

// caseTransfers are the transfer requests a case sent or received, latest
// first.
func caseTransfers(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Transfer, error) {
	rows, err := q.Query(ctx, transferSelect+` WHERE t.requesting_case_id = ? OR t.holding_case_id = ? ORDER BY t.created_at DESC, t.id`,
		caseID, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanTransfer)
}

// Disposer is the case that may dispose of an asset (auction, 变卖).
type Disposer struct {
	CaseID   uuid.UUID
	CaseNo   string
	CourtID  uuid.UUID
	Transfer uuid.UUID // the agreed transfer that moved it, or uuid.Nil for the 首封 case
}

// DisposalRight returns who may dispose of an asset: the case holding the
// 首封, unless it agreed to hand the asset to a court enforcing a priority
// claim whose seizure still binds it (TERM-4). Nil when nothing binds the
// asset.
func DisposalRight(ctx context.Context, q store.Querier, assetID uuid.UUID) (*Disposer, error) {
	first, err := firstControl(ctx, q, assetID)
	if err != nil || first == nil {
		return nil, err
	}
	d := &Disposer{CaseID: first.CaseID, CaseNo: first.CaseNo, CourtID: first.CourtID}
	var id, caseID, courtID uuid.UUID
	var caseNo string
	err = q.QueryRow(ctx, `SELECT t.id, t.requesting_case_id, t.requesting_court_id, k.case_no FROM transfer_requests t
		JOIN controls c ON c.id = t.requesting_control_id JOIN cases k ON k.id = t.requesting_case_id
		WHERE t.asset_id = ? AND t.first_control_id = ? AND t.status = 'agreed' AND c.status IN ('active', 'waiting')
		ORDER BY t.answered_at DESC LIMIT 1`, assetID, first.ID).Scan(&id, &caseID, &courtID, &caseNo)
	switch {
	case store.IsNoRows(err):
		return d, nil
	case err != nil:
		return nil, err
	}
	return &Disposer{CaseID: caseID, CaseNo: caseNo, CourtID: courtID, Transfer: id}, nil
}
