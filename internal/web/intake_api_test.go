package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

func applicationBody(t *testing.T, env *apptest.Env, seed int) api.ApplicationIn {
	in := intaketest.Application(env.Court(t, "粤0607"), seed)
	party := func(p intake.PartyInput) api.PartyIn {
		return api.PartyIn{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, CreditCode: p.CreditCode, LegalRep: p.LegalRep, Phone: p.Phone, Address: p.Address}
	}
	b := api.ApplicationIn{CourtCode: "粤0607", Applicants: []api.PartyIn{party(in.Applicants[0])}, Respondents: []api.PartyIn{party(in.Respondents[0])},
		Basis: api.BasisIn{Kind: in.Basis.Kind, DocumentNo: in.Basis.DocumentNo, IssuedBy: in.Basis.IssuedBy,
			EffectiveDate: in.Basis.EffectiveDate.String(), PerformanceDueDate: in.Basis.DueDate.String()},
		ClaimAmountFen: in.ClaimAmountFen}
	for _, m := range in.Materials {
		b.Materials = append(b.Materials, api.MaterialIn{Code: m.Code, Received: true, Copies: 1})
	}
	return b
}

var apiCaseNo = regexp.MustCompile(`^（\d{4}）粤0607执\d+号$`)

func TestIntakeAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "ss.window", access.RoleWindowReception, "粤0607")
		_, clerk := env.Token(t, "ss.clerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "hf.window", access.RoleWindowReception, "皖01")
		_, judge := env.Token(t, "ss.judge", access.RolePostJudge, "粤0607")

		// Registering is idempotent under Idempotency-Key.
		b := applicationBody(t, env, 1)
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/applications", Token: reception, Body: b,
				Header: map[string]string{"Idempotency-Key": "app-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) {
			t.Fatalf("register: %d %s / %s", first.Status, first.Body, again.Body)
		}
		var app api.ApplicationOut
		first.JSON(t, &app)

		// A bad ID number names its field, in Chinese.
		bad := applicationBody(t, env, 2)
		bad.Applicants[0].IDNumber = "440604199003071230"
		r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, bad)
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || p.Code != "invalid_id_number" ||
			len(p.Errors) == 0 || p.Errors[0].Field != "body.applicants[0].id_number" {
			t.Errorf("bad id: %d %s", r.Status, r.Body)
		}
		bad = applicationBody(t, env, 3)
		bad.Basis.EffectiveDate = "2024-02-30"
		if r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, bad); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "invalid_date" {
			t.Errorf("bad date: %d %s", r.Status, r.Body)
		}
		// A clerk may register but not file; another city's staff cannot see it.
		if r := env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", clerk, map[string]any{}); r.Status != http.StatusForbidden {
			t.Errorf("clerk filing: %d", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/applications/"+app.ID, outsider, nil); r.Status != http.StatusNotFound {
			t.Errorf("outsider read: %d", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/applications/not-an-id", reception, nil); r.Status != http.StatusBadRequest {
			t.Errorf("malformed id: %d", r.Status)
		}

		// Filing numbers the case and triages it.
		r = env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/applications/" + app.ID + "/filing", Token: reception,
			Body: map[string]any{}, Header: map[string]string{"Idempotency-Key": "file-1"}})
		if r.Status != http.StatusCreated {
			t.Fatalf("filing: %d %s", r.Status, r.Body)
		}
		var c api.CaseOut
		r.JSON(t, &c)
		if !apiCaseNo.MatchString(c.CaseNo) || c.Lane == "" || c.Triage.RuleID == "" || c.Clock == nil || c.Clock.Deadline == "" {
			t.Errorf("case %+v", c)
		}
		// The retry answers the same case; nothing was numbered twice.
		again = env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/applications/" + app.ID + "/filing", Token: reception,
			Body: map[string]any{}, Header: map[string]string{"Idempotency-Key": "file-1"}})
		if again.Status != http.StatusCreated || !strings.Contains(string(again.Body), c.CaseNo) {
			t.Errorf("retry: %d %s", again.Status, again.Body)
		}
		// Search by 案号 in a legacy spelling, by party name, by ID number.
		for _, q := range []string{strings.NewReplacer("（", "(", "）", ")").Replace(c.CaseNo), c.Parties[0].Name, c.Parties[0].IDNumber} {
			var list api.List[api.CaseOut]
			env.Do(t, http.MethodGet, "/api/v1/cases?q="+url.QueryEscape(q), judge, nil).JSON(t, &list)
			if len(list.Items) != 1 || list.Items[0].ID != c.ID {
				t.Errorf("search %q: %+v", q, list.Items)
			}
		}
		// Close it, then try to move it again: 409 with the reason in Chinese.
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "cancelled", "reason": "申请人撤回申请，销案"})
		if r.Status != http.StatusOK {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "suspended", "reason": "x"})
		if p := r.Problem(t); r.Status != http.StatusConflict || p.Code != "invalid_transition" || !strings.Contains(p.Detail, "不能再变更状态") {
			t.Errorf("transition from closed: %d %s", r.Status, r.Body)
		}
		// The OpenAPI document lists the new operations.
		doc := env.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil)
		for _, path := range []string{"/api/v1/applications/{id}/filing", "/api/v1/cases/{id}/transitions", "/api/v1/triage/dry-run"} {
			if !strings.Contains(string(doc.Body), fmt.Sprintf("%q", path)) {
				t.Errorf("openapi lacks %s", path)
			}
		}
	})
}
