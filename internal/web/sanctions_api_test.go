package web_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

func sanctionsOf(t *testing.T, env *apptest.Env, token, caseID string) api.CaseSanctionsOut {
	t.Helper()
	var v api.CaseSanctionsOut
	r := env.Do(t, http.MethodGet, "/api/v1/cases/"+caseID+"/sanctions", token, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("sanctions: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &v)
	return v
}

func respondentOf(t *testing.T, env *apptest.Env, token, caseID string) string {
	t.Helper()
	var c api.CaseOut
	env.Do(t, http.MethodGet, "/api/v1/cases/"+caseID, token, nil).JSON(t, &c)
	for _, p := range c.Parties {
		if p.Role == "respondent" {
			return p.PartyID
		}
	}
	t.Fatalf("case %s has no respondent", caseID)
	return ""
}

func mustPost(t *testing.T, env *apptest.Env, token, path string, body map[string]any, status int) *apptest.Response {
	t.Helper()
	r := env.Do(t, http.MethodPost, path, token, body)
	if r.Status != status {
		t.Fatalf("POST %s: %d %s, want %d", path, r.Status, r.Body, status)
	}
	return r
}

// TestSanctionsAPI (DOMAIN.md §7, ZB-1, ZB-2): the report order, the
// restriction and the 失信 listing issued through this module satisfy the
// 终本 gate's items (which stay unmet without them); a minor and a debtor
// whose frozen deposit covers the debt are refused (SX-2); an organization's
// restriction binds its legal representative (XG-3); closing the case as
// 执行完毕 puts the listing and the restriction in the queue due in 3
// working days (SX-5); bad input, wrong states, outsiders, users without
// the permission and repeated submissions.
func TestSanctionsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "sx.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		_, clerk := env.Token(t, "sx.clerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "sx.outsider", access.RolePostJudge, "皖01")
		today := legal.Today(time.Now())
		ts := today.String()

		// The gate before and after.
		debtor := sample.Person(8801)
		holdsNothing(ag, debtor.IDNumber)
		c := fileAgainst(t, env, reception, 8801, debtor, 3_000_000)
		ag.Settle(t)
		party := respondentOf(t, env, judge, c.ID)
		sanctionCodes := []string{"zb1_report_order", "zb2_report_checked", "zb1_consumption_ban", "zb1_dishonest"}
		gate := func() []string {
			var z api.ZhongbenCheckOut
			env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/zhongben-check", judge, nil).JSON(t, &z)
			return unmetCodes(z)
		}
		for _, code := range sanctionCodes {
			if !slices.Contains(gate(), code) {
				t.Fatalf("before any sanction the gate lacks %s: %v", code, gate())
			}
		}

		// Repeated submission with one Idempotency-Key: one order.
		orderBody := map[string]any{"party_id": party, "issued_on": ts, "due_on": today.AddDays(10).String(), "document_no": "（2026）粤0607执88号"}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/cases/" + c.ID + "/report-orders", Token: judge, Body: orderBody,
				Header: map[string]string{"Idempotency-Key": "sx-order-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || again.Status != http.StatusCreated || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("idempotent order: %d %d %q %s", first.Status, again.Status, again.Header.Get("Idempotent-Replayed"), again.Body)
		}
		var order api.ReportOrderOut
		first.JSON(t, &order)
		// Without the key, a second order while the first is open: 409.
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/report-orders", orderBody, http.StatusConflict)
		if v := sanctionsOf(t, env, judge, c.ID); len(v.ReportOrders) != 1 {
			t.Fatalf("report orders after repeated submissions: %d", len(v.ReportOrders))
		}
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/report", map[string]any{"reported_on": ts, "summary": "无财产"}, http.StatusOK)
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/verification", map[string]any{"verified_on": ts, "verdict": "consistent"},
			http.StatusOK)
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/verification", map[string]any{"verified_on": ts, "verdict": "consistent"},
			http.StatusConflict)
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/penalty", map[string]any{"penalty_on": ts, "fine_fen": -5},
			http.StatusUnprocessableEntity)
		rs := mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/restrictions", map[string]any{"party_id": party, "decided_on": ts}, http.StatusCreated)
		var restriction api.RestrictionOut
		rs.JSON(t, &restriction)
		ls := mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/dishonest-listings", map[string]any{"party_id": party, "decided_on": ts,
			"grounds": []int{1}}, http.StatusCreated)
		var listing api.ListingOut
		ls.JSON(t, &listing)
		if listing.IDNumber == debtor.IDNumber || !strings.Contains(listing.IDNumber, "*") || listing.FixedTerm {
			t.Fatalf("listing out: %+v (the ID must be masked; ground (1) has no fixed term)", listing)
		}
		for _, code := range sanctionCodes {
			if slices.Contains(gate(), code) {
				t.Errorf("after the sanctions the gate still lacks %s", code)
			}
		}

		// Bad input.
		for _, bad := range []struct {
			name, token, path string
			body              map[string]any
			status            int
		}{
			{"malformed party id", judge, "/cases/" + c.ID + "/restrictions", map[string]any{"party_id": "x", "decided_on": ts}, http.StatusBadRequest},
			{"malformed case id", judge, "/cases/not-an-id/restrictions", map[string]any{"party_id": party, "decided_on": ts}, http.StatusBadRequest},
			{"malformed date", judge, "/cases/" + c.ID + "/dishonest-listings", map[string]any{"party_id": party, "decided_on": "2026-02-30",
				"grounds": []int{4}}, http.StatusUnprocessableEntity},
			{"ground 7", judge, "/cases/" + c.ID + "/dishonest-listings", map[string]any{"party_id": party, "decided_on": ts, "grounds": []int{7}},
				http.StatusUnprocessableEntity},
			{"negative guarantee", judge, "/cases/" + c.ID + "/guarantees", map[string]any{"party_id": party, "guarantor": "甲", "amount_fen": -1,
				"accepted_on": ts}, http.StatusUnprocessableEntity},
			{"a clerk", clerk, "/cases/" + c.ID + "/restrictions", map[string]any{"party_id": party, "decided_on": ts}, http.StatusForbidden},
			{"another court", outsider, "/cases/" + c.ID + "/restrictions", map[string]any{"party_id": party, "decided_on": ts}, http.StatusNotFound},
			{"another court's listing", outsider, "/dishonest-listings/" + listing.ID + "/deletion", map[string]any{}, http.StatusNotFound},
			{"delete before any trigger", judge, "/dishonest-listings/" + listing.ID + "/deletion", map[string]any{}, http.StatusUnprocessableEntity},
		} {
			if r := env.Do(t, http.MethodPost, "/api/v1"+bad.path, bad.token, bad.body); r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/sanctions", outsider, nil); r.Status != http.StatusNotFound {
			t.Errorf("outsider reads the sanctions: %d", r.Status)
		}
		var found api.List[api.ListingOut]
		env.Do(t, http.MethodGet, "/api/v1/dishonest-listings?q="+debtor.IDNumber, outsider, nil).JSON(t, &found)
		if len(found.Items) != 0 {
			t.Errorf("outsider finds the listing: %+v", found.Items)
		}
		env.Do(t, http.MethodGet, "/api/v1/dishonest-listings?q="+debtor.IDNumber, judge, nil).JSON(t, &found)
		if len(found.Items) != 1 || found.Items[0].ID != listing.ID {
			t.Errorf("judge's search by ID number: %+v", found.Items)
		}

		// Closed as 执行完毕: the queue shows both, due in 3 working days.
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/transitions", map[string]any{"to": "performed", "reason": "被执行人已直接向申请执行人履行",
			"performed_outside": true}, http.StatusOK)
		due := legal.DeletionDue(legal.DefaultCalendar(), today, legal.DefaultPeriodRules()).String()
		var queue api.List[api.QueueItemOut]
		env.Do(t, http.MethodGet, "/api/v1/sanctions/queue", judge, nil).JSON(t, &queue)
		var kinds []string
		for _, it := range queue.Items {
			if it.CaseID == c.ID {
				kinds = append(kinds, it.Kind)
				if it.Due.Trigger != "performed" || it.Due.TriggerOn != ts || it.Due.DueOn != due {
					t.Errorf("queue item %+v, want performed on %s due %s", it, ts, due)
				}
			}
		}
		slices.Sort(kinds)
		if !slices.Equal(kinds, []string{"dishonest_listing", "restriction"}) {
			t.Fatalf("queue kinds %v", kinds)
		}
		del := mustPost(t, env, judge, "/api/v1/dishonest-listings/"+listing.ID+"/deletion", map[string]any{}, http.StatusOK)
		del.JSON(t, &listing)
		if listing.DeletedOnTime == nil || !*listing.DeletedOnTime || listing.DeleteDueOn != due || listing.DeleteGround != "performed" {
			t.Fatalf("deleted listing %+v", listing)
		}
		mustPost(t, env, judge, "/api/v1/dishonest-listings/"+listing.ID+"/deletion", map[string]any{}, http.StatusConflict)
		mustPost(t, env, judge, "/api/v1/restrictions/"+restriction.ID+"/lifting", map[string]any{"ground": "performed", "lifted_on": ts}, http.StatusOK)
		mustPost(t, env, judge, "/api/v1/restrictions/"+restriction.ID+"/lifting", map[string]any{"ground": "performed", "lifted_on": ts},
			http.StatusConflict)

		// SX-2: a minor.
		minor := intake.PartyInput{Kind: intake.Person, Name: "少年乙", IDNumber: legal.MakeResidentID("440607", today.AddYears(-16), 45),
			Address: "佛山市三水区"}
		holdsNothing(ag, minor.IDNumber)
		cm := fileAgainst(t, env, reception, 8802, minor, 500_000)
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+cm.ID+"/dishonest-listings", judge, map[string]any{"party_id": respondentOf(t, env, judge, cm.ID),
			"decided_on": ts, "grounds": []int{4}})
		if p := r.Problem(t); r.Status != http.StatusConflict || p.Code != "dishonest_minor" || !strings.Contains(p.Detail, "未成年人") {
			t.Fatalf("a minor listed: %d %s", r.Status, r.Body)
		}

		// SX-2: a frozen deposit covering the debt.
		rich := sample.Person(8803)
		holdsNothing(ag, rich.IDNumber)
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", rich.IDNumber, []agency.Holding{{Ref: "6222020000000008803", Kind: agency.BankDeposit,
			Institution: "工商银行佛山分行", ValueFen: 2_000_000, AvailableFen: 2_000_000}})
		cr := fileAgainst(t, env, reception, 8803, rich, 1_000_000)
		ag.Settle(t)
		ca := caseAssets(t, env, judge, cr.ID)
		if len(ca.Assets) != 1 {
			t.Fatalf("assets: %+v", ca.Assets)
		}
		mustPost(t, env, judge, "/api/v1/cases/"+cr.ID+"/controls", map[string]any{"asset_id": ca.Assets[0].ID, "amount_fen": 1_000_000,
			"reason": "冻结存款", "ruling_no": "（2026）粤0607执3号之一"}, http.StatusCreated)
		ag.Settle(t)
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+cr.ID+"/dishonest-listings", judge, map[string]any{"party_id": respondentOf(t, env, judge, cr.ID),
			"decided_on": ts, "grounds": []int{1}})
		if p := r.Problem(t); r.Status != http.StatusConflict || p.Code != "dishonest_covered" || !strings.Contains(p.Detail, "足以清偿") {
			t.Fatalf("listed despite the freeze: %d %s", r.Status, r.Body)
		}

		// XG-3: an organization binds its legal representative.
		firm := sample.Organization(8804)
		holdsNothing(ag, firm.CreditCode)
		co := fileAgainst(t, env, reception, 8804, firm, 900_000)
		rs = mustPost(t, env, judge, "/api/v1/cases/"+co.ID+"/restrictions", map[string]any{"party_id": respondentOf(t, env, judge, co.ID),
			"decided_on": ts, "persons": []map[string]any{{"role": "controller", "name": "实控人丙"}}}, http.StatusCreated)
		rs.JSON(t, &restriction)
		if len(restriction.Persons) != 2 || restriction.Persons[0].Role != "legal_rep" || restriction.Persons[0].Name != firm.LegalRep {
			t.Fatalf("organization restriction persons: %+v", restriction.Persons)
		}
		var rlist api.List[api.RestrictionOut]
		env.Do(t, http.MethodGet, "/api/v1/restrictions?q="+firm.LegalRep, judge, nil).JSON(t, &rlist)
		if !slices.ContainsFunc(rlist.Items, func(x api.RestrictionOut) bool { return x.ID == restriction.ID }) {
			t.Errorf("the 限消名单 does not find the legal representative %s", firm.LegalRep)
		}
	})
}

