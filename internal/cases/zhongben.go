package cases

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
	"github.com/zhixing-court/zhixing/internal/textutil"
)

// Measures are the enforcement steps a case's file shows, as the 终本 gate
// (DOMAIN.md §5, legal.ZhongbenGate) reads them. Until the documents and
// the 失信 and 限消 decisions are made in zhixing itself (issues 7 and 8,
// which will record them here as they are issued), the handler records
// each with its date and document number.

// MeasureKind is what a measure is.
type MeasureKind string

// The measure kinds, with the ZB rule each one answers.
const (
	MeasureNoticeServed      MeasureKind = "notice_served"      // ZB-1 (1)
	MeasureReportOrder       MeasureKind = "report_order"       // ZB-1 (1)
	MeasureReportChecked     MeasureKind = "report_checked"     // ZB-2
	MeasureConsumptionBan    MeasureKind = "consumption_ban"    // ZB-1 (2)
	MeasureDishonestListed   MeasureKind = "dishonest_listed"   // ZB-1 (2)
	MeasureDishonestNotDue   MeasureKind = "dishonest_not_due"  // ZB-1 (2)
	MeasureOnSite            MeasureKind = "on_site"            // ZB-3
	MeasureConductChecked    MeasureKind = "conduct_checked"    // ZB-1 (5)
	MeasureApplicantConsent  MeasureKind = "applicant_consent"  // ZB-5
	MeasureCollegialReview   MeasureKind = "collegial_review"   // ZB-5
	MeasurePresidentApproval MeasureKind = "president_approval" // ZB-5
	MeasureInterview         MeasureKind = "interview"          // ZB-6
	MeasureNoticeOfIntent    MeasureKind = "notice_of_intent"   // ZB-6
	MeasureZhongbenUploaded  MeasureKind = "zhongben_uploaded"  // ZB-8: entered in the 终本 database
	MeasureZhongbenRemoved   MeasureKind = "zhongben_removed"   // ZB-8: removed from it
)

// MeasureKindInfo describes a kind.
type MeasureKindInfo struct {
	Kind  MeasureKind
	Label string
	Rule  string // ZB-1 …
	// NoteRequired: the record must say what was found (a negative
	// finding: no grounds for 失信, no missing debtor or obstruction).
	NoteRequired bool
	// PresidentOnly: only the president records it (ZB-5 批准).
	PresidentOnly bool
	// AfterZhongben: recorded on a case closed as 终本 (ZB-8), not on an
	// open one.
	AfterZhongben bool
}

var measureKinds = []MeasureKindInfo{
	{MeasureNoticeServed, "送达执行通知书", "ZB-1", false, false, false},
	{MeasureReportOrder, "发出报告财产令", "ZB-1", false, false, false},
	{MeasureReportChecked, "核查被执行人财产报告", "ZB-2", false, false, false},
	{MeasureConsumptionBan, "发出限制消费令", "ZB-1", false, false, false},
	{MeasureDishonestListed, "纳入失信被执行人名单", "ZB-1", false, false, false},
	{MeasureDishonestNotDue, "经审查不符合纳入失信名单条件", "ZB-1", true, false, false},
	{MeasureOnSite, "现场调查", "ZB-3", false, false, false},
	{MeasureConductChecked, "查找被执行人、处理妨害执行行为（或无此情形）", "ZB-1", true, false, false},
	{MeasureApplicantConsent, "申请执行人书面同意终本", "ZB-5", false, false, false},
	{MeasureCollegialReview, "合议庭评议同意终本", "ZB-5", false, false, false},
	{MeasurePresidentApproval, "院长批准终本", "ZB-5", false, true, false},
	{MeasureInterview, "约谈申请执行人（约谈笔录）", "ZB-6", false, false, false},
	{MeasureNoticeOfIntent, "送达拟终本告知书", "ZB-6", false, false, false},
	{MeasureZhongbenUploaded, "录入终本案件库", "ZB-8", false, false, true},
	{MeasureZhongbenRemoved, "从终本案件库删除", "ZB-8", true, false, true},
}

// MeasureKinds lists the kinds, in the order of the regulation.
func MeasureKinds() []MeasureKindInfo { return append([]MeasureKindInfo(nil), measureKinds...) }

// MeasureInfo returns the description of a kind.
func MeasureInfo(k MeasureKind) (MeasureKindInfo, bool) {
	for _, m := range measureKinds {
		if m.Kind == k {
			return m, true
		}
	}
	return MeasureKindInfo{}, false
}

