package assets

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// ControlStatus is where a control stands in the registry.
type ControlStatus string

const (
	ControlRequested ControlStatus = "requested" // sent to the agency, not yet answered
	ControlActive    ControlStatus = "active"    // in force (rank 1: 首封)
	ControlWaiting   ControlStatus = "waiting"   // 轮候: takes effect when those before it are lifted (TERM-3)
	ControlFailed    ControlStatus = "failed"    // the agency could not carry it out
	ControlReleased  ControlStatus = "released"  // lifted
	ControlExpired   ControlStatus = "expired"   // its term ended without renewal
)

// Label is the status's Chinese name.
func (s ControlStatus) Label() string {
	switch s {
	case ControlRequested:
		return "待协执单位办理"
	case ControlActive:
		return "在控"
	case ControlWaiting:
		return "轮候"
	case ControlFailed:
		return "未成功"
	case ControlReleased:
		return "已解除"
	case ControlExpired:
		return "已到期"
	}
	return string(s)
}

// Held reports whether the control binds the asset (in force or waiting).
func (s ControlStatus) Held() bool { return s == ControlActive || s == ControlWaiting }

// termMonths is the longest term of a class of property (TERM-1), as in
// force for the court on the day.
func termMonths(v ruleparams.Values, class agency.TermClass) int {
	switch class {
	case agency.TermDeposit:
		return v.Int(ruleparams.KeyTermDepositMonths)
	case agency.TermMovable:
		return v.Int(ruleparams.KeyTermMovableMonths)
	}
	return v.Int(ruleparams.KeyTermImmovableMonths)
}

// ControlInput asks for a freeze or seizure of an asset for a case.
type ControlInput struct {
	AssetID uuid.UUID
	// AmountFen is the money to freeze (money and other fund-like kinds);
	// 0 for a seizure.
	AmountFen int64
	// Months is the term; 0 means the longest TERM-1 allows for the asset.
	Months int
	Reason string
	// RulingNo and NoticeNo are the numbers of the ruling (裁定书) and the
	// assistance notice (协助执行通知书) the agency acts on.
	RulingNo, NoticeNo string
	// AckExempt confirms a control of an asset flagged exempt (TERM-6),
	// after weighing the reason shown.
	AckExempt bool
}

// assetRow is an asset with its owner.
type assetRow struct {
	ID           uuid.UUID
	PartyID      uuid.UUID
	AgencyID     uuid.UUID
	Kind         agency.Kind
	Ref          string
	Institution  string
	Description  string
	AvailableFen int64
	Exempt       bool
	ExemptReason string
}

func loadAsset(ctx context.Context, q store.Querier, id uuid.UUID) (*assetRow, error) {
	a := &assetRow{}
	err := q.QueryRow(ctx, `SELECT id, party_id, agency_id, kind, ref, institution, description, available_fen, exempt, exempt_reason
		FROM assets WHERE id = ?`, id).Scan(&a.ID, &a.PartyID, &a.AgencyID, &a.Kind, &a.Ref, &a.Institution, &a.Description,
		&a.AvailableFen, &a.Exempt, &a.ExemptReason)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("财产")
	}
	return a, err
}

// describe names an asset for people.
func (a *assetRow) describe() string {
	s := a.Kind.Label() + " " + a.Ref
	if a.Institution != "" {
		s += "（" + a.Institution + "）"
	}
	return s
}

// openCase locks a case for a control change and checks it is open.
func openCase(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (*access.Principal, *cases.Case, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.AssetsControl)
	if err != nil {
		return nil, nil, err
	}
	if c.Status == cases.StatusClosed && c.Closure != "zhongben" {
		return nil, nil, apperr.New(apperr.Conflict, "case_closed", "案件 "+c.CaseNo+" 已结案（"+cases.ClosureLabel(c.Closure)+"），不能再采取或变更控制措施")
	}
	return p, c, nil
}

