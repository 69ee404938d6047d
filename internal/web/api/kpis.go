package api

import (
	"context"
	"math"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/triage"
)

const kpiTag = "指标"

// KPIRowOut is one group's figures for a period (DOMAIN.md §13).
type KPIRowOut struct {
	Key   string `json:"key" doc:"法院、团队或承办人的 id，或分流通道、案件类型的代码"`
	Label string `json:"label"`
	// Over 执, 执恢 and 执保.
	PendingStart int64 `json:"pending_start" doc:"期初未结（执、执恢、执保）"`
	Received     int64 `json:"received" doc:"收案（立案）"`
	Closed       int64 `json:"closed" doc:"结案"`
	ClosedInTerm int64 `json:"closed_in_term" doc:"法定（含延长、扣除后）期限内结案"`
	ClosedDays   int64 `json:"closed_days" doc:"结案用时合计（日，已扣除不计入期限的期间）"`
	ClaimFen     int64 `json:"closed_claim_fen" doc:"已结案件的申请执行金额"`
	RecoveredFen int64 `json:"closed_recovered_fen" doc:"已结案件的执行到位金额"`
	// 首执 (执 only).
	FirstPendingStart int64 `json:"first_pending_start"`
	FirstReceived     int64 `json:"first_received"`
	FirstClosed       int64 `json:"first_closed"`
	FirstPerformed    int64 `json:"first_closed_performed" doc:"首执以执行完毕结案"`
	FirstActual       int64 `json:"first_closed_actual" doc:"首执实际执结（执行完毕、和解长期履行）"`
	FirstZhongben     int64 `json:"first_closed_zhongben"`
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
}

func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	v := math.Round(float64(num)/float64(den)*10000) / 10000
	return &v
}

// KPIsOut is the figures of a period.
type KPIsOut struct {
	From    string      `json:"from"`
	To      string      `json:"to"`
	GroupBy string      `json:"group_by"`
	Rows    []KPIRowOut `json:"rows" nullable:"false"`
	Total   KPIRowOut   `json:"total"`
}

func kpiRow(key, label string, r metrics.Row) KPIRowOut {
	a, f := r.All, r.First
	return KPIRowOut{Key: key, Label: label, PendingStart: a.PendingStart, Received: a.Received, Closed: a.Closed, ClosedInTerm: a.ClosedInTerm,
		ClosedDays: a.ClosedDays, ClaimFen: a.ClosedClaimFen, RecoveredFen: a.ClosedRecoveredFen, FirstPendingStart: f.PendingStart,
		FirstReceived: f.Received, FirstClosed: f.Closed, FirstPerformed: f.ClosedPerformed, FirstActual: f.ClosedActual, FirstZhongben: f.ClosedZhongben,
		ClosureRate: ratio(a.Closed, a.PendingStart+a.Received), CloseReceive: ratio(a.Closed, a.Received),
		FirstCloseRate: ratio(f.Closed, f.PendingStart+f.Received), ActualRate: ratio(f.ClosedActual, f.Closed),
		PerformedRate: ratio(f.ClosedPerformed, f.Closed), RecoveryRate: ratio(a.ClosedRecoveredFen, a.ClosedClaimFen),
		InTermRate: ratio(a.ClosedInTerm, a.Closed), MeanDays: ratio(a.ClosedDays, a.Closed), ZhongbenRate: ratio(f.ClosedZhongben, f.Closed)}
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
	rows, err := metrics.Figures(ctx, h.DB, q)
	if err != nil {
		return KPIsOut{}, err
	}
	labels, err := metrics.Labels(ctx, h.DB, q.GroupBy, rows)
	if err != nil {
		return KPIsOut{}, err
	}
	out := KPIsOut{From: from.String(), To: to.String(), GroupBy: string(q.GroupBy), Rows: []KPIRowOut{}}
	total := metrics.Total(rows)
	for _, r := range rows {
		label := labels[r.Key]
		switch q.GroupBy {
		case metrics.ByLane:
			if label = triage.LaneName(r.Key); label == "" {
				label = "未分流"
			}
		case metrics.ByCaseType:
			label = r.Key
		}
		out.Rows = append(out.Rows, kpiRow(r.Key, label, r))
	}
	out.Total = kpiRow("", "合计", total)
	for i := range out.Rows {
		out.Rows[i].ClosedShare = ratio(out.Rows[i].Closed, total.All.Closed)
	}
	return out, nil
}