// Measure is one recorded measure.
type Measure struct {
	ID              uuid.UUID
	CaseID          uuid.UUID
	Kind            MeasureKind
	DoneOn          legal.Date
	DocumentNo      string
	Note            string
	RecordedByName  string
	CreatedAt       time.Time
	WithdrawnAt     time.Time // zero while in force
	WithdrawnByName string
	WithdrawReason  string
}

// Label is the kind's Chinese name.
func (m *Measure) Label() string {
	info, _ := MeasureInfo(m.Kind)
	return info.Label
}

// InForce reports whether the measure has not been withdrawn.
func (m *Measure) InForce() bool { return m.WithdrawnAt.IsZero() }

const measureSelect = `SELECT id, case_id, kind, done_on, document_no, note, recorded_by_name, created_at, withdrawn_at, withdrawn_by_name,
	withdraw_reason FROM case_measures`

func scanMeasure(sc store.Scanner) (*Measure, error) {
	m := &Measure{}
	var withdrawn *time.Time
	if err := sc.Scan(&m.ID, &m.CaseID, &m.Kind, &m.DoneOn, &m.DocumentNo, &m.Note, &m.RecordedByName, &m.CreatedAt, &withdrawn,
		&m.WithdrawnByName, &m.WithdrawReason); err != nil {
		return nil, err
	}
	m.CreatedAt = m.CreatedAt.UTC()
	if withdrawn != nil {
		m.WithdrawnAt = withdrawn.UTC()
	}
	return m, nil
}

// MeasureInput records a measure.
type MeasureInput struct {
	Kind       MeasureKind
	DoneOn     legal.Date
	DocumentNo string
	Note       string
}

// RecordMeasure records a measure of an open case (cases.work): done on a
// day from filing to today; a negative finding says what was found; the
// president's approval is recorded by a president. Audited, on the
// timeline.
func RecordMeasure(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in MeasureInput) (*Measure, error) {
	p, c, err := lockForWork(ctx, tx, caseID, access.CasesWork)
	if err != nil {
		return nil, err
	}
	info, ok := MeasureInfo(in.Kind)
	if !ok {
		var kinds []string
		for _, k := range measureKinds {
			kinds = append(kinds, string(k.Kind))
		}
		return nil, apperr.InvalidField("unknown_measure", "body.kind", "未知的执行措施 "+string(in.Kind)+"；可选："+strings.Join(kinds, "、"))
	}
	switch {
	case info.AfterZhongben && (c.Status != StatusClosed || c.Closure != "zhongben"):
		return nil, apperr.New(apperr.Conflict, "not_zhongben", "“"+info.Label+"”只能记录在以终结本次执行程序结案的案件上（ZB-8）")
	case !info.AfterZhongben && c.Status == StatusClosed:
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件已结案，不能再记录执行措施")
	}
	today := legal.Today(time.Now())
	switch {
	case in.DoneOn.IsZero():
		return nil, apperr.InvalidField("invalid_date", "body.done_on", "请填写办理日期（YYYY-MM-DD）")
	case in.DoneOn.After(today):
		return nil, apperr.InvalidField("invalid_date", "body.done_on", "办理日期不能晚于今天")
	case in.DoneOn.Before(c.FiledOn):
		return nil, apperr.InvalidField("invalid_date", "body.done_on", "办理日期不能早于立案日期 "+c.FiledOn.String())
	}
	in.Note, in.DocumentNo = strings.TrimSpace(in.Note), strings.TrimSpace(in.DocumentNo)
	if info.NoteRequired && in.Note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "“"+info.Label+"”须写明审查或查找的情况")
	}
	if utf8.RuneCountInString(in.Note) > 1000 {
		return nil, apperr.InvalidField("note_too_long", "body.note", "说明最多 1000 字")
	}
	if info.PresidentOnly && p.Role != access.RolePresident {
		return nil, apperr.Forbid("院长批准终本须由院长本人记录（ZB-5）")
	}
	m := &Measure{ID: store.NewID(), CaseID: caseID, Kind: in.Kind, DoneOn: in.DoneOn, DocumentNo: textutil.Truncate(in.DocumentNo, 100),
		Note: in.Note, RecordedByName: p.DisplayName, CreatedAt: time.Now().UTC()}
	if _, err := tx.Exec(ctx, `INSERT INTO case_measures (id, court_id, case_id, kind, done_on, document_no, note, recorded_by, recorded_by_name,
		created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, m.ID, c.CourtID, caseID, string(m.Kind), m.DoneOn, m.DocumentNo, m.Note,
		store.NullID(p.UserID), p.DisplayName, m.CreatedAt); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("记录执行措施：%s（%s）", info.Label, m.DoneOn)
	if m.DocumentNo != "" {
		summary += "，文书 " + m.DocumentNo
	}
	if m.Note != "" {
		summary += "：" + m.Note
	}
	if err := supervise.TouchCase(ctx, tx, caseID); err != nil {
		return nil, err
	}
	return m, logCase(ctx, tx, p, c, "measure_recorded", summary, audit.Changes{"kind": {To: m.Kind}, "done_on": {To: m.DoneOn.String()}})
}

// WithdrawMeasure withdraws a measure recorded in error (cases.work), with
// the reason; the record stays, marked withdrawn.
func WithdrawMeasure(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Measure, error) {
	var caseID uuid.UUID
	if err := tx.QueryRow(ctx, `SELECT case_id FROM case_measures WHERE id = ?`, id).Scan(&caseID); store.IsNoRows(err) {
		return nil, apperr.NotFoundf("执行措施记录")
	} else if err != nil {
		return nil, err
	}
	p, c, err := lockForWork(ctx, tx, caseID, access.CasesWork)
	if apperr.CodeOf(err) == "not_found" {
		return nil, apperr.NotFoundf("执行措施记录")
	}
	if err != nil {
		return nil, err
	}
	m, err := scanMeasure(tx.QueryRow(ctx, measureSelect+` WHERE id = ?`, id))
	if err != nil {
		return nil, err
	}
	if !m.InForce() {
		return nil, apperr.New(apperr.Conflict, "already_withdrawn", "该记录已于 "+legal.DateOf(m.WithdrawnAt).String()+" 撤回")
	}
	if info, _ := MeasureInfo(m.Kind); c.Status == StatusClosed && !info.AfterZhongben {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件已结案，不能撤回执行措施记录")
	}
	if reason = strings.TrimSpace(reason); reason == "" {
		return nil, apperr.InvalidField("reason_required", "body.reason", "请写明撤回理由")
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE case_measures SET withdrawn_at = ?, withdrawn_by_name = ?, withdraw_reason = ? WHERE id = ?`, now,
		p.DisplayName, textutil.Truncate(reason, 500), id); err != nil {
		return nil, err
	}
	m.WithdrawnAt, m.WithdrawnByName, m.WithdrawReason = now, p.DisplayName, reason
	if err := supervise.TouchCase(ctx, tx, c.ID); err != nil {
		return nil, err
	}
	return m, logCase(ctx, tx, p, c, "measure_withdrawn", "撤回执行措施记录："+m.Label()+"（"+m.DoneOn.String()+"）："+reason,
		audit.Changes{"kind": {From: m.Kind}})
}