// controlAgency picks the agency that carries out controls of an asset for
// a court: the agency that reported it when it does controls, else one of
// the court's area that controls the kind (a regional line or portal before
// a national one).
func controlAgency(ctx context.Context, q store.Querier, as *assetRow, courtCode string) (*Agency, error) {
	list, err := Agencies(ctx, q)
	if err != nil {
		return nil, err
	}
	var best *Agency
	for i := range list {
		a := &list[i]
		if !a.Active || !a.Control || !a.Serves(as.Kind) || !a.ServesCourt(courtCode) {
			continue
		}
		if a.ID == as.AgencyID {
			return a, nil
		}
		if best == nil || best.Region == "" && a.Region != "" {
			best = a
		}
	}
	if best == nil {
		return nil, apperr.New(apperr.Conflict, "no_control_agency", "没有可办理“"+as.Kind.Label()+"”控制措施的协执单位（本院所在地区）")
	}
	return best, nil
}

// Place requests a freeze or seizure of a respondent's asset for a case
// (assets.control). The control enters the registry as requested; the
// agency's answer puts it in force, in its place among the controls of the
// asset (首封/轮候), or marks it failed.
func Place(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in ControlInput) (*Control, error) {
	p, c, err := openCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	as, err := loadAsset(ctx, tx, in.AssetID)
	if err != nil {
		return nil, err
	}
	subjects, err := respondents(ctx, tx, c.ID, "")
	if err != nil {
		return nil, err
	}
	isRespondent := false
	for _, s := range subjects {
		isRespondent = isRespondent || s.partyID == as.PartyID
	}
	if !isRespondent {
		return nil, apperr.InvalidField("not_respondents_asset", "body.asset_id", "该财产不属于本案被执行人")
	}
	info, _ := agency.Info(as.Kind)
	in.Reason = strings.TrimSpace(in.Reason)
	var probs apperr.Problems
	if info.Control == "" {
		probs.Add("not_controllable", "body.asset_id", "“"+info.Label+"”只供查询，不能冻结或查封")
	}
	if in.Reason == "" {
		probs.Add("reason_required", "body.reason", "请写明采取控制措施的理由")
	}
	if strings.TrimSpace(in.RulingNo) == "" {
		probs.Add("ruling_required", "body.ruling_no", "请填写执行裁定书文号（协执单位据此办理）")
	}
	// Money the agency can move (deposits, payment balances) is frozen up to
	// an amount; other freezes (shares, equity, policies) bind the holding,
	// with an optional value limit; a seizure binds the thing itself.
	switch {
	case info.Deduct && in.AmountFen <= 0:
		probs.Add("amount_required", "body.amount_fen", "冻结存款、支付账户余额须写明金额（分），且大于 0")
	case in.AmountFen < 0:
		probs.Add("invalid_amount", "body.amount_fen", "金额不能为负")
	case in.AmountFen > legal.MaxAmountFen:
		probs.Add("amount_too_large", "body.amount_fen", "冻结金额超出上限")
	case info.Control == agency.OpSeize && in.AmountFen != 0:
		probs.Add("amount_not_applicable", "body.amount_fen", "查封、扣押不填写金额")
	}
	today := legal.Today(time.Now())
	v, err := ruleparams.Resolve(ctx, tx, c.CourtID, today)
	if err != nil {
		return nil, err
	}
	maxMonths := termMonths(v, info.Term)
	if in.Months == 0 {
		in.Months = maxMonths
	}
	if in.Months < 0 || in.Months > maxMonths {
		probs.Add("term_too_long", "body.months", fmt.Sprintf("“%s”的控制期限最长 %d 个月（TERM-1）", info.Label, maxMonths))
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if as.Exempt && !in.AckExempt {
		return nil, apperr.New(apperr.Conflict, "exempt_property", "该财产可能属于豁免财产："+as.ExemptReason+"。如经审查仍须控制，请确认后再提交")
	}
	var held int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM controls WHERE case_id = ? AND asset_id = ? AND status IN ('requested', 'active', 'waiting')`,
		c.ID, as.ID).Scan(&held); err != nil {
		return nil, err
	}
	if held > 0 {
		return nil, apperr.New(apperr.Conflict, "already_controlled", "本案已对该财产采取控制措施（或正在办理），无需重复；如需延长请续行")
	}
	court, err := org.GetCourt(ctx, tx, c.CourtID)
	if err != nil {
		return nil, err
	}
	ag, err := controlAgency(ctx, tx, as, court.Code)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	ctl := &Control{ID: store.NewID(), CourtID: c.CourtID, CaseID: c.ID, CaseNo: c.CaseNo, AssetID: as.ID, Op: info.Control,
		Status: ControlRequested, AmountAskedFen: in.AmountFen, TermClass: info.Term, TermTo: today.AddMonths(in.Months).AddDays(-1),
		Preservation: c.CaseType == "preservation_enforcement", Reason: in.Reason, RequestedByName: p.DisplayName,
		CreatedAt: now, UpdatedAt: now, AgencyName: ag.Name}
	var duplicateCase string
	if ctl.Preservation {
		if ctl.DuplicateOf, duplicateCase, err = duplicatePreservation(ctx, tx, c.ID, as.ID); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `INSERT INTO controls (id, court_id, case_id, asset_id, op, status, amount_asked_fen, term_class, term_to,
		preservation, duplicate_of, reason, requested_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'requested', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ctl.ID, ctl.CourtID, ctl.CaseID, ctl.AssetID, string(ctl.Op), ctl.AmountAskedFen, string(ctl.TermClass), ctl.TermTo,
		ctl.Preservation, uuid.NullUUID{UUID: ctl.DuplicateOf, Valid: ctl.DuplicateOf != uuid.Nil}, ctl.Reason, ctl.RequestedByName,
		now, now); err != nil {
		return nil, err
	}
	// NODE-6: the control's term is watched from now on.
	if err := supervise.Touch(ctx, tx, supervise.Subject{Kind: supervise.SubjectControl, ID: ctl.ID}); err != nil {
		return nil, err
	}
	if duplicateCase != "" {
		if err := cases.AppendEvents(ctx, tx, c.ID, cases.Event{Kind: "control.duplicate_preservation", Summary: "重复保全提示：" +
			as.describe() + " 已由同一申请人的 " + duplicateCase + " 保全在案，请核实是否确需再次保全（TERM-5）"}); err != nil {
			return nil, err
		}
	}
	docs := documents(in.RulingNo, in.NoticeNo)
	if err := insertRequests(ctx, tx, []newRequest{{courtID: c.CourtID, caseID: c.ID, controlID: ctl.ID, agency: ag, partyID: as.PartyID,
		kind: as.Kind, op: info.Control, assetID: as.ID, amountFen: in.AmountFen, termTo: ctl.TermTo, purpose: in.Reason,
		documents: docs, by: p.UserID, byName: p.DisplayName}}, now); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("申请%s %s", info.Control.Label(), as.describe())
	if in.AmountFen > 0 {
		summary += "，金额 " + triage.FormatYuan(in.AmountFen)
	}
	summary += fmt.Sprintf("，期限至 %s，经 %s 办理：%s", ctl.TermTo, ag.Name, in.Reason)
	return ctl, logControl(ctx, tx, ctl, c.CaseNo, "control.requested", summary, audit.Changes{
		"asset_id": {To: as.ID}, "op": {To: ctl.Op}, "amount_fen": {To: in.AmountFen}, "term_to": {To: ctl.TermTo}, "agency": {To: ag.Code}})
}

func documents(ruling, notice string) []agency.Document {
	var docs []agency.Document
	if s := strings.TrimSpace(ruling); s != "" {
		docs = append(docs, agency.Document{Kind: "ruling", Number: s, Title: "执行裁定书"})
	}
	if s := strings.TrimSpace(notice); s != "" {
		docs = append(docs, agency.Document{Kind: "assistance_notice", Number: s, Title: "协助执行通知书"})
	}
	return docs
}

func logControl(ctx context.Context, tx *store.Tx, ctl *Control, caseNo, action, summary string, ch audit.Changes) error {
	if err := cases.AppendEvents(ctx, tx, ctl.CaseID, cases.Event{Kind: action, Summary: summary}); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: ctl.CourtID, Action: action, ObjectType: "control", ObjectID: ctl.ID.String(),
		Summary: caseNo + "：" + summary, Changes: ch})
}

