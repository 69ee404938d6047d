package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/supervise"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// passDays makes days pass for a case: its filing, receipt, assignment and
// deadline move that many days back, and so does its day in the
// supervision queue — as if the case had been filed days earlier and the
// queue had waited since. The KPIs follow, as they follow every change.
func passDays(t *testing.T, db *store.DB, caseID string, days int) {
	t.Helper()
	id := uuid.MustParse(caseID)
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		before, err := metrics.Read(ctx, tx, id)
		if err != nil {
			return err
		}
		var filed, received, deadline legal.Date
		var assigned *legal.Date
		if err := tx.QueryRow(ctx, `SELECT filed_on, received_on, assigned_on, deadline FROM cases WHERE id = ?`, id).
			Scan(&filed, &received, &assigned, &deadline); err != nil {
			return err
		}
		if assigned != nil {
			a := assigned.AddDays(-days)
			assigned = &a
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET filed_on = ?, received_on = ?, assigned_on = ?, deadline = ? WHERE id = ?`,
			filed.AddDays(-days), received.AddDays(-days), assigned, deadline.AddDays(-days), id); err != nil {
			return err
		}
		var due legal.Date
		if err := tx.QueryRow(ctx, `SELECT due_on FROM supervision_watches WHERE subject_kind = 'case' AND subject_id = ?`, id).Scan(&due); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE supervision_watches SET due_on = ? WHERE subject_kind = 'case' AND subject_id = ?`,
			due.AddDays(-days), id); err != nil {
			return err
		}
		after, err := metrics.Read(ctx, tx, id)
		if err != nil {
			return err
		}
		return metrics.Apply(ctx, tx, before, after)
	}); err != nil {
		t.Fatal(err)
	}
}

func scanOn(t *testing.T, db *store.DB, day legal.Date) supervise.Counts {
	t.Helper()
	c, err := supervise.Scan(context.Background(), db, day)
	if err != nil {
		t.Fatalf("scan %s: %v", day, err)
	}
	return c
}

func supItems(t *testing.T, env *apptest.Env, token string, q url.Values) []api.SupItemOut {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/v1/supervision/items?"+q.Encode(), token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("items %v: %d %s", q, r.Status, r.Body)
	}
	var l api.List[api.SupItemOut]
	r.JSON(t, &l)
	return l.Items
}

func liveRules(items []api.SupItemOut) map[string]api.SupItemOut {
	m := map[string]api.SupItemOut{}
	for _, it := range items {
		if it.Status != "closed" {
			m[it.RuleID] = it
		}
	}
	return m
}

func supItem(t *testing.T, env *apptest.Env, token, id string) api.SupItemOut {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/v1/supervision/items/"+id, token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("item: %d %s", r.Status, r.Body)
	}
	var it api.SupItemOut
	r.JSON(t, &it)
	return it
}

