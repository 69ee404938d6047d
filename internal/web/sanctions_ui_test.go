package web_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestSanctionsPages: the case page's section links to the sanctions page,
// whose forms issue a report order (a double post with the same form token
// makes one), refuse a minor's listing (SX-2) and an unreadable amount,
// bind an organization's legal representative (XG-3); after the case is
// closed as 执行完毕 the queue shows the listing due in 3 working days and
// deletes it there, a second deletion is refused; the lists mask ID
// numbers; a clerk may not act, another court sees nothing.
func TestSanctionsPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		judge := staffBrowser(t, env, s.Judge)
		clerk := userBrowser(t, env, "sxui.clerk", access.RoleClerk, "粤0607")
		outsider := userBrowser(t, env, "sxui.out", access.RolePostJudge, "皖01")
		today := legal.Today(time.Now())
		ts := today.String()

		in := intaketest.Application(s.CourtID, 8901)
		person := intaketest.Person(8901)
		in.Respondents = []intake.PartyInput{person}
		c := uiFile(t, s, in)
		full := getCase(t, s, c.ID)
		party := full.Respondents()[0].PartyID.String()
		path := "/cases/" + c.ID.String() + "/sanctions"

		judge.get("/cases/"+c.ID.String()).must(t, 200, `id="sanctions"`, `href="/cases/`+c.ID.String()+`/sanctions"`)
		p := judge.get(path)
		p.must(t, 200, `id="report-order-form"`, `id="restriction-form"`, `id="listing-form"`, "乘坐交通工具时")
		tok := p.token(t)
		form := url.Values{"form_token": {tok}, "party_id": {party}, "issued_on": {ts}, "due_on": {today.AddDays(10).String()}}
		judge.post(path+"/report-orders", form).redirected(t, path+"?done=sanction_done")
		judge.post(path+"/report-orders", form).redirected(t, path+"?done=duplicate")
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM report_orders WHERE case_id = ?`, c.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("report orders after a double post: %d %v", n, err)
		}
		judge.get(path).must(t, 200, "已发出，待报告", person.Name)
		judge.post(path+"/guarantees", url.Values{"party_id": {party}, "guarantor": {"甲"}, "amount": {"abc"}, "accepted_on": {ts}}).
			must(t, 422, "金额应为不为负的数字")
		clerk.post(path+"/restrictions", url.Values{"party_id": {party}, "decided_on": {ts}}).must(t, 403)
		outsider.get(path).must(t, 404)

		// A listing and a restriction, then closure as 执行完毕.
		judge.post(path+"/dishonest-listings", url.Values{"party_id": {party}, "decided_on": {ts}, "grounds": {"1"}}).redirected(t, path+"?done=sanction_done")
		judge.post(path+"/restrictions", url.Values{"party_id": {party}, "decided_on": {ts}}).redirected(t, path+"?done=sanction_done")
		judge.get("/sanctions/dishonest?q="+person.IDNumber).must(t, 200, person.Name, legal.MaskID(person.IDNumber))
		byName := judge.get("/sanctions/dishonest?q=" + url.QueryEscape(person.Name))
		byName.must(t, 200, legal.MaskID(person.IDNumber))
		byName.lacks(t, person.IDNumber)
		outsider.get("/sanctions/dishonest?q="+person.IDNumber).must(t, 200, "没有符合条件的记录")
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, c.ID, cases.TransitionInput{To: "performed", Reason: "已履行", PerformedOutside: true})
		}); err != nil {
			t.Fatal(err)
		}
		due := legal.DeletionDue(legal.DefaultCalendar(), today, legal.DefaultPeriodRules()).String()
		q := judge.get("/sanctions/queue")
		q.must(t, 200, `id="sanctions-queue"`, c.CaseNo, due, "被执行人已履行完毕", "失信名单（待删除）", "限制消费令（待解除）")
		var listing string
		if err := db.QueryRow(context.Background(), `SELECT id FROM dishonest_listings WHERE case_id = ?`, c.ID).Scan(&listing); err != nil {
			t.Fatal(err)
		}
		del := url.Values{"form_token": {q.token(t)}, "back": {"queue"}, "on": {ts}}
		judge.post("/sanctions/dishonest-listings/"+listing+"/deletion", del).redirected(t, "/sanctions/queue?done=sanction_done")
		judge.post("/sanctions/dishonest-listings/"+listing+"/deletion", url.Values{"on": {ts}}).must(t, 409, "已于")
		judge.get(path).must(t, 200, "已删除", "按期")
		var restriction string
		if err := db.QueryRow(context.Background(), `SELECT id FROM restrictions WHERE case_id = ?`, c.ID).Scan(&restriction); err != nil {
			t.Fatal(err)
		}
		lift := url.Values{"form_token": {judge.get("/sanctions/queue").token(t)}, "back": {"queue"}, "lifted_on": {ts}, "ground": {"performed"}}
		judge.post("/sanctions/restrictions/"+restriction+"/lifting", lift).redirected(t, "/sanctions/queue?done=sanction_done")
		judge.get("/sanctions/queue").lacks(t, c.CaseNo)
		judge.get(path).must(t, 200, "已解除：被执行人履行完毕")
		judge.get("/sanctions/restrictions?case_no=not-a-number").must(t, 422, "案号格式不正确")
		judge.get("/sanctions/restrictions?all=1&case_no="+url.QueryEscape(c.CaseNo)).must(t, 200, "已解除")
		judge.post("/sanctions/dishonest-listings/not-an-id/deletion", url.Values{}).must(t, 404)

		// SX-2: a minor; XG-3: an organization.
		minorIn := intaketest.Application(s.CourtID, 8902)
		minorIn.Respondents = []intake.PartyInput{{Kind: intake.Person, Name: "少年丙", IDNumber: legal.MakeResidentID("440607", today.AddYears(-15), 77),
			Address: "佛山市三水区"}}
		cm := uiFile(t, s, minorIn)
		mp := "/cases/" + cm.ID.String() + "/sanctions"
		judge.post(mp+"/dishonest-listings", url.Values{"party_id": {getCase(t, s, cm.ID).Respondents()[0].PartyID.String()}, "decided_on": {ts},
			"grounds": {"4"}}).must(t, 409, "系未成年人，不得纳入失信名单（SX-2）")
		minorParty := getCase(t, s, cm.ID).Respondents()[0].PartyID.String()
		judge.post(mp+"/report-orders", url.Values{"party_id": {minorParty}, "issued_on": {ts}, "due_on": {today.AddDays(5).String()}}).
			redirected(t, mp+"?done=sanction_done")
		var order string
		if err := db.QueryRow(context.Background(), `SELECT id FROM report_orders WHERE case_id = ?`, cm.ID).Scan(&order); err != nil {
			t.Fatal(err)
		}
		judge.post("/sanctions/report-orders/"+order+"/verification", url.Values{"verified_on": {ts}, "verdict": {"not_reported"}, "note": {"未报告"}}).
			must(t, 422, "届满后方可认定拒不报告")
		judge.post("/sanctions/report-orders/"+order+"/report", url.Values{"reported_on": {ts}, "summary": {"名下无财产"}}).
			redirected(t, mp+"?done=sanction_done")
		judge.post("/sanctions/report-orders/"+order+"/verification", url.Values{"verified_on": {ts}, "verdict": {"false"}, "note": {"隐瞒存款"}}).
			redirected(t, mp+"?done=sanction_done")
		judge.post("/sanctions/report-orders/"+order+"/penalty", url.Values{"penalty_on": {ts}, "fine": {"1,000.5"}}).
			redirected(t, mp+"?done=sanction_done")
		judge.get(mp).must(t, 200, "虚假报告", "罚款 ¥1,000.50")
		orgIn := intaketest.Application(s.CourtID, 8903)
		firm := intaketest.Organization(8903)
		orgIn.Respondents = []intake.PartyInput{firm}
		co := uiFile(t, s, orgIn)
		op := "/cases/" + co.ID.String() + "/sanctions"
		judge.post(op+"/restrictions", url.Values{"party_id": {getCase(t, s, co.ID).Respondents()[0].PartyID.String()}, "decided_on": {ts},
			"person_role_2": {"controller"}, "person_name_2": {"实控人丁"}}).redirected(t, op+"?done=sanction_done")
		judge.get(op).must(t, 200, "法定代表人 "+firm.LegalRep, "实际控制人 实控人丁")
		judge.get("/sanctions/restrictions?q="+firm.LegalRep).must(t, 200, firm.Name)
	})
}
