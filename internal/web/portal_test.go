package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// fileAgainst registers and files an application whose only respondent is
// respondent, through the API, and returns the case.
func fileAgainst(t *testing.T, env *apptest.Env, reception string, seed int, respondent intake.PartyInput, claimFen int64) api.CaseOut {
	t.Helper()
	b := applicationBody(t, env, seed)
	b.Respondents = []api.PartyIn{partyIn(respondent)}
	if claimFen > 0 {
		b.ClaimAmountFen = claimFen
	}
	return fileBody(t, env, reception, b)
}

func caseAssets(t *testing.T, env *apptest.Env, token, caseID string) api.CaseAssetsOut {
	t.Helper()
	var v api.CaseAssetsOut
	r := env.Do(t, http.MethodGet, "/api/v1/cases/"+caseID+"/assets", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("case assets: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &v)
	return v
}

func timeline(t *testing.T, env *apptest.Env, token, caseID string) string {
	t.Helper()
	r := env.Do(t, http.MethodGet, "/api/v1/cases/"+caseID, token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("case: %d %s", r.Status, r.Body)
	}
	return string(r.Body)
}

// TestS8EquityFrozenThroughThePortal (SCENARIOS S8): the inquiry at filing
// finds a company's equity through the national market-regulator channel;
// the judge asks for a freeze, which the city's market regulator handles on
// the agency portal; its operator sees only requests addressed to it, opens
// the ruling and the notice, records the freeze, and the case shows it at
// once. Wrong answers, another agency's operator, court staff on the portal
// and a second answer are all refused without a trace.
func TestS8EquityFrozenThroughThePortal(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "dy.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "dy.judge", access.RolePostJudge, "粤0607")
		_, amr := env.AgencyOperator(t, "fs.amr", "fs-amr", "粤0607")
		_, police := env.AgencyOperator(t, "fs.police", "fs-police", "粤0607")

		company := sample.Organization(8801)
		ag.Sim.SetHoldings(agency.Equity, "samr", company.CreditCode, []agency.Holding{{Ref: "GQ-440607-8801", Kind: agency.Equity,
			Institution: "佛山市三水区宏达建材有限公司", Description: "持股 35%", ValueFen: 150_000_000}})
		c := fileAgainst(t, env, reception, 8801, company, 30_000_000)
		ag.Settle(t)

		v := caseAssets(t, env, judge, c.ID)
		var equity *api.AssetOut
		for i := range v.Assets {
			if v.Assets[i].Kind == string(agency.Equity) {
				equity = &v.Assets[i]
			}
		}
		if equity == nil {
			t.Fatalf("no equity found at filing: %+v", v.Assets)
		}
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/controls", judge, map[string]any{"asset_id": equity.ID,
			"reason": "冻结被执行人股权", "ruling_no": "（2026）粤0607执8801号之一", "notice_no": "（2026）粤0607执8801号协助执行通知书"})
		if r.Status != http.StatusCreated {
			t.Fatalf("freeze: %d %s", r.Status, r.Body)
		}
		var ctl api.ControlOut
		r.JSON(t, &ctl)
		ag.Settle(t) // nothing to send: a portal agency reads it on the portal

		// Court staff cannot use the portal; another agency sees nothing.
		if r := env.Do(t, http.MethodGet, "/api/v1/portal/requests", judge, nil); r.Status != http.StatusForbidden {
			t.Errorf("judge on the portal: %d, want 403", r.Status)
		}
		var other api.List[api.PortalRequestOut]
		env.Do(t, http.MethodGet, "/api/v1/portal/requests", police, nil).JSON(t, &other)
		if len(other.Items) != 0 {
			t.Errorf("the police's operator sees %d requests of the market regulator", len(other.Items))
		}

		var inbox api.List[api.PortalRequestOut]
		r = env.Do(t, http.MethodGet, "/api/v1/portal/requests", amr, nil)
		r.JSON(t, &inbox)
		if r.Status != http.StatusOK || len(inbox.Items) != 1 {
			t.Fatalf("market regulator's inbox: %d %s", r.Status, r.Body)
		}
		path := "/api/v1/portal/requests/" + inbox.Items[0].ID
		var req api.PortalRequestOut
		env.Do(t, http.MethodGet, path, amr, nil).JSON(t, &req)
		if req.Op != "freeze" || req.CaseNo != c.CaseNo || req.PartyIDNumber != company.CreditCode || req.AssetRef != "GQ-440607-8801" ||
			len(req.Documents) != 2 || req.SuggestedRank != 1 || req.TermTo == "" {
			t.Errorf("request as the operator sees it: %+v", req)
		}
		if r := env.Do(t, http.MethodGet, path, police, nil); r.Status != http.StatusNotFound {
			t.Errorf("another agency's operator opening the request: %d, want 404", r.Status)
		}
		if r := env.Do(t, http.MethodPost, path+"/answer", police, map[string]any{"status": "done", "agency_ref": "x", "rank": 1}); r.Status != http.StatusNotFound {
			t.Errorf("another agency's operator answering: %d, want 404", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/portal/requests/not-an-id", amr, nil); r.Status != http.StatusBadRequest {
			t.Errorf("malformed id: %d, want 400", r.Status)
		}

		// Incomplete answers are refused with every problem, and nothing
		// changes.
		r = env.Do(t, http.MethodPost, path+"/answer", amr, map[string]any{"status": "done"})
		if r.Status != http.StatusUnprocessableEntity {
			t.Fatalf("answer without reference and rank: %d %s", r.Status, r.Body)
		}
		if p := r.Problem(t); len(p.Errors) < 2 {
			t.Errorf("problems: %+v", p)
		}
		if r := env.Do(t, http.MethodPost, path+"/answer", amr, map[string]any{"status": "failed"}); r.Status != http.StatusUnprocessableEntity ||
			r.Problem(t).Code != "message_required" {
			t.Errorf("failure without a reason: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/answer", amr, map[string]any{"status": "done", "agency_ref": "x", "rank": 1, "term_to": "2099-13-01"}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("malformed term: %d %s", r.Status, r.Body)
		}
		if got := caseAssets(t, env, judge, c.ID); got.Controls[0].Status != "requested" {
			t.Fatalf("a refused answer changed the control: %+v", got.Controls[0])
		}

		answer := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: path + "/answer", Token: amr,
				Body:   map[string]any{"status": "done", "agency_ref": "佛市监协字〔2026〕8801号", "rank": 1, "message": "已在企业信用信息公示系统公示"},
				Header: map[string]string{"Idempotency-Key": "amr-8801"}})
		}
		first, again := answer(), answer()
		if first.Status != http.StatusOK || string(first.Body) != string(again.Body) {
			t.Fatalf("answer: %d %s / %s", first.Status, first.Body, again.Body)
		}
		if r := env.Do(t, http.MethodPost, path+"/answer", amr, map[string]any{"status": "done", "agency_ref": "y", "rank": 1}); r.Status != http.StatusConflict ||
			r.Problem(t).Code != "already_answered" {
			t.Errorf("second answer: %d %s", r.Status, r.Body)
		}

		// The case shows it at once.
		got := caseAssets(t, env, judge, c.ID)
		if len(got.Controls) != 1 || got.Controls[0].Status != "active" || got.Controls[0].Rank != 1 ||
			got.Controls[0].AgencyRef != "佛市监协字〔2026〕8801号" {
			t.Errorf("control after the portal answer: %+v", got.Controls)
		}
		if tl := timeline(t, env, judge, c.ID); !strings.Contains(tl, "已生效（首封）") {
			t.Errorf("timeline has no effective freeze: %s", tl)
		}
		var answered api.List[api.PortalRequestOut]
		env.Do(t, http.MethodGet, "/api/v1/portal/requests?answered=true", amr, nil).JSON(t, &answered)
		if len(answered.Items) != 1 || answered.Items[0].AnsweredBy == "" || answered.Items[0].Result == nil {
			t.Errorf("answered list: %+v", answered.Items)
		}
	})
}

