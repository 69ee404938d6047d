package disposal

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// ValuationInput starts the reference price (VAL-2).
type ValuationInput struct {
	Method    string     // agreed, directed, online or appraisal
	StartedOn legal.Date // zero: today
	// AmountFen and Basis are an agreed or directed price and what it rests
	// on (the parties' agreement, the tax base or official price).
	AmountFen int64
	Basis     string
	// AppraiserCode is the appraiser the parties agreed on; with Draw the
	// appraiser is drawn by lot from the court's list instead.
	AppraiserCode string
	Draw          bool
}

// Draw is the record of a draw by lot (VAL-2): the candidates in list
// order, the seed (the first 8 bytes of the disposal's id, so anyone can
// repeat it) and the pick (seed mod the number of candidates).
type Draw struct {
	Candidates []string `json:"candidates"`
	Seed       uint64   `json:"seed"`
	Pick       string   `json:"pick"`
}

// DrawAppraiser draws an appraiser by lot for a disposal from a court's
// list (VAL-2). It is reproducible: the same disposal and list give the
// same pick.
func DrawAppraiser(disposalID uuid.UUID, courtCode string) (Draw, Provider, error) {
	list := Appraisers(courtCode)
	if len(list) == 0 {
		return Draw{}, Provider{}, apperr.New(apperr.Conflict, "no_appraisers", "本院没有可供摇号的评估机构名单")
	}
	d := Draw{Seed: binary.BigEndian.Uint64(disposalID[:8])}
	for _, p := range list {
		d.Candidates = append(d.Candidates, p.Code)
	}
	pick := list[d.Seed%uint64(len(list))]
	d.Pick = pick.Code
	return d, pick, nil
}

func text(field, s string, max int, what string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", apperr.InvalidField("required", field, "请填写"+what)
	}
	if utf8.RuneCountInString(s) > max {
		return "", apperr.InvalidField("too_long", field, fmt.Sprintf("%s不能超过 %d 字", what, max))
	}
	return s, nil
}

func amount(field string, fen int64, what string) error {
	if fen <= 0 || fen > legal.MaxAmountFen {
		return apperr.InvalidField("invalid_amount", field, what+"应为大于 0 的金额（分）")
	}
	return nil
}

// day checks a date the court records: not before from, not after today.
func day(field string, on, from, today legal.Date, what string) (legal.Date, error) {
	if on.IsZero() {
		return today, nil
	}
	if on.After(today) {
		return on, apperr.InvalidField("invalid_date", field, what+"不能晚于今天 "+today.String())
	}
	if on.Before(from) {
		return on, apperr.InvalidField("invalid_date", field, what+"不能早于 "+from.String())
	}
	return on, nil
}

