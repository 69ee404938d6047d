package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

func findParam(t *testing.T, items []api.RuleParamOut, rule, param string) api.RuleParamOut {
	t.Helper()
	for _, p := range items {
		if p.RuleID == rule && p.Param == param {
			return p
		}
	}
	t.Fatalf("no %s/%s in %d items", rule, param, len(items))
	return api.RuleParamOut{}
}

// listParams reads the rule parameters; every answer is decoded afresh (a
// reused value would keep fields an answer omits).
func listParams(t *testing.T, env *apptest.Env, path, token string) api.RuleParamsOut {
	t.Helper()
	res := env.Do(t, http.MethodGet, path, token, nil)
	if res.Status != http.StatusOK {
		t.Fatalf("list %s: %d %s", path, res.Status, res.Body)
	}
	var out api.RuleParamsOut
	res.JSON(t, &out)
	return out
}

// TestRuleParamsAPI: the rule parameters (C rules, DOMAIN.md §0) are read by
// anyone signed in, set from a date on by those who keep them, and a row
// not yet in effect can be deleted; everything else is refused.
func TestRuleParamsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, sysadmin := env.Token(t, "rp.sys", access.RoleSysAdmin, "最高法")
		_, admin := env.Token(t, "rp.admin", access.RoleCourtAdmin, "粤0607")
		_, outsider := env.Token(t, "rp.outsider", access.RoleCourtAdmin, "皖01")
		_, clerk := env.Token(t, "rp.clerk", access.RoleClerk, "粤0607")
		today := legal.Today(time.Now())
		court := "/api/v1/rule-params?court=" + url.QueryEscape("粤0607")

		list := listParams(t, env, "/api/v1/rule-params", clerk)
		term := findParam(t, list.Items, "CLOCK-2", "term_months")
		if list.On != today.String() || term.Value != "6" || term.Source != "platform" || term.EffectiveFrom != "2000-01-01" ||
			!strings.Contains(term.Citation, "法发〔2006〕35号") || len(term.History) != 1 || term.Min == nil || *term.Max != 36 {
			t.Fatalf("CLOCK-2 %+v", term)
		}

		// The court admin sets 三水's CLOCK-2 from next month: pending.
		next := today.AddMonths(1).String()
		body := map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4,
			"effective_from": next, "note": "试点"}
		var p api.RuleParamOut
		res := env.Do(t, http.MethodPost, "/api/v1/rule-params", admin, body)
		if res.Status != http.StatusOK {
			t.Fatalf("set: %d %s", res.Status, res.Body)
		}
		res.JSON(t, &p)
		if p.Value != "6" || p.Source != "platform" || len(p.History) != 2 || p.History[0].Status != "pending" ||
			p.History[0].Value != "4" || p.History[0].CourtCode != "粤0607" || p.History[0].StatusLabel != "待生效" || !p.History[1].Applies {
			t.Fatalf("after setting a pending value: %+v", p)
		}
		pending := p.History[0].ID

		// A value in force today, as a string.
		res = env.Do(t, http.MethodPost, "/api/v1/rule-params", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-4",
			"param": "decision_days", "value": "5", "effective_from": today.String()})
		p = api.RuleParamOut{}
		res.JSON(t, &p)
		if res.Status != http.StatusOK || p.Value != "5" || p.Source != "court" || p.ValueText != "5 天" {
			t.Fatalf("CLOCK-4 today: %d %+v", res.Status, p)
		}
		inForce := p.History[0].ID
		list = listParams(t, env, court, clerk)
		if d := findParam(t, list.Items, "CLOCK-4", "decision_days"); d.Value != "5" || d.SourceLabel != "本院规定" {
			t.Errorf("三水 CLOCK-4 listed %+v", d)
		}

		// Refusals: bad input (422, the field named), a court out of sight
		// (404), missing permissions (403); nothing written.
		for _, tc := range []struct {
			name, token string
			body        map[string]any
			status      int
			code, field string
		}{
			{"negative", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": -1, "effective_from": next},
				422, "invalid_value", "body.value"},
			{"fraction", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4.5, "effective_from": next},
				422, "invalid_value", "body.value"},
			{"unknown param", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "weeks", "value": 4, "effective_from": next},
				422, "unknown_param", "body.param"},
			{"bad date", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4, "effective_from": "2026-02-30"},
				422, "invalid_date", "body.effective_from"},
			{"past date", admin, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4,
				"effective_from": today.AddDays(-1).String()}, 422, "effective_date_past", "body.effective_from"},
			{"unknown court", admin, map[string]any{"court_code": "粤9999", "rule_id": "CLOCK-2", "param": "term_months", "value": 4, "effective_from": next},
				422, "unknown_court", "body.court_code"},
			{"another court's admin", outsider, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4,
				"effective_from": next}, 404, "not_found", ""},
			{"a clerk", clerk, map[string]any{"court_code": "粤0607", "rule_id": "CLOCK-2", "param": "term_months", "value": 4, "effective_from": next},
				403, "forbidden", ""},
			{"a court admin for the platform", admin, map[string]any{"rule_id": "CLOCK-2", "param": "term_months", "value": 4, "effective_from": next},
				403, "forbidden", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := env.Do(t, http.MethodPost, "/api/v1/rule-params", tc.token, tc.body)
				pr := res.Problem(t)
				if res.Status != tc.status || pr.Code != tc.code || tc.field != "" && (len(pr.Errors) == 0 || pr.Errors[0].Field != tc.field) {
					t.Errorf("%d %+v", res.Status, pr)
				}
			})
		}
		list = listParams(t, env, court, clerk)
		if h := findParam(t, list.Items, "CLOCK-2", "term_months").History; len(h) != 2 {
			t.Errorf("CLOCK-2 rows after refusals: %+v", h)
		}
		if res := env.Do(t, http.MethodGet, court, outsider, nil); res.Status != http.StatusNotFound {
			t.Errorf("another court's admin lists 三水: %d", res.Status)
		}

		// The platform's values: the system administrator.
		res = env.Do(t, http.MethodPost, "/api/v1/rule-params", sysadmin, map[string]any{"rule_id": "PER-5", "param": "makeup_counts",
			"value": false, "effective_from": next, "citation": "测试依据"})
		p = api.RuleParamOut{}
		res.JSON(t, &p)
		if res.Status != http.StatusOK || len(p.History) != 2 || p.History[0].Value != "false" || p.History[0].CourtCode != "" {
			t.Fatalf("platform PER-5: %d %+v", res.Status, p)
		}

		// Delete: a row in force is refused, a pending one goes.
		if pr := env.Do(t, http.MethodDelete, "/api/v1/rule-params/"+inForce, admin, nil).Problem(t); pr.Status != 409 || pr.Code != "param_in_force" {
			t.Errorf("deleting a row in force: %+v", pr)
		}
		if res := env.Do(t, http.MethodDelete, "/api/v1/rule-params/"+pending, clerk, nil); res.Status != http.StatusForbidden {
			t.Errorf("a clerk deletes: %d", res.Status)
		}
		res = env.Do(t, http.MethodDelete, "/api/v1/rule-params/"+pending, admin, nil)
		p = api.RuleParamOut{}
		res.JSON(t, &p)
		if res.Status != http.StatusOK || len(p.History) != 1 || p.RuleID != "CLOCK-2" {
			t.Errorf("delete a pending row: %d %+v", res.Status, p)
		}
		if res := env.Do(t, http.MethodDelete, "/api/v1/rule-params/"+pending, admin, nil); res.Status != http.StatusNotFound {
			t.Errorf("deleting twice: %d", res.Status)
		}
		doc := string(env.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil).Body)
		for _, op := range []string{"listRuleParams", "setRuleParam", "deleteRuleParam"} {
			if !strings.Contains(doc, op) {
				t.Errorf("openapi lacks %s", op)
			}
		}
	})
}