// TestPersonSearchWithThePolice: a person search is asked for by name (an
// inquiry of every kind leaves it out), goes to the police's portal, and
// the answer lands in the case's timeline.
func TestPersonSearchWithThePolice(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "ps.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "ps.judge", access.RolePostJudge, "粤0607")
		_, police := env.AgencyOperator(t, "ps.police", "fs-police", "粤0607")

		c := fileAgainst(t, env, reception, 8802, sample.Person(8802), 0)
		ag.Settle(t)
		var inbox api.List[api.PortalRequestOut]
		env.Do(t, http.MethodGet, "/api/v1/portal/requests", police, nil).JSON(t, &inbox)
		if len(inbox.Items) != 0 {
			t.Fatalf("the inquiry at filing asked the police for a person search: %+v", inbox.Items)
		}
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/inquiries", judge, map[string]any{"purpose": "被执行人下落不明，申请公安协查",
			"kinds": []string{"person_trace"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("person search: %d %s", r.Status, r.Body)
		}
		ag.Settle(t)
		env.Do(t, http.MethodGet, "/api/v1/portal/requests", police, nil).JSON(t, &inbox)
		if len(inbox.Items) != 1 || inbox.Items[0].Op != "locate" {
			t.Fatalf("police inbox: %+v", inbox.Items)
		}
		path := "/api/v1/portal/requests/" + inbox.Items[0].ID + "/answer"
		if r := env.Do(t, http.MethodPost, path, police, map[string]any{"status": "done", "location": map[string]any{"found": true}}); r.Status != http.StatusUnprocessableEntity ||
			r.Problem(t).Code != "address_required" {
			t.Errorf("found without an address: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPost, path, police, map[string]any{"status": "done",
			"location": map[string]any{"found": true, "address": "佛山市三水区西南街道健力宝南路 8 号", "note": "暂住登记"}})
		if r.Status != http.StatusOK {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		if tl := timeline(t, env, judge, c.ID); !strings.Contains(tl, "已查到下落，佛山市三水区西南街道健力宝南路 8 号") {
			t.Errorf("timeline: %s", tl)
		}
		v := caseAssets(t, env, judge, c.ID)
		if v.Inquiries[0].Status != "done" {
			t.Errorf("person search inquiry not done: %+v", v.Inquiries[0])
		}
	})
}

