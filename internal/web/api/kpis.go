package api

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/triage"
)

const kpiTag = "指标"

// KPIRowOut is one group's figures for a period (DOMAIN.md §13), each
// metric over the case types its definition in force counts (MET-0).
type KPIRowOut struct {
	Key   string `json:"key" doc:"法院、团队或承办人的 id，或分流通道、案件类型的代码"`
	Label string `json:"label"`
	// Over MET-1's case types (by default 执, 执恢 and 执保).
	PendingStart int64 `json:"pending_start" doc:"期初未结（MET-1 口径，默认执、执恢、执保）"`
	Received     int64 `json:"received" doc:"收案（立案，MET-1 口径）"`
	Closed       int64 `json:"closed" doc:"结案（MET-1 口径）"`
	ClosedInTerm int64 `json:"closed_in_term" doc:"法定（含延长、扣除后）期限内结案（MET-7 口径）"`
	ClosedDays   int64 `json:"closed_days" doc:"结案用时合计（日，已扣除不计入期限的期间；MET-8 口径）"`
	ClaimFen     int64 `json:"closed_claim_fen" doc:"已结案件的申请执行金额（MET-6 口径）"`
	RecoveredFen int64 `json:"closed_recovered_fen" doc:"已结案件的执行到位金额（MET-6 口径）"`
	// Over MET-3's case types (首执, 执 only).
	FirstPendingStart int64 `json:"first_pending_start" doc:"首执期初未结（MET-3 口径）"`
	FirstReceived     int64 `json:"first_received"`
	FirstClosed       int64 `json:"first_closed"`
	FirstPerformed    int64 `json:"first_closed_performed" doc:"首执以执行完毕结案（MET-5 口径）"`
	FirstActual       int64 `json:"first_closed_actual" doc:"首执实际执结（执行完毕、和解长期履行；MET-4 口径）"`
	FirstZhongben     int64 `json:"first_closed_zhongben" doc:"首执终本（MET-12 口径）"`
	// The rates; absent when the denominator is 0.
	ClosureRate    *float64 `json:"closure_rate,omitempty" doc:"MET-1 结案率 = 结案 ÷ (期初未结 + 收案)"`
	CloseReceive   *float64 `json:"close_receive_ratio,omitempty" doc:"MET-2 结收比 = 结案 ÷ 收案"`
	FirstCloseRate *float64 `json:"first_closure_rate,omitempty" doc:"MET-3 执结率（首执）"`
	ActualRate     *float64 `json:"actual_rate,omitempty" doc:"MET-4 实际执结率（首执）"`
	PerformedRate  *float64 `json:"performed_rate,omitempty" doc:"MET-5 执行完毕率（首执）"`
	RecoveryRate   *float64 `json:"recovery_rate,omitempty" doc:"MET-6 执行到位率 = 到位金额 ÷ 申请金额（已结案件）"`
	InTermRate     *float64 `json:"in_term_rate,omitempty" doc:"MET-7 法定期限内结案率"`
	MeanDays       *float64 `json:"mean_days,omitempty" doc:"MET-8 结案平均用时（日）"`
	ZhongbenRate   *float64 `json:"zhongben_rate,omitempty" doc:"MET-12 终本率（首执）"`
	ClosedShare    *float64 `json:"closed_share,omitempty" doc:"本组结案占全部结案的比例（S5 各通道占比）"`
	// Read when asked: post judges, payouts, supervision items.
	PostJudges        *int64   `json:"post_judges,omitempty" doc:"员额法官人数（按法院、团队分组及合计时；在职、角色为员额法官，按查询时计）"`
	PerJudge          *float64 `json:"closed_per_judge,omitempty" doc:"MET-9 人均结案数 = 结案（MET-9 口径）÷ 员额法官人数"`
	PayoutOnTimeRate  *float64 `json:"payout_on_time_rate,omitempty" doc:"MET-11 案款发放及时率 = 期限内发放 ÷ 期限在期间内的应发放（已发放或已逾期未发放）"`
	PayoutMeanDays    *float64 `json:"payout_mean_days,omitempty" doc:"MET-11 平均发放天数 = 平均(发放日 − 款项到账日)，期间内发放的"`
	SupervisionDays   *float64 `json:"supervision_mean_days,omitempty" doc:"MET-13 督办平均用时 = 平均(办结日 − 督办日)，期间内督办且已办结的事项"`
	SupervisionOnTime *float64 `json:"supervision_on_time_rate,omitempty" doc:"MET-13 按期答复率 = 按期答复 ÷ 已答复，期间内督办的事项"`
	EntrustedOnTime   *float64 `json:"entrusted_on_time_rate,omitempty" doc:"MET-10 事项委托期限内办结率 = 期限内办结 ÷ 期限在期间内的受托事项（已办结或已逾期未办结），计入受托法院（及其承办团队、人员）"`
	EntrustedDays     *float64 `json:"entrusted_mean_days,omitempty" doc:"MET-10 事项委托平均用时 = 平均(办结日 − 委托日)，期间内办结的受托事项"`
	// Every metric with its formula, numerator, denominator, case types
	// and the cases behind it (GET /kpis only).
	Metrics []KPIMetricOut `json:"metrics,omitempty"`
}

