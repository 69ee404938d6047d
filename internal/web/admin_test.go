package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestCalendarAdmin: the holiday calendar is data an administrator keeps
// (CAL-1): the API and the page change it, the working-day count follows,
// bad input and other users are refused.
func TestCalendarAdmin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "cal.admin", access.RoleSysAdmin, "最高法")
		_, clerk := env.Token(t, "cal.clerk", access.RoleClerk, "粤0607")

		var y api.CalendarYearOut
		res := env.Do(t, http.MethodGet, "/api/v1/calendar?year=2026", clerk, nil)
		if res.Status != http.StatusOK {
			t.Fatalf("read calendar: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &y)
		if y.Workdays != 248 || len(y.Days) == 0 {
			t.Fatalf("2026: %d working days, %d listed days; want 248 (CAL-1)", y.Workdays, len(y.Days))
		}

		// A clerk may read, not change.
		body := map[string]string{"kind": "holiday", "name": "测试假日"}
		if res := env.Do(t, http.MethodPut, "/api/v1/calendar/2026-12-31", clerk, body); res.Status != http.StatusForbidden {
			t.Fatalf("clerk sets a day: %d", res.Status)
		}
		// Bad dates and an impossible day are refused, in Chinese.
		if p := env.Do(t, http.MethodPut, "/api/v1/calendar/2026-13-01", admin, body).Problem(t); p.Code != "invalid_date" {
			t.Fatalf("bad date: %+v", p)
		}
		res = env.Do(t, http.MethodPut, "/api/v1/calendar/2026-12-30", admin, map[string]string{"kind": "workday", "name": "调休上班"})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("make-up working day on a Wednesday: %d %s", res.Status, res.Body)
		}

		// 2026-12-31 (a Thursday) made a holiday: one working day fewer.
		res = env.Do(t, http.MethodPut, "/api/v1/calendar/2026-12-31", admin, body)
		res.JSON(t, &y)
		if res.Status != http.StatusOK || y.Workdays != 247 {
			t.Fatalf("after setting a holiday: %d, %d working days", res.Status, y.Workdays)
		}
		res = env.Do(t, http.MethodDelete, "/api/v1/calendar/2026-12-31", admin, nil)
		res.JSON(t, &y)
		if res.Status != http.StatusOK || y.Workdays != 248 {
			t.Fatalf("after deleting it: %d, %d working days", res.Status, y.Workdays)
		}
		if res := env.Do(t, http.MethodDelete, "/api/v1/calendar/2026-12-31", admin, nil); res.Status != http.StatusNotFound {
			t.Fatalf("deleting a day not listed: %d", res.Status)
		}

		// The page: the same through a form.
		b := newBrowser(t, env)
		b.login("cal.admin", apptest.Password)
		b.get("/admin/calendar?year=2026").must(t, 200, "国庆节", `id="workdays">248<`)
		p := b.post("/admin/calendar", url.Values{"date": {"2026-12-31"}, "kind": {"holiday"}, "name": {"测试假日"}})
		if p.status != http.StatusSeeOther || p.location != "/admin/calendar?year=2026&done=saved" {
			t.Fatalf("set a day on the page: %d %q", p.status, p.location)
		}
		b.get("/admin/calendar?year=2026").must(t, 200, "测试假日", `id="workdays">247<`)
		b.post("/admin/calendar", url.Values{"date": {"2026-02-31"}, "kind": {"holiday"}}).must(t, 422, "日期应为 YYYY-MM-DD")
		b.post("/admin/calendar/2026-12-31/delete", nil)
		b.get("/admin/calendar?year=2026").must(t, 200, `id="workdays">248<`)

		cb := newBrowser(t, env)
		cb.login("cal.clerk", apptest.Password)
		if p := cb.get("/admin/calendar"); strings.Contains(p.body, `action="/admin/calendar"`) {
			t.Fatal("a clerk is offered the calendar form")
		}
		cb.post("/admin/calendar", url.Values{"date": {"2026-12-31"}, "kind": {"holiday"}, "name": {"x"}}).must(t, 422, "权限")
	})
}

// TestJobsAdmin: a failed job shows in the listing, an administrator queues
// it again or cancels it, others may not.
func TestJobsAdmin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "job.admin", access.RoleCourtAdmin, "粤0607")
		_, judge := env.Token(t, "job.judge", access.RolePostJudge, "粤0607")
		_, outsider := env.Token(t, "job.outsider", access.RoleCourtAdmin, "皖01")
		court := env.Court(t, "粤0607")

		ctx := context.Background()
		var id string
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			jid, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "test.fails", CourtID: court, Payload: map[string]int{"n": 1}, MaxAttempts: 1})
			id = jid.String()
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r := jobs.NewRunner(db, jobs.Options{})
		r.Register("test.fails", func(context.Context, *jobs.Claimed) error { return errors.New("对方系统无响应") })
		if _, err := r.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}

		var list api.List[api.JobOut]
		env.Do(t, http.MethodGet, "/api/v1/jobs?state=failed", admin, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != id || list.Items[0].LastError != "对方系统无响应" {
			t.Fatalf("failed jobs: %+v", list.Items)
		}
		if res := env.Do(t, http.MethodGet, "/api/v1/jobs", judge, nil); res.Status != http.StatusForbidden {
			t.Fatalf("a judge lists jobs: %d", res.Status)
		}
		if res := env.Do(t, http.MethodGet, "/api/v1/jobs/"+id, outsider, nil); res.Status != http.StatusNotFound {
			t.Fatalf("another court's admin reads the job: %d", res.Status)
		}
		if p := env.Do(t, http.MethodGet, "/api/v1/jobs/not-an-id", admin, nil).Problem(t); p.Code != "invalid_id" {
			t.Fatalf("malformed id: %+v", p)
		}
		if res := env.Do(t, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", admin, nil); res.Status != http.StatusConflict {
			t.Fatalf("cancelling a failed job: %d %s", res.Status, res.Body)
		}

		// Retry on the page, cancel through the API.
		b := newBrowser(t, env)
		b.login("job.admin", apptest.Password)
		b.get("/admin/jobs?state=failed").must(t, 200, "test.fails", "对方系统无响应")
		b.get("/admin/jobs/"+id).must(t, 200, `id="job-retry"`)
		p := b.post("/admin/jobs/"+id+"/retry", nil)
		if p.status != http.StatusSeeOther || p.location != "/admin/jobs/"+id+"?done=retried" {
			t.Fatalf("retry on the page: %d %q", p.status, p.location)
		}
		b.get("/admin/jobs/"+id).must(t, 200, "等待", `id="job-cancel"`)
		var j api.JobOut
		res := env.Do(t, http.MethodPost, "/api/v1/jobs/"+id+"/cancel", admin, nil)
		res.JSON(t, &j)
		if res.Status != http.StatusOK || j.State != "cancelled" {
			t.Fatalf("cancel: %d %+v", res.Status, j)
		}
		if res := env.Do(t, http.MethodPost, "/api/v1/jobs/"+id+"/retry", judge, nil); res.Status != http.StatusForbidden {
			t.Fatalf("a judge retries: %d", res.Status)
		}
	})
}
