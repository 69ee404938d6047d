package ui

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The KPI page (/kpis): the figures of DOMAIN.md §13 for a period, by
// court, team, handler, lane or case type, each count a link to the cases
// behind it (the case list's drill-down filters), each metric over the
// case types its definition in force counts (MET-0), named under the table.

func (u *UI) registerKPIs(mux *http.ServeMux) {
	mux.Handle("GET /kpis", u.page(u.kpisPage))
	u.registerReports(mux) // reports.go: the weekly bulletin (周通报)
}

type kpiGroup struct{ Value, Label string }

var kpiGroups = []kpiGroup{{"court", "法院"}, {"team", "团队"}, {"handler", "承办人"}, {"lane", "分流通道"}, {"case_type", "案件类型"}}

type kpiView struct {
	From, To, GroupBy string
	Groups            []kpiGroup
	Rows              []kpiRowView
	Total             *kpiRowView
	PerJudge          bool // MET-9 has a column: grouped by court or team
	Definitions       []kpiDefinitionView
	Error             string
	ExportURL         string // the table as a workbook (the API's export)
}

type kpiRowView struct {
	Label                                                         string
	PendingStart, Received, Closed                                int64
	ReceivedURL, ClosedURL, PerformedURL, ActualURL, ZhongbenURL  string
	FirstClosed, FirstPerformed, FirstActual, FirstZhongben       int64
	ClosureRate, CloseReceive, FirstCloseRate, ActualRate         string
	PerformedRate, InTerm, MeanDays, Recovery, ZhongbenRate       string
	PerJudge, PayoutRate, PayoutDays, SupervisionDays, SupOnTime  string
	Share                                                         string
	ShowPerJudge                                                  bool // MET-9 has a column
	PayoutsDue, PayoutsSettled, SupervisionRaised, SupervisionAns int64
	EntrustedRate, EntrustedDays                                  string // MET-10
	EntrustedDue, EntrustedDone                                   int64
}

// kpiDefinitionView is a metric definition the page used (MET-0).
type kpiDefinitionView struct {
	Label   string
	Courts  string // the courts it answered for, when several courts are shown
	Metrics []kpiScopeView
}

type kpiScopeView struct{ ID, Name, Formula, CaseTypes string }

// percent writes num ÷ den as a percentage with two decimals; "—" when den
// is 0.
func percent(num, den int64) string {
	if den == 0 {
		return "—"
	}
	v := num * 10000 / den // hundredths of a percent, floored
	return strconv.FormatInt(v/100, 10) + "." + twoDigits(v%100) + "%"
}

func twoDigits(n int64) string {
	if n < 10 {
		return "0" + strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10)
}

