package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// kpiMetric returns a row's figure of key (closure_rate …).
func kpiMetric(t *testing.T, r api.KPIRowOut, key string) api.KPIMetricOut {
	t.Helper()
	for _, m := range r.Metrics {
		if m.Key == key {
			return m
		}
	}
	t.Fatalf("row %s has no %s: %+v", r.Label, key, r.Metrics)
	return api.KPIMetricOut{}
}

// kpiCases lists the cases behind a drill-down address of the API.
func kpiCases(t *testing.T, env *apptest.Env, token, path string) []string {
	t.Helper()
	if path == "" {
		t.Fatal("no drill-down address")
	}
	var got api.List[api.CaseOut]
	r := env.Do(t, http.MethodGet, path+"&limit=500", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", path, r.Status, r.Body)
	}
	r.JSON(t, &got)
	var ids []string
	for _, c := range got.Items {
		ids = append(ids, c.ID)
	}
	slices.Sort(ids)
	return ids
}

func kpiIDs(list ...*cases.Case) []string {
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID.String())
	}
	slices.Sort(ids)
	return ids
}

// kpiClose closes a case as the judge.
func kpiClose(t *testing.T, s *intaketest.Staff, c *cases.Case, in cases.TransitionInput) {
	t.Helper()
	if _, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return cases.Transition(ctx, tx, c.ID, in)
	}); err != nil {
		t.Fatalf("%s → %s: %v", c.CaseNo, in.To, err)
	}
}

