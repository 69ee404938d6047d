package sanctions

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The property report order (报告财产令; INV-1, INV-2, ZB-2): issued to a
// respondent with the 执行通知书, stating the deadline; the report received;
// verified as consistent, false, late or not made; a late, false or missing
// report punished (罚款, 拘留). The measure "report_order" is recorded on
// issue; "report_checked" when a consistent report is verified, or when a
// late, false or missing one has been punished (ZB-2: "late or false
// reports sanctioned, all on file"). A false or missing report is 失信
// ground (4) (SX-1).

// Report order states.
const (
	ReportIssued   = "issued"
	ReportReported = "reported"
	ReportVerified = "verified"
)

// Verdicts of a verification.
const (
	VerdictConsistent  = "consistent"
	VerdictFalse       = "false"
	VerdictLate        = "late"
	VerdictNotReported = "not_reported"
)

// VerdictLabel is the Chinese name of a verdict.
func VerdictLabel(v string) string {
	return map[string]string{VerdictConsistent: "如实报告", VerdictFalse: "虚假报告", VerdictLate: "逾期报告", VerdictNotReported: "拒不报告"}[v]
}

// ReportStatusLabel is the Chinese name of a state.
func ReportStatusLabel(s string) string {
	return map[string]string{ReportIssued: "已发出，待报告", ReportReported: "已报告，待核查", ReportVerified: "已核查"}[s]
}

// ReportOrder is one 报告财产令.
type ReportOrder struct {
	ID            uuid.UUID
	CaseID        uuid.UUID
	PartyID       uuid.UUID
	PartyName     string
	IssuedOn      legal.Date
	DueOn         legal.Date
	DocumentNo    string
	Status        string
	ReportedOn    legal.Date
	ReportSummary string
	Verdict       string
	VerifiedOn    legal.Date
	VerifyNote    string
	FineFen       int64
	DetentionDays int
	PenaltyOn     legal.Date
	PenaltyNote   string
	CreatedByName string
	CreatedAt     time.Time
}

// NeedsPenalty reports whether the verdict calls for a penalty not yet
// recorded.
func (r *ReportOrder) NeedsPenalty() bool {
	return r.Status == ReportVerified && r.Verdict != VerdictConsistent && r.PenaltyOn.IsZero()
}

// Ground4 reports whether the order shows 失信 ground (4): a false or
// missing report.
func (r *ReportOrder) Ground4() bool {
	return r.Verdict == VerdictFalse || r.Verdict == VerdictNotReported
}

// StatusLabel is the state in Chinese.
func (r *ReportOrder) StatusLabel() string { return ReportStatusLabel(r.Status) }

// VerdictLabel is the verdict in Chinese.
func (r *ReportOrder) VerdictLabel() string { return VerdictLabel(r.Verdict) }

// Overdue reports whether the report is missing after its deadline.
func (r *ReportOrder) Overdue(today legal.Date) bool {
	return r.Status == ReportIssued && today.After(r.DueOn)
}

// FineText is the fine in yuan.
func (r *ReportOrder) FineText() string { return triage.FormatYuan(r.FineFen) }

const reportSelect = `SELECT id, case_id, party_id, party_name, issued_on, due_on, document_no, status, reported_on, report_summary, verdict,
	verified_on, verify_note, fine_fen, detention_days, penalty_on, penalty_note, created_by_name, created_at FROM report_orders`

func scanReport(sc store.Scanner) (*ReportOrder, error) {
	r := &ReportOrder{}
	err := sc.Scan(&r.ID, &r.CaseID, &r.PartyID, &r.PartyName, &r.IssuedOn, &r.DueOn, &r.DocumentNo, &r.Status, &r.ReportedOn, &r.ReportSummary,
		&r.Verdict, &r.VerifiedOn, &r.VerifyNote, &r.FineFen, &r.DetentionDays, &r.PenaltyOn, &r.PenaltyNote, &r.CreatedByName, &r.CreatedAt)
	r.CreatedAt = r.CreatedAt.UTC()
	return r, err
}

// ReportOrderInput issues a report order.
type ReportOrderInput struct {
	PartyID    uuid.UUID
	IssuedOn   legal.Date
	DueOn      legal.Date // the deadline the order states
	DocumentNo string
}