// ChangeInput asks to renew, release or deduct under a control.
type ChangeInput struct {
	// Months is the renewal's term from today (renew; 0: the longest).
	Months int
	// AmountFen is the money to deduct (deduct).
	AmountFen          int64
	Reason             string
	RulingNo, NoticeNo string
}

// Renew asks the agency to renew a control before its term ends (TERM-2).
func Renew(ctx context.Context, tx *store.Tx, controlID uuid.UUID, in ChangeInput) (*Control, error) {
	return change(ctx, tx, controlID, agency.OpRenew, in)
}

// Release asks the agency to lift a control. Only a control that binds the
// asset can be released.
func Release(ctx context.Context, tx *store.Tx, controlID uuid.UUID, in ChangeInput) (*Control, error) {
	return change(ctx, tx, controlID, agency.OpRelease, in)
}

// Deduct asks the agency to move frozen money to the court (扣划).
func Deduct(ctx context.Context, tx *store.Tx, controlID uuid.UUID, in ChangeInput) (*Control, error) {
	return change(ctx, tx, controlID, agency.OpDeduct, in)
}

func change(ctx context.Context, tx *store.Tx, controlID uuid.UUID, op agency.Op, in ChangeInput) (*Control, error) {
	var caseID uuid.UUID
	err := tx.QueryRow(ctx, `SELECT case_id FROM controls WHERE id = ?`, controlID).Scan(&caseID)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("控制措施")
	}
	if err != nil {
		return nil, err
	}
	p, c, err := openCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	ctl, err := getControl(ctx, tx, controlID, true)
	if err != nil {
		return nil, err
	}
	as, err := loadAsset(ctx, tx, ctl.AssetID)
	if err != nil {
		return nil, err
	}
	info, _ := agency.Info(as.Kind)
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明理由")
	}
	if !ctl.Status.Held() {
		return nil, apperr.New(apperr.Conflict, "not_held", fmt.Sprintf("该控制措施目前为“%s”，未在控，不能%s", ctl.Status.Label(), op.Label()))
	}
	var pending int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM agency_requests WHERE control_id = ? AND status IN ('queued', 'sent') AND op <> ?`,
		ctl.ID, string(ctl.Op)).Scan(&pending); err != nil {
		return nil, err
	}
	if pending > 0 {
		return nil, apperr.New(apperr.Conflict, "change_pending", "该控制措施已有一项续行、解除或扣划正在办理，请待协执单位答复后再操作")
	}
	today := legal.Today(time.Now())
	req := newRequest{courtID: ctl.CourtID, caseID: ctl.CaseID, controlID: ctl.ID, partyID: as.PartyID, kind: as.Kind, op: op,
		assetID: as.ID, purpose: in.Reason, documents: documents(in.RulingNo, in.NoticeNo), by: p.UserID, byName: p.DisplayName}
	summary := op.Label() + " " + as.describe()
	ch := audit.Changes{"op": {To: op}}
	switch op {
	case agency.OpRenew:
		if today.After(ctl.TermTo) {
			return nil, apperr.New(apperr.Conflict, "term_ended", "控制期限已于 "+ctl.TermTo.String()+" 届满，不能续行（TERM-2：须在期限届满前申请）")
		}
		v, err := ruleparams.Resolve(ctx, tx, c.CourtID, today)
		if err != nil {
			return nil, err
		}
		maxMonths := termMonths(v, info.Term)
		if in.Months == 0 {
			in.Months = maxMonths
		}
		if in.Months < 0 || in.Months > maxMonths {
			return nil, apperr.InvalidField("term_too_long", "body.months", fmt.Sprintf("续行期限最长 %d 个月（TERM-2）", maxMonths))
		}
		req.termTo = today.AddMonths(in.Months).AddDays(-1)
		summary += "，续行至 " + req.termTo.String()
		ch["term_to"] = audit.Change{From: ctl.TermTo, To: req.termTo}
	case agency.OpDeduct:
		if !info.Deduct {
			return nil, apperr.New(apperr.Conflict, "not_deductible", "“"+info.Label+"”不能扣划")
		}
		if ctl.Status != ControlActive || ctl.AmountFen <= 0 {
			return nil, apperr.New(apperr.Conflict, "nothing_frozen", "该冻结尚无实际冻结金额，不能扣划")
		}
		if in.AmountFen <= 0 || in.AmountFen > ctl.AmountFen {
			return nil, apperr.InvalidField("invalid_amount", "body.amount_fen",
				"扣划金额须大于 0 且不超过实际冻结金额 "+triage.FormatYuan(ctl.AmountFen))
		}
		req.amountFen = in.AmountFen
		summary += "，金额 " + triage.FormatYuan(in.AmountFen)
		ch["amount_fen"] = audit.Change{To: in.AmountFen}
	}
	court, err := org.GetCourt(ctx, tx, c.CourtID)
	if err != nil {
		return nil, err
	}
	ag, err := controlAgency(ctx, tx, as, court.Code)
	if err != nil {
		return nil, err
	}
	req.agency = ag
	if err := insertRequests(ctx, tx, []newRequest{req}, time.Now().UTC()); err != nil {
		return nil, err
	}
	return ctl, logControl(ctx, tx, ctl, c.CaseNo, "control."+string(op)+"_requested", "申请"+summary+"："+in.Reason, ch)
}

// applyControl applies an agency's answer to a control request.
func (a *applier) applyControl(ctx context.Context, req *sentRequest, r *agency.Result) error {
	ctl, err := getControl(ctx, a.tx, req.controlID.UUID, true)
	if err != nil {
		return err
	}
	as, err := loadAsset(ctx, a.tx, ctl.AssetID)
	if err != nil {
		return err
	}
	ok := r.Status == agency.ResultDone || r.Status == agency.ResultPartial
	res := r.Control
	if ok && res == nil {
		ok, r.Message = false, "协执单位答复缺少控制结果"
	}
	what := req.op.Label() + " " + as.describe()
	fail := func() error {
		msg := r.Message
		if msg == "" {
			msg = ResultLabel(r.Status)
		}
		if req.op == agency.OpFreeze || req.op == agency.OpSeize {
			return failControl(ctx, a.tx, ctl.ID, ctl.CaseID, msg, a.now)
		}
		return logControl(ctx, a.tx, ctl, req.caseNo, "control."+string(req.op)+"_failed", what+" 未成功："+msg, nil)
	}
	if !ok {
		return fail()
	}
	switch req.op {
	case agency.OpFreeze, agency.OpSeize:
		status := ControlActive
		rank := max(res.Rank, 1)
		if r.Status == agency.ResultPartial && res.AmountFen == 0 || rank > 1 {
			status = ControlWaiting
		}
		term := ctl.TermTo
		if t, err := legal.ParseDate(res.TermTo); err == nil {
			term = t
		}
		if _, err := a.tx.Exec(ctx, `UPDATE controls SET status = ?, amount_fen = ?, agency_ref = ?, effective_at = ?, rank = ?, term_to = ?,
			updated_at = ? WHERE id = ?`, string(status), max(res.AmountFen, 0), textutil.Abbrev(res.Ref, 200), res.EffectiveAt.UTC(), rank, term,
			a.now, ctl.ID); err != nil {
			return err
		}
		summary := what + " 已生效"
		if status == ControlWaiting {
			summary = fmt.Sprintf("%s 已登记为轮候第 %d 位（TERM-3：在先措施解除后生效）", what, rank)
		} else {
			summary += "（首封）"
		}
		if ctl.AmountAskedFen > 0 {
			summary += "，申请冻结 " + triage.FormatYuan(ctl.AmountAskedFen) + "，实际冻结 " + triage.FormatYuan(max(res.AmountFen, 0))
		}
		summary += "，期限至 " + term.String()
		ctl.Status = status
		return logControl(ctx, a.tx, ctl, req.caseNo, "control.effective", summary, audit.Changes{
			"status": {From: ControlRequested, To: status}, "amount_fen": {To: res.AmountFen}, "rank": {To: rank}, "agency_ref": {To: res.Ref}})
	case agency.OpRenew:
		term := req.termTo
		if t, err := legal.ParseDate(res.TermTo); err == nil {
			term = t
		}
		if _, err := a.tx.Exec(ctx, `UPDATE controls SET term_to = ?, warned_days = 0, updated_at = ? WHERE id = ?`, term, a.now, ctl.ID); err != nil {
			return err
		}
		return logControl(ctx, a.tx, ctl, req.caseNo, "control.renewed", what+" 已续行至 "+term.String(),
			audit.Changes{"term_to": {From: ctl.TermTo, To: term}})
	case agency.OpRelease:
		if _, err := a.tx.Exec(ctx, `UPDATE controls SET status = 'released', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
			a.now, "已解除", a.now, ctl.ID); err != nil {
			return err
		}
		if err := logControl(ctx, a.tx, ctl, req.caseNo, "control.released", what+" 已解除",
			audit.Changes{"status": {From: ctl.Status, To: ControlReleased}}); err != nil {
			return err
		}
		return rerank(ctx, a.tx, ctl.AssetID, a.now)
	case agency.OpDeduct:
		amount := min(max(res.AmountFen, 0), ctl.AmountFen)
		if _, err := a.tx.Exec(ctx, `UPDATE controls SET amount_fen = amount_fen - ?, deducted_fen = deducted_fen + ?, updated_at = ? WHERE id = ?`,
			amount, amount, a.now, ctl.ID); err != nil {
			return err
		}
		if err := logControl(ctx, a.tx, ctl, req.caseNo, "control.deducted", fmt.Sprintf("%s 已扣划 %s 至法院账户（回单 %s）", what,
			triage.FormatYuan(amount), res.ReceiptRef), audit.Changes{"deducted_fen": {To: amount}, "receipt_ref": {To: res.ReceiptRef}}); err != nil {
			return err
		}
		// The money is now in the custody account: a receipt of the case,
		// in the same transaction (issue 5's ledger).
		var agencyName string
		if err := a.tx.QueryRow(ctx, `SELECT name FROM agencies WHERE id = ?`, req.agencyID).Scan(&agencyName); err != nil {
			return err
		}
		_, err := funds.ReceiveDeduction(ctx, a.tx, funds.Deduction{CourtID: ctl.CourtID, CaseID: ctl.CaseID, PartyID: as.PartyID,
			AmountFen: amount, RequestID: req.id, ReceiptRef: res.ReceiptRef, From: as.describe(), AgencyName: agencyName})
		return err
	}
	return nil
}

