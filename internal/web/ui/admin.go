package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// registerAdmin mounts the pages of background jobs, the holiday calendar
// and the rule parameters (rules.go).
func (u *UI) registerAdmin(mux *http.ServeMux) {
	mux.Handle("GET /admin/jobs", u.page(u.jobsPage))
	mux.Handle("GET /admin/jobs/{id}", u.page(u.jobPage))
	mux.Handle("POST /admin/jobs/{id}/retry", u.page(u.jobAction(jobs.Retry, "retried")))
	mux.Handle("POST /admin/jobs/{id}/cancel", u.page(u.jobAction(jobs.CancelJob, "cancelled")))

	mux.Handle("GET /admin/calendar", u.page(u.calendarPage))
	mux.Handle("POST /admin/calendar", u.page(u.setCalendarDay))
	mux.Handle("POST /admin/calendar/{date}/delete", u.page(u.deleteCalendarDay))

	mux.Handle("GET /admin/rules", u.page(u.rulesPage))
	mux.Handle("POST /admin/rules", u.page(u.setRuleParam))
	mux.Handle("POST /admin/rules/{id}/delete", u.page(u.deleteRuleParam))
}

type jobsView struct {
	Filter map[string]string
	States []jobs.State
	Stats  map[jobs.State]int
	Jobs   []jobs.Info
	Next   string
	Courts map[uuid.UUID]string
}

func (u *UI) jobsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := jobsView{Filter: map[string]string{"state": q.Get("state"), "kind": strings.TrimSpace(q.Get("kind"))}, States: jobs.States}
	f := jobs.Filter{State: jobs.State(v.Filter["state"]), Kind: v.Filter["kind"]}
	if !f.State.Valid() {
		f.State, v.Filter["state"] = "", ""
	}
	pg, err := jobs.List(ctx, u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Jobs, v.Next = pg.Items, pg.NextCursor
	if v.Stats, err = jobs.Stats(ctx, u.DB); err != nil {
		return err
	}
	if v.Courts, err = courtNames(ctx, u.DB); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "jobs", "后台任务", "jobs", v)
}

// courtNames names the courts the principal sees, for listings.
func courtNames(ctx context.Context, db *store.DB) (map[uuid.UUID]string, error) {
	courts, err := org.VisibleCourts(ctx, db)
	if err != nil {
		return nil, err
	}
	names := map[uuid.UUID]string{uuid.Nil: "平台"}
	for _, c := range courts {
		names[c.ID] = c.ShortName
	}
	return names, nil
}

type jobView struct {
	Job       jobs.Info
	Court     string
	CanManage bool
}

func (u *UI) jobPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	j, err := jobs.Get(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	names, err := courtNames(r.Context(), u.DB)
	if err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "job", "后台任务 "+j.Kind, "jobs",
		jobView{Job: j, Court: names[j.CourtID], CanManage: p.Can(jobs.ManagePermission)})
}

func (u *UI) jobAction(fn func(context.Context, *store.DB, uuid.UUID) (jobs.Info, error), done string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := fn(r.Context(), u.DB, id); err != nil {
			return err
		}
		redirect(w, r, "/admin/jobs/"+id.String(), done)
		return nil
	}
}

type calendarView struct {
	Year      int
	Years     []int
	Workdays  int
	Days      []legal.CalendarDay
	Values    map[string]string
	Errors    map[string]string
	Error     string
	CanManage bool
}

func (u *UI) calendarPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	year, err := strconv.Atoi(r.URL.Query().Get("year"))
	if err != nil || year < 2000 || year > 2100 {
		year = legal.Today(time.Now()).Year()
	}
	return u.showCalendar(w, r, p, http.StatusOK, calendarView{Year: year, Values: map[string]string{"kind": string(legal.Holiday)}})
}

func (u *UI) showCalendar(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, v calendarView) error {
	ctx := r.Context()
	var err error
	if v.Days, err = calendar.Days(ctx, u.DB, v.Year); err != nil {
		return err
	}
	cal, err := calendar.Load(ctx, u.DB)
	if err != nil {
		return err
	}
	v.Workdays = cal.WorkdaysInYear(v.Year)
	v.Years = []int{v.Year - 1, v.Year, v.Year + 1}
	v.CanManage = p.Can(access.ReferenceManage)
	return u.render(w, r, status, "calendar", "节假日与调休", "calendar", v)
}

func (u *UI) setCalendarDay(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := calendarView{Values: formValues(r, "date", "kind", "name", "notice"), Year: legal.Today(time.Now()).Year()}
	err := func() error {
		d, err := legal.ParseDate(v.Values["date"])
		if err != nil {
			return apperr.InvalidField("invalid_date", "body.date", "日期应为 YYYY-MM-DD 格式的有效日期")
		}
		v.Year = d.Year()
		day := legal.CalendarDay{Date: d, Kind: legal.DayKind(v.Values["kind"]), Name: v.Values["name"], Notice: v.Values["notice"]}
		return u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error { return calendar.SetDay(ctx, tx, day) })
	}()
	if err != nil {
		if v.Errors, v.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showCalendar(w, r, p, http.StatusUnprocessableEntity, v)
	}
	redirect(w, r, "/admin/calendar?year="+strconv.Itoa(v.Year), "saved")
	return nil
}

func (u *UI) deleteCalendarDay(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	d, err := legal.ParseDate(r.PathValue("date"))
	if err != nil {
		return apperr.NotFoundf("日期")
	}
	if err := u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error { return calendar.DeleteDay(ctx, tx, d) }); err != nil {
		return err
	}
	redirect(w, r, "/admin/calendar?year="+strconv.Itoa(d.Year()), "saved")
	return nil
}
