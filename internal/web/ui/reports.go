package ui

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
)

// The weekly bulletin page (/reports/weekly, 周通报, SUP-4): a court's week
// per team and handler, with the weeks around it a click away and the
// workbook and PDF downloads (the API's, which the session cookie opens).

func (u *UI) registerReports(mux *http.ServeMux) {
	mux.Handle("GET /reports/weekly", u.page(u.weeklyBulletinPage))
}

type bulletinView struct {
	Courts            []org.Court
	CourtID, From, To string
	Period            string
	PrevURL, NextURL  string
	LastURL           string
	XLSXURL, PDFURL   string
	Lines             []bulletinLine
	Total             *bulletinLine
	Error             string
}

// bulletinLine is a handler's line, a team's subtotal or the court's total.
type bulletinLine struct {
	Team, Handler          string
	Subtotal               bool
	ReceivedURL, ClosedURL string
	metrics.BulletinFigures
}

func (u *UI) weeklyBulletinPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.CasesRead); err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	v := &bulletinView{Courts: courts}
	court := p.CourtID
	if raw := strings.TrimSpace(q.Get("court_id")); raw != "" {
		if court, err = uuid.Parse(raw); err != nil {
			return apperr.NotFoundf("法院")
		}
	}
	if court == uuid.Nil && len(courts) > 0 {
		court = courts[0].ID
	}
	// A week by default: the one before this; one day given, the week
	// from (or to) it.
	from, to := metrics.PreviousWeek(legal.Today(u.Now()))
	var problems []string
	day := func(name string) legal.Date {
		raw := strings.TrimSpace(q.Get(name))
		if raw == "" {
			return legal.Date{}
		}
		d, err := legal.ParseDate(raw)
		if err != nil {
			problems = append(problems, "日期“"+raw+"”应为 YYYY-MM-DD 格式的有效日期。")
		}
		return d
	}
	switch f, t := day("from"), day("to"); {
	case len(problems) > 0:
	case !f.IsZero() && !t.IsZero():
		from, to = f, t
	case !f.IsZero():
		from, to = f, f.AddDays(6)
	case !t.IsZero():
		from, to = t.AddDays(-6), t
	}
	v.CourtID, v.From, v.To = court.String(), from.String(), to.String()
	status := http.StatusOK
	if len(problems) > 0 {
		v.Error, status = strings.Join(problems, " "), http.StatusUnprocessableEntity
		return u.render(w, r, status, "report_weekly", "周通报", "reports", v)
	}
	b, err := metrics.Bulletin(ctx, u.DB, court, from, to)
	if e, ok := apperr.As(err); ok && e.Kind == apperr.Invalid {
		v.Error = e.Detail
		return u.render(w, r, http.StatusUnprocessableEntity, "report_weekly", "周通报", "reports", v)
	}
	if err != nil {
		return err
	}
	span := to.Sub(from) + 1
	week := func(f legal.Date) string {
		return queryURL("/reports/weekly", "court_id", v.CourtID, "from", f.String(), "to", f.AddDays(span-1).String())
	}
	v.Period = from.Chinese() + "至" + to.Chinese()
	v.PrevURL, v.NextURL = week(from.AddDays(-span)), week(from.AddDays(span))
	v.LastURL = queryURL("/reports/weekly", "court_id", v.CourtID)
	api := func(format string) string {
		return queryURL("/api/v1/reports/weekly-bulletin", "court_id", v.CourtID, "from", v.From, "to", v.To, "format", format)
	}
	v.XLSXURL, v.PDFURL = api("xlsx"), api("pdf")
	link := func(l *bulletinLine, kv ...string) {
		l.ReceivedURL = queryURL("/cases", append(kv, "court", v.CourtID, "filed_from", v.From, "filed_to", v.To)...)
		l.ClosedURL = queryURL("/cases", append(kv, "court", v.CourtID, "closed_from", v.From, "closed_to", v.To)...)
	}
	for _, team := range b.Teams {
		for _, h := range team.Handlers {
			l := bulletinLine{Team: team.Name, Handler: h.Name, BulletinFigures: h.BulletinFigures}
			if h.HandlerID != uuid.Nil {
				link(&l, "team", idOrEmpty(team.TeamID), "handler", h.HandlerID.String())
			}
			v.Lines = append(v.Lines, l)
		}
		if len(team.Handlers) > 1 {
			l := bulletinLine{Team: team.Name, Handler: "小计", Subtotal: true, BulletinFigures: team.Total}
			if team.TeamID != uuid.Nil {
				link(&l, "team", team.TeamID.String())
			}
			v.Lines = append(v.Lines, l)
		}
	}
	if len(b.Teams) > 0 {
		t := bulletinLine{Team: "合计", BulletinFigures: b.Total}
		link(&t)
		v.Total = &t
	}
	return u.render(w, r, status, "report_weekly", "周通报", "reports", v)
}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