// TestKPIDefinitions (MET-0): a court whose definition leaves 执保 out of
// 结案率 and 结收比 gets other figures than the built-in default, the answer
// names the version, and the drill-down lists exactly the cases counted;
// versions are listed with their status, a pending one changes nothing
// yet; bad definitions, another court and no permission are refused, in
// Chinese; saving is audited; the page names the definition and links the
// counted cases.
func TestKPIDefinitions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		_, admin := env.Token(t, "kd.admin", access.RoleCourtAdmin, "粤0607")
		_, outsiderAdmin := env.Token(t, "kd.outsider", access.RoleCourtAdmin, "皖01")
		_, outsiderJudge := env.Token(t, "kd.outjudge", access.RolePostJudge, "皖01")
		court := s.CourtID.String()

		// Two 执 cases, one closed; two 执保 cases, one closed.
		var first, pres []*cases.Case
		for i := range 2 {
			first = append(first, uiFile(t, s, intaketest.Application(s.CourtID, 7100+i)))
			in := intaketest.Application(s.CourtID, 7200+i)
			in.CaseType = "preservation_enforcement"
			pres = append(pres, uiFile(t, s, in))
		}
		kpiClose(t, s, first[0], cases.TransitionInput{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true})
		kpiClose(t, s, pres[0], cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})

		today := legal.Today(time.Now())
		from, to := today.AddDays(-30).String(), today.String()
		get := func() api.KPIsOut {
			t.Helper()
			var out api.KPIsOut
			r := env.Do(t, http.MethodGet, "/api/v1/kpis?group_by=court&court_id="+court+"&from="+from+"&to="+to, judge, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("kpis: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &out)
			if len(out.Rows) != 1 {
				t.Fatalf("rows: %+v", out.Rows)
			}
			return out
		}

		// The built-in default: 执, 执恢 and 执保.
		def := get()
		k := def.Rows[0]
		if def.DefinitionVersion == nil || *def.DefinitionVersion != 0 || def.DefinitionSource != "builtin" || len(def.Definitions) != 1 ||
			def.Definitions[0].Courts[0] != court || k.Received != 4 || k.Closed != 2 || *k.ClosureRate != 0.5 || *k.CloseReceive != 0.5 ||
			k.FirstReceived != 2 || k.FirstClosed != 1 {
			t.Fatalf("by the default: %+v %+v", def, k)
		}
		if got := kpiMetric(t, k, "closure_rate"); !slices.Equal(got.CaseTypes,
			[]string{"first_enforcement", "preservation_enforcement", "restored_enforcement"}) ||
			!slices.Equal(kpiCases(t, env, judge, got.NumeratorCases), kpiIDs(first[0], pres[0])) {
			t.Errorf("the default's closed cases: %+v", got)
		}

		// The definitions before any version: the built-in in force.
		var list api.KPIDefinitionsOut
		env.Do(t, http.MethodGet, "/api/v1/kpi-definitions?court_id="+court, judge, nil).JSON(t, &list)
		if list.InForce.Source != "builtin" || list.InForce.Version != 0 || len(list.Versions) != 0 || len(list.InForce.Metrics) != 11 ||
			list.InForce.Metrics[0].Metric != "MET-1" || len(list.InForce.Metrics[0].CaseTypeNames) != 3 {
			t.Fatalf("before any version: %+v", list)
		}

		// The court leaves 执保 out of MET-1 and MET-2 from a month ago.
		save := func(token string, body map[string]any) *apptest.Response {
			t.Helper()
			return env.Do(t, http.MethodPost, "/api/v1/kpi-definitions", token, body)
		}
		scope := []string{"first_enforcement", "restored_enforcement"}
		body := map[string]any{"court_id": court, "effective_from": today.AddDays(-30).String(), "note": "本院考核口径",
			"metrics": []map[string]any{{"metric": "MET-1", "case_types": scope}, {"metric": "MET-2", "case_types": scope}}}
		r := save(admin, body)
		var v1 api.KPIDefinitionOut
		r.JSON(t, &v1)
		if r.Status != http.StatusCreated || v1.Version != 1 || v1.Source != "court" || v1.Status != "in_force" || v1.ID == nil ||
			!slices.Equal(v1.Metrics[0].CaseTypes, scope) || !slices.Equal(v1.Metrics[5].CaseTypes, // MET-6 kept the default
			[]string{"first_enforcement", "restored_enforcement", "preservation_enforcement"}) {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		got := get()
		k = got.Rows[0]
		if got.DefinitionVersion == nil || *got.DefinitionVersion != 1 || got.DefinitionSource != "court" || got.Definitions[0].ID == nil ||
			*got.Definitions[0].ID != *v1.ID || k.Received != 2 || k.Closed != 1 || *k.ClosureRate != 0.5 || *k.CloseReceive != 0.5 ||
			k.FirstReceived != 2 || k.FirstClosed != 1 || *k.PerformedRate != 1 {
			t.Fatalf("by the court's definition: %+v %+v", got, k)
		}
		// 执行到位率 still counts 执保 (its definition did not change).
		if m6 := kpiMetric(t, k, "recovery_rate"); len(m6.CaseTypes) != 3 || !slices.Equal(kpiCases(t, env, judge, m6.DenominatorCases),
			kpiIDs(first[0], pres[0])) {
			t.Errorf("MET-6: %+v", m6)
		}
		m1 := kpiMetric(t, k, "closure_rate")
		if !slices.Equal(m1.CaseTypes, scope) || m1.Numerator != 1 || m1.Denominator != 2 || m1.DenominatorCases != "" {
			t.Errorf("MET-1 under the court's definition: %+v", m1)
		}
		if ids := kpiCases(t, env, judge, m1.NumeratorCases); !slices.Equal(ids, kpiIDs(first[0])) {
			t.Errorf("the cases behind MET-1's closed: %v", ids)
		}
		m2 := kpiMetric(t, k, "close_receive_ratio")
		if ids := kpiCases(t, env, judge, m2.DenominatorCases); !slices.Equal(ids, kpiIDs(first...)) {
			t.Errorf("the cases behind MET-2's received: %v", ids)
		}
		if m5 := kpiMetric(t, k, "performed_rate"); !slices.Equal(kpiCases(t, env, judge, m5.NumeratorCases), kpiIDs(first[0])) {
			t.Errorf("the cases behind MET-5: %+v", m5)
		}
		if m4 := kpiMetric(t, k, "actual_rate"); !strings.Contains(m4.NumeratorCases, "closure=performed%2Csettlement_long_term") ||
			!slices.Equal(kpiCases(t, env, judge, m4.NumeratorCases), kpiIDs(first[0])) {
			t.Errorf("the cases behind MET-4: %+v", m4)
		}
		// The total of one court names it; the rows by case type link only
		// the types a metric counts.
		if total := kpiMetric(t, got.Total, "closure_rate"); !slices.Equal(kpiCases(t, env, judge, total.NumeratorCases), kpiIDs(first[0])) {
			t.Errorf("the total's closed cases: %+v", total)
		}
		var byType api.KPIsOut
		env.Do(t, http.MethodGet, "/api/v1/kpis?group_by=case_type&court_id="+court+"&from="+from+"&to="+to, judge, nil).JSON(t, &byType)
		for _, row := range byType.Rows {
			m := kpiMetric(t, row, "closure_rate")
			switch row.Key {
			case "preservation_enforcement":
				if row.Received != 0 || m.NumeratorCases != "" || kpiMetric(t, row, "recovery_rate").DenominatorCases == "" {
					t.Errorf("执保 by case type: %+v", row)
				}
			case "first_enforcement":
				if row.Received != 2 || !slices.Equal(kpiCases(t, env, judge, m.NumeratorCases), kpiIDs(first[0])) {
					t.Errorf("执 by case type: %+v", row)
				}
			}
		}

		// A version for next month is pending: nothing changes yet.
		next := map[string]any{"court_id": court, "effective_from": today.AddDays(30).String(),
			"metrics": []map[string]any{{"metric": "MET-1", "case_types": []string{"first_enforcement"}}}}
		if r := save(admin, next); r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"status":"pending"`) {
			t.Fatalf("a pending version: %d %s", r.Status, r.Body)
		}
		if again := get(); *again.DefinitionVersion != 1 || again.Rows[0].Received != 2 {
			t.Errorf("with a pending version: %+v", again)
		}
		list = api.KPIDefinitionsOut{}
		env.Do(t, http.MethodGet, "/api/v1/kpi-definitions?court_id="+court, judge, nil).JSON(t, &list)
		if list.InForce.Version != 1 || len(list.Versions) != 2 || list.Versions[0].Version != 2 || list.Versions[0].Status != "pending" ||
			list.Versions[1].Status != "in_force" || !list.Versions[1].Applies || list.Versions[1].Note != "本院考核口径" {
			t.Fatalf("versions: %+v", list)
		}
		// Asked as of next month, the pending version applies.
		env.Do(t, http.MethodGet, "/api/v1/kpi-definitions?court_id="+court+"&on="+today.AddDays(40).String(), judge, nil).JSON(t, &list)
		if list.InForce.Version != 2 || !slices.Equal(list.InForce.Metrics[0].CaseTypes, []string{"first_enforcement"}) {
			t.Errorf("next month: %+v", list.InForce)
		}

		// Refused.
		for _, bad := range []struct {
			name, token string
			body        map[string]any
			status      int
			code, field string
		}{
			{"an unknown case type", admin, map[string]any{"court_id": court, "metrics": []map[string]any{{"metric": "MET-1",
				"case_types": []string{"first_enforcement", "moon"}}}}, 422, "unknown_case_type", "body.metrics[0].case_types"},
			{"an empty scope", admin, map[string]any{"court_id": court, "metrics": []map[string]any{{"metric": "MET-2",
				"case_types": []string{}}}}, 422, "empty_scope", "body.metrics[0].case_types"},
			{"no metrics", admin, map[string]any{"court_id": court, "metrics": []map[string]any{}}, 422, "empty_definition", "body.metrics"},
			{"an unknown metric", admin, map[string]any{"court_id": court, "metrics": []map[string]any{{"metric": "MET-99",
				"case_types": scope}}}, 422, "unknown_metric", "body.metrics[0].metric"},
			{"a metric twice", admin, map[string]any{"court_id": court, "metrics": []map[string]any{{"metric": "MET-1", "case_types": scope},
				{"metric": "MET-1", "case_types": scope}}}, 422, "duplicate_metric", "body.metrics[1].metric"},
			{"other closures for MET-4", admin, map[string]any{"court_id": court, "metrics": []map[string]any{{"metric": "MET-4",
				"case_types": scope, "closures": []string{"performed"}}}}, 422, "closures_fixed", "body.metrics[0].closures"},
			{"a bad date", admin, map[string]any{"court_id": court, "effective_from": "2026-02-30", "metrics": []map[string]any{{"metric": "MET-1",
				"case_types": scope}}}, 422, "invalid_date", "body.effective_from"},
			{"a court outside the caller's", outsiderAdmin, body, 404, "not_found", ""},
			{"no permission", judge, body, 403, "forbidden", ""},
			{"the platform without reference.manage", admin, map[string]any{"metrics": []map[string]any{{"metric": "MET-1",
				"case_types": scope}}}, 403, "forbidden", ""},
		} {
			r := save(bad.token, bad.body)
			if r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
				continue
			}
			p := r.Problem(t)
			if p.Code != bad.code && bad.code != "not_found" && bad.code != "forbidden" {
				t.Errorf("%s: code %q, want %q", bad.name, p.Code, bad.code)
			}
			if bad.status == 422 && !strings.ContainsFunc(p.Detail, func(r rune) bool { return unicode.Is(unicode.Han, r) }) {
				t.Errorf("%s: not in Chinese: %q", bad.name, p.Detail)
			}
			if bad.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != bad.field) {
				t.Errorf("%s: fields %+v, want %s", bad.name, p.Errors, bad.field)
			}
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/kpi-definitions?court_id="+court, outsiderJudge, nil); r.Status != http.StatusNotFound {
			t.Errorf("another court's definitions: %d", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/kpi-definitions?court_id=x", judge, nil); r.Status != http.StatusBadRequest {
			t.Errorf("a malformed court: %d", r.Status)
		}
		var versions int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM metric_definitions`).Scan(&versions); err != nil || versions != 2 {
			t.Errorf("versions stored: %d %v", versions, err)
		}
		var audited int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log WHERE action = 'metric_definition.saved' AND court_id = ?`,
			s.CourtID).Scan(&audited); err != nil || audited != 2 {
			t.Errorf("audit records: %d %v", audited, err)
		}

		// The page: the court's definition named, the links by its case types.
		b := staffBrowser(t, env, s.Judge)
		pg := b.get("/kpis?group_by=court&from=" + from + "&to=" + to)
		pg.must(t, 200, "指标口径：本院口径第 1 版（"+from+" 起）", "首次执行、恢复执行",
			"/cases?case_type=first_enforcement%2Crestored_enforcement&amp;closed_from="+from+"&amp;closed_to="+to+"&amp;court="+court,
			"人均结案数", "案款发放及时率", "督办按期答复率")
		cl := b.get("/cases?case_type=first_enforcement%2Crestored_enforcement&closed_from=" + from + "&closed_to=" + to + "&court=" + court)
		cl.must(t, 200, first[0].CaseNo, `<option value="first_enforcement,restored_enforcement" selected>`)
		cl.lacks(t, pres[0].CaseNo, first[1].CaseNo)
		b.get("/cases?closure=performed%2Csettlement_long_term&closed_from="+from).must(t, 200, first[0].CaseNo, "结案方式 执行完毕或")
	})
}

// TestKPIPerJudge (MET-9): closures per post judge of the court and of each
// team, counting only active post judges, over MET-9's case types.
func TestKPIPerJudge(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "") // two post judges: 速执团队 and 普执团队
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		_, admin := env.Token(t, "pj.admin", access.RoleCourtAdmin, "粤0607")
		gone := env.User(t, "pj.gone", access.RolePostJudge, "粤0607")
		uiExec(t, db, `UPDATE users SET disabled_at = ? WHERE id = ?`, time.Now().UTC(), gone.ID)
		var list []*cases.Case
		for i := range 4 {
			list = append(list, uiFile(t, s, intaketest.Application(s.CourtID, 7300+i)))
		}
		for _, c := range list[:3] {
			kpiClose(t, s, c, cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})
		}
		today := legal.Today(time.Now())
		query := "&from=" + today.AddDays(-7).String() + "&to=" + today.String()
		get := func(by string) api.KPIsOut {
			t.Helper()
			var out api.KPIsOut
			r := env.Do(t, http.MethodGet, "/api/v1/kpis?group_by="+by+query, judge, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("kpis: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &out)
			return out
		}
		byCourt := get("court")
		k := byCourt.Rows[0]
		if k.PostJudges == nil || *k.PostJudges != 2 || k.PerJudge == nil || *k.PerJudge != 1.5 || byCourt.Total.PerJudge == nil ||
			*byCourt.Total.PerJudge != 1.5 {
			t.Fatalf("by court: %+v", k)
		}
		if m := kpiMetric(t, k, "closed_per_judge"); m.Numerator != 3 || m.Denominator != 2 || m.Unit != "cases_per_judge" ||
			len(kpiCases(t, env, judge, m.NumeratorCases)) != 3 {
			t.Errorf("MET-9: %+v", m)
		}
		var judges, closed int64
		for _, r := range get("team").Rows {
			if r.PostJudges == nil || *r.PostJudges != 1 {
				t.Errorf("team %s: %v judges", r.Label, r.PostJudges)
			}
			judges += *r.PostJudges
			closed += r.Closed
		}
		if judges == 0 || closed != 3 {
			t.Errorf("by team: %d judges, %d closed", judges, closed)
		}
		if h := get("handler"); h.Rows[0].PerJudge != nil || h.Rows[0].PostJudges != nil || h.Total.PostJudges == nil || *h.Total.PostJudges != 2 {
			t.Errorf("by handler: %+v", h.Rows[0])
		}
		// A court counting only 执恢 per judge.
		if r := env.Do(t, http.MethodPost, "/api/v1/kpi-definitions", admin, map[string]any{"court_id": s.CourtID.String(),
			"effective_from": today.AddDays(-7).String(), "metrics": []map[string]any{{"metric": "MET-9",
				"case_types": []string{"restored_enforcement"}}}}); r.Status != http.StatusCreated {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
		if k := get("court").Rows[0]; k.PerJudge == nil || *k.PerJudge != 0 || k.Closed != 3 {
			t.Errorf("MET-9 over 执恢 only: %+v", k)
		}
	})
}

// TestKPIPayoutsAndSupervision: MET-11 from the payouts — one settled in
// time, one settled after its deadline, one unpaid past its deadline, one
// unpaid still in time (not counted yet) — and the days from the money's
// arrival to each settlement; MET-13 from the items raised: one answered
// late and closed after 4 days, one answered in time and open.
func TestKPIPayoutsAndSupervision(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		bk := env.Bank(t)
		s := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		leader := env.Login(t, access.From(s.Leader).Username, apptest.Password)
		_, command := env.Token(t, "ps.command", access.RoleCommandCenter, "粤0607")
		today := legal.Today(time.Now())
		c := fundsCase(t, s, 7401, 3_000_000)
		fundsReadyToPay(t, s, c)
		// The money arrived five days ago.
		uiExec(t, db, `UPDATE payables SET arrived_on = ? WHERE case_id = ?`, today.AddDays(-5), c.ID)
		approve := func(o *funds.Payout) {
			t.Helper()
			if _, err := store.TransactValue(s.Leader, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.DecidePayout(ctx, tx, o.ID, funds.Decision{Approve: true})
			}); err != nil {
				t.Fatal(err)
			}
		}
		inTime, late, unpaidLate, unpaid := fundsAsk(t, s.Judge, db, c, 100_000), fundsAsk(t, s.Judge, db, c, 100_000),
			fundsAsk(t, s.Judge, db, c, 100_000), fundsAsk(t, s.Judge, db, c, 100_000)
		if inTime.DueOn.IsZero() || !inTime.DueOn.After(today) {
			t.Fatalf("a payout's deadline: %s", inTime.DueOn)
		}
		uiExec(t, db, `UPDATE payouts SET due_on = ? WHERE id = ?`, today.AddDays(-1), late.ID)
		uiExec(t, db, `UPDATE payouts SET due_on = ? WHERE id = ?`, today.AddDays(-2), unpaidLate.ID)
		approve(inTime)
		approve(late)
		bk.Settle(t)
		_ = unpaid

		// Two items raised by the command center: the first four days ago,
		// answered after its day and closed; the second answered in time.
		raise := func(title string) string {
			t.Helper()
			var it struct {
				ID string `json:"id"`
			}
			r := env.Do(t, http.MethodPost, "/api/v1/supervision/items", command, map[string]any{"case_id": c.ID.String(), "title": title})
			if r.Status != http.StatusCreated {
				t.Fatalf("raise: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &it)
			return it.ID
		}
		act := func(token, id, path, text string) {
			t.Helper()
			if r := env.Do(t, http.MethodPost, "/api/v1/supervision/items/"+id+"/"+path, token, map[string]any{"text": text}); r.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
		}
		first, second := raise("案款发放情况请说明"), raise("请约谈申请执行人")
		uiExec(t, db, `UPDATE supervision_items SET raised_on = ?, answer_due = ? WHERE id = ?`, today.AddDays(-4), today.AddDays(-1), first)
		act(judge, first, "answer", "已发放")
		act(leader, first, "closure", "办结")
		act(judge, second, "answer", "已约谈")

		var out api.KPIsOut
		r := env.Do(t, http.MethodGet, "/api/v1/kpis?group_by=team&from="+today.AddDays(-30).String()+"&to="+today.AddDays(60).String(), judge, nil)
		if r.Status != http.StatusOK {
			t.Fatalf("kpis: %d %s", r.Status, r.Body)
		}
		r.JSON(t, &out)
		tot := out.Total
		// Due: in time, late, unpaid late (the unpaid one still in time is
		// not decided); on time: one.
		if tot.PayoutOnTimeRate == nil || *tot.PayoutOnTimeRate != 0.3333 || tot.PayoutMeanDays == nil || *tot.PayoutMeanDays != 5 {
			t.Errorf("MET-11: %+v %+v", tot.PayoutOnTimeRate, tot.PayoutMeanDays)
		}
		if m := kpiMetric(t, tot, "payout_on_time_rate"); m.Numerator != 1 || m.Denominator != 3 || m.Metric != "MET-11" || m.NumeratorCases != "" {
			t.Errorf("MET-11 rate: %+v", m)
		}
		if m := kpiMetric(t, tot, "payout_mean_days"); m.Numerator != 10 || m.Denominator != 2 {
			t.Errorf("MET-11 days: %+v", m)
		}
		if tot.SupervisionDays == nil || *tot.SupervisionDays != 4 || tot.SupervisionOnTime == nil || *tot.SupervisionOnTime != 0.5 {
			t.Errorf("MET-13: %+v %+v", tot.SupervisionDays, tot.SupervisionOnTime)
		}
		// The case's team has them all.
		var team api.KPIRowOut
		for _, row := range out.Rows {
			if row.PayoutOnTimeRate != nil {
				team = row
			}
		}
		if team.Key != getCase(t, s, c.ID).TeamID.String() || *team.SupervisionOnTime != 0.5 {
			t.Errorf("the case's team: %+v", team)
		}
		// Before any deadline or settlement: none.
		var before api.KPIsOut
		env.Do(t, http.MethodGet, "/api/v1/kpis?from=2020-01-01&to=2020-12-31", judge, nil).JSON(t, &before)
		if before.Total.PayoutOnTimeRate != nil || before.Total.SupervisionDays != nil {
			t.Errorf("an empty period: %+v", before.Total)
		}
		// The page shows them.
		staffBrowser(t, env, s.Judge).get("/kpis?group_by=court&from="+today.AddDays(-30).String()+"&to="+today.AddDays(60).String()).
			must(t, 200, "33.33%", `title="应发放 3 笔"`, "5.0", "50.00%")
	})
}

// TestKPIDefinitionsAcrossCourts: a city court's chief sees two courts; the
// platform's version (reference.manage) applies to the court without its
// own, the court's own to the other. The answer lists both definitions
// with their courts and names no single version; each court's row links
// its own case types, the total, where the courts count differently, none.
func TestKPIDefinitionsAcrossCourts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sanshui, chancheng := intaketest.NewStaff(t, db, "粤0607"), intaketest.NewStaff(t, db, "粤0604")
		_, chief := env.Token(t, "ac.chief", access.RoleBureauChief, "粤06")
		_, sys := env.Token(t, "ac.sys", access.RoleSysAdmin, "最高法")
		_, admin := env.Token(t, "ac.admin", access.RoleCourtAdmin, "粤0607")
		for i, s := range []*intaketest.Staff{sanshui, chancheng} {
			c := uiFile(t, s, intaketest.Application(s.CourtID, 7500+i))
			in := intaketest.Application(s.CourtID, 7510+i)
			in.CaseType = "preservation_enforcement"
			p := uiFile(t, s, in)
			kpiClose(t, s, c, cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})
			kpiClose(t, s, p, cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})
		}
		today := legal.Today(time.Now())
		since := today.AddDays(-10).String()
		metric := func(types ...string) []map[string]any {
			return []map[string]any{{"metric": "MET-1", "case_types": types}}
		}
		// The platform: 执 only; 三水: 执 and 执保.
		if r := env.Do(t, http.MethodPost, "/api/v1/kpi-definitions", admin, map[string]any{"effective_from": since,
			"metrics": metric("first_enforcement")}); r.Status != http.StatusForbidden {
			t.Errorf("a court admin setting the platform's: %d", r.Status)
		}
		r := env.Do(t, http.MethodPost, "/api/v1/kpi-definitions", sys, map[string]any{"effective_from": since, "metrics": metric("first_enforcement")})
		if r.Status != http.StatusCreated || !strings.Contains(string(r.Body), `"source":"platform"`) {
			t.Fatalf("the platform's: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/kpi-definitions", admin, map[string]any{"court_id": sanshui.CourtID.String(),
			"effective_from": since, "metrics": metric("first_enforcement", "preservation_enforcement")}); r.Status != http.StatusCreated {
			t.Fatalf("三水's: %d %s", r.Status, r.Body)
		}
		var out api.KPIsOut
		env.Do(t, http.MethodGet, "/api/v1/kpis?group_by=court&from="+since+"&to="+today.String(), chief, nil).JSON(t, &out)
		if out.DefinitionVersion != nil || len(out.Definitions) != 2 || len(out.Rows) != 2 {
			t.Fatalf("two definitions: %+v", out)
		}
		for _, d := range out.Definitions {
			want := map[string]string{"court": sanshui.CourtID.String(), "platform": chancheng.CourtID.String()}[d.Source]
			if d.Version != 1 || len(d.Courts) != 1 || d.Courts[0] != want {
				t.Errorf("definition %+v, want court %s", d, want)
			}
		}
		for _, row := range out.Rows {
			m := kpiMetric(t, row, "closure_rate")
			want := map[string]int64{sanshui.CourtID.String(): 2, chancheng.CourtID.String(): 1}[row.Key]
			if row.Closed != want || int64(len(kpiCases(t, env, chief, m.NumeratorCases))) != want {
				t.Errorf("court %s: closed %d, want %d (%s)", row.Label, row.Closed, want, m.NumeratorCases)
			}
		}
		if m := kpiMetric(t, out.Total, "closure_rate"); out.Total.Closed != 3 || m.CaseTypes != nil || m.NumeratorCases != "" {
			t.Errorf("the total: %+v", m)
		}
		// Where both count the same (MET-3, 首执), the total links.
		if m := kpiMetric(t, out.Total, "first_closure_rate"); len(kpiCases(t, env, chief, m.NumeratorCases)) != 2 {
			t.Errorf("the total's 首执: %+v", m)
		}
		// The platform's definitions are listed without a court.
		var list api.KPIDefinitionsOut
		env.Do(t, http.MethodGet, "/api/v1/kpi-definitions", chief, nil).JSON(t, &list)
		if list.InForce.Source != "platform" || len(list.Versions) != 1 {
			t.Errorf("the platform's: %+v", list)
		}
		staffBrowser(t, env, chancheng.Judge).get("/kpis?from="+since).must(t, 200, "全平台口径第 1 版")
	})
}