// IssueReportOrder issues a 报告财产令 to a respondent of an open case
// (sanctions.manage) and records the measure report_order. One order per
// respondent is open at a time; a repeat order follows a verified one.
func IssueReportOrder(ctx context.Context, tx *store.Tx, caseID uuid.UUID, in ReportOrderInput) (*ReportOrder, error) {
	p, c, err := lockCase(ctx, tx, caseID)
	if err != nil {
		return nil, err
	}
	if in.PartyID == uuid.Nil {
		return nil, apperr.InvalidField("party_required", "body.party_id", "请选择被执行人")
	}
	who, err := getRespondent(ctx, tx, caseID, in.PartyID)
	if err != nil {
		return nil, err
	}
	if err := checkDay(in.IssuedOn, c, "body.issued_on", "发出日期"); err != nil {
		return nil, err
	}
	if in.DueOn.IsZero() || !in.DueOn.After(in.IssuedOn) {
		return nil, apperr.InvalidField("invalid_date", "body.due_on", "请填写报告期限（晚于发出日期，YYYY-MM-DD）")
	}
	doc, err := text(in.DocumentNo, 100, "body.document_no", "文书编号")
	if err != nil {
		return nil, err
	}
	var open int
	if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM report_orders WHERE case_id = ? AND party_id = ? AND status <> 'verified'`, caseID,
		in.PartyID).Scan(&open); err != nil {
		return nil, err
	}
	if open > 0 {
		return nil, apperr.New(apperr.Conflict, "report_order_open", "已向"+who.Name+"发出报告财产令，尚未核查完毕；核查后方可再次发出")
	}
	t := now().UTC()
	r := &ReportOrder{ID: store.NewID(), CaseID: caseID, PartyID: who.PartyID, PartyName: who.Name, IssuedOn: in.IssuedOn, DueOn: in.DueOn,
		DocumentNo: doc, Status: ReportIssued, CreatedByName: p.DisplayName, CreatedAt: t}
	if _, err := tx.Exec(ctx, `INSERT INTO report_orders (id, court_id, case_id, party_id, party_name, issued_on, due_on, document_no, status,
		created_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, r.ID, c.CourtID, caseID, r.PartyID, r.PartyName,
		r.IssuedOn, r.DueOn, r.DocumentNo, r.Status, r.CreatedByName, t, t); err != nil {
		return nil, err
	}
	if err := recordMeasure(ctx, tx, caseID, cases.MeasureReportOrder, r.IssuedOn, r.DocumentNo, "向"+r.PartyName+"发出报告财产令"); err != nil {
		return nil, err
	}
	return r, logSanction(ctx, tx, c, "report_order", r.ID, "issued", fmt.Sprintf("向%s发出报告财产令（%s），限 %s 前报告", r.PartyName, r.IssuedOn, r.DueOn),
		audit.Changes{"party_id": {To: r.PartyID.String()}, "issued_on": {To: r.IssuedOn.String()}, "due_on": {To: r.DueOn.String()}})
}

// lockReport locks a report order and its case.
func lockReport(ctx context.Context, tx *store.Tx, id uuid.UUID) (*ReportOrder, *cases.Case, error) {
	_, c, err := lockedCaseOf(ctx, tx, "report_orders", id, "报告财产令")
	if err != nil {
		return nil, nil, err
	}
	r, err := scanReport(tx.QueryRow(ctx, reportSelect+` WHERE id = ?`, id))
	return r, c, err
}

// ReportInput records a report received.
type ReportInput struct {
	ReportedOn legal.Date
	Summary    string
}