// failControl marks a requested control failed.
func failControl(ctx context.Context, tx *store.Tx, id, caseID uuid.UUID, msg string, now time.Time) error {
	ctl, err := getControl(ctx, tx, id, true)
	if err != nil {
		return err
	}
	if ctl.Status != ControlRequested {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE controls SET status = 'failed', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
		now, textutil.Abbrev(msg, 500), now, id); err != nil {
		return err
	}
	var caseNo string
	if err := tx.QueryRow(ctx, `SELECT case_no FROM cases WHERE id = ?`, caseID).Scan(&caseNo); err != nil {
		return err
	}
	return logControl(ctx, tx, ctl, caseNo, "control.failed", ctl.Op.Label()+"未成功："+msg,
		audit.Changes{"status": {From: ControlRequested, To: ControlFailed}})
}

// rerank renumbers the controls binding an asset after one was lifted: the
// order stays, the gaps close, and a waiting seizure that reaches first
// place takes effect (TERM-3).
func rerank(ctx context.Context, tx *store.Tx, assetID uuid.UUID, now time.Time) error {
	rows, err := tx.Query(ctx, `SELECT c.id, c.status, c.rank, c.case_id, k.case_no FROM controls c JOIN cases k ON k.id = c.case_id
		WHERE c.asset_id = ? AND c.status IN ('active', 'waiting') ORDER BY c.rank, c.effective_at, c.id`, assetID)
	if err != nil {
		return err
	}
	type held struct {
		id, caseID uuid.UUID
		status     ControlStatus
		rank       int
		caseNo     string
	}
	var list []held
	for rows.Next() {
		var h held
		if err := rows.Scan(&h.id, &h.status, &h.rank, &h.caseID, &h.caseNo); err != nil {
			rows.Close()
			return err
		}
		list = append(list, h)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for i, h := range list {
		rank := i + 1
		status := h.status
		if rank == 1 && status == ControlWaiting {
			status = ControlActive
		}
		if rank == h.rank && status == h.status {
			continue
		}
		if _, err := tx.Exec(ctx, `UPDATE controls SET rank = ?, status = ?, updated_at = ? WHERE id = ?`, rank, string(status), now, h.id); err != nil {
			return err
		}
		if status != h.status {
			if err := cases.AppendEvents(ctx, tx, h.caseID, cases.Event{Kind: "control.promoted",
				Summary: "在先措施解除，本案轮候措施转为首封并生效（TERM-3）"}); err != nil {
				return err
			}
		}
	}
	return nil
}