// StartValuation starts the reference price by one of the VAL-2 methods
// (disposal.manage): an agreed or directed price is recorded at once; an
// online inquiry goes to every listed platform (VAL-3), each to report by
// its due day; an appraisal goes to the appraiser the parties agreed on or
// one drawn by lot from the court's list. Starting later than VAL-1 allows
// is flagged, not refused.
func StartValuation(ctx context.Context, tx *store.Tx, id uuid.UUID, in ValuationInput) (*Disposal, error) {
	_, d, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Stage != StageValuation {
		return nil, wrongStage(d, "启动确定参考价")
	}
	if d.Method != "" {
		return nil, apperr.New(apperr.Conflict, "valuation_started", "已于 "+d.StartedOn.String()+" 以"+MethodLabel(d.Method)+"方式启动确定参考价")
	}
	if MethodLabel(in.Method) == "" {
		return nil, apperr.InvalidField("invalid_method", "body.method", "确定参考价的方式应为当事人议价、定向询价、网络询价或委托评估")
	}
	today := Today(tx.DB())
	started, err := day("body.started_on", in.StartedOn, d.SeizedOn, today, "启动日期")
	if err != nil {
		return nil, err
	}
	r, err := rules(ctx, tx, d.CourtID, started)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	at := now(tx.DB())
	add := func(code, name string, due legal.Date, fen int64, basis string) error {
		var reported legal.Date
		if fen > 0 {
			reported = started
		}
		rep := Report{ID: store.NewID(), ProviderCode: code, ProviderName: name, DueOn: due, AmountFen: fen, ReportedOn: reported, Basis: basis}
		d.Reports = append(d.Reports, rep)
		_, err := tx.Exec(ctx, `INSERT INTO valuation_reports (id, disposal_id, provider_code, provider_name, due_on, amount_fen, reported_on, basis,
			created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, rep.ID, d.ID, code, name, due, fen, reported, basis, at)
		return err
	}
	var draw string
	what := MethodLabel(in.Method)
	switch in.Method {
	case "agreed", "directed":
		if err := amount("body.amount_fen", in.AmountFen, "价格"); err != nil {
			return nil, err
		}
		basis, err := text("body.basis", in.Basis, 200, map[string]string{"agreed": "议价依据（当事人协议）", "directed": "定向询价依据（计税基准价、政府定价等）"}[in.Method])
		if err != nil {
			return nil, err
		}
		if err := add(in.Method, what, legal.Date{}, in.AmountFen, basis); err != nil {
			return nil, err
		}
	case "online":
		due := cal.DaysPeriodEnd(started, r.ValuationReportDays)
		for _, p := range OnlinePlatforms() {
			if err := add(p.Code, p.Name, due, 0, ""); err != nil {
				return nil, err
			}
		}
		what += "（向全部 " + fmt.Sprint(len(OnlinePlatforms())) + " 家询价平台发出，" + due.String() + " 前出具报告）"
	case "appraisal":
		var code string
		if err := tx.QueryRow(ctx, `SELECT code FROM courts WHERE id = ?`, d.CourtID).Scan(&code); err != nil {
			return nil, err
		}
		var pick Provider
		switch {
		case in.Draw:
			dr, p, err := DrawAppraiser(d.ID, code)
			if err != nil {
				return nil, err
			}
			b, _ := json.Marshal(dr)
			draw, pick = string(b), p
			what += fmt.Sprintf("（从 %d 家评估机构中摇号选定 %s，种子 %d）", len(dr.Candidates), p.Name, dr.Seed)
		case in.AppraiserCode != "":
			p, ok := provider(in.AppraiserCode)
			if !ok || p.Kind != "appraiser" || !strings.HasPrefix(code, p.Court) {
				return nil, apperr.InvalidField("unknown_appraiser", "body.appraiser_code", "该评估机构不在本院名单中")
			}
			pick = p
			what += "（当事人协商选定 " + p.Name + "）"
		default:
			return nil, apperr.InvalidField("required", "body.appraiser_code", "请填写当事人协商选定的评估机构，或选择摇号")
		}
		if err := add(pick.Code, pick.Name, legal.Date{}, 0, ""); err != nil {
			return nil, err
		}
	}
	due := d.ValuationDue
	d.Method, d.StartedOn, d.StartedLate, d.AppraiserDraw = in.Method, started, started.After(due), draw
	if _, err := tx.Exec(ctx, `UPDATE disposals SET method = ?, started_on = ?, started_late = ?, appraiser_draw = ?, updated_at = ? WHERE id = ?`,
		d.Method, started, d.StartedLate, draw, at, d.ID); err != nil {
		return nil, err
	}
	if err := supervise.TouchCase(ctx, tx, d.CaseID); err != nil {
		return nil, err
	}
	late := ""
	if d.StartedLate {
		late = "；超过查封后 " + fmt.Sprint(r.ValuationStartDays) + " 日的期限 " + due.String() + "（VAL-1）"
	}
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.valuation", Summary: "启动确定参考价：" + what + late}); err != nil {
		return nil, err
	}
	return d, logDisposal(ctx, tx, d, "disposal.valuation_started", "启动确定参考价："+what+late,
		audit.Changes{"method": {To: d.Method}, "started_on": {To: started.String()}, "late": {To: d.StartedLate}, "draw": {To: draw}})
}

// ReportInput records a platform's or an appraiser's report.
type ReportInput struct {
	ReportID   uuid.UUID
	AmountFen  int64
	ReportedOn legal.Date // zero: today
	Basis      string
}

// RecordReport records the price a platform or appraiser reported
// (VAL-3). A report comes once.
func RecordReport(ctx context.Context, tx *store.Tx, id uuid.UUID, in ReportInput) (*Disposal, error) {
	_, d, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	rep := d.report(in.ReportID)
	if rep == nil {
		return nil, apperr.NotFoundf("询价或评估报告")
	}
	if d.Stage != StageValuation {
		return nil, wrongStage(d, "登记报告")
	}
	if rep.AmountFen > 0 {
		return nil, apperr.New(apperr.Conflict, "already_reported", rep.ProviderName+" 已于 "+rep.ReportedOn.String()+" 出具报告")
	}
	if err := amount("body.amount_fen", in.AmountFen, "报告价格"); err != nil {
		return nil, err
	}
	on, err := day("body.reported_on", in.ReportedOn, d.StartedOn, Today(tx.DB()), "出具日期")
	if err != nil {
		return nil, err
	}
	rep.AmountFen, rep.ReportedOn, rep.Basis = in.AmountFen, on, strings.TrimSpace(in.Basis)
	if _, err := tx.Exec(ctx, `UPDATE valuation_reports SET amount_fen = ?, reported_on = ?, basis = ? WHERE id = ?`, rep.AmountFen, on, rep.Basis,
		rep.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, d.Stage); err != nil {
		return nil, err
	}
	return d, logDisposal(ctx, tx, d, "disposal.report_recorded", fmt.Sprintf("%s 出具报告：%s", rep.ProviderName, legal.FormatFen(rep.AmountFen)),
		audit.Changes{"report_id": {To: rep.ID.String()}, "amount_fen": {To: rep.AmountFen}})
}

func (d *Disposal) report(id uuid.UUID) *Report {
	for i := range d.Reports {
		if d.Reports[i].ID == id {
			return &d.Reports[i]
		}
	}
	return nil
}

// pending reports whether a report is still awaited.
func (d *Disposal) pending() bool {
	for _, r := range d.Reports {
		if r.AmountFen == 0 {
			return true
		}
	}
	return false
}

// counted are the amounts of the reports that enter the reference price.
func (d *Disposal) counted() []int64 {
	var out []int64
	for _, r := range d.Reports {
		if r.Counts() {
			out = append(out, r.AmountFen)
		}
	}
	return out
}

// FixPrice fixes the reference price and records the day it was served on
// the parties (VAL-3, VAL-4): the mean of the valid reports, those under
// objection left out, in whole fen rounded half up; reports still awaited
// hold it up until their due day, after which they are left out. The
// objection window and the validity run from the service.
func FixPrice(ctx context.Context, tx *store.Tx, id uuid.UUID, servedOn legal.Date) (*Disposal, error) {
	_, d, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if d.Stage != StageValuation || d.Method == "" {
		return nil, wrongStage(d, "确定参考价")
	}
	today := Today(tx.DB())
	served, err := day("body.served_on", servedOn, d.StartedOn, today, "送达日期")
	if err != nil {
		return nil, err
	}
	for _, r := range d.Reports {
		if r.AmountFen == 0 && (r.DueOn.IsZero() || !served.After(r.DueOn)) {
			return nil, apperr.New(apperr.Conflict, "reports_pending", r.ProviderName+" 尚未出具报告")
		}
	}
	ref, err := legal.MeanOfReports(d.counted())
	if err != nil {
		return nil, err
	}
	r, err := rules(ctx, tx, d.CourtID, served)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	d.ReferenceFen, d.ServedOn, d.ObjectionDue, d.ValidUntil = ref, served, legal.ObjectionDue(cal, served, r), legal.PriceValidUntil(served, r)
	if _, err := tx.Exec(ctx, `UPDATE disposals SET reference_fen = ?, served_on = ?, objection_due = ?, valid_until = ? WHERE id = ?`,
		ref, served, d.ObjectionDue, d.ValidUntil, d.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, StagePriced); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("确定参考价 %s（%d 份有效报告的平均值），%s 送达，异议期至 %s，有效期至 %s", legal.FormatFen(ref), len(d.counted()), served,
		d.ObjectionDue, d.ValidUntil)
	if err := cases.AppendEvents(ctx, tx, d.CaseID, cases.Event{Kind: "disposal.priced", Summary: summary}); err != nil {
		return nil, err
	}
	return d, logDisposal(ctx, tx, d, "disposal.priced", summary, audit.Changes{"reference_fen": {To: ref}, "served_on": {To: served.String()}})
}

// ObjectionInput is an objection to a report (VAL-4).
type ObjectionInput struct {
	ReportID uuid.UUID
	Reason   string
	FiledOn  legal.Date // zero: today
}

// Object records an objection to a report (VAL-4): before the price is
// fixed, or within the objection window after it was served. The report
// leaves the reference price; a fixed price is recomputed, and with no
// valid report left the disposal goes back to valuation.
func Object(ctx context.Context, tx *store.Tx, id uuid.UUID, in ObjectionInput) (*Disposal, error) {
	_, d, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	rep := d.report(in.ReportID)
	if rep == nil {
		return nil, apperr.NotFoundf("询价或评估报告")
	}
	if d.Stage != StageValuation && d.Stage != StagePriced {
		return nil, wrongStage(d, "对参考价提出异议")
	}
	if rep.Objected {
		return nil, apperr.New(apperr.Conflict, "already_objected", "已对该报告提出异议")
	}
	if rep.AmountFen == 0 {
		return nil, apperr.New(apperr.Conflict, "not_reported", rep.ProviderName+" 尚未出具报告")
	}
	reason, err := text("body.reason", in.Reason, 500, "异议理由")
	if err != nil {
		return nil, err
	}
	filed, err := day("body.filed_on", in.FiledOn, rep.ReportedOn, Today(tx.DB()), "提出异议的日期")
	if err != nil {
		return nil, err
	}
	if d.Stage == StagePriced && filed.After(d.ObjectionDue) {
		return nil, apperr.New(apperr.Conflict, "objection_too_late", "参考价于 "+d.ServedOn.String()+" 送达，异议期已于 "+d.ObjectionDue.String()+" 届满（VAL-4）")
	}
	rep.Objected, rep.Objection, rep.ObjectedOn = true, reason, filed
	if _, err := tx.Exec(ctx, `UPDATE valuation_reports SET objected = TRUE, objection = ?, objected_on = ? WHERE id = ?`, reason, filed, rep.ID); err != nil {
		return nil, err
	}
	summary := rep.ProviderName + " 的报告被提出异议，不计入参考价（VAL-3）"
	stage := d.Stage
	if d.Stage == StagePriced {
		if ref, err := legal.MeanOfReports(d.counted()); err == nil {
			d.ReferenceFen = ref
			summary += "；参考价改为 " + legal.FormatFen(ref)
		} else {
			d.ReferenceFen, d.Method, stage = 0, "", StageValuation
			summary += "；没有其他有效报告，须重新启动确定参考价"
		}
	} else if len(d.counted()) == 0 && !d.pending() {
		d.Method = ""
		summary += "；没有其他有效报告，须重新启动确定参考价"
	}
	if _, err := tx.Exec(ctx, `UPDATE disposals SET reference_fen = ?, method = ? WHERE id = ?`, d.ReferenceFen, d.Method, d.ID); err != nil {
		return nil, err
	}
	if err := touch(ctx, tx, d, stage); err != nil {
		return nil, err
	}
	return d, logDisposal(ctx, tx, d, "disposal.objection", summary, audit.Changes{"report_id": {To: rep.ID.String()}, "reason": {To: reason}})
}