// TestAgencyOperatorAccounts: an agency operator's account names its agency;
// court staff accounts cannot; unknown agencies are refused; the agency shows
// on the user.
func TestAgencyOperatorAccounts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "ao.admin", access.RoleCourtAdmin, "粤0607")
		court := env.Court(t, "粤0607").String()
		user := func(name, role, agency string) *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/users", admin, map[string]any{"court_id": court, "username": name,
				"display_name": "测试" + name, "role": role, "password": "secret123", "agency_code": agency})
		}
		for _, c := range []struct{ name, role, agency, code string }{
			{"ao.none", access.RoleAgencyOperator, "", "agency_required"},
			{"ao.judge", access.RolePostJudge, "fs-amr", "agency_not_allowed"},
			{"ao.ghost", access.RoleAgencyOperator, "nowhere", "unknown_agency"},
		} {
			if r := user(c.name, c.role, c.agency); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != c.code {
				t.Errorf("%s: %d %s, want %s", c.name, r.Status, r.Body, c.code)
			}
		}
		r := user("ao.amr", access.RoleAgencyOperator, "fs-amr")
		var u api.UserOut
		r.JSON(t, &u)
		if r.Status != http.StatusCreated || u.AgencyCode != "fs-amr" || u.AgencyName == "" {
			t.Fatalf("operator: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPatch, "/api/v1/users/"+u.ID, admin, map[string]any{"agency_code": "fs-police"})
		r.JSON(t, &u)
		if r.Status != http.StatusOK || u.AgencyCode != "fs-police" {
			t.Errorf("move to the police: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPatch, "/api/v1/users/"+u.ID, admin, map[string]any{"agency_code": ""}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("operator without an agency: %d %s", r.Status, r.Body)
		}
		var agencies api.List[api.AgencyOut]
		env.Do(t, http.MethodGet, "/api/v1/agencies", admin, nil).JSON(t, &agencies)
		if len(agencies.Items) < 19 {
			t.Errorf("agency directory has %d entries", len(agencies.Items))
		}
	})
}

// The portal API takes 查无 in the protocol's spelling.
func TestPortalAnswersNotFound(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "nf.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "nf.judge", access.RolePostJudge, "粤0607")
		_, police := env.AgencyOperator(t, "nf.police", "fs-police", "粤0607")
		c := fileAgainst(t, env, reception, 8811, sample.Person(8811), 0)
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/inquiries", judge, map[string]any{"purpose": "查找被执行人下落",
			"kinds": []string{"person_trace"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("person search: %d %s", r.Status, r.Body)
		}
		ag.Settle(t) // the dispatcher expands the inquiry into the police's request
		var inbox api.List[api.PortalRequestOut]
		env.Do(t, http.MethodGet, "/api/v1/portal/requests", police, nil).JSON(t, &inbox)
		if len(inbox.Items) != 1 {
			t.Fatalf("police inbox: %+v", inbox.Items)
		}
		r = env.Do(t, http.MethodPost, "/api/v1/portal/requests/"+inbox.Items[0].ID+"/answer", police, map[string]any{"status": "notfound",
			"message": "经查询未发现下落"})
		if r.Status != http.StatusOK {
			t.Errorf("查无: %d %s", r.Status, r.Body)
		}
	})
}