// CaseMeasures lists a case's measures, in force and withdrawn, the latest
// first (cases.read).
func CaseMeasures(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]*Measure, error) {
	if _, err := scopedCase(ctx, q, caseID); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, measureSelect+` WHERE case_id = ? ORDER BY created_at DESC, id DESC`, caseID)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, scanMeasure)
}

// scopedCase checks that the caller may read a case and returns its court
// and filing day.
func scopedCase(ctx context.Context, q store.Querier, id uuid.UUID) (*Case, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	c := &Case{ID: id}
	err = q.QueryRow(ctx, `SELECT court_id, case_no, filed_on, status FROM cases WHERE id = ?`, id).Scan(&c.CourtID, &c.CaseNo, &c.FiledOn, &c.Status)
	if store.IsNoRows(err) || err == nil && !p.Sees(c.CourtID) {
		return nil, apperr.NotFoundf("案件")
	}
	return c, err
}

// ZhongbenCheck is the 终本 gate's answer for a case today.
type ZhongbenCheck struct {
	Facts legal.ZhongbenFacts
	Rules legal.ZhongbenRules
	Unmet []legal.ZhongbenUnmet
}

// OK reports whether the case may be closed as 终本.
func (z *ZhongbenCheck) OK() bool { return len(z.Unmet) == 0 }

// CheckZhongben runs the 终本 gate on a case as its records stand
// (cases.read): what Transition to 终本 would refuse, listed in full.
func CheckZhongben(ctx context.Context, q store.Querier, caseID uuid.UUID) (*ZhongbenCheck, error) {
	c, err := scopedCase(ctx, q, caseID)
	if err != nil {
		return nil, err
	}
	return checkZhongben(ctx, q, c, legal.Today(time.Now()))
}