// TestRuleParamsPage: the page lists every parameter with its value in
// force, source, citation and rows; a court admin adds a value for the
// court, sees errors next to the field, and deletes a pending row; others
// see no form and no navigation entry.
func TestRuleParamsPage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "rpp.admin", access.RoleCourtAdmin, "粤0607")
		env.User(t, "rpp.clerk", access.RoleClerk, "粤0607")
		today := legal.Today(time.Now())
		next := today.AddDays(10).String()

		b := newBrowser(t, env)
		b.login("rpp.admin", apptest.Password)
		b.get("/").must(t, 200, `href="/admin/rules"`, "规则参数")
		b.get("/admin/rules").must(t, 200, "佛山市三水区人民法院", "CLOCK-2", "执行期限（立案之日起）", "6 个月", "全平台默认",
			"法发〔2006〕35号", `id="set-form"`, `min="`+today.String()+`"`)

		// Errors next to the field, the form kept.
		p := b.post("/admin/rules", url.Values{"court": {"粤0607"}, "param": {"CLOCK-2/term_months"}, "value": {"-3"}, "effective_from": {next}})
		p.must(t, 422, `class="field-error">执行期限（立案之日起）：-3 超出范围，应为 1 至 36 个月`, `value="-3"`)
		b.post("/admin/rules", url.Values{"court": {"粤0607"}, "param": {"CLOCK-2/term_months"}, "value": {"4"},
			"effective_from": {today.AddDays(-1).String()}}).must(t, 422, "生效日期不能早于今天")
		b.post("/admin/rules", url.Values{"court": {"粤0607"}, "param": {"CLOCK-2/nothing"}, "value": {"4"}, "effective_from": {next}}).
			must(t, 422, "规则 CLOCK-2 没有参数")

		p = b.post("/admin/rules", url.Values{"court": {"粤0607"}, "param": {"CLOCK-2/term_months"}, "value": {"4"}, "effective_from": {next},
			"note": {"试点"}})
		if want := "/admin/rules?court=" + url.QueryEscape("粤0607") + "&done=saved"; p.status != http.StatusSeeOther || p.location != want {
			t.Fatalf("save: %d %q", p.status, p.location)
		}
		page := b.get("/admin/rules?court=" + url.QueryEscape("粤0607"))
		page.must(t, 200, "待生效", "自 "+next+" 起 <strong>4 个月</strong>", "有待生效的取值", "试点")
		i := strings.Index(page.body, `action="/admin/rules/`)
		if i < 0 {
			t.Fatal("no delete form for the pending row")
		}
		action := page.body[i+len(`action="`):]
		action = action[:strings.IndexByte(action, '"')]
		p = b.post(action, url.Values{"court": {"粤0607"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("delete: %d %s", p.status, p.body)
		}
		if page := b.get("/admin/rules?court=" + url.QueryEscape("粤0607")); strings.Contains(page.body, "待生效</span>") {
			t.Error("the pending row is still listed")
		}
		// The platform's values are read-only for a court admin.
		if page := b.get("/admin/rules?court="); strings.Contains(page.body, `id="set-form"`) || !strings.Contains(page.body, "全平台默认值") {
			t.Error("a court admin is offered the platform's form")
		}

		cb := newBrowser(t, env)
		cb.login("rpp.clerk", apptest.Password)
		if home := cb.get("/"); strings.Contains(home.body, `href="/admin/rules"`) {
			t.Error("a clerk has the navigation entry")
		}
		if page := cb.get("/admin/rules"); page.status != 200 || strings.Contains(page.body, `id="set-form"`) {
			t.Errorf("a clerk's view: %d, form offered %v", page.status, strings.Contains(page.body, `id="set-form"`))
		}
		cb.post("/admin/rules", url.Values{"court": {"粤0607"}, "param": {"CLOCK-2/term_months"}, "value": {"4"}, "effective_from": {next}}).
			must(t, 403, "权限")
	})
}
