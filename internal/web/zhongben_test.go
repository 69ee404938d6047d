package web_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// zhongbenMeasures are the measures that meet the 终本 gate's defaults,
// ZB-5 by the applicant's consent.
var zhongbenMeasures = []map[string]any{
	{"kind": "notice_served", "document_no": "执行通知书"},
	{"kind": "report_order", "document_no": "报告财产令"},
	{"kind": "report_checked", "note": "被执行人逾期未报告，已予训诫"},
	{"kind": "consumption_ban", "document_no": "限制消费令"},
	{"kind": "dishonest_not_due", "note": "被执行人无履行能力，不符合纳入失信名单的情形"},
	{"kind": "conduct_checked", "note": "被执行人下落明确，无妨害执行行为"},
	{"kind": "applicant_consent", "document_no": "终本申请书"},
	{"kind": "interview", "document_no": "约谈笔录"},
	{"kind": "notice_of_intent", "document_no": "拟终本告知书"},
}

// meetZhongben records through the API the measures that let a case whose
// filing lies more than three months back be closed as 终本.
func meetZhongben(t *testing.T, env *apptest.Env, token, caseID string) {
	t.Helper()
	today := legal.Today(time.Now()).String()
	for _, m := range zhongbenMeasures {
		body := map[string]any{"done_on": today}
		for k, v := range m {
			body[k] = v
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/cases/"+caseID+"/measures", token, body); r.Status != http.StatusCreated {
			t.Fatalf("measure %v: %d %s", m["kind"], r.Status, r.Body)
		}
	}
}