func (u *UI) kpisPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.CasesRead); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	today := legal.Today(u.Now())
	v := &kpiView{Groups: kpiGroups, GroupBy: q.Get("group_by")}
	if v.GroupBy == "" {
		v.GroupBy = "court"
	}
	from, to := legal.NewDate(today.Year(), time.January, 1), today
	var problems []string
	for _, d := range []struct {
		raw string
		to  *legal.Date
	}{{q.Get("from"), &from}, {q.Get("to"), &to}} {
		if raw := strings.TrimSpace(d.raw); raw != "" {
			day, err := legal.ParseDate(raw)
			if err != nil {
				problems = append(problems, "日期“"+raw+"”应为 YYYY-MM-DD 格式的有效日期。")
				continue
			}
			*d.to = day
		}
	}
	v.From, v.To = from.String(), to.String()
	by := metrics.GroupBy(v.GroupBy)
	v.PerJudge = by == metrics.ByCourt || by == metrics.ByTeam
	status := http.StatusOK
	t, err := metrics.KPIs(ctx, u.DB, metrics.Query{From: from, To: to, GroupBy: by})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		problems, status = append(problems, e.Detail), http.StatusUnprocessableEntity
		t = &metrics.Table{}
	}
	rows := make([]metrics.Row, len(t.Rows))
	for i, row := range t.Rows {
		rows[i] = row.Row
	}
	labels, err := metrics.Labels(ctx, u.DB, by, rows)
	if err != nil {
		return err
	}
	allClosed := t.Total.Of(metrics.MetClosureRate).Closed
	for i := range t.Rows {
		row := &t.Rows[i]
		label := labels[row.Key]
		switch by {
		case metrics.ByLane:
			if label = triage.LaneName(row.Key); label == "" {
				label = "未分流"
			}
		case metrics.ByCaseType:
			label = row.Key
		}
		rv := kpiRowOf(label, row, allClosed)
		// The cases without an owner or a lane have no filter of their own:
		// no link.
		if !row.Unowned && row.Key != "" {
			rv.link(row, kpiLinks{from: v.From, to: v.To, by: by, param: v.GroupBy, key: row.Key})
		}
		rv.ShowPerJudge = v.PerJudge
		v.Rows = append(v.Rows, rv)
	}
	if len(t.Rows) > 0 {
		tv := kpiRowOf("合计", &t.Total, allClosed)
		tv.link(&t.Total, kpiLinks{from: v.From, to: v.To, by: metrics.ByCourt})
		tv.ShowPerJudge = v.PerJudge
		v.Total = &tv
	}
	if status == http.StatusOK {
		if v.Definitions, err = u.kpiDefinitions(r, t); err != nil {
			return err
		}
	}
	v.Error = strings.Join(problems, " ")
	if v.Error == "" {
		v.ExportURL = queryURL("/api/v1/kpis/export", "from", v.From, "to", v.To, "group_by", v.GroupBy)
	}
	return u.render(w, r, status, "kpis", "执行指标", "kpis", v)
}

// kpiDefinitions describes the definitions a table used: each metric's
// formula and the case types it counted, and the courts of each when the
// courts counted differently.
func (u *UI) kpiDefinitions(r *http.Request, t *metrics.Table) ([]kpiDefinitionView, error) {
	ctx := r.Context()
	names, err := metrics.CaseTypeNames(ctx, u.DB)
	if err != nil {
		return nil, err
	}
	var courtRows []metrics.Row
	for _, used := range t.Used {
		for _, c := range used.Courts {
			courtRows = append(courtRows, metrics.Row{Key: c.String()})
		}
	}
	courtNames, err := metrics.Labels(ctx, u.DB, metrics.ByCourt, courtRows)
	if err != nil {
		return nil, err
	}
	var out []kpiDefinitionView
	for _, used := range t.Used {
		dv := kpiDefinitionView{Label: used.Label()}
		if len(t.Used) > 1 {
			var cs []string
			for _, c := range used.Courts {
				cs = append(cs, courtNames[c.String()])
			}
			dv.Courts = strings.Join(cs, "、")
		}
		for _, m := range metrics.Metrics() {
			sv := kpiScopeView{ID: string(m.ID), Name: m.Name, Formula: m.Formula, CaseTypes: "全部督办事项"}
			if m.Scoped {
				var types []string
				for _, code := range used.Scope(m.ID).CaseTypes {
					if n := names[code]; n != "" {
						code = n
					}
					types = append(types, code)
				}
				sv.CaseTypes = strings.Join(types, "、")
			}
			dv.Metrics = append(dv.Metrics, sv)
		}
		out = append(out, dv)
	}
	return out, nil
}