func checkZhongben(ctx context.Context, q store.Querier, c *Case, today legal.Date) (*ZhongbenCheck, error) {
	v, err := ruleparams.Resolve(ctx, q, c.CourtID, today)
	if err != nil {
		return nil, err
	}
	z := &ZhongbenCheck{Rules: legal.ZhongbenRules{MinMonths: ZhongbenMinMonths, RequireOnSite: v.Bool(ruleparams.KeyZhongbenOnSite),
		RequireInterview: v.Bool(ruleparams.KeyZhongbenInterview), BlockUncontrolled: v.Bool(ruleparams.KeyZhongbenUncontrolled),
		RestrictionBeforeClose: v.Bool(ruleparams.KeyRestrictionBeforeClose)}}
	f := &z.Facts
	f.FiledOn, f.Today = c.FiledOn, today
	rows, err := q.Query(ctx, `SELECT DISTINCT kind FROM case_measures WHERE case_id = ? AND withdrawn_at IS NULL`, c.ID)
	if err != nil {
		return nil, err
	}
	kinds, err := store.ScanAll(rows, func(sc store.Scanner) (MeasureKind, error) {
		var k MeasureKind
		return k, sc.Scan(&k)
	})
	if err != nil {
		return nil, err
	}
	for _, k := range kinds {
		switch k {
		case MeasureNoticeServed:
			f.NoticeServed = true
		case MeasureReportOrder:
			f.ReportOrdered = true
		case MeasureReportChecked:
			f.ReportChecked = true
		case MeasureConsumptionBan:
			f.ConsumptionBanned = true
		case MeasureDishonestListed, MeasureDishonestNotDue:
			f.DishonestDecided = true
		case MeasureOnSite:
			f.OnSiteChecked = true
		case MeasureConductChecked:
			f.ConductChecked = true
		case MeasureApplicantConsent:
			f.ApplicantConsent = true
		case MeasureCollegialReview:
			f.CollegialReview = true
		case MeasurePresidentApproval:
			f.PresidentApproval = true
		case MeasureInterview:
			f.Interviewed = true
		case MeasureNoticeOfIntent:
			f.NoticeOfIntent = true
		}
	}
	// ZB-3, ZB-6: the online inquiries and whether each was answered; the
	// respondents' assets found that this case has not put under control
	// (exempt ones aside, TERM-6).
	if err := q.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status <> 'done' THEN 1 ELSE 0 END), 0) FROM asset_inquiries
		WHERE case_id = ?`, c.ID).Scan(&f.Inquiries, &f.InquiriesOpen); err != nil {
		return nil, err
	}
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM assets a JOIN case_parties cp ON cp.party_id = a.party_id AND cp.case_id = ?
		AND cp.role = 'respondent'
		WHERE NOT a.exempt AND (a.available_fen > 0 OR a.value_fen > 0) AND NOT EXISTS (SELECT 1 FROM controls k WHERE k.asset_id = a.id
		AND k.case_id = ? AND k.status IN ('requested', 'active', 'waiting', 'released'))`, c.ID, c.ID).Scan(&f.Uncontrolled); err != nil {
		return nil, err
	}
	// XG-5: restrictions issued through internal/sanctions that take effect
	// only on or after today, the closing day.
	if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM restrictions WHERE case_id = ? AND status = 'active' AND start_on >= ?`, c.ID, today).
		Scan(&f.RestrictionsNotStarted); err != nil {
		return nil, err
	}
	z.Unmet = legal.ZhongbenGate(*f, z.Rules)
	return z, nil
}

// zhongbenRefused is the 409 answer of a 终本 refused by the gate: code
// zhongben_conditions_unmet, each missing condition a field error.
func zhongbenRefused(c *Case, other []Unmet, unmet []legal.ZhongbenUnmet) error {
	e := &apperr.Error{Kind: apperr.Conflict, Code: "zhongben_conditions_unmet"}
	var parts []string
	for _, u := range other {
		parts = append(parts, u.Detail)
		e.Fields = append(e.Fields, apperr.FieldError{Field: "body.to", Detail: u.Detail})
	}
	for _, u := range unmet {
		d := u.Detail + "（" + u.Rule + "）"
		parts = append(parts, d)
		e.Fields = append(e.Fields, apperr.FieldError{Field: "zhongben." + u.Code, Detail: d})
	}
	e.Detail = fmt.Sprintf("案件 %s 不符合终结本次执行程序的条件，尚缺 %d 项：%s", c.CaseNo, len(parts), strings.Join(parts, "；"))
	return e
}
