package ui

import (
	"net/http"
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
// behind it (the case list's drill-down filters). The board with charts
// and the wall screen are still to come.

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
	Error             string
	ExportURL         string // the table as a workbook (the API's export)
}

type kpiRowView struct {
	Label                                             string
	PendingStart, Received, Closed                    int64
	ReceivedURL, ClosedURL, PerformedURL, ZhongbenURL string
	FirstClosed, FirstPerformed, FirstZhongben        int64
	ClosureRate, CloseReceive, PerformedRate, InTerm  string
	MeanDays, Recovery, ZhongbenRate, Share           string
}

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
	status := http.StatusOK
	rows, err := metrics.Figures(r.Context(), u.DB, metrics.Query{From: from, To: to, GroupBy: metrics.GroupBy(v.GroupBy)})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		problems, status = append(problems, e.Detail), http.StatusUnprocessableEntity
	}
	labels, err := metrics.Labels(r.Context(), u.DB, metrics.GroupBy(v.GroupBy), rows)
	if err != nil {
		return err
	}
	total := metrics.Total(rows)
	for _, row := range rows {
		label, param := labels[row.Key], v.GroupBy
		switch v.GroupBy {
		case "lane":
			if label = triage.LaneName(row.Key); label == "" {
				label = "未分流"
			}
		case "case_type":
			label = row.Key
		}
		rv := kpiRowOf(label, row, total.All.Closed)
		// The cases without an owner or a lane have no filter of their own:
		// no link.
		if !row.Unowned && row.Key != "" {
			rv.link(v.From, v.To, param, row.Key)
		}
		v.Rows = append(v.Rows, rv)
	}
	if len(rows) > 0 {
		t := kpiRowOf("合计", total, total.All.Closed)
		t.link(v.From, v.To, "", "")
		v.Total = &t
	}
	v.Error = strings.Join(problems, " ")
	if v.Error == "" {
		v.ExportURL = queryURL("/api/v1/kpis/export", "from", v.From, "to", v.To, "group_by", v.GroupBy)
	}
	return u.render(w, r, status, "kpis", "执行指标", "kpis", v)
}

func kpiRowOf(label string, r metrics.Row, allClosed int64) kpiRowView {
	a, f := r.All, r.First
	return kpiRowView{Label: label, PendingStart: a.PendingStart, Received: a.Received, Closed: a.Closed, FirstClosed: f.Closed,
		FirstPerformed: f.ClosedPerformed, FirstZhongben: f.ClosedZhongben, ClosureRate: percent(a.Closed, a.PendingStart+a.Received),
		CloseReceive: percent(a.Closed, a.Received), PerformedRate: percent(f.ClosedPerformed, f.Closed), InTerm: percent(a.ClosedInTerm, a.Closed),
		MeanDays: days(a.ClosedDays, a.Closed), Recovery: percent(a.ClosedRecoveredFen, a.ClosedClaimFen),
		ZhongbenRate: percent(f.ClosedZhongben, f.Closed), Share: percent(a.Closed, allClosed)}
}

// days writes a mean number of days with one decimal; "—" for none.
func days(sum, n int64) string {
	if n == 0 {
		return "—"
	}
	v := sum * 10 / n
	return strconv.FormatInt(v/10, 10) + "." + strconv.FormatInt(v%10, 10)
}

// link fills the drill-down addresses of a row: the case list filtered by
// the group (param = key, the case list's parameter of the same name; none
// for the total) and the period.
func (rv *kpiRowView) link(from, to, param, key string) {
	rv.ReceivedURL = queryURL("/cases", param, key, "filed_from", from, "filed_to", to)
	rv.ClosedURL = queryURL("/cases", param, key, "closed_from", from, "closed_to", to)
	rv.PerformedURL = queryURL("/cases", param, key, "closed_from", from, "closed_to", to, "closure", "performed", "case_type", "first_enforcement")
	rv.ZhongbenURL = queryURL("/cases", param, key, "closed_from", from, "closed_to", to, "closure", "zhongben", "case_type", "first_enforcement")
}