// KPIMetricOut is one figure of a row with how it is made.
type KPIMetricOut struct {
	Key         string   `json:"key" example:"closure_rate" doc:"本行同名字段"`
	Metric      string   `json:"metric" example:"MET-1"`
	Name        string   `json:"name" example:"结案率"`
	Formula     string   `json:"formula" example:"结案 ÷ (期初未结 + 收案)"`
	Unit        string   `json:"unit" enum:"ratio,days,cases_per_judge"`
	Value       *float64 `json:"value,omitempty" doc:"分母为 0 时没有；保留 4 位小数"`
	Numerator   int64    `json:"numerator"`
	Denominator int64    `json:"denominator"`
	CaseTypes   []string `json:"case_types,omitempty" doc:"计入的案件类型（本行各法院口径一致时）"`
	// The case list listing exactly the cases behind the numerator or the
	// denominator, when a filter can.
	NumeratorCases   string `json:"numerator_cases,omitempty" example:"/api/v1/cases?case_type=first_enforcement&closed_from=2026-01-01&closed_to=2026-03-31&court_id=…"`
	DenominatorCases string `json:"denominator_cases,omitempty"`
}

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := math.Round(float64(num)/float64(den)*10000) / 10000
	return &v
}

// KPIDefinitionUsedOut is a metric definition an answer used.
type KPIDefinitionUsedOut struct {
	ID            *string  `json:"id,omitempty" doc:"内置默认口径没有"`
	Source        string   `json:"source" enum:"court,platform,builtin" doc:"court 法院口径；platform 全平台口径；builtin 内置默认（DOMAIN §13）"`
	CourtID       *string  `json:"court_id,omitempty" doc:"口径所属法院"`
	Version       int      `json:"version" doc:"版本：法院、全平台各自从 1 起；内置默认为 0"`
	EffectiveFrom string   `json:"effective_from,omitempty"`
	Label         string   `json:"label" example:"本院口径第 2 版（2026-01-01 起）"`
	Courts        []string `json:"court_ids" nullable:"false" doc:"按此口径计算的法院"`
}

// KPIsOut is the figures of a period.
type KPIsOut struct {
	From    string  `json:"from"`
	To      string  `json:"to"`
	GroupBy string  `json:"group_by"`
	CourtID *string `json:"court_id,omitempty"`
	// The definitions in force on to of the courts counted.
	DefinitionVersion *int                   `json:"definition_version,omitempty" doc:"所用指标口径的版本（只用了一个口径时；0 为内置默认）"`
	DefinitionSource  string                 `json:"definition_source,omitempty" enum:"court,platform,builtin"`
	Definitions       []KPIDefinitionUsedOut `json:"definitions" nullable:"false" doc:"各法院在截止日生效的指标口径"`
	Rows              []KPIRowOut            `json:"rows" nullable:"false"`
	Total             KPIRowOut              `json:"total"`
}