// TestS7SupervisionRules (SCENARIOS S7, DOMAIN §12 SUP-1 … SUP-3, NODE-1,
// NODE-5): the default rules raise an item on a case without a 执行通知
// three days after filing and on a case near the end of its legal period,
// and none on a case whose notice was served; the item escalates level by
// level (承办人 → 团队长 → 执行局长 → 院长) while unanswered; it is answered,
// returned, answered again and closed; a measure withdrawn and recorded
// again reopens and clears the item; the command center raises an item by
// hand and issues a list to a team; bad input and outsiders are refused.
func TestS7SupervisionRules(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "s7.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		login := func(ctx context.Context) string { return env.Login(t, access.From(ctx).Username, apptest.Password) }
		judge, leader, chief := login(staff.Judge), login(staff.Leader), login(staff.Chief)
		_, command := env.Token(t, "s7.command", access.RoleCommandCenter, "粤0607")
		_, outsider := env.Token(t, "s7.outsider", access.RoleCommandCenter, "皖01")
		_, outsiderJudge := env.Token(t, "s7.outjudge", access.RolePostJudge, "皖01")
		today := legal.Today(time.Now())

		file := func(seed int) api.CaseOut {
			debtor := sample.Person(seed)
			holdsNothing(ag, debtor.IDNumber)
			return fileAgainst(t, env, reception, seed, debtor, 30_000_00)
		}
		a, b, d := file(7101), file(7102), file(7103)
		if items := supItems(t, env, judge, url.Values{"case_id": {a.ID}}); len(items) != 0 {
			t.Fatalf("items on filing day: %+v", items)
		}
		measure := func(caseID, kind string) api.MeasureOut {
			t.Helper()
			r := env.Do(t, http.MethodPost, "/api/v1/cases/"+caseID+"/measures", judge, map[string]any{"kind": kind, "done_on": today.String()})
			if r.Status != http.StatusCreated {
				t.Fatalf("measure %s: %d %s", kind, r.Status, r.Body)
			}
			var m api.MeasureOut
			r.JSON(t, &m)
			return m
		}

		// A month passes for A and B (B's notice served), almost six for D.
		passDays(t, db, a.ID, 30)
		passDays(t, db, b.ID, 30)
		passDays(t, db, d.ID, 175)
		notice := measure(b.ID, "notice_served")
		if c := scanOn(t, db, today); c.Raised < 3 {
			t.Fatalf("scan: %+v", c)
		}
		ia := liveRules(supItems(t, env, judge, url.Values{"case_id": {a.ID}}))
		it, ok := ia["node_notice"]
		if len(ia) != 1 || !ok || it.Status != "open" || it.Level != 1 || it.Module != "nodes" || it.RaisedOn == nil || *it.RaisedOn != today.String() ||
			it.AssigneeID == nil || a.Handler == nil || *it.AssigneeID != *a.Handler || it.AnswerDue == nil || it.EscalateOn == nil {
			t.Fatalf("A's items: %+v (handler %v)", ia, a.Handler)
		}
		if ib := liveRules(supItems(t, env, judge, url.Values{"case_id": {b.ID}})); len(ib) != 0 {
			t.Fatalf("B (notice served) has items: %+v", ib)
		}
		id := liveRules(supItems(t, env, judge, url.Values{"case_id": {d.ID}}))
		if _, ok := id["period_near_end"]; !ok || id["period_near_end"].Module != "overdue" {
			t.Fatalf("D near the end of its period: %+v", id)
		}
		if _, ok := id["period_overdue"]; ok {
			t.Fatalf("D overdue before its deadline: %+v", id)
		}

		// Unanswered, A's item goes up a level on each day of the chain.
		for i, day := range []int{3, 7, 15} {
			scanOn(t, db, today.AddDays(day))
			got := supItem(t, env, judge, it.ID)
			if got.Level != i+2 || got.Status != "open" || got.AssigneeName == "" {
				t.Fatalf("after %d days: level %d %s (%s)", day, got.Level, got.Status, got.AssigneeName)
			}
		}
		top := supItem(t, env, judge, it.ID)
		if top.EscalateOn != nil || top.AssigneeName != "测试"+access.RolePresident || len(top.Events) != 4 ||
			top.Events[0].Kind != "raised" || top.Events[3].Kind != "escalated" || top.Events[3].Level != 4 {
			t.Fatalf("at the top: %+v", top)
		}
		// Scanning the same day again changes nothing.
		if c := scanOn(t, db, today.AddDays(15)); c.Escalated != 0 || c.Raised != 0 {
			t.Fatalf("a second scan: %+v", c)
		}
		// D's deadline has passed by now: overdue.
		if _, ok := liveRules(supItems(t, env, judge, url.Values{"case_id": {d.ID}}))["period_overdue"]; !ok {
			t.Fatal("D not overdue after its deadline")
		}

		// Answer, return, answer, close; bad input and the wrong people refused.
		act := func(token, path, text string) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/supervision/items/"+it.ID+"/"+path, token, map[string]any{"text": text})
		}
		for _, bad := range []struct {
			name, token, path, text string
			status                  int
		}{
			{"close before an answer", leader, "closure", "同意", http.StatusConflict},
			{"an empty answer", judge, "answer", "  ", http.StatusUnprocessableEntity},
			{"another court", outsiderJudge, "answer", "已发出", http.StatusNotFound},
			{"no power to answer", outsider, "answer", "已发出", http.StatusForbidden},
		} {
			if r := act(bad.token, bad.path, bad.text); r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/supervision/items/nope/answer", judge, map[string]any{"text": "x"}); r.Status != http.StatusBadRequest {
			t.Errorf("a malformed id: %d", r.Status)
		}
		if r := act(judge, "answer", "当事人地址有误，已重新送达"); r.Status != http.StatusOK {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		if r := act(judge, "closure", "同意"); r.Status != http.StatusForbidden {
			t.Errorf("a judge closing: %d", r.Status)
		}
		if r := act(command, "return", "请附送达回证"); r.Status != http.StatusOK {
			t.Fatalf("return: %d %s", r.Status, r.Body)
		}
		if r := act(judge, "answer", "已附送达回证"); r.Status != http.StatusOK {
			t.Fatalf("answer again: %d %s", r.Status, r.Body)
		}
		if r := act(leader, "closure", "情况属实，办结"); r.Status != http.StatusOK {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		done := supItem(t, env, judge, it.ID)
		if done.Status != "closed" || done.CloseReason != "accepted" || done.OnTime == nil || !*done.OnTime || done.HandlingDays == nil ||
			*done.HandlingDays != 0 || done.Events[len(done.Events)-1].Kind != "closed" {
			t.Fatalf("closed: %+v", done)
		}
		if r := act(judge, "answer", "再答复"); r.Status != http.StatusConflict {
			t.Errorf("answering a closed item: %d", r.Status)
		}
		// A's notice is still missing, but its item was dealt with for this day.
		scanOn(t, db, today.AddDays(16))
		if l := liveRules(supItems(t, env, judge, url.Values{"case_id": {a.ID}})); len(l) != 0 {
			t.Fatalf("raised again after it was closed: %+v", l)
		}

		// B: the notice withdrawn raises the item at once; served again, it
		// clears; withdrawn again, the same item reopens.
		withdraw := func(id string) {
			t.Helper()
			if r := env.Do(t, http.MethodPost, "/api/v1/measures/"+id+"/withdrawal", judge, map[string]any{"reason": "误记"}); r.Status != http.StatusOK {
				t.Fatalf("withdraw: %d %s", r.Status, r.Body)
			}
		}
		withdraw(notice.ID)
		ib := liveRules(supItems(t, env, judge, url.Values{"case_id": {b.ID}}))
		if ib["node_notice"].Status != "open" {
			t.Fatalf("B after the withdrawal: %+v", ib)
		}
		bItem := ib["node_notice"].ID
		again := measure(b.ID, "notice_served")
		if got := supItem(t, env, judge, bItem); got.Status != "closed" || got.CloseReason != "cleared" {
			t.Fatalf("B served again: %+v", got)
		}
		withdraw(again.ID)
		if got := supItem(t, env, judge, bItem); got.Status != "open" || got.Events[len(got.Events)-1].Kind != "reopened" {
			t.Fatalf("B withdrawn again: %+v", got)
		}

		// By hand: the command center on A; an outsider cannot see A.
		raise := func(token string, body map[string]any) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/supervision/items", token, body)
		}
		if r := raise(command, map[string]any{"case_id": a.ID, "title": "当事人信访，请 3 日内约谈", "severity": "high"}); r.Status != http.StatusCreated {
			t.Fatalf("raise: %d %s", r.Status, r.Body)
		}
		for _, bad := range []struct {
			name, token string
			body        map[string]any
			status      int
		}{
			{"an outsider", outsider, map[string]any{"case_id": a.ID, "title": "督办"}, http.StatusNotFound},
			{"a judge", judge, map[string]any{"case_id": a.ID, "title": "督办"}, http.StatusForbidden},
			{"no title", command, map[string]any{"case_id": a.ID, "title": ""}, http.StatusUnprocessableEntity},
			{"an unknown module", command, map[string]any{"case_id": a.ID, "title": "督办", "module": "weather"}, http.StatusUnprocessableEntity},
			{"a malformed case", command, map[string]any{"case_id": "x", "title": "督办"}, http.StatusBadRequest},
		} {
			if r := raise(bad.token, bad.body); r.Status != bad.status {
				t.Errorf("raise, %s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}

		// A list to A's team, with its progress.
		var team []string
		for _, c := range []api.CaseOut{a, b, d} {
			if c.Team != nil && a.Team != nil && *c.Team == *a.Team {
				team = append(team, c.ID)
			}
		}
		issue := func(token string, body map[string]any) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/supervision/lists", token, body)
		}
		listBody := map[string]any{"team_id": *a.Team, "title": "长期未结案件专项督办", "deadline": today.AddDays(10).String(), "case_ids": team}
		r := issue(command, listBody)
		if r.Status != http.StatusCreated {
			t.Fatalf("issue: %d %s", r.Status, r.Body)
		}
		var list api.SupListOut
		r.JSON(t, &list)
		if list.Items != len(team) || list.Open != len(team) {
			t.Fatalf("list: %+v", list)
		}
		for name, change := range map[string]func(m map[string]any){
			"a past deadline": func(m map[string]any) { m["deadline"] = today.String() },
			"no cases":        func(m map[string]any) { m["case_ids"] = []string{} },
			"a case twice":    func(m map[string]any) { m["case_ids"] = []string{a.ID, a.ID} },
		} {
			m := map[string]any{}
			for k, v := range listBody {
				m[k] = v
			}
			change(m)
			if r := issue(command, m); r.Status != http.StatusUnprocessableEntity {
				t.Errorf("list, %s: %d %s", name, r.Status, r.Body)
			}
		}
		if got := supItems(t, env, chief, url.Values{"list_id": {list.ID}}); len(got) != len(team) || got[0].Source != "list" {
			t.Fatalf("the list's items: %+v", got)
		}

		// MET-13 per team.
		r = env.Do(t, http.MethodGet, "/api/v1/supervision/stats?court_id="+staff.CourtID.String()+"&from="+today.String()+"&to="+
			today.String(), chief, nil)
		var stats []api.SupTeamStatsOut
		r.JSON(t, &stats)
		var raised, closed int64
		for _, s := range stats {
			raised, closed = raised+s.Raised, closed+s.Closed
		}
		if r.Status != http.StatusOK || raised < 5 || closed < 1 {
			t.Fatalf("stats: %d %+v", r.Status, stats)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/supervision/stats?court_id="+staff.CourtID.String()+"&from="+today.String()+"&to="+
			today.AddDays(-1).String(), chief, nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a reversed period: %d", r.Status)
		}
	})
}