// RecordReport records the respondent's report (sanctions.manage).
func RecordReport(ctx context.Context, tx *store.Tx, id uuid.UUID, in ReportInput) (*ReportOrder, error) {
	r, c, err := lockReport(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if r.Status != ReportIssued {
		return nil, apperr.New(apperr.Conflict, "report_recorded", "该报告财产令的报告已登记（"+ReportStatusLabel(r.Status)+"）")
	}
	if in.ReportedOn.IsZero() || in.ReportedOn.Before(r.IssuedOn) || in.ReportedOn.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.reported_on", "报告日期应在发出日期 "+r.IssuedOn.String()+" 至今天之间")
	}
	summary, err := text(in.Summary, 2000, "body.summary", "报告内容摘要")
	if err != nil {
		return nil, err
	}
	if summary == "" {
		return nil, apperr.InvalidField("summary_required", "body.summary", "请填写报告内容摘要")
	}
	if _, err := tx.Exec(ctx, `UPDATE report_orders SET status = ?, reported_on = ?, report_summary = ?, updated_at = ? WHERE id = ?`,
		ReportReported, in.ReportedOn, summary, now().UTC(), id); err != nil {
		return nil, err
	}
	r.Status, r.ReportedOn, r.ReportSummary = ReportReported, in.ReportedOn, summary
	late := ""
	if in.ReportedOn.After(r.DueOn) {
		late = "（逾期）"
	}
	return r, logSanction(ctx, tx, c, "report_order", id, "reported", fmt.Sprintf("%s于 %s 报告财产%s", r.PartyName, r.ReportedOn, late),
		audit.Changes{"reported_on": {To: r.ReportedOn.String()}})
}

// VerifyInput records the verification.
type VerifyInput struct {
	VerifiedOn legal.Date
	Verdict    string // consistent, false, late, not_reported
	Note       string
}

// VerifyReport records the verification of a report, or that none was made
// by the deadline (not_reported), on an open case (sanctions.manage). A
// consistent report records the measure report_checked at once; any other
// verdict waits for its penalty (ZB-2).
func VerifyReport(ctx context.Context, tx *store.Tx, id uuid.UUID, in VerifyInput) (*ReportOrder, error) {
	r, c, err := lockReport(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if r.Status == ReportVerified {
		return nil, apperr.New(apperr.Conflict, "already_verified", "该报告已于 "+r.VerifiedOn.String()+" 核查")
	}
	if c.Status == cases.StatusClosed {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件已结案，不能再核查财产报告")
	}
	switch in.Verdict {
	case VerdictConsistent, VerdictFalse, VerdictLate:
		if r.Status != ReportReported {
			return nil, apperr.InvalidField("invalid_verdict", "body.verdict", "被执行人尚未报告；未报告的请核查为“拒不报告”")
		}
		if in.Verdict == VerdictLate && !r.ReportedOn.After(r.DueOn) {
			return nil, apperr.InvalidField("invalid_verdict", "body.verdict", "报告日期 "+r.ReportedOn.String()+" 未超过报告期限 "+r.DueOn.String())
		}
	case VerdictNotReported:
		if r.Status != ReportIssued {
			return nil, apperr.InvalidField("invalid_verdict", "body.verdict", "被执行人已于 "+r.ReportedOn.String()+" 报告")
		}
	default:
		return nil, apperr.InvalidField("invalid_verdict", "body.verdict", "核查结论应为 consistent（如实）、false（虚假）、late（逾期）或 not_reported（拒不报告）")
	}
	if in.VerifiedOn.IsZero() || in.VerifiedOn.Before(r.IssuedOn) || in.VerifiedOn.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.verified_on", "核查日期应在发出日期 "+r.IssuedOn.String()+" 至今天之间")
	}
	if in.Verdict == VerdictNotReported && !in.VerifiedOn.After(r.DueOn) {
		return nil, apperr.InvalidField("invalid_date", "body.verified_on", "报告期限 "+r.DueOn.String()+" 届满后方可认定拒不报告")
	}
	note, err := text(in.Note, 1000, "body.note", "核查情况")
	if err != nil {
		return nil, err
	}
	if in.Verdict != VerdictConsistent && note == "" {
		return nil, apperr.InvalidField("note_required", "body.note", "请写明核查发现的情况")
	}
	if _, err := tx.Exec(ctx, `UPDATE report_orders SET status = ?, verdict = ?, verified_on = ?, verify_note = ?, updated_at = ? WHERE id = ?`,
		ReportVerified, in.Verdict, in.VerifiedOn, note, now().UTC(), id); err != nil {
		return nil, err
	}
	r.Status, r.Verdict, r.VerifiedOn, r.VerifyNote = ReportVerified, in.Verdict, in.VerifiedOn, note
	if in.Verdict == VerdictConsistent {
		if err := recordMeasure(ctx, tx, c.ID, cases.MeasureReportChecked, in.VerifiedOn, r.DocumentNo, r.PartyName+"的财产报告经核查属实"); err != nil {
			return nil, err
		}
	}
	summary := fmt.Sprintf("核查%s的财产报告：%s", r.PartyName, VerdictLabel(in.Verdict))
	if note != "" {
		summary += "，" + note
	}
	return r, logSanction(ctx, tx, c, "report_order", id, "verified", summary, audit.Changes{"verdict": {To: in.Verdict}})
}