// kpiRow answers a row of figures counted without definitions (the
// board's rankings): each metric over All or First.
func kpiRow(key, label string, r metrics.Row) KPIRowOut {
	tr := metrics.TableRowOf(r)
	return kpiRowOf(key, label, &tr, nil)
}

// kpiDrill is what a row's drill-down links need: the period, the case
// list's parameter of the row's group and its value; none for a row that
// has no filter of its own.
type kpiDrill struct {
	from, to   string
	by         metrics.GroupBy
	param, key string
	none       bool
}

var kpiCaseParam = map[metrics.GroupBy]string{metrics.ByCourt: "court_id", metrics.ByTeam: "team_id", metrics.ByHandler: "handler_id",
	metrics.ByLane: "lane", metrics.ByCaseType: "case_type"}

// url is the case list behind a figure: the group, the period by filing or
// closing day, the case types and closures.
func (d *kpiDrill) url(dr metrics.Drill) string {
	v := url.Values{}
	if d.param != "" && d.param != "case_type" {
		v.Set(d.param, d.key)
	}
	if dr.Closed {
		v.Set("closed_from", d.from)
		v.Set("closed_to", d.to)
	} else {
		v.Set("filed_from", d.from)
		v.Set("filed_to", d.to)
	}
	v.Set("case_type", strings.Join(dr.CaseTypes, ","))
	if len(dr.Closures) > 0 {
		v.Set("closure", strings.Join(dr.Closures, ","))
	}
	return Prefix + "/cases?" + v.Encode()
}