func kpiRowOf(label string, r *metrics.TableRow, allClosed int64) kpiRowView {
	m1, m2, m3 := r.Of(metrics.MetClosureRate), r.Of(metrics.MetCloseReceive), r.Of(metrics.MetFirstClosure)
	m4, m5, m6 := r.Of(metrics.MetActual), r.Of(metrics.MetPerformed), r.Of(metrics.MetRecovery)
	m7, m8, m9, m12 := r.Of(metrics.MetInTerm), r.Of(metrics.MetMeanDays), r.Of(metrics.MetPerJudge), r.Of(metrics.MetZhongben)
	pay, sup := r.Payouts, r.Supervision
	rv := kpiRowView{Label: label, PendingStart: m1.PendingStart, Received: m1.Received, Closed: m1.Closed, FirstClosed: m3.Closed,
		FirstPerformed: m5.ClosedPerformed, FirstActual: m4.ClosedActual, FirstZhongben: m12.ClosedZhongben,
		ClosureRate: percent(m1.Closed, m1.PendingStart+m1.Received), CloseReceive: percent(m2.Closed, m2.Received),
		FirstCloseRate: percent(m3.Closed, m3.PendingStart+m3.Received), ActualRate: percent(m4.ClosedActual, m4.Closed),
		PerformedRate: percent(m5.ClosedPerformed, m5.Closed), InTerm: percent(m7.ClosedInTerm, m7.Closed),
		MeanDays: days(m8.ClosedDays, m8.Closed), Recovery: percent(m6.ClosedRecoveredFen, m6.ClosedClaimFen),
		ZhongbenRate: percent(m12.ClosedZhongben, m12.Closed), Share: percent(m1.Closed, allClosed), PerJudge: "—",
		PayoutRate: percent(pay.OnTime, pay.Due), PayoutDays: days(pay.Days, pay.Settled), PayoutsDue: pay.Due, PayoutsSettled: pay.Settled,
		SupervisionDays: days(sup.HandlingDays, sup.Closed), SupOnTime: percent(sup.Answered-sup.Late, sup.Answered),
		SupervisionRaised: sup.Raised, SupervisionAns: sup.Answered,
		EntrustedRate: percent(r.Entrusted.OnTime, r.Entrusted.Due), EntrustedDays: days(r.Entrusted.Days, r.Entrusted.Done),
		EntrustedDue: r.Entrusted.Due, EntrustedDone: r.Entrusted.Done}
	if r.JudgesCounted {
		rv.PerJudge = hundredths(m9.Closed, r.Judges)
	}
	return rv
}

// days writes a mean number of days with one decimal; "—" for none.
func days(sum, n int64) string {
	if n == 0 {
		return "—"
	}
	v := sum * 10 / n
	return strconv.FormatInt(v/10, 10) + "." + strconv.FormatInt(v%10, 10)
}

// hundredths writes num ÷ den with two decimals; "—" when den is 0.
func hundredths(num, den int64) string {
	if den == 0 {
		return "—"
	}
	v := num * 100 / den
	return strconv.FormatInt(v/100, 10) + "." + twoDigits(v%100)
}

// kpiLinks is what a row's drill-down addresses need: the period and the
// case list's parameter of the row's group (the same name as group_by;
// none for the total).
type kpiLinks struct {
	from, to   string
	by         metrics.GroupBy
	param, key string
}

// url is the case list behind a figure of metric m: the group, the period
// by filing or closing day, the case types m counts in the row (only that
// of a case-type row, when m counts it), the closures; "" when no filter
// lists exactly the cases behind it (courts counting different types).
func (l kpiLinks) url(r *metrics.TableRow, m metrics.MetricID, closed bool, closures ...string) string {
	types, ok := r.CaseTypes(m)
	if !ok {
		return ""
	}
	param, key := l.param, l.key
	if l.by == metrics.ByCaseType {
		if !slices.Contains(types, l.key) {
			return ""
		}
		types, param, key = []string{l.key}, "", ""
	}
	dates := []string{"filed_from", l.from, "filed_to", l.to}
	if closed {
		dates = []string{"closed_from", l.from, "closed_to", l.to}
	}
	return queryURL("/cases", append(append([]string{param, key}, dates...), "case_type", strings.Join(types, ","), "closure",
		strings.Join(closures, ","))...)
}

// link fills the drill-down addresses of a row: received and closed as
// MET-1 counts them, and the closures behind MET-4, MET-5 and MET-12.
func (rv *kpiRowView) link(r *metrics.TableRow, l kpiLinks) {
	rv.ReceivedURL = l.url(r, metrics.MetClosureRate, false)
	rv.ClosedURL = l.url(r, metrics.MetClosureRate, true)
	rv.ActualURL = l.url(r, metrics.MetActual, true, metrics.ActualClosures...)
	rv.PerformedURL = l.url(r, metrics.MetPerformed, true, "performed")
	rv.ZhongbenURL = l.url(r, metrics.MetZhongben, true, "zhongben")
}
