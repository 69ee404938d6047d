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
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestTransferAndCarryAPI: the registry's cross-case rules through the
// server. A 禅城 case enforcing a mortgage asks the 三水 court, which seized
// the house first, for it (TERM-4): refused while the 60 days run, then
// agreed; a preservation seizure is carried into the enforcement case of
// the same applicant (TERM-5). Bad input, the wrong court and repeated
// answers get clear errors.
func TestTransferAndCarryAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "tr.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "tr.judge", access.RolePostJudge, "粤0607")
		_, ccReception := env.Token(t, "tr.cc.window", access.RoleWindowReception, "粤0604")
		_, ccJudge := env.Token(t, "tr.cc.judge", access.RolePostJudge, "粤0604")
		_, clerk := env.Token(t, "tr.clerk", access.RoleClerk, "粤0604")

		debtor := sample.Person(7301)
		const ref = "粤(2022)佛山市不动产权第0007301号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 180_000_000,
			Attributes: map[string]string{"address": "佛山市禅城区汾江中路73号"}}})
		first := fileAgainst(t, env, reception, 7301, debtor, 5_000_000)
		mb := applicationBody(t, env, 7302)
		mb.CourtCode, mb.Respondents = "粤0604", []api.PartyIn{partyIn(debtor)}
		mortgage := fileBody(t, env, ccReception, mb)
		ag.Settle(t)
		var house string
		for _, a := range caseAssets(t, env, judge, first.ID).Assets {
			if a.Ref == ref {
				house = a.ID
			}
		}
		seize := func(token string, c api.CaseOut) api.ControlOut {
			t.Helper()
			r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/controls", token, map[string]any{"asset_id": house, "reason": "查封房产",
				"ruling_no": c.CaseNo + "之一"})
			if r.Status != http.StatusCreated {
				t.Fatalf("seize: %d %s", r.Status, r.Body)
			}
			var ctl api.ControlOut
			r.JSON(t, &ctl)
			ag.Settle(t)
			return ctl
		}
		held, waiting := seize(judge, first), seize(ccJudge, mortgage)

		path := "/api/v1/cases/" + mortgage.ID + "/transfer-requests"
		body := map[string]any{"control_id": waiting.ID, "priority_claim": "抵押权", "letter_no": "（2026）粤0604执商移7号"}
		for _, tt := range []struct {
			name   string
			token  string
			body   map[string]any
			status int
			code   string
		}{
			{"malformed control id", ccJudge, map[string]any{"control_id": "x", "priority_claim": "抵押权", "letter_no": "1"}, http.StatusBadRequest, "invalid_id"},
			{"no letter", ccJudge, map[string]any{"control_id": waiting.ID, "priority_claim": "抵押权", "letter_no": " "}, http.StatusUnprocessableEntity, "letter_required"},
			{"before 60 days", ccJudge, body, http.StatusConflict, "too_early"},
			{"clerk", clerk, body, http.StatusForbidden, "forbidden"},
		} {
			r := env.Do(t, http.MethodPost, path, tt.token, tt.body)
			if r.Status != tt.status || r.Problem(t).Code != tt.code {
				t.Errorf("%s: %d %s, want %d %s", tt.name, r.Status, r.Body, tt.status, tt.code)
			}
		}
		if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE controls SET effective_at = ? WHERE id = ?`, time.Now().UTC().AddDate(0, 0, -70), uuid.MustParse(held.ID))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r := env.Do(t, http.MethodPost, path, ccJudge, body)
		if r.Status != http.StatusCreated {
			t.Fatalf("transfer request: %d %s", r.Status, r.Body)
		}
		var tr api.TransferOut
		r.JSON(t, &tr)
		if tr.Status != "pending" || tr.HoldingCaseNo != first.CaseNo || tr.AnswerDue == "" || tr.Overdue {
			t.Errorf("transfer = %+v", tr)
		}

		var incoming api.List[api.TransferOut]
		env.Do(t, http.MethodGet, "/api/v1/transfer-requests?direction=incoming", judge, nil).JSON(t, &incoming)
		if len(incoming.Items) != 1 || incoming.Items[0].ID != tr.ID {
			t.Errorf("三水's incoming list: %+v", incoming.Items)
		}
		var none api.List[api.TransferOut]
		env.Do(t, http.MethodGet, "/api/v1/transfer-requests?direction=incoming", ccJudge, nil).JSON(t, &none)
		if len(none.Items) != 0 {
			t.Errorf("禅城's incoming list has %d", len(none.Items))
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/transfer-requests/"+tr.ID, clerk, nil); r.Status != http.StatusOK {
			t.Errorf("the requesting court reading it: %d", r.Status)
		}
		answer := "/api/v1/transfer-requests/" + tr.ID + "/answer"
		if r := env.Do(t, http.MethodPost, answer, ccJudge, map[string]any{"agree": true, "letter_no": "x"}); r.Status != http.StatusForbidden {
			t.Errorf("the requesting court answering: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, answer, judge, map[string]any{"agree": false}); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "reason_required" {
			t.Errorf("refusal without reasons: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodPost, answer, judge, map[string]any{"agree": true, "letter_no": "（2026）粤0607执移3号", "reason": "尚未启动处分"})
		if r.Status != http.StatusOK {
			t.Fatalf("answer: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, answer, judge, map[string]any{"agree": true, "letter_no": "x"}); r.Status != http.StatusConflict {
			t.Errorf("second answer: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/transfer-requests/"+tr.ID+"/withdrawal", ccJudge, map[string]any{"reason": "x"}); r.Status != http.StatusConflict {
			t.Errorf("withdrawing an answered request: %d", r.Status)
		}
		v := caseAssets(t, env, ccJudge, mortgage.ID)
		if len(v.Transfers) != 1 || v.Transfers[0].Status != "agreed" || v.Transfers[0].AnswerLetterNo != "（2026）粤0607执移3号" {
			t.Errorf("mortgage case transfers: %+v", v.Transfers)
		}
		if tl := timeline(t, env, ccJudge, mortgage.ID); !strings.Contains(tl, "同意移送") {
			t.Errorf("the mortgage case's timeline lacks the answer")
		}

		// TERM-5 through the server: a preservation seizure, then the
		// enforcement case of the same applicant carries it at filing.
		applicant := sample.Person(7310)
		preserve := applicationBody(t, env, 7311)
		preserve.CaseType = "preservation_enforcement"
		preserve.Applicants, preserve.Respondents = []api.PartyIn{partyIn(applicant)}, []api.PartyIn{partyIn(debtor)}
		p := fileBody(t, env, reception, preserve)
		pc := seize(judge, p)
		enforce := preserve
		enforce.CaseType = "first_enforcement"
		enforce.Basis.DocumentNo = "（2026）粤0607民初7311号"
		e := fileBody(t, env, reception, enforce)
		ev := caseAssets(t, env, judge, e.ID)
		if len(ev.Controls) != 1 || ev.Controls[0].CarriedFrom == nil || *ev.Controls[0].CarriedFrom != pc.ID || ev.Controls[0].Rank != 3 {
			t.Errorf("enforcement case controls = %+v, want the preservation seizure carried at rank 3", ev.Controls)
		}
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+e.ID+"/preservations/carry", judge, nil)
		var carried api.CarriedOut
		r.JSON(t, &carried)
		if r.Status != http.StatusOK || len(carried.Controls) != 0 {
			t.Errorf("carry again: %d %s, want nothing more", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/cases/"+e.ID+"/preservations/carry", ccJudge, nil); r.Status != http.StatusNotFound {
			t.Errorf("another court carrying: %d", r.Status)
		}
	})
}

func partyIn(p intake.PartyInput) api.PartyIn {
	return api.PartyIn{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, CreditCode: p.CreditCode, LegalRep: p.LegalRep, Phone: p.Phone,
		Address: p.Address}
}

// fileBody registers and files an application through the API.
func fileBody(t *testing.T, env *apptest.Env, reception string, b api.ApplicationIn) api.CaseOut {
	t.Helper()
	r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, b)
	var app api.ApplicationOut
	r.JSON(t, &app)
	r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
	if r.Status != http.StatusOK && r.Status != http.StatusCreated {
		t.Fatalf("filing: %d %s", r.Status, r.Body)
	}
	var c api.CaseOut
	r.JSON(t, &c)
	return c
}