// kpiRowOf answers a row; with drill (GET /kpis) every metric with its
// formula and the cases behind it.
func kpiRowOf(key, label string, r *metrics.TableRow, drill *kpiDrill) KPIRowOut {
	m1, m3 := r.Of(metrics.MetClosureRate), r.Of(metrics.MetFirstClosure)
	m4, m5, m6 := r.Of(metrics.MetActual), r.Of(metrics.MetPerformed), r.Of(metrics.MetRecovery)
	m7, m8, m9, m12 := r.Of(metrics.MetInTerm), r.Of(metrics.MetMeanDays), r.Of(metrics.MetPerJudge), r.Of(metrics.MetZhongben)
	m2 := r.Of(metrics.MetCloseReceive)
	out := KPIRowOut{Key: key, Label: label, PendingStart: m1.PendingStart, Received: m1.Received, Closed: m1.Closed,
		ClosedInTerm: m7.ClosedInTerm, ClosedDays: m8.ClosedDays, ClaimFen: m6.ClosedClaimFen, RecoveredFen: m6.ClosedRecoveredFen,
		FirstPendingStart: m3.PendingStart, FirstReceived: m3.Received, FirstClosed: m3.Closed, FirstPerformed: m5.ClosedPerformed,
		FirstActual: m4.ClosedActual, FirstZhongben: m12.ClosedZhongben,
		ClosureRate: ratio(m1.Closed, m1.PendingStart+m1.Received), CloseReceive: ratio(m2.Closed, m2.Received),
		FirstCloseRate: ratio(m3.Closed, m3.PendingStart+m3.Received), ActualRate: ratio(m4.ClosedActual, m4.Closed),
		PerformedRate: ratio(m5.ClosedPerformed, m5.Closed), RecoveryRate: ratio(m6.ClosedRecoveredFen, m6.ClosedClaimFen),
		InTermRate: ratio(m7.ClosedInTerm, m7.Closed), MeanDays: ratio(m8.ClosedDays, m8.Closed), ZhongbenRate: ratio(m12.ClosedZhongben, m12.Closed)}
	if r.JudgesCounted {
		n := r.Judges
		out.PostJudges, out.PerJudge = &n, ratio(m9.Closed, n)
	}
	pay, sup := r.Payouts, r.Supervision
	out.PayoutOnTimeRate, out.PayoutMeanDays = ratio(pay.OnTime, pay.Due), ratio(pay.Days, pay.Settled)
	out.SupervisionDays, out.SupervisionOnTime = ratio(sup.HandlingDays, sup.Closed), ratio(sup.Answered-sup.Late, sup.Answered)
	ent := r.Entrusted
	out.EntrustedOnTime, out.EntrustedDays = ratio(ent.OnTime, ent.Due), ratio(ent.Days, ent.Done)
	if drill == nil {
		return out
	}
	add := func(key string, m metrics.MetricID, name, formula, unit string, num, den int64) {
		def, _ := metrics.MetricOf(m)
		if name == "" {
			name = def.Name
		}
		if formula == "" {
			formula = def.Formula
		}
		mo := KPIMetricOut{Key: key, Metric: string(m), Name: name, Formula: formula, Unit: unit, Value: ratio(num, den),
			Numerator: num, Denominator: den}
		if def.Scoped {
			mo.CaseTypes, _ = r.CaseTypes(m)
			if !drill.none {
				if dr, ok := r.DrillDown(m, true, drill.by); ok {
					mo.NumeratorCases = drill.url(dr)
				}
				if dr, ok := r.DrillDown(m, false, drill.by); ok {
					mo.DenominatorCases = drill.url(dr)
				}
			}
		}
		out.Metrics = append(out.Metrics, mo)
	}
	add("closure_rate", metrics.MetClosureRate, "", "", "ratio", m1.Closed, m1.PendingStart+m1.Received)
	add("close_receive_ratio", metrics.MetCloseReceive, "", "", "ratio", m2.Closed, m2.Received)
	add("first_closure_rate", metrics.MetFirstClosure, "", "", "ratio", m3.Closed, m3.PendingStart+m3.Received)
	add("actual_rate", metrics.MetActual, "", "", "ratio", m4.ClosedActual, m4.Closed)
	add("performed_rate", metrics.MetPerformed, "", "", "ratio", m5.ClosedPerformed, m5.Closed)
	add("recovery_rate", metrics.MetRecovery, "", "", "ratio", m6.ClosedRecoveredFen, m6.ClosedClaimFen)
	add("in_term_rate", metrics.MetInTerm, "", "", "ratio", m7.ClosedInTerm, m7.Closed)
	add("mean_days", metrics.MetMeanDays, "", "", "days", m8.ClosedDays, m8.Closed)
	if r.JudgesCounted {
		add("closed_per_judge", metrics.MetPerJudge, "", "", "cases_per_judge", m9.Closed, r.Judges)
	}
	add("payout_on_time_rate", metrics.MetPayout, "案款发放及时率", "期限（FUND-4）内发放 ÷ 应发放（期限在期间内，已发放或已逾期未发放）", "ratio",
		pay.OnTime, pay.Due)
	add("payout_mean_days", metrics.MetPayout, "平均发放天数", "平均(发放日 − 款项到账日)，期间内发放的", "days", pay.Days, pay.Settled)
	add("zhongben_rate", metrics.MetZhongben, "", "", "ratio", m12.ClosedZhongben, m12.Closed)
	add("entrusted_on_time_rate", metrics.MetEntrusted, "事项委托期限内办结率", "期限内办结 ÷ 期限在期间内的受托事项（已办结或已逾期未办结）", "ratio",
		ent.OnTime, ent.Due)
	add("entrusted_mean_days", metrics.MetEntrusted, "事项委托平均用时", "平均(办结日 − 委托日)，期间内办结的受托事项", "days", ent.Days, ent.Done)
	add("supervision_mean_days", metrics.MetSupervision, "督办平均用时", "平均(办结日 − 督办日)，期间内督办且已办结的事项", "days",
		sup.HandlingDays, sup.Closed)
	add("supervision_on_time_rate", metrics.MetSupervision, "按期答复率", "按期答复 ÷ 已答复，期间内督办的事项", "ratio",
		sup.Answered-sup.Late, sup.Answered)
	return out
}