// TestSanctionsCloseZhongben (ZB-1, ZB-2, XG-5, ZB-11, SX-5): a case whose
// other 终本 conditions are on file is refused 终本 until the report order
// (its missing report punished), the restriction and the listing are issued
// through the sanctions module, then closes — not while the restriction is
// still in its grace period (XG-5); two empty re-queries after
// 终本 put the listing in the deletion queue, due 3 working days later.
func TestSanctionsCloseZhongben(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "sxz.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		today := legal.Today(time.Now())
		ts := today.String()

		debtor := sample.Person(8811)
		holdsNothing(ag, debtor.IDNumber)
		c := fileAgainst(t, env, reception, 8811, debtor, 2_000_000)
		ag.Settle(t)
		backdateFiling(t, db, c.ID, 4)
		party := respondentOf(t, env, judge, c.ID)
		for _, m := range zhongbenMeasures {
			switch m["kind"] {
			case "report_order", "report_checked", "consumption_ban", "dishonest_not_due":
				continue // through the sanctions module below
			}
			body := map[string]any{"done_on": ts}
			for k, v := range m {
				body[k] = v
			}
			mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/measures", body, http.StatusCreated)
		}
		close := func() *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "zhongben",
				"reason": "经网络查控未发现可供执行的财产"})
		}
		r := close()
		if p := r.Problem(t); r.Status != http.StatusConflict || p.Code != "zhongben_conditions_unmet" || len(p.Errors) != 4 {
			t.Fatalf("终本 without sanctions: %d %s", r.Status, r.Body)
		}

		var order api.ReportOrderOut
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/report-orders", map[string]any{"party_id": party, "issued_on": today.AddDays(-60).String(),
			"due_on": today.AddDays(-50).String()}, http.StatusCreated).JSON(t, &order)
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/verification", map[string]any{"verified_on": today.AddDays(-40).String(),
			"verdict": "not_reported", "note": "期满未报告"}, http.StatusOK)
		mustPost(t, env, judge, "/api/v1/report-orders/"+order.ID+"/penalty", map[string]any{"penalty_on": today.AddDays(-30).String(),
			"fine_fen": 500_000, "note": "罚款决定书"}, http.StatusOK).JSON(t, &order)
		if !order.Ground4 || order.NeedsPenalty {
			t.Fatalf("penalised order: %+v", order)
		}
		var restriction api.RestrictionOut
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/restrictions", map[string]any{"party_id": party, "decided_on": today.AddDays(-10).String(),
			"grace_months": 1}, http.StatusCreated).JSON(t, &restriction)
		var listing api.ListingOut
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/dishonest-listings", map[string]any{"party_id": party, "decided_on": today.AddDays(-30).String(),
			"grounds": []int{4}}, http.StatusCreated).JSON(t, &listing)
		// XG-5: the restriction is still in its grace period.
		r = close()
		if p := r.Problem(t); r.Status != http.StatusConflict || len(p.Errors) != 1 || p.Errors[0].Field != "zhongben.xg5_restriction_start" {
			t.Fatalf("终本 with a restriction not yet in force: %d %s", r.Status, r.Body)
		}
		mustPost(t, env, judge, "/api/v1/restrictions/"+restriction.ID+"/lifting", map[string]any{"ground": "other", "lifted_on": ts,
			"note": "重新发出不设宽限期的限制消费令"}, http.StatusOK)
		mustPost(t, env, judge, "/api/v1/cases/"+c.ID+"/restrictions", map[string]any{"party_id": party, "decided_on": today.AddDays(-10).String()},
			http.StatusCreated)
		if r := close(); r.Status != http.StatusOK {
			t.Fatalf("终本 with the sanctions: %d %s", r.Status, r.Body)
		}
		v := sanctionsOf(t, env, judge, c.ID)
		if len(v.Restrictions) != 2 || v.Restrictions[0].XG5 != "" || slices.ContainsFunc(v.Warnings, func(w string) bool { return strings.Contains(w, "XG-5") }) {
			t.Fatalf("after 终本: %+v %v", v.Restrictions, v.Warnings)
		}
		if v.Listings[0].Due != nil {
			t.Fatalf("listing due before any re-query: %+v", v.Listings[0].Due)
		}

		// ZB-11: two empty re-queries.
		for _, months := range []int{6, 12} {
			if n, err := assets.RunRequeries(context.Background(), db, today.AddMonths(months), 100); err != nil || n != 1 {
				t.Fatalf("re-query at %d months: %d %v", months, n, err)
			}
			ag.Settle(t)
			v = sanctionsOf(t, env, judge, c.ID)
			if got := v.Listings[0].Due; months == 6 && got != nil || months == 12 && (got == nil || got.Trigger != "requery_empty") {
				t.Fatalf("after the re-query at %d months: %+v", months, got)
			}
		}
		due := legal.DeletionDue(legal.DefaultCalendar(), today, legal.DefaultPeriodRules()).String()
		var queue api.List[api.QueueItemOut]
		env.Do(t, http.MethodGet, "/api/v1/sanctions/queue", judge, nil).JSON(t, &queue)
		var mine []api.QueueItemOut
		for _, it := range queue.Items {
			if it.CaseID == c.ID {
				mine = append(mine, it)
			}
		}
		if len(mine) != 1 || mine[0].Kind != "dishonest_listing" || mine[0].Due.DueOn != due || mine[0].Due.Trigger != "requery_empty" {
			t.Fatalf("queue after two empty re-queries: %+v, want the listing due %s", mine, due)
		}
	})
}