// PenaltyInput records the penalty of a late, false or missing report.
type PenaltyInput struct {
	On            legal.Date
	FineFen       int64
	DetentionDays int
	Note          string // the decision (决定书) and its reasons
}

// MaxDetentionDays is the longest 司法拘留 (《民事诉讼法》 2023 Art.119: 15 days).
const MaxDetentionDays = 15

// PenaliseReport records the 罚款 and/or 拘留 of a late, false or missing
// report (sanctions.manage) and then the measure report_checked (ZB-2).
func PenaliseReport(ctx context.Context, tx *store.Tx, id uuid.UUID, in PenaltyInput) (*ReportOrder, error) {
	r, c, err := lockReport(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch {
	case r.Status != ReportVerified:
		return nil, apperr.New(apperr.Conflict, "not_verified", "报告尚未核查，不能处罚")
	case r.Verdict == VerdictConsistent:
		return nil, apperr.New(apperr.Conflict, "report_consistent", "报告经核查属实，不予处罚")
	case !r.PenaltyOn.IsZero():
		return nil, apperr.New(apperr.Conflict, "already_penalised", "已于 "+r.PenaltyOn.String()+" 记录处罚")
	case c.Status == cases.StatusClosed:
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件已结案，不能再记录处罚")
	}
	if in.FineFen < 0 {
		return nil, apperr.InvalidField("invalid_amount", "body.fine_fen", "罚款金额不能为负")
	}
	if in.DetentionDays < 0 || in.DetentionDays > MaxDetentionDays {
		return nil, apperr.InvalidField("invalid_days", "body.detention_days", fmt.Sprintf("拘留期限为 1 至 %d 日", MaxDetentionDays))
	}
	if in.FineFen == 0 && in.DetentionDays == 0 {
		return nil, apperr.InvalidField("penalty_required", "body.fine_fen", "请填写罚款金额或拘留天数")
	}
	if in.On.IsZero() || in.On.Before(r.VerifiedOn) || in.On.After(legal.Today(now())) {
		return nil, apperr.InvalidField("invalid_date", "body.penalty_on", "处罚日期应在核查日期 "+r.VerifiedOn.String()+" 至今天之间")
	}
	note, err := text(in.Note, 1000, "body.note", "处罚决定")
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE report_orders SET fine_fen = ?, detention_days = ?, penalty_on = ?, penalty_note = ?, updated_at = ? WHERE id = ?`,
		in.FineFen, in.DetentionDays, in.On, note, now().UTC(), id); err != nil {
		return nil, err
	}
	r.FineFen, r.DetentionDays, r.PenaltyOn, r.PenaltyNote = in.FineFen, in.DetentionDays, in.On, note
	var parts []string
	if in.FineFen > 0 {
		parts = append(parts, "罚款 "+triage.FormatYuan(in.FineFen))
	}
	if in.DetentionDays > 0 {
		parts = append(parts, fmt.Sprintf("拘留 %d 日", in.DetentionDays))
	}
	what := fmt.Sprintf("%s%s，已%s", r.PartyName, VerdictLabel(r.Verdict), joinCN(parts))
	if err := recordMeasure(ctx, tx, c.ID, cases.MeasureReportChecked, in.On, r.DocumentNo, what); err != nil {
		return nil, err
	}
	return r, logSanction(ctx, tx, c, "report_order", id, "penalised", "财产报告处罚："+what, audit.Changes{"fine_fen": {To: in.FineFen},
		"detention_days": {To: in.DetentionDays}})
}

func joinCN(parts []string) string {
	out := ""
	for i, s := range parts {
		if i > 0 {
			out += "、"
		}
		out += s
	}
	return out
}