// kpiQuery is the query of the KPI table, shared by its JSON and its export.
type kpiQuery struct {
	From    string `query:"from" doc:"起始日期 YYYY-MM-DD（含）"`
	To      string `query:"to" doc:"截止日期 YYYY-MM-DD（含）"`
	GroupBy string `query:"group_by" enum:"court,team,handler,lane,case_type" default:"court"`
	CourtID string `query:"court_id" doc:"只看一个法院；不填为可见的全部法院"`
}

func (h *handlers) kpis(a huma.API) {
	ko := op(http.MethodGet, "/kpis", "getKPIs",
		"执行指标（DOMAIN.md §13）：按法院、团队、承办人、分流通道或案件类型分组的收案、结案及各项比率，随办案实时更新", kpiTag)
	ko.Errors = append(ko.Errors, 404)
	huma.Register(a, ko, func(ctx context.Context, in *kpiQuery) (*Body[KPIsOut], error) {
		out, err := h.kpiTable(ctx, in)
		if err != nil {
			return nil, err
		}
		return body(out), nil
	})
	h.kpiDefinitions(a) // kpi_definitions.go: the metric definitions (MET-0)
}

// kpiTable answers the KPI table of a query.
func (h *handlers) kpiTable(ctx context.Context, in *kpiQuery) (KPIsOut, error) {
	from, err := date(in.From, "query.from")
	if err != nil {
		return KPIsOut{}, err
	}
	to, err := date(in.To, "query.to")
	if err != nil {
		return KPIsOut{}, err
	}
	q := metrics.Query{From: from, To: to, GroupBy: metrics.GroupBy(in.GroupBy)}
	if in.CourtID != "" {
		if q.CourtID, err = parseID(in.CourtID, "query.court_id"); err != nil {
			return KPIsOut{}, err
		}
	}
	t, err := metrics.KPIs(ctx, h.DB, q)
	if err != nil {
		return KPIsOut{}, err
	}
	rows := make([]metrics.Row, len(t.Rows))
	for i, r := range t.Rows {
		rows[i] = r.Row
	}
	labels, err := metrics.Labels(ctx, h.DB, q.GroupBy, rows)
	if err != nil {
		return KPIsOut{}, err
	}
	out := KPIsOut{From: from.String(), To: to.String(), GroupBy: string(q.GroupBy), CourtID: optionalID(q.CourtID), Rows: []KPIRowOut{},
		Definitions: []KPIDefinitionUsedOut{}}
	for _, u := range t.Used {
		d := KPIDefinitionUsedOut{Source: u.Source(), CourtID: optionalID(u.CourtID), Version: u.Version, Label: u.Label(), Courts: []string{}}
		if !u.Builtin() {
			d.ID, d.EffectiveFrom = optionalID(u.ID), u.EffectiveFrom.String()
		}
		for _, c := range u.Courts {
			d.Courts = append(d.Courts, c.String())
		}
		out.Definitions = append(out.Definitions, d)
	}
	if len(t.Used) == 1 {
		v := t.Used[0].Version
		out.DefinitionVersion, out.DefinitionSource = &v, t.Used[0].Source()
	}
	for i := range t.Rows {
		r := &t.Rows[i]
		label := labels[r.Key]
		switch q.GroupBy {
		case metrics.ByLane:
			if label = triage.LaneName(r.Key); label == "" {
				label = "未分流"
			}
		case metrics.ByCaseType:
			label = r.Key
		}
		d := &kpiDrill{from: out.From, to: out.To, by: q.GroupBy, param: kpiCaseParam[q.GroupBy], key: r.Key, none: r.Unowned || r.Key == ""}
		out.Rows = append(out.Rows, kpiRowOf(r.Key, label, r, d))
	}
	total := &kpiDrill{from: out.From, to: out.To, by: metrics.ByCourt}
	if q.CourtID != uuid.Nil {
		total.param, total.key = "court_id", q.CourtID.String()
	}
	out.Total = kpiRowOf("", "合计", &t.Total, total)
	for i := range out.Rows {
		out.Rows[i].ClosedShare = ratio(out.Rows[i].Closed, out.Total.Closed)
	}
	return out, nil
}
