package web_test

import (
	"net/http"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestAssetsAPI: a filed case has its filing inquiry; one-click inquiries
// need a purpose; controls, dead letters and resends check their input and
// who asks. (The exchange with agencies is tested in internal/assets.)
func TestAssetsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "as.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "as.judge", access.RolePostJudge, "粤0607")
		_, clerk := env.Token(t, "as.clerk", access.RoleClerk, "粤0607")
		_, command := env.Token(t, "as.command", access.RoleCommandCenter, "粤0607")
		_, outsider := env.Token(t, "as.outsider", access.RolePostJudge, "皖01")

		r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, applicationBody(t, env, 71))
		var app api.ApplicationOut
		r.JSON(t, &app)
		r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
		if r.Status != http.StatusOK && r.Status != http.StatusCreated {
			t.Fatalf("filing: %d %s", r.Status, r.Body)
		}
		var c api.CaseOut
		r.JSON(t, &c)

		var v api.CaseAssetsOut
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/assets", judge, nil)
		r.JSON(t, &v)
		if r.Status != http.StatusOK || len(v.Inquiries) != 1 || v.Inquiries[0].Source != "filing" || v.Inquiries[0].Status != "pending" {
			t.Fatalf("case assets after filing: %d %+v", r.Status, v.Inquiries)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/assets", outsider, nil); r.Status != http.StatusNotFound {
			t.Errorf("another court's judge: %d, want 404", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/not-an-id/assets", judge, nil); r.Status != http.StatusBadRequest || r.Problem(t).Code != "invalid_id" {
			t.Errorf("malformed id: %d %s", r.Status, r.Body)
		}

		path := "/api/v1/cases/" + c.ID + "/inquiries"
		if r := env.Do(t, http.MethodPost, path, judge, map[string]any{"purpose": ""}); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "purpose_required" {
			t.Errorf("no purpose: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path, judge, map[string]any{"purpose": "x", "kinds": []string{"gold"}}); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "unknown_kind" {
			t.Errorf("unknown kind: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path, clerk, map[string]any{"purpose": "x"}); r.Status != http.StatusForbidden {
			t.Errorf("clerk inquiry: %d, want 403", r.Status)
		}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: path, Token: judge, Body: map[string]any{"purpose": "申请执行人提供新线索后复查",
				"kinds": []string{"bank_deposit", "vehicle"}}, Header: map[string]string{"Idempotency-Key": "inq-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) {
			t.Fatalf("inquiry: %d %s / %s", first.Status, first.Body, again.Body)
		}
		var q api.InquiryOut
		first.JSON(t, &q)
		if q.Source != "manual" || len(q.Kinds) != 2 || q.RequestedByName == "" {
			t.Errorf("inquiry %+v", q)
		}
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/assets", judge, nil)
		v = api.CaseAssetsOut{}
		r.JSON(t, &v)
		if len(v.Inquiries) != 2 {
			t.Errorf("inquiries after a retried click = %d, want 2 (the retry is not a new inquiry)", len(v.Inquiries))
		}

		controls := "/api/v1/cases/" + c.ID + "/controls"
		if r := env.Do(t, http.MethodPost, controls, judge, map[string]any{"asset_id": "x", "reason": "r", "ruling_no": "n"}); r.Status != http.StatusBadRequest {
			t.Errorf("malformed asset id: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, controls, judge, map[string]any{"asset_id": "00000000-0000-4000-8000-000000000001", "reason": "r",
			"ruling_no": "n", "amount_fen": 100}); r.Status != http.StatusNotFound {
			t.Errorf("unknown asset: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/controls/00000000-0000-4000-8000-000000000001/release", judge, map[string]any{"reason": "r"}); r.Status != http.StatusNotFound {
			t.Errorf("release of an unknown control: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/agency-requests/dead", clerk, nil); r.Status != http.StatusForbidden {
			t.Errorf("clerk reads dead letters: %d", r.Status)
		}
		var dead api.List[api.AgencyRequestOut]
		r = env.Do(t, http.MethodGet, "/api/v1/agency-requests/dead", command, nil)
		r.JSON(t, &dead)
		if r.Status != http.StatusOK || len(dead.Items) != 0 {
			t.Errorf("dead letters: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/agency-requests/00000000-0000-4000-8000-000000000001/resend", command, nil); r.Status != http.StatusNotFound {
			t.Errorf("resend unknown: %d %s", r.Status, r.Body)
		}
	})
}
