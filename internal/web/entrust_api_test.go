package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// entrustCase files a case at court (its window staff registering it) and
// returns it.
func entrustCase(t *testing.T, env *apptest.Env, court, window string, seed int) api.CaseOut {
	t.Helper()
	b := applicationBody(t, env, seed)
	b.CourtCode = court
	r := env.Do(t, http.MethodPost, "/api/v1/applications", window, b)
	var app api.ApplicationOut
	r.JSON(t, &app)
	if app.ID == "" {
		t.Fatalf("register at %s: %d %s", court, r.Status, r.Body)
	}
	r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", window, map[string]any{})
	var c api.CaseOut
	r.JSON(t, &c)
	if c.ID == "" {
		t.Fatalf("filing at %s: %d %s", court, r.Status, r.Body)
	}
	return c
}

// TestEntrustS13 is SCENARIOS S13 through the API, on both engines: a court
// in another city (东阳, 浙江) entrusts a real-estate seizure to 三水 (佛山); it
// arrives in 三水's command-center inbox, is accepted, assigned, done and
// reported back the same day; the entrusting court sees the result on the
// case (and its timeline); the receiving court never sees the case itself.
// Bad input, wrong states, outsiders and repeated submissions are refused
// or answered once.
func TestEntrustS13(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sanshui, dongyang := env.Court(t, "粤0607"), env.Court(t, "浙0783")
		_, window := env.Token(t, "en.window", access.RoleWindowReception, "浙0783")
		_, judge := env.Token(t, "en.judge", access.RolePostJudge, "浙0783")
		_, clerk := env.Token(t, "en.clerk", access.RoleClerk, "浙0783")
		center, err := org.TeamByName(env.Sys, db, sanshui, "执行指挥中心")
		if err != nil {
			t.Fatal(err)
		}
		_, command := fieldUser(t, env, "en.command", access.RoleCommandCenter, "粤0607", center)
		worker, _ := fieldUser(t, env, "en.worker", access.RoleJudgeAssistant, "粤0607", center)
		_, sanshuiClerk := env.Token(t, "en.sclerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "en.outsider", access.RoleCommandCenter, "皖01")
		_, dongyangCenter := env.Token(t, "en.dcenter", access.RoleCommandCenter, "浙0783")

		c := entrustCase(t, env, "浙0783", window, 1301)
		matters := "/api/v1/cases/" + c.ID + "/entrusted-matters"
		ask := map[string]any{"to_court_id": sanshui.String(), "kind": "seize", "subject": "被执行人名下佛山市三水区西南街道建设路 8 号 1201 房",
			"request": "查封该房产并在不动产登记中心办理查封登记", "attachments": "协助执行通知书、执行裁定书各一份"}

		// Bad input is refused, and nothing is written.
		bad := func(what string, token, path string, body any, status int, code string) {
			t.Helper()
			fieldProblem(t, what, env.Do(t, http.MethodPost, path, token, body), status, code)
		}
		with := func(k string, v any) map[string]any {
			m := map[string]any{}
			for kk, vv := range ask {
				m[kk] = vv
			}
			m[k] = v
			return m
		}
		bad("same court", judge, matters, with("to_court_id", dongyang.String()), http.StatusUnprocessableEntity, "same_court")
		bad("unknown court", judge, matters, with("to_court_id", uuid.NewString()), http.StatusUnprocessableEntity, "unknown_court")
		bad("not an enforcing court", judge, matters, with("to_court_id", env.Court(t, "浙").String()), http.StatusUnprocessableEntity, "not_enforcing_court")
		bad("malformed court id", judge, matters, with("to_court_id", "abc"), http.StatusBadRequest, "invalid_id")
		bad("malformed case id", judge, "/api/v1/cases/12/entrusted-matters", ask, http.StatusBadRequest, "invalid_id")
		bad("no request", judge, matters, with("request", " "), http.StatusUnprocessableEntity, "request_required")
		bad("a clerk", clerk, matters, ask, http.StatusForbidden, "forbidden")
		bad("another court's case", command, matters, ask, http.StatusNotFound, "not_found")
		bad("an outsider", outsider, matters, ask, http.StatusNotFound, "not_found")
		var n int
		if err := db.QueryRow(env.Sys, `SELECT COUNT(*) FROM entrusted_matters`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused sends wrote %d matters (%v)", n, err)
		}

		// The judge sends it; a retry under the same key is the same matter.
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: matters, Token: judge, Body: ask,
				Header: map[string]string{"Idempotency-Key": "entrust-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("send: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		var m api.EntrustedMatterOut
		first.JSON(t, &m)
		today := legal.Today(time.Now())
		cal := legal.DefaultCalendar()
		if m.Status != "sent" || m.CaseNo != c.CaseNo || m.ToCourtID != sanshui.String() || m.Days != 10 || m.SentOn != today.String() ||
			m.DueOn != legal.EntrustedMatterDue(cal, today, 10, false, legal.DefaultPeriodRules()).String() || m.Overdue {
			t.Fatalf("sent %+v", m)
		}
		if err := db.QueryRow(env.Sys, `SELECT COUNT(*) FROM entrusted_matters`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d matters after a repeated send (%v)", n, err)
		}
		one := "/api/v1/entrusted-matters/" + m.ID

		// It arrives in 三水's inbox, not in 东阳's; 东阳 sees it going out.
		list := func(token, query string) []api.EntrustedMatterOut {
			t.Helper()
			r := env.Do(t, http.MethodGet, "/api/v1/entrusted-matters?"+query, token, nil)
			var l api.List[api.EntrustedMatterOut]
			r.JSON(t, &l)
			if r.Status != http.StatusOK {
				t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
			}
			return l.Items
		}
		if l := list(command, "direction=in&status=sent"); len(l) != 1 || l[0].ID != m.ID {
			t.Fatalf("三水 inbox %+v", l)
		}
		if l := list(command, "direction=out"); len(l) != 0 {
			t.Fatalf("三水 sent nothing: %+v", l)
		}
		if l := list(dongyangCenter, "direction=out"); len(l) != 1 || l[0].ID != m.ID {
			t.Fatalf("东阳 outgoing %+v", l)
		}
		if l := list(dongyangCenter, "direction=in"); len(l) != 0 {
			t.Fatalf("东阳 received nothing: %+v", l)
		}
		if l := list(outsider, "direction=in"); len(l) != 0 {
			t.Fatalf("合肥 sees %+v", l)
		}
		fieldProblem(t, "no direction", env.Do(t, http.MethodGet, "/api/v1/entrusted-matters", command, nil), http.StatusUnprocessableEntity, "invalid_input")

		// The receiving court sees the matter but not the case.
		if r := env.Do(t, http.MethodGet, one, sanshuiClerk, nil); r.Status != http.StatusOK {
			t.Fatalf("三水 reads the matter: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID, command, nil); r.Status != http.StatusNotFound {
			t.Fatalf("三水 reads the case: %d", r.Status)
		}
		fieldProblem(t, "outsider reads", env.Do(t, http.MethodGet, one, outsider, nil), http.StatusNotFound, "not_found")
		fieldProblem(t, "malformed id", env.Do(t, http.MethodGet, "/api/v1/entrusted-matters/xyz", command, nil), http.StatusBadRequest, "invalid_id")
		fieldProblem(t, "absent id", env.Do(t, http.MethodGet, "/api/v1/entrusted-matters/"+uuid.NewString(), command, nil), http.StatusNotFound, "not_found")

		// Only the receiving court acts on it.
		fieldProblem(t, "the sender accepts", env.Do(t, http.MethodPost, one+"/acceptance", judge, map[string]any{}), http.StatusForbidden, "forbidden")
		fieldProblem(t, "a clerk accepts", env.Do(t, http.MethodPost, one+"/acceptance", sanshuiClerk, map[string]any{}), http.StatusForbidden, "forbidden")
		fieldProblem(t, "an outsider accepts", env.Do(t, http.MethodPost, one+"/acceptance", outsider, map[string]any{}), http.StatusNotFound, "not_found")
		fieldProblem(t, "report before accepting", env.Do(t, http.MethodPost, one+"/report", command, map[string]any{"result": "已查封"}),
			http.StatusConflict, "invalid_transition")

		// Accepted (twice under one key: once), assigned, worked on, reported.
		acc := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: one + "/acceptance", Token: command, Body: map[string]any{},
				Header: map[string]string{"Idempotency-Key": "entrust-acc"}})
		}
		if a, b := acc(), acc(); a.Status != http.StatusOK || string(a.Body) != string(b.Body) {
			t.Fatalf("accept: %d %s / %d %s", a.Status, a.Body, b.Status, b.Body)
		}
		fieldProblem(t, "accept twice", env.Do(t, http.MethodPost, one+"/acceptance", command, map[string]any{}), http.StatusConflict, "invalid_transition")
		fieldProblem(t, "return after accepting", env.Do(t, http.MethodPost, one+"/return", command, map[string]any{"reason": "不属本院辖区"}),
			http.StatusConflict, "invalid_transition")
		fieldProblem(t, "assign to another court's person", env.Do(t, http.MethodPost, one+"/assignment", command,
			map[string]any{"assignee_id": env.User(t, "en.far", access.RoleJudgeAssistant, "皖01").ID.String()}),
			http.StatusUnprocessableEntity, "invalid_assignee")
		fieldProblem(t, "assign nobody", env.Do(t, http.MethodPost, one+"/assignment", command, map[string]any{}), http.StatusUnprocessableEntity,
			"assignee_required")
		fieldProblem(t, "assign malformed", env.Do(t, http.MethodPost, one+"/assignment", command, map[string]any{"team_id": "12"}),
			http.StatusBadRequest, "invalid_id")
		r := env.Do(t, http.MethodPost, one+"/assignment", command, map[string]any{"assignee_id": worker.ID.String()})
		r.JSON(t, &m)
		if r.Status != http.StatusOK || m.Status != "assigned" || m.AssigneeName != worker.DisplayName || m.TeamName != "执行指挥中心" {
			t.Fatalf("assign: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPost, one+"/notes", command, map[string]any{"text": "已前往三水区不动产登记中心递交协助执行通知书"})
		if r.Status != http.StatusOK {
			t.Fatalf("note: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "blank note", env.Do(t, http.MethodPost, one+"/notes", command, map[string]any{"text": " "}), http.StatusUnprocessableEntity, "text_required")
		fieldProblem(t, "done tomorrow", env.Do(t, http.MethodPost, one+"/report", command,
			map[string]any{"result": "已查封", "done_on": today.AddDays(1).String()}), http.StatusUnprocessableEntity, "done_in_future")
		fieldProblem(t, "bad date", env.Do(t, http.MethodPost, one+"/report", command, map[string]any{"result": "已查封", "done_on": "2024-02-30"}),
			http.StatusUnprocessableEntity, "invalid_date")
		rep := map[string]any{"result": "已查封该房产，查封期限三年", "registry_ref": "佛三不动产查字〔2025〕88号"}
		r = env.Do(t, http.MethodPost, one+"/report", command, rep)
		r.JSON(t, &m)
		if r.Status != http.StatusOK || m.Status != "reported" || m.DoneOn != today.String() || !m.OnTime || m.Overdue || m.DaysTaken != 0 ||
			m.RegistryRef != "佛三不动产查字〔2025〕88号" || len(m.Notes) != 1 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "report twice", env.Do(t, http.MethodPost, one+"/report", command, rep), http.StatusConflict, "invalid_transition")

		// The entrusting court sees the result on its case and timeline.
		r = env.Do(t, http.MethodGet, matters, judge, nil)
		var onCase api.List[api.EntrustedMatterOut]
		r.JSON(t, &onCase)
		if len(onCase.Items) != 1 || onCase.Items[0].Result != "已查封该房产，查封期限三年" || onCase.Items[0].StatusLabel != "已办结回复" {
			t.Fatalf("case's matters %s", r.Body)
		}
		fieldProblem(t, "the receiving court lists the case's matters", env.Do(t, http.MethodGet, matters, command, nil), http.StatusNotFound, "not_found")
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/timeline", judge, nil)
		if !strings.Contains(string(r.Body), "佛三不动产查字〔2025〕88号") || !strings.Contains(string(r.Body), "委托 三水法院") {
			t.Fatalf("timeline lacks the report: %s", r.Body)
		}

		// A second matter is returned with a reason; accepting it then is 409.
		r = env.Do(t, http.MethodPost, matters, judge, with("kind", "serve"))
		var m2 api.EntrustedMatterOut
		r.JSON(t, &m2)
		fieldProblem(t, "return without reason", env.Do(t, http.MethodPost, "/api/v1/entrusted-matters/"+m2.ID+"/return", command, map[string]any{}),
			http.StatusUnprocessableEntity, "reason_required")
		r = env.Do(t, http.MethodPost, "/api/v1/entrusted-matters/"+m2.ID+"/return", command, map[string]any{"reason": "受送达人不在本院辖区"})
		r.JSON(t, &m2)
		if r.Status != http.StatusOK || m2.Status != "returned" || m2.ReturnReason != "受送达人不在本院辖区" {
			t.Fatalf("return: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "accept after return", env.Do(t, http.MethodPost, "/api/v1/entrusted-matters/"+m2.ID+"/acceptance", command, map[string]any{}),
			http.StatusConflict, "invalid_transition")
		fieldProblem(t, "registry ref on a service", env.Do(t, http.MethodPost, "/api/v1/entrusted-matters/"+m2.ID+"/report", command, rep),
			http.StatusConflict, "invalid_transition")

		// A closed case entrusts nothing.
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "cancelled", "reason": "申请执行人撤回申请"})
		if r.Status != http.StatusOK {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		bad("closed case", judge, matters, ask, http.StatusConflict, "case_closed")
	})
}

// TestEntrustMET10 checks that MET-10 counts the matters of the receiving
// court right: due in the period (reported, or open past the due day) and
// done by it; mean days over those reported in the period; returned ones
// nowhere; per court and per team; and that overdue matters are flagged.
func TestEntrustMET10(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sanshui := env.Court(t, "粤0607")
		_, window := env.Token(t, "mt.window", access.RoleWindowReception, "浙0783")
		_, judge := env.Token(t, "mt.judge", access.RolePostJudge, "浙0783")
		center, err := org.TeamByName(env.Sys, db, sanshui, "执行指挥中心")
		if err != nil {
			t.Fatal(err)
		}
		_, command := fieldUser(t, env, "mt.command", access.RoleCommandCenter, "粤0607", center)
		c := entrustCase(t, env, "浙0783", window, 1310)
		today := legal.Today(time.Now())
		send := func(kind string) string {
			t.Helper()
			r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/entrusted-matters", judge, map[string]any{"to_court_id": sanshui.String(),
				"kind": kind, "subject": "被执行人名下房产", "request": "查封"})
			var m api.EntrustedMatterOut
			r.JSON(t, &m)
			if r.Status != http.StatusCreated {
				t.Fatalf("send: %d %s", r.Status, r.Body)
			}
			return "/api/v1/entrusted-matters/" + m.ID
		}
		do := func(path string, body any) {
			t.Helper()
			if r := env.Do(t, http.MethodPost, path, command, body); r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		}
		exec := func(q string, args ...any) {
			t.Helper()
			if err := db.Transact(env.Sys, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, q, args...)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		// In time: assigned to the command center's team, reported today.
		inTime := send("seize")
		do(inTime+"/acceptance", map[string]any{})
		do(inTime+"/assignment", map[string]any{"team_id": center.String()})
		do(inTime+"/report", map[string]any{"result": "已查封"})
		// Open past its due day (sent 20 days ago, due 5 days ago).
		open := send("investigate")
		do(open+"/acceptance", map[string]any{})
		exec(`UPDATE entrusted_matters SET sent_on = ?, due_on = ? WHERE id = ?`, today.AddDays(-20), today.AddDays(-5), open[len(open)-36:])
		// Reported late: sent 15 days ago, due 3 days ago, done yesterday.
		late := send("serve")
		do(late+"/acceptance", map[string]any{})
		exec(`UPDATE entrusted_matters SET sent_on = ? WHERE id = ?`, today.AddDays(-15), late[len(late)-36:])
		do(late+"/report", map[string]any{"result": "已送达", "done_on": today.AddDays(-1).String()})
		exec(`UPDATE entrusted_matters SET due_on = ? WHERE id = ?`, today.AddDays(-3), late[len(late)-36:])
		// Returned: counts nowhere.
		returned := send("deliver")
		do(returned+"/return", map[string]any{"reason": "不属本院辖区"})
		exec(`UPDATE entrusted_matters SET sent_on = ?, due_on = ? WHERE id = ?`, today.AddDays(-20), today.AddDays(-5), returned[len(returned)-36:])
		// Open and still in time: not decided yet.
		send("investigate")

		kpis := func(groupBy string) api.KPIsOut {
			t.Helper()
			r := env.Do(t, http.MethodGet, "/api/v1/kpis?from="+today.AddDays(-30).String()+"&to="+today.AddDays(30).String()+
				"&group_by="+groupBy+"&court_id="+sanshui.String(), command, nil)
			var out api.KPIsOut
			r.JSON(t, &out)
			if r.Status != http.StatusOK {
				t.Fatalf("kpis: %d %s", r.Status, r.Body)
			}
			return out
		}
		metric := func(row api.KPIRowOut, key string) api.KPIMetricOut {
			for _, m := range row.Metrics {
				if m.Key == key {
					return m
				}
			}
			t.Fatalf("row %s has no %s", row.Label, key)
			return api.KPIMetricOut{}
		}
		out := kpis("court")
		if len(out.Rows) != 1 || out.Rows[0].Key != sanshui.String() {
			t.Fatalf("rows %+v", out.Rows)
		}
		row := out.Rows[0]
		if m := metric(row, "entrusted_on_time_rate"); m.Numerator != 1 || m.Denominator != 3 || m.Metric != "MET-10" {
			t.Errorf("MET-10 rate %+v", m)
		}
		if m := metric(row, "entrusted_mean_days"); m.Numerator != 14 || m.Denominator != 2 || *m.Value != 7 {
			t.Errorf("MET-10 mean days %+v", m)
		}
		if row.EntrustedOnTime == nil || *row.EntrustedOnTime != 0.3333 {
			t.Errorf("entrusted_on_time_rate %v", row.EntrustedOnTime)
		}
		byTeam := map[string]api.KPIRowOut{}
		for _, r := range kpis("team").Rows {
			byTeam[r.Key] = r
		}
		if m := metric(byTeam[center.String()], "entrusted_on_time_rate"); m.Numerator != 1 || m.Denominator != 1 {
			t.Errorf("team %+v", m)
		}
		if m := metric(byTeam[uuid.Nil.String()], "entrusted_on_time_rate"); m.Numerator != 0 || m.Denominator != 2 {
			t.Errorf("unassigned %+v", m)
		}
		// The entrusting court counts nothing: MET-10 is the receiving court's.
		r := env.Do(t, http.MethodGet, "/api/v1/kpis?from="+today.AddDays(-30).String()+"&to="+today.AddDays(30).String()+
			"&group_by=court&court_id="+env.Court(t, "浙0783").String(), judge, nil)
		var dy api.KPIsOut
		r.JSON(t, &dy)
		for _, row := range dy.Rows {
			if row.EntrustedOnTime != nil {
				t.Errorf("东阳 counts MET-10: %+v", row)
			}
		}

		// Overdue: the open one in both lists.
		r = env.Do(t, http.MethodGet, "/api/v1/entrusted-matters?direction=in&overdue=true", command, nil)
		var l api.List[api.EntrustedMatterOut]
		r.JSON(t, &l)
		if len(l.Items) != 1 || "/api/v1/entrusted-matters/"+l.Items[0].ID != open || !l.Items[0].Overdue {
			t.Fatalf("overdue in: %s", r.Body)
		}
		r = env.Do(t, http.MethodGet, "/api/v1/entrusted-matters?direction=out", judge, nil)
		l = api.List[api.EntrustedMatterOut]{}
		r.JSON(t, &l)
		var overdue []string
		for _, m := range l.Items {
			if m.Overdue {
				overdue = append(overdue, "/api/v1/entrusted-matters/"+m.ID)
			}
		}
		if len(l.Items) != 5 || len(overdue) != 2 || overdue[0] != open || overdue[1] != late {
			t.Fatalf("overdue out: %v (open %s, late %s)", overdue, open, late)
		}
		r = env.Do(t, http.MethodGet, "/api/v1/entrusted-matters?direction=out&limit=2", judge, nil)
		l = api.List[api.EntrustedMatterOut]{}
		r.JSON(t, &l)
		if len(l.Items) != 2 || l.NextCursor == "" {
			t.Fatalf("paging: %s", r.Body)
		}
	})
}