// backdateFiling moves a case's filing day months back (the gate's three
// months cannot be waited for in a test).
func backdateFiling(t *testing.T, db *store.DB, caseID string, months int) {
	t.Helper()
	id := uuid.MustParse(caseID)
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		// The KPIs follow, as they follow every change (internal/metrics).
		before, err := metrics.Read(ctx, tx, id)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE cases SET filed_on = ? WHERE id = ?`, legal.Today(time.Now()).AddMonths(-months), id); err != nil {
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

func unmetCodes(z api.ZhongbenCheckOut) []string {
	var out []string
	for _, u := range z.Unmet {
		out = append(out, u.Code)
	}
	return out
}

// TestZhongbenGate (SCENARIOS S7, DOMAIN §5 ZB-1 … ZB-6): an attempt to
// close a case as 终本 without meeting every condition is refused with the
// list of what is missing, computed from the case's own records: the
// measures on file, the online inquiries and their answers, the assets
// found and not controlled, the time since filing. Each measure recorded
// takes its item off the list; a measure withdrawn puts it back; ZB-5 is
// met by the applicant's consent or by the collegial review with the
// president's own approval; bad input is refused with nothing written.
func TestZhongbenGate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "zbg.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(staff.Judge).Username, apptest.Password)
		president := env.Login(t, access.From(staff.President).Username, apptest.Password)
		_, clerk := env.Token(t, "zbg.clerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "zbg.outsider", access.RolePostJudge, "皖01")
		today := legal.Today(time.Now()).String()

		// A debtor with one deposit the inquiry finds.
		debtor := sample.Person(9921)
		holdsNothing(ag, debtor.IDNumber)
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.IDNumber, []agency.Holding{{Ref: "6222020000000009921", Kind: agency.BankDeposit,
			Institution: "工商银行佛山分行", ValueFen: 1_000_00, AvailableFen: 1_000_00}})
		c := fileAgainst(t, env, reception, 9921, debtor, 8_000_000)
		check := func() api.ZhongbenCheckOut {
			t.Helper()
			var z api.ZhongbenCheckOut
			r := env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/zhongben-check", judge, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("check: %d %s", r.Status, r.Body)
			}
			r.JSON(t, &z)
			return z
		}
		close := func() *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "zhongben",
				"reason": "经网络查控、约谈申请执行人，未发现可供执行的财产"})
		}

		// Before the inquiry is answered: everything missing, the inquiry open.
		z := check()
		if z.OK || z.Facts.Inquiries == 0 || !slices.Contains(unmetCodes(z), "zb6_inquiry_open") || !z.Rules.RequireInterview || z.Rules.MinMonths != 3 {
			t.Fatalf("before the answers: %+v", z)
		}
		ag.Settle(t)
		z = check()
		want := []string{"zb1_notice", "zb1_report_order", "zb2_report_checked", "zb1_consumption_ban", "zb1_dishonest", "zb6_uncontrolled",
			"zb1_too_early", "zb1_conduct", "zb5_approval", "zb6_interview", "zb6_notice_of_intent"}
		if !slices.Equal(unmetCodes(z), want) || z.Facts.InquiriesOpen != 0 || z.Facts.Uncontrolled != 1 {
			t.Fatalf("after the answers: %v %+v, want %v", unmetCodes(z), z.Facts, want)
		}
		// Refused with every missing condition named; nothing changes.
		r := close()
		p := r.Problem(t)
		if r.Status != http.StatusConflict || p.Code != "zhongben_conditions_unmet" || len(p.Errors) != len(want) ||
			!strings.Contains(p.Detail, "尚缺 11 项") || !strings.Contains(p.Detail, "未送达执行通知书（ZB-1）") {
			t.Fatalf("终本 refused: %d %s", r.Status, r.Body)
		}
		var open api.CaseOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID, judge, nil).JSON(t, &open)
		if open.Status == "closed" {
			t.Fatalf("the case closed anyway: %+v", open)
		}

		// Bad input: nothing written.
		measures := "/api/v1/cases/" + c.ID + "/measures"
		for _, bad := range []struct {
			name, token string
			body        map[string]any
			status      int
		}{
			{"unknown kind", judge, map[string]any{"kind": "teleport", "done_on": today}, http.StatusUnprocessableEntity},
			{"no date", judge, map[string]any{"kind": "notice_served"}, http.StatusUnprocessableEntity},
			{"a date in the future", judge, map[string]any{"kind": "notice_served", "done_on": legal.Today(time.Now()).AddDays(1).String()},
				http.StatusUnprocessableEntity},
			{"before filing", judge, map[string]any{"kind": "notice_served", "done_on": "2001-01-01"}, http.StatusUnprocessableEntity},
			{"a negative finding without what was found", judge, map[string]any{"kind": "dishonest_not_due", "done_on": today},
				http.StatusUnprocessableEntity},
			{"the president's approval by a judge", judge, map[string]any{"kind": "president_approval", "done_on": today}, http.StatusForbidden},
			{"a clerk", clerk, map[string]any{"kind": "notice_served", "done_on": today}, http.StatusForbidden},
			{"the 终本 database entry on an open case", judge, map[string]any{"kind": "zhongben_uploaded", "done_on": today}, http.StatusConflict},
			{"another court", outsider, map[string]any{"kind": "notice_served", "done_on": today}, http.StatusNotFound},
		} {
			if r := env.Do(t, http.MethodPost, measures, bad.token, bad.body); r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/cases/not-an-id/measures", judge, map[string]any{"kind": "notice_served", "done_on": today}); r.Status != http.StatusBadRequest &&
			r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a malformed case id: %d", r.Status)
		}
		var list []api.MeasureOut
		env.Do(t, http.MethodGet, measures, judge, nil).JSON(t, &list)
		if len(list) != 0 {
			t.Fatalf("refused measures written: %+v", list)
		}

		// The measures, one by one; the asset frozen; the filing backdated.
		meetZhongben(t, env, judge, c.ID)
		backdateFiling(t, db, c.ID, 4)
		var ca api.CaseAssetsOut = caseAssets(t, env, judge, c.ID)
		if len(ca.Assets) != 1 {
			t.Fatalf("assets: %+v", ca.Assets)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/controls", judge, map[string]any{"asset_id": ca.Assets[0].ID,
			"amount_fen": 1_000_00, "reason": "冻结存款", "ruling_no": "（2026）粤0607执1号之一"}); r.Status != http.StatusCreated {
			t.Fatalf("freeze: %d %s", r.Status, r.Body)
		}
		if z := check(); !z.OK {
			t.Fatalf("all met: %v", unmetCodes(z))
		}
		// The consent withdrawn (recorded in error): ZB-5 missing again;
		// met by the collegial review and the president's approval.
		env.Do(t, http.MethodGet, measures, judge, nil).JSON(t, &list)
		var consent string
		for _, m := range list {
			if m.Kind == "applicant_consent" {
				consent = m.ID
			}
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/measures/"+consent+"/withdrawal", judge, map[string]any{"reason": ""}); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("withdrawn without a reason: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/measures/"+consent+"/withdrawal", judge, map[string]any{"reason": "申请书未签字"}); r.Status != http.StatusOK {
			t.Fatalf("withdraw: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/measures/"+consent+"/withdrawal", judge, map[string]any{"reason": "再撤一次"}); r.Status != http.StatusConflict {
			t.Errorf("withdrawn twice: %d %s", r.Status, r.Body)
		}
		if z := check(); !slices.Equal(unmetCodes(z), []string{"zb5_approval"}) {
			t.Fatalf("consent withdrawn: %v", unmetCodes(z))
		}
		env.Do(t, http.MethodPost, measures, judge, map[string]any{"kind": "collegial_review", "done_on": today, "document_no": "合议庭评议笔录"})
		if z := check(); len(z.Unmet) != 1 || !strings.Contains(z.Unmet[0].Detail, "尚待院长批准") {
			t.Fatalf("review without approval: %+v", z.Unmet)
		}
		if r := env.Do(t, http.MethodPost, measures, president, map[string]any{"kind": "president_approval", "done_on": today}); r.Status != http.StatusCreated {
			t.Fatalf("the president's approval: %d %s", r.Status, r.Body)
		}
		if r := close(); r.Status != http.StatusOK {
			t.Fatalf("终本 with every condition met: %d %s", r.Status, r.Body)
		}
		var closed api.CaseOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID, judge, nil).JSON(t, &closed)
		if closed.Status != "closed" || closed.Closure != "zhongben" {
			t.Fatalf("after 终本: %+v", closed)
		}
		if r := env.Do(t, http.MethodPost, measures, judge, map[string]any{"kind": "on_site", "done_on": today}); r.Status != http.StatusConflict {
			t.Errorf("a measure on a closed case: %d %s", r.Status, r.Body)
		}

		// ZB-8: the entry into the 终本 database is a supervised node 7
		// days after closing; recording it clears the item.
		scanOn(t, db, legal.Today(time.Now()).AddDays(12))
		items := liveRules(supItems(t, env, judge, url.Values{"case_id": {c.ID}}))
		up, ok := items["zhongben_upload"]
		if !ok || up.Module != "zhongben" || up.Status != "open" {
			t.Fatalf("after 终本 without the database entry: %+v", items)
		}
		if r := env.Do(t, http.MethodPost, measures, judge, map[string]any{"kind": "zhongben_uploaded", "done_on": today}); r.Status != http.StatusCreated {
			t.Fatalf("the 终本 database entry: %d %s", r.Status, r.Body)
		}
		if got := supItem(t, env, judge, up.ID); got.Status != "closed" || got.CloseReason != "cleared" {
			t.Fatalf("the upload item after the entry: %+v", got)
		}
	})
}

// TestZhongbenOnTheCasePage: the case page lists what 终本 still lacks,
// records a measure (a negative finding without what was found is refused
// in the form), withdraws one with its reason, and a 终本 attempt from the
// status form names every missing condition.
func TestZhongbenOnTheCasePage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := uiFile(t, s, intaketest.Application(s.CourtID, 11))
		path := "/cases/" + c.ID.String()
		judge := staffBrowser(t, env, s.Judge)
		today := legal.Today(time.Now()).String()

		judge.get(path).must(t, 200, `id="zhongben-missing"`, `id="unmet-zb1_notice"`, `id="unmet-zb1_too_early"`, "尚未记录执行措施", `id="measure-form"`)
		judge.post(path+"/measures", url.Values{"kind": {"dishonest_not_due"}, "done_on": {today}}).
			must(t, 422, "须写明审查或查找的情况", `<option value="dishonest_not_due" selected>`)
		judge.post(path+"/measures", url.Values{"kind": {"notice_served"}, "done_on": {"2001-01-01"}}).must(t, 422, "不能早于立案日期")
		judge.post(path+"/measures", url.Values{"kind": {"notice_served"}, "done_on": {today}, "document_no": {"（2026）粤0607执1号执行通知书"}}).
			redirected(t, path+"?done=measure")
		p := judge.get(path + "?done=measure")
		p.must(t, 200, "已记录执行措施", "送达执行通知书", "（2026）粤0607执1号执行通知书")
		p.lacks(t, `id="unmet-zb1_notice"`)
		var mid string
		if err := db.QueryRow(context.Background(), `SELECT id FROM case_measures WHERE case_id = ?`, c.ID).Scan(&mid); err != nil {
			t.Fatal(err)
		}
		judge.post(path+"/measures/"+mid+"/withdrawal", url.Values{"reason": {""}, "measure_id": {mid}}).must(t, 422, "请写明撤回理由", "<details class=\"act\" open>")
		judge.post(path+"/measures/"+uuid.NewString()+"/withdrawal", url.Values{"reason": {"误记"}}).must(t, 404)
		judge.post(path+"/measures/"+mid+"/withdrawal", url.Values{"reason": {"送达回证未归档"}, "measure_id": {mid}}).redirected(t, path+"?done=withdrawn")
		judge.get(path).must(t, 200, `id="unmet-zb1_notice"`, "已撤回", "送达回证未归档")

		judge.post(path+"/transitions", url.Values{"to": {"zhongben"}, "reason": {"无财产可供执行"}}).
			must(t, 409, "案件不能变更为“终结本次执行程序”", "未送达执行通知书（ZB-1）", "须已超过 3 个月", "未约谈申请执行人")
	})
}
