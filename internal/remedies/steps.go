package remedies

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// FileInput is a remedy as received.
type FileInput struct {
	Kind           Kind
	ApplicantName  string
	ApplicantRole  Role
	ApplicantPhone string
	Request        string // 请求事项
	Grounds        string // 事实与理由
	// AssetID is the asset an outsider claims (案外人异议: required; an
	// asset of one of the case's parties).
	AssetID uuid.UUID
	// ReviewedID is the objection whose ruling a 复议 attacks (required for
	// a 复议).
	ReviewedID uuid.UUID
	// ReceivedOn is the day the court received it (default today).
	ReceivedOn legal.Date
}

// File records a remedy received for an enforcement case (remedies.manage,
// the case's court in scope). An objection or an outsider's objection is
// refused once the case has ended (OBJ-2: filed before the procedure ends;
// a case closed as 终本 may still be objected to, ZB-12). A 复议 must name
// a served objection ruling of the case and come within the 复议 window
// (OBJ-3); it goes to the next higher court.
func File(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in FileInput) (*Remedy, error) {
	p, c, err := cases.LockForWork(ctx, tx, caseID, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	var probs apperr.Problems
	if !in.Kind.Valid() {
		var labels []string
		for _, k := range kinds {
			labels = append(labels, string(k)+"（"+k.Label()+"）")
		}
		return nil, apperr.InvalidField("invalid_kind", "body.kind", "请选择救济种类："+strings.Join(labels, "、"))
	}
	name, err := text(in.ApplicantName, "body.applicant_name", "applicant_name", "申请人姓名或名称", maxName, true)
	if err != nil {
		probs.AddErr("body.applicant_name", err)
	}
	role := in.ApplicantRole
	if role == "" {
		role = map[Kind]Role{Outsider: "outsider", Complaint: "applicant"}[in.Kind]
		if role == "" {
			role = "respondent"
		}
	}
	if !role.valid() {
		probs.Add("invalid_role", "body.applicant_role", "申请人身份应为申请执行人、被执行人、利害关系人、案外人或其他")
	}
	phone, err := text(in.ApplicantPhone, "body.applicant_phone", "applicant_phone", "联系电话", maxPhone, false)
	if err != nil {
		probs.AddErr("body.applicant_phone", err)
	}
	request, err := text(in.Request, "body.request", "request", "请求事项", maxRequest, true)
	if err != nil {
		probs.AddErr("body.request", err)
	}
	grounds, err := text(in.Grounds, "body.grounds", "grounds", "事实与理由", maxGrounds, false)
	if err != nil {
		probs.AddErr("body.grounds", err)
	}
	received, err := stepDate(in.ReceivedOn, legal.Date{}, "body.received_on", "")
	if err != nil {
		probs.AddErr("body.received_on", err)
	}
	if in.Kind == Outsider {
		if in.AssetID == uuid.Nil {
			probs.Add("asset_required", "body.asset_id", "案外人异议须指明所争议的执行标的（本案当事人的财产）")
		} else {
			var n int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM assets s JOIN case_parties cp ON cp.party_id = s.party_id
				WHERE s.id = ? AND cp.case_id = ?`, in.AssetID, c.ID).Scan(&n); err != nil {
				return nil, err
			}
			if n == 0 {
				probs.Add("not_case_asset", "body.asset_id", "该财产不存在或不属于本案当事人")
			}
		}
	} else if in.AssetID != uuid.Nil {
		probs.Add("asset_not_allowed", "body.asset_id", "只有案外人异议指明执行标的")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	if (in.Kind == Objection || in.Kind == Outsider) && c.Status == cases.StatusClosed && c.Closure != "zhongben" {
		return nil, apperr.New(apperr.Conflict, "case_ended", "案件 "+c.CaseNo+" 已结案（"+cases.ClosureLabel(c.Closure)+
			"），执行程序已经终结，不能再提出"+in.Kind.Label()+"（执行异议应在执行程序终结前提出，OBJ-2）")
	}
	r := &Remedy{ID: store.NewID(), CourtID: c.CourtID, OriginCourtID: c.CourtID, CaseID: c.ID, CaseNo: c.CaseNo, Kind: in.Kind, State: Filed,
		ApplicantName: name, ApplicantRole: role, ApplicantPhone: phone, Request: request, Grounds: grounds, AssetID: in.AssetID,
		ReceivedOn: received}
	if in.Kind == Review {
		if err := fileReview(ctx, tx, p, r, in.ReviewedID); err != nil {
			return nil, err
		}
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `INSERT INTO remedies (id, court_id, origin_court_id, case_id, kind, state, reviewed_id, applicant_name,
		applicant_role, applicant_phone, request, grounds, asset_id, received_on, created_by, created_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'filed', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, r.CourtID, r.OriginCourtID, r.CaseID, string(r.Kind),
		store.NullID(r.ReviewedID), r.ApplicantName, string(r.ApplicantRole), r.ApplicantPhone, r.Request, r.Grounds, store.NullID(r.AssetID),
		r.ReceivedOn, store.NullID(p.UserID), p.DisplayName, now, now); err != nil {
		return nil, err
	}
	if err := clocks(ctx, tx, r); err != nil {
		return nil, err
	}
	summary := "收到" + r.ApplicantRole.Label() + " " + r.ApplicantName + " 的" + r.Kind.Label() + "（" + r.ReceivedOn.String() + "）：" + clip(r.Request, 100)
	if r.Kind == Review {
		summary += "；不服 " + r.ReviewedNumber + "，由上一级法院审查"
	}
	ch := audit.Changes{"kind": {To: r.Kind}, "applicant_name": {To: r.ApplicantName}, "received_on": {To: r.ReceivedOn}}
	if r.AssetID != uuid.Nil {
		ch["asset_id"] = audit.Change{To: r.AssetID}
	}
	if r.ReviewedID != uuid.Nil {
		ch["reviewed_id"] = audit.Change{To: r.ReviewedID}
	}
	if err := record(ctx, tx, p, r, "filed", r.ReceivedOn, summary, ch); err != nil {
		return nil, err
	}
	return load(ctx, tx, r.ID)
}

// fileReview checks a 复议 against the objection it reviews and sends it
// to the next higher court.
func fileReview(ctx context.Context, tx *store.Tx, p *access.Principal, r *Remedy, reviewed uuid.UUID) error {
	if reviewed == uuid.Nil {
		return apperr.InvalidField("reviewed_required", "body.reviewed_id", "请选择不服的执行异议裁定")
	}
	_, o, err := lock(ctx, tx, reviewed, access.RemediesManage)
	if apperr.KindOf(err) == apperr.NotFound {
		return apperr.InvalidField("invalid_reviewed", "body.reviewed_id", "所指的执行异议不存在")
	}
	if err != nil {
		return err
	}
	if o.Kind != Objection || o.CaseID != r.CaseID {
		return apperr.InvalidField("invalid_reviewed", "body.reviewed_id", "复议须针对本案的执行异议裁定（案外人异议裁定不服的，应提起诉讼）")
	}
	if o.State != Served || o.Outcome == Withdrawn {
		return apperr.New(apperr.Conflict, "ruling_not_served", "执行异议 "+o.Number+" 目前为“"+o.State.Label()+"”，裁定送达后才能申请复议")
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM remedies WHERE reviewed_id = ? AND state IN ('filed', 'forwarded', 'registered', 'examined')`,
		o.ID).Scan(&open); err != nil {
		return err
	}
	if open > 0 {
		return apperr.New(apperr.Conflict, "review_pending", "对执行异议 "+o.Number+" 的复议正在办理，不能重复申请")
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return err
	}
	rr, err := rules(ctx, tx, o.CourtID, o.ServedOn)
	if err != nil {
		return err
	}
	if err := cal.CheckReviewFiled(o.ServedOn, r.ReceivedOn, rr); err != nil {
		return err
	}
	court, err := org.GetCourt(ctx, tx, o.CourtID)
	if err != nil {
		return err
	}
	if court.ParentID == uuid.Nil {
		return apperr.New(apperr.Conflict, "no_higher_court", court.Name+"没有上一级法院，无法申请复议")
	}
	r.CourtID, r.ReviewedID, r.ReviewedNumber = court.ParentID, o.ID, o.Number
	return nil
}

// examining checks that p acts for the examining court.
func examining(p *access.Principal, r *Remedy) error {
	if !p.Sees(r.CourtID) {
		return apperr.Forbid("该" + r.Kind.Label() + "由" + r.CourtName + "审查办理")
	}
	return nil
}

// Forward records that the court that ruled sent a 复议's file to the next
// higher court (OBJ-3: within 5 days).
func Forward(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if r.Kind != Review || r.State != Filed {
		return nil, wrongState(r, "报送上一级法院")
	}
	if !p.Sees(r.OriginCourtID) {
		return nil, apperr.Forbid("复议案卷由作出异议裁定的" + r.OriginCourtName + "报送")
	}
	if on, err = stepDate(on, r.ReceivedOn, "body.on", "收到申请之日"); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'forwarded', forwarded_on = ? WHERE id = ?`, on, r.ID); err != nil {
		return nil, err
	}
	summary := "复议案卷报送" + r.CourtName + "（" + on.String() + "）" + lateness(on, r.Clock.ForwardBy)
	if err := record(ctx, tx, p, r, "forwarded", on, summary, audit.Changes{"state": {From: r.State, To: Forwarded}, "forwarded_on": {To: on}}); err != nil {
		return nil, err
	}
	return after(ctx, tx, r.ID, Forwarded)
}

// lateness words a step done on on against its due day.
func lateness(on, due legal.Date) string {
	if due.IsZero() || !on.After(due) {
		return ""
	}
	return "，超过期限（" + due.String() + "）" + strconv.Itoa(on.Sub(due)) + " 日"
}

// after reloads a remedy after a change in state to, recomputing its clocks.
func after(ctx context.Context, tx *store.Tx, id uuid.UUID, to State) (*Remedy, error) {
	r, err := load(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if err := clocks(ctx, tx, r); err != nil {
		return nil, err
	}
	return load(ctx, tx, id)
}

// Register registers (立案) a remedy and gives it its number (OBJ-1:
// within 3 days of receipt, parties notified; XF-1: logged within 5 working
// days). A 复议 is registered by the higher court once forwarded.
func Register(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if r.Kind == Review && r.State != Forwarded || r.Kind != Review && r.State != Filed {
		action := "立案"
		if r.Kind == Review && r.State == Filed {
			action = "立案：复议案卷须先报送上一级法院"
		}
		return nil, wrongState(r, action)
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	prev, prevLabel := r.ReceivedOn, "收到申请之日"
	if r.Kind == Review {
		prev, prevLabel = r.ForwardedOn, "报送之日"
	}
	if on, err = stepDate(on, prev, "body.on", prevLabel); err != nil {
		return nil, err
	}
	no, err := number(ctx, tx, r, on)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'registered', registered_on = ?, number = ? WHERE id = ?`, on, no, r.ID); err != nil {
		return nil, err
	}
	verb := "立案，案号 "
	if r.Kind == Complaint {
		verb = "登记，登记号 "
	}
	summary := r.Kind.Label() + verb + no + "（" + on.String() + "），已通知当事人" + lateness(on, r.Clock.RegisterBy)
	if err := record(ctx, tx, p, r, "registered", on, summary, audit.Changes{"state": {From: r.State, To: Registered}, "number": {To: no},
		"registered_on": {To: on}}); err != nil {
		return nil, err
	}
	return after(ctx, tx, r.ID, Registered)
}

// NotAccept refuses a remedy with its reason (不予受理, OBJ-1: ruled within
// 3 days).
func NotAccept(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date, reason string) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if r.Kind == Review && r.State != Forwarded || r.Kind != Review && r.State != Filed {
		return nil, wrongState(r, "裁定不予受理")
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	reason, err = text(reason, "body.reason", "reason", "不予受理的理由", maxReason, true)
	if err != nil {
		return nil, err
	}
	if on, err = stepDate(on, r.ReceivedOn, "body.on", "收到申请之日"); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'not_accepted', not_accepted_reason = ?, decided_on = ? WHERE id = ?`, reason, on,
		r.ID); err != nil {
		return nil, err
	}
	summary := r.Kind.Label() + "不予受理（" + on.String() + "）：" + clip(reason, 200) + lateness(on, r.Clock.RegisterBy)
	if err := record(ctx, tx, p, r, "not_accepted", on, summary, audit.Changes{"state": {From: r.State, To: NotAccepted},
		"reason": {To: reason}}); err != nil {
		return nil, err
	}
	return after(ctx, tx, r.ID, NotAccepted)
}

// Examine records that the examination (审查、听证) is complete.
func Examine(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date, notes string) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if r.State != Registered {
		return nil, wrongState(r, "记录审查")
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	notes, err = text(notes, "body.notes", "notes", "审查情况", maxDecision, true)
	if err != nil {
		return nil, err
	}
	start := r.RegisteredOn
	if r.RestartedOn.After(start) {
		start = r.RestartedOn
	}
	if on, err = stepDate(on, start, "body.on", "立案之日"); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'examined', examined_on = ?, examination = ? WHERE id = ?`, on, notes, r.ID); err != nil {
		return nil, err
	}
	summary := r.Kind.Label() + " " + r.Number + " 审查完毕（" + on.String() + "）：" + clip(notes, 200)
	if err := record(ctx, tx, p, r, "examined", on, summary, audit.Changes{"state": {From: r.State, To: Examined}}); err != nil {
		return nil, err
	}
	return after(ctx, tx, r.ID, Examined)
}

// DecideInput is a decision.
type DecideInput struct {
	On       legal.Date
	Outcome  Outcome
	Decision string // the ruling's gist (信访: the result)
}

// Decide records the ruling (or a withdrawal, from registration on). A
// 复议 remanded sends the objection back for a new examination, once only
// (OBJ-3: no second remand). An outsider's objection upheld stops
// enforcement against its asset (OBJ-4).
func Decide(ctx context.Context, tx *store.Tx, id uuid.UUID, in DecideInput) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(r.Kind.Outcomes(), in.Outcome) {
		var labels []string
		for _, o := range r.Kind.Outcomes() {
			labels = append(labels, string(o)+"（"+o.Label()+"）")
		}
		return nil, apperr.InvalidField("invalid_outcome", "body.outcome", "请选择"+r.Kind.Label()+"的结果："+strings.Join(labels, "、"))
	}
	if r.State != Examined && !(in.Outcome == Withdrawn && r.State == Registered) {
		action := "裁定"
		if r.State == Registered {
			action = "裁定：请先记录审查情况"
		}
		return nil, wrongState(r, action)
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	decision, err := text(in.Decision, "body.decision", "decision", "裁定（处理）内容", maxDecision, true)
	if err != nil {
		return nil, err
	}
	prev := r.ExaminedOn
	if r.State == Registered {
		prev = r.RegisteredOn
	}
	on, err := stepDate(in.On, prev, "body.on", "上一步骤之日")
	if err != nil {
		return nil, err
	}
	if r.Kind == Review && in.Outcome == Remanded {
		if err := remand(ctx, tx, p, r, on); err != nil {
			return nil, err
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'decided', decided_on = ?, outcome = ?, decision = ? WHERE id = ?`, on,
		string(in.Outcome), decision, r.ID); err != nil {
		return nil, err
	}
	summary := r.Kind.Label() + " " + r.Number + " " + in.Outcome.Label() + "（" + on.String() + "）：" + clip(decision, 200) +
		lateness(on, r.Clock.DecideBy)
	if r.Kind == Outsider && in.Outcome == Upheld && r.AssetID != uuid.Nil {
		if _, err := tx.Exec(ctx, `INSERT INTO remedy_asset_stops (remedy_id, asset_id, court_id, case_id, since_on, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, r.ID, r.AssetID, r.OriginCourtID, r.CaseID, on, time.Now().UTC()); err != nil {
			return nil, err
		}
		summary += "；中止对 " + r.AssetLabel + " 的执行（OBJ-4）"
	}
	if err := record(ctx, tx, p, r, "decided", on, summary, audit.Changes{"state": {From: r.State, To: Decided}, "outcome": {To: in.Outcome},
		"decided_on": {To: on}}); err != nil {
		return nil, err
	}
	return after(ctx, tx, r.ID, Decided)
}

// remand sends the reviewed objection back for a new examination from on.
func remand(ctx context.Context, tx *store.Tx, p *access.Principal, review *Remedy, on legal.Date) error {
	var remands int
	var state State
	if err := tx.QueryRow(ctx, `SELECT remands, state FROM remedies WHERE id = ?`+tx.ForUpdate(), review.ReviewedID).Scan(&remands, &state); err != nil {
		return err
	}
	if remands > 0 {
		return apperr.New(apperr.Conflict, "second_remand", "执行异议 "+review.ReviewedNumber+
			" 已发回重新审查过一次，对重新作出的裁定的复议不得再次发回，应依法作出裁定（OBJ-3）", apperr.FieldError{Field: "body.outcome",
			Detail: "不得再次发回重新审查"})
	}
	o, err := load(ctx, tx, review.ReviewedID)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'registered', remands = remands + 1, restarted_on = ?, examined_on = NULL,
		examination = '', decided_on = NULL, outcome = '', decision = '', served_on = NULL, extended = FALSE, extension_reason = '',
		extended_by_name = '' WHERE id = ?`, on, o.ID); err != nil {
		return err
	}
	summary := "执行异议 " + o.Number + " 经复议 " + review.Number + " 发回重新审查（" + on.String() + "）"
	if err := record(ctx, tx, p, o, "remanded", on, summary, audit.Changes{"state": {From: o.State, To: Registered},
		"remands": {From: remands, To: remands + 1}, "restarted_on": {To: on}}); err != nil {
		return err
	}
	_, err = after(ctx, tx, o.ID, Registered)
	return err
}

// Serve records the service of the ruling (信访: the result reported to
// the complainant). An objection ruling served opens the 复议 window
// (OBJ-3); an outsider ruling the suit window (OBJ-4).
func Serve(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.RemediesManage)
	if err != nil {
		return nil, err
	}
	if r.State != Decided {
		return nil, wrongState(r, "记录送达")
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	if on, err = stepDate(on, r.DecidedOn, "body.on", "裁定之日"); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET state = 'served', served_on = ? WHERE id = ?`, on, r.ID); err != nil {
		return nil, err
	}
	what := "裁定送达"
	if r.Kind == Complaint {
		what = "办理结果已反馈信访人"
	}
	out, err := after(ctx, tx, r.ID, Served)
	if err != nil {
		return nil, err
	}
	summary := r.Kind.Label() + " " + r.Number + " " + what + "（" + on.String() + "）"
	switch {
	case !out.ReviewBy.IsZero():
		summary += "；可于 " + out.ReviewBy.String() + " 前向上一级法院申请复议（OBJ-3）"
	case !out.SuitBy.IsZero():
		summary += "；可于 " + out.SuitBy.String() + " 前提起诉讼（OBJ-4）"
	}
	if err := record(ctx, tx, p, r, "served", on, summary, audit.Changes{"state": {From: r.State, To: Served}, "served_on": {To: on}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, r.ID)
}

// Extend approves the one extension of the examination (clock.extend: 院长):
// a 复议 +30 days (OBJ-3); an objection's overall limit +1 month, asked no
// later than 3 days before it expires (OBJ-5).
func Extend(ctx context.Context, tx *store.Tx, id uuid.UUID, on legal.Date, reason string) (*Remedy, error) {
	p, r, err := lock(ctx, tx, id, access.ClockExtend)
	if err != nil {
		return nil, err
	}
	if r.State != Registered && r.State != Examined {
		return nil, wrongState(r, "延长审查期限")
	}
	if err := examining(p, r); err != nil {
		return nil, err
	}
	reason, err = text(reason, "body.reason", "reason", "延长理由", maxReason, true)
	if err != nil {
		return nil, err
	}
	if on, err = stepDate(on, r.RegisteredOn, "body.on", "立案之日"); err != nil {
		return nil, err
	}
	if err := legal.CheckRemedyExtension(legal.RemedyKind(r.Kind), r.Clock, r.Extended, on); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE remedies SET extended = TRUE, extension_reason = ?, extended_by_name = ? WHERE id = ?`, reason,
		p.DisplayName, r.ID); err != nil {
		return nil, err
	}
	out, err := after(ctx, tx, r.ID, r.State)
	if err != nil {
		return nil, err
	}
	until := out.Clock.DecideBy
	if r.Kind != Review {
		until = out.Clock.OverallBy
	}
	summary := r.Kind.Label() + " " + r.Number + " 经批准延长审查期限至 " + until.String() + "：" + clip(reason, 200)
	if err := record(ctx, tx, p, r, "extended", on, summary, audit.Changes{"extended": {From: false, To: true}, "until": {To: until}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, r.ID)
}