// TestSupervisionRuleEditor (SUP-1 督办规则配置): rules that do not compile
// or name unknown facts are refused with the position; a version is saved,
// dry-run and activated; a version the dry run says would raise more items
// than the court's threshold must be confirmed; activation re-reads the
// court's open cases with the new rules in a job, with its progress.
func TestSupervisionRuleEditor(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "sre.window", access.RoleWindowReception, "粤0607")
		_, admin := env.Token(t, "sre.admin", access.RoleCourtAdmin, "粤0607")
		_, judge := env.Token(t, "sre.judge", access.RolePostJudge, "粤0607")
		_, outsider := env.Token(t, "sre.outsider", access.RoleCourtAdmin, "皖01")
		intaketest.NewStaff(t, db, "")
		court := env.Court(t, "粤0607").String()
		for _, seed := range []int{7201, 7202} {
			debtor := sample.Person(seed)
			holdsNothing(ag, debtor.IDNumber)
			fileAgainst(t, env, reception, seed, debtor, 10_000_00)
		}

		var current api.SupRulesOut
		env.Do(t, http.MethodGet, "/api/v1/supervision/rules?court_id="+court, judge, nil).JSON(t, &current)
		if current.Active.Version != 0 || len(current.Active.Rules) != len(supervise.DefaultRules().Rules) {
			t.Fatalf("defaults: %+v", current.Active)
		}
		rules := current.Active.Rules
		save := func(token string, rs []api.SupRule) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/supervision/rules", token, map[string]any{"court_id": court, "rules": rs, "note": "测试"})
		}
		with := func(i int, change func(r *api.SupRule)) []api.SupRule {
			rs := append([]api.SupRule(nil), rules...)
			change(&rs[i])
			return rs
		}
		for _, bad := range []struct {
			name   string
			rules  []api.SupRule
			detail string
		}{
			{"an unknown fact", with(1, func(r *api.SupRule) { r.When = "!closed && !notice_servd" }), "第 1 行第 13 列：未知的事实 notice_servd（是否想写 notice_served？）"},
			{"a syntax error", with(1, func(r *api.SupRule) { r.When = "!closed &&" }), "第 1 行"},
			{"an unknown date", with(0, func(r *api.SupRule) { r.Anchor = "birthday" }), "案件没有日期 birthday"},
			{"a falling chain", with(0, func(r *api.SupRule) { r.Escalation = []int{7, 3} }), "逐级递增"},
			{"a duplicate id", with(0, func(r *api.SupRule) { r.ID = rules[1].ID }), "重复"},
		} {
			r := save(admin, bad.rules)
			p := r.Problem(t)
			if r.Status != http.StatusUnprocessableEntity || p.Code != supervise.CodeInvalid || !strings.Contains(string(r.Body), bad.detail) {
				t.Errorf("%s: %d %s", bad.name, r.Status, r.Body)
			}
		}
		if r := save(judge, rules); r.Status != http.StatusForbidden {
			t.Errorf("a judge saving rules: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/supervision/rules", outsider, map[string]any{"court_id": court, "rules": rules}); r.Status != http.StatusNotFound {
			t.Errorf("an outsider: %d", r.Status)
		}

		// A rule on every open case at once: the dry run counts both cases.
		loud := append(append([]api.SupRule(nil), rules...), api.SupRule{ID: "all_open", Name: "全部在办案件", Module: "statistics",
			Subject: "case", Anchor: "filed_on", When: "!closed", Severity: "low", AnswerDays: 3, Enabled: true})
		var dr api.SupDryRunOut
		r := env.Do(t, http.MethodPost, "/api/v1/supervision/rules/dry-run", admin, map[string]any{"court_id": court, "rules": loud})
		r.JSON(t, &dr)
		if r.Status != http.StatusOK || dr.Population["case"] != 2 || dr.NowTotal != 2 || dr.Mass || dr.Sampled {
			t.Fatalf("dry run: %d %+v %s", r.Status, dr, r.Body)
		}
		r = save(admin, loud)
		var v api.SupRuleSetOut
		r.JSON(t, &v)
		if r.Status != http.StatusCreated || v.Version != 1 || v.Active {
			t.Fatalf("save: %d %+v", r.Status, v)
		}
		// The court's threshold lowered to 1: activation wants confirming.
		if r := env.Do(t, http.MethodPost, "/api/v1/rule-params", admin, map[string]any{"court_code": "粤0607", "rule_id": "SUP-1",
			"param": "mass_items", "value": "1", "effective_from": legal.Today(time.Now()).String(), "citation": "测试"}); r.Status != http.StatusOK {
			t.Fatalf("threshold: %d %s", r.Status, r.Body)
		}
		activate := func(ack bool) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/supervision/rules/1/activation", admin, map[string]any{"court_id": court, "acknowledge_mass": ack})
		}
		if r := activate(false); r.Status != http.StatusConflict || r.Problem(t).Code != "mass_items" || !strings.Contains(string(r.Body), "全部在办案件") {
			t.Fatalf("activation unconfirmed: %d %s", r.Status, r.Body)
		}
		if r := activate(true); r.Status != http.StatusOK {
			t.Fatalf("activate: %d %s", r.Status, r.Body)
		}
		if r := activate(true); r.Status != http.StatusConflict {
			t.Errorf("activating twice: %d", r.Status)
		}
		// The job re-reads the court's cases: an item on each.
		if _, err := env.App.Runner(jobs.Options{}).RunOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
		env.Do(t, http.MethodGet, "/api/v1/supervision/rules?court_id="+court, judge, nil).JSON(t, &current)
		if current.Active.Version != 1 || current.Active.Rewatch == nil || current.Active.Rewatch.Total != 2 || current.Active.Rewatch.Done != 2 ||
			current.Active.Rewatch.Finished == nil {
			t.Fatalf("after activation: %+v", current.Active)
		}
		items := supItems(t, env, judge, url.Values{"court_id": {court}, "status": {"open"}})
		n := 0
		for _, it := range items {
			if it.RuleID == "all_open" && it.RuleVersion == 1 && it.Severity == "low" {
				n++
			}
		}
		if n != 2 {
			t.Fatalf("items of the new rule: %d of %+v", n, items)
		}
	})
}

