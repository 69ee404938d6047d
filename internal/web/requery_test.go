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
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/notify"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// holdsNothing makes the simulated agencies answer that the subject holds
// nothing anywhere.
func holdsNothing(ag *apptest.Agencies, id string) {
	for _, d := range agency.Directory() {
		for _, k := range d.Kinds {
			ag.Sim.SetHoldings(k, d.Code, id, []agency.Holding{})
		}
	}
}

// TestS9ZhongbenRequeryAndRestoration (SCENARIOS S9): a debtor with nothing;
// after more than three months the case is closed as 终本 and its re-query
// is scheduled every 6 months; the first re-query finds nothing and the
// applicant is told; the next finds a deposit, the applicant is told and
// restoration is proposed; a reviewer approves and a 执恢 case is numbered
// and assigned by the rules; the schedule of the old case ends.
func TestS9ZhongbenRequeryAndRestoration(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "zb.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "") // judges in the teams: cases get handlers
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		_, clerk := env.Token(t, "zb.clerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "zb.outsider", access.RoleWindowReception, "皖01")
		ctx := context.Background()

		debtor := sample.Person(9901)
		holdsNothing(ag, debtor.IDNumber)
		c := fileAgainst(t, env, reception, 9901, debtor, 8_000_000)
		ag.Settle(t)
		today := legal.Today(time.Now())
		backdateFiling(t, db, c.ID, 4)
		meetZhongben(t, env, judge, c.ID)
		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "zhongben",
			"reason": "经网络查控、约谈申请执行人，未发现可供执行的财产"})
		if r.Status != http.StatusOK {
			t.Fatalf("终本: %d %s", r.Status, r.Body)
		}
		v := caseAssets(t, env, judge, c.ID)
		if v.Requery == nil || v.Requery.NextOn != today.AddMonths(6).String() || v.Requery.UntilOn != today.AddMonths(60).String() {
			t.Fatalf("requery schedule: %+v", v.Requery)
		}
		// Nothing is due before its date.
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(6).AddDays(-1), 100); err != nil || n != 0 {
			t.Fatalf("re-queries before the date: %d %v", n, err)
		}

		// Six months on: nothing found; the applicant is told.
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(6), 100); err != nil || n != 1 {
			t.Fatalf("first re-query: %d %v", n, err)
		}
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(6), 100); err != nil || n != 0 {
			t.Fatalf("re-query run twice on one day: %d %v", n, err)
		}
		ag.Settle(t)
		v = caseAssets(t, env, judge, c.ID)
		if v.Requery.Runs != 1 || v.Requery.NextOn != today.AddMonths(12).String() || len(v.Proposals) != 0 {
			t.Fatalf("after the first re-query: %+v, proposals %+v", v.Requery, v.Proposals)
		}
		if v.Inquiries[0].Source != "requery" || v.Inquiries[0].Status != "done" {
			t.Errorf("re-query inquiry: %+v", v.Inquiries[0])
		}
		msgs := messages(t, db, c.ID)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Body, "未发现可供执行的财产") || msgs[0].Kind != "requery_result" {
			t.Fatalf("message to the applicant: %+v", msgs)
		}

		// Twelve months on: a new deposit.
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.IDNumber, []agency.Holding{{Ref: "6222020011119901", Kind: agency.BankDeposit,
			Institution: "工商银行佛山三水支行", ValueFen: 5_000_000, AvailableFen: 5_000_000}})
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(12), 100); err != nil || n != 1 {
			t.Fatalf("second re-query: %d %v", n, err)
		}
		ag.Settle(t)
		msgs = messages(t, db, c.ID)
		if len(msgs) != 2 || !strings.Contains(msgs[0].Body, "发现财产 1 项") || !strings.Contains(msgs[0].Body, "50,000.00") {
			t.Fatalf("second message: %+v", msgs)
		}
		var props api.List[api.ProposalOut]
		r = env.Do(t, http.MethodGet, "/api/v1/restoration-proposals", reception, nil)
		r.JSON(t, &props)
		if len(props.Items) != 1 || props.Items[0].CaseNo != c.CaseNo || props.Items[0].FoundFen != 5_000_000 {
			t.Fatalf("proposals: %d %s", r.Status, r.Body)
		}
		p := props.Items[0]
		env.Do(t, http.MethodGet, "/api/v1/restoration-proposals", outsider, nil).JSON(t, &props)
		if len(props.Items) != 0 {
			t.Errorf("another court's reviewer sees %d proposals", len(props.Items))
		}

		// Wrong hands and wrong input change nothing.
		path := "/api/v1/restoration-proposals/" + p.ID + "/decision"
		if r := env.Do(t, http.MethodPost, path, outsider, map[string]any{"approve": true}); r.Status != http.StatusNotFound {
			t.Errorf("another court's reviewer: %d", r.Status)
		}
		if r := env.Do(t, http.MethodPost, path, clerk, map[string]any{"approve": true}); r.Status != http.StatusForbidden {
			t.Errorf("a clerk (no filing review): %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, path, reception, map[string]any{"approve": false}); r.Status != http.StatusUnprocessableEntity ||
			r.Problem(t).Code != "reason_required" {
			t.Errorf("rejection without a reason: %d %s", r.Status, r.Body)
		}

		r = env.Do(t, http.MethodPost, path, reception, map[string]any{"approve": true, "note": "复查发现存款，符合恢复执行条件"})
		var out struct {
			Proposal api.ProposalOut `json:"proposal"`
			NewCase  *api.CaseOut    `json:"new_case"`
		}
		r.JSON(t, &out)
		if r.Status != http.StatusOK || out.NewCase == nil || out.Proposal.Status != "approved" || out.Proposal.NewCaseNo != out.NewCase.CaseNo {
			t.Fatalf("approval: %d %s", r.Status, r.Body)
		}
		if !strings.Contains(out.NewCase.CaseNo, "执恢") || out.NewCase.Lane != "restoration_objection" {
			t.Errorf("new case %s in lane %s, want a 执恢 case in the restoration lane", out.NewCase.CaseNo, out.NewCase.Lane)
		}
		if r := env.Do(t, http.MethodPost, path, reception, map[string]any{"approve": true}); r.Status != http.StatusConflict {
			t.Errorf("second decision: %d %s", r.Status, r.Body)
		}
		v = caseAssets(t, env, judge, c.ID)
		if v.Requery.Status != "ended" || !strings.Contains(v.Requery.EndReason, out.NewCase.CaseNo) {
			t.Errorf("old schedule after restoration: %+v", v.Requery)
		}
		if n, err := assets.RunRequeries(ctx, db, today.AddMonths(18), 100); err != nil || n != 0 {
			t.Errorf("re-query after restoration: %d %v", n, err)
		}
		nv := caseAssets(t, env, judge, out.NewCase.ID)
		if len(nv.Inquiries) != 1 || nv.Inquiries[0].Source != "filing" {
			t.Errorf("the 执恢 case's own inquiry: %+v", nv.Inquiries)
		}
		if tl := timeline(t, env, judge, c.ID); !strings.Contains(tl, "恢复执行建议经审查批准") {
			t.Errorf("old case timeline: %s", tl)
		}
	})
}

func messages(t *testing.T, db *store.DB, caseID string) []notify.Message {
	t.Helper()
	msgs, err := notify.ForCase(context.Background(), db, uuid.MustParse(caseID))
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}