// TestSupervisionCaseMoney (NODE-6, FUND-4): money allocated to the
// applicant and not paid by its deadline raises an item on the creditor's
// account (案款管理督办); the payout approved takes the money out of the
// account and clears the item in the same transaction.
func TestSupervisionCaseMoney(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, staff, 7401, 5_000_00)
		fundsReadyToPay(t, staff, c)
		accountItems := func() []*supervise.Item {
			t.Helper()
			pg, err := supervise.List(staff.Judge, db, supervise.Filter{CaseID: c.ID, Module: "funds"}, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Items
		}
		if len(accountItems()) != 0 {
			t.Fatal("an item before the deadline")
		}
		scanOn(t, db, legal.Today(time.Now()).AddDays(60))
		items := accountItems()
		if len(items) != 1 || items[0].Subject.Kind != supervise.SubjectAccount || items[0].RuleID != "funds_overdue" || items[0].Status != "open" ||
			items[0].Severity != "high" {
			t.Fatalf("money past its deadline: %+v", items)
		}
		dues, err := funds.CaseDues(staff.Judge, db, c.ID)
		if err != nil || len(dues) != 1 {
			t.Fatalf("dues: %v %v", dues, err)
		}
		var held int64
		for _, d := range dues {
			held = d.Account.Balance
		}
		o := fundsAsk(t, staff.Judge, db, c, held)
		if _, err := store.TransactValue(staff.Leader, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
			return funds.DecidePayout(ctx, tx, o.ID, funds.Decision{Approve: true})
		}); err != nil {
			t.Fatal(err)
		}
		if items := accountItems(); len(items) != 1 || items[0].Status != "closed" || items[0].CloseReason != "cleared" {
			t.Fatalf("after the payout: %+v", items)
		}
	})
}
