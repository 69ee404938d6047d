package web_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var portalLink = regexp.MustCompile(`href="/portal/requests/([0-9a-f-]{36})"`)

// operatorBrowser makes an operator of the agency and signs them in to the
// pages.
func operatorBrowser(t *testing.T, env *apptest.Env, username, agencyCode string) *browser {
	t.Helper()
	env.AgencyOperator(t, username, agencyCode, "粤0607")
	b := newBrowser(t, env)
	if p := b.login(username, apptest.Password); p.status != 303 {
		t.Fatalf("login %s: %d %q", username, p.status, p.location)
	}
	return b
}

// portalRequests lists the ids of the requests an inbox page links to.
func portalRequests(p webPage) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range portalLink.FindAllStringSubmatch(p.body, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	return out
}

func countAudit(t *testing.T, db *store.DB, action, object string) int {
	t.Helper()
	return bulkCount(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, action, object)
}

// TestPortalPages (S8 on the pages): the market regulator's operator finds
// the judge's equity freeze in the inbox (and on their desk), opens it with
// the ruling and the notice and the place zhixing's registry suggests,
// answers it; incomplete answers come back in Chinese with what was typed;
// the same form sent twice records one answer; another agency's operator
// gets "not found", court staff "forbidden"; the case shows the freeze in
// force at once.
func TestPortalPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		s := intaketest.NewStaff(t, db, "")
		company := intaketest.Organization(8811)
		ag.Sim.SetHoldings(agency.Equity, "samr", company.CreditCode, []agency.Holding{{Ref: "GQ-440607-8811", Kind: agency.Equity,
			Institution: "佛山市三水区宏达建材有限公司", Description: "持股 35%", ValueFen: 150_000_000}})
		in := intaketest.Application(s.CourtID, 8811)
		in.Respondents = []intake.PartyInput{company}
		c := uiFile(t, s, in)
		ag.Settle(t)
		var equity *assets.Asset
		for _, a := range caseAssetsView(t, s.Judge, db, c.ID).Assets {
			if a.Kind == agency.Equity {
				equity = a
			}
		}
		if equity == nil {
			t.Fatal("the filing inquiry found no equity")
		}
		const ruling, notice = "（2026）粤0607执8811号之一", "（2026）粤0607执8811号协助执行通知书"
		ctl, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
			return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: equity.ID, Reason: "冻结被执行人股权", RulingNo: ruling, NoticeNo: notice})
		})
		if err != nil {
			t.Fatal(err)
		}
		ag.Settle(t) // nothing to send: the regulator works on the portal

		amr := operatorBrowser(t, env, "pu.amr", "fs-amr")
		police := operatorBrowser(t, env, "pu.police", "fs-police")
		judge := staffBrowser(t, env, s.Judge)

		// The desk and the inbox: the request, with a link in the navigation.
		home := amr.get("/")
		home.must(t, 200, `href="/portal"`, "协助请求", c.CaseNo, "冻结 · 股权")
		inbox := amr.get("/portal")
		inbox.must(t, 200, "佛山市市场监督管理局", c.CaseNo, company.Name, company.CreditCode, "GQ-440607-8811", "冻结 · 股权", "三水")
		ids := portalRequests(inbox)
		if len(ids) != 1 {
			t.Fatalf("inbox links %v, want one request", ids)
		}
		path := "/portal/requests/" + ids[0]
		answer := path + "/answer"
		amr.get("/portal?tab=answered").must(t, 200, "本单位还没有答复过请求")
		judge.get("/").lacks(t, `href="/portal"`)

		// The request: case, documents, asset, what is asked; the rank is
		// prefilled with zhixing's suggestion, the term with the ruling's.
		p := amr.get(path)
		p.must(t, 200, c.CaseNo, "执行裁定书", ruling, "协助执行通知书", notice, "GQ-440607-8811", "持股 35%", ctl.TermTo.String(),
			"1（首封", `name="rank" type="number" min="1" value="1"`, `name="term_to" type="date" max="`+ctl.TermTo.String()+`" value="`+ctl.TermTo.String()+`"`,
			`id="answer-form"`, "已冻结", "无法协助")
		p.lacks(t, "部分冻结") // no amount asked: no partial freeze

		// Wrong hands: another agency's operator does not find it; court
		// staff may not use the portal; malformed ids are not found.
		police.get(path).must(t, 404, "页面或对象不存在")
		police.post(answer, url.Values{"status": {"done"}, "agency_ref": {"x"}, "rank": {"1"}}).must(t, 404)
		if got := portalRequests(police.get("/portal")); len(got) != 0 {
			t.Errorf("the police's inbox lists %v", got)
		}
		judge.get("/portal").must(t, 403)
		judge.get(path).must(t, 403)
		judge.post(answer, url.Values{"status": {"done"}, "agency_ref": {"x"}, "rank": {"1"}}).must(t, 403)
		amr.get("/portal/requests/not-an-id").must(t, 404)
		amr.get("/portal?cursor=garbage").must(t, 422, "分页游标无效")

		// Incomplete or malformed answers: 422, every reason in Chinese, the
		// values as typed.
		token := p.token(t)
		form := func(kv ...string) url.Values {
			f := url.Values{"form_token": {token}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Set(kv[i], kv[i+1])
			}
			return f
		}
		r := amr.post(answer, form("status", "done", "rank", "1", "message", "已在公示系统登记，待补文号"))
		r.must(t, 422, "请填写协助执行的文号或登记编号", "已在公示系统登记，待补文号", `aria-invalid="true"`)
		r = amr.post(answer, form("status", "done", "agency_ref", "佛市监协字〔2026〕8811号", "rank", "首封", "term_to", "2099-13-01"))
		r.must(t, 422, "顺位应为正整数", "期限应为 YYYY-MM-DD 格式的有效日期", "佛市监协字〔2026〕8811号", `value="2099-13-01"`)
		amr.post(answer, form("status", "failed")).must(t, 422, "无法协助时须写明原因")
		amr.post(answer, form("agency_ref", "佛市监协字〔2026〕8811号")).must(t, 422, "请选择答复结果", "佛市监协字〔2026〕8811号")
		later := ctl.TermTo.AddDays(1).String()
		amr.post(answer, form("status", "done", "agency_ref", "x", "rank", "1", "term_to", later)).must(t, 422, "期限不能晚于裁定的期限")
		if got := caseAssetsView(t, s.Judge, db, c.ID).Controls[0]; got.Status != assets.ControlRequested {
			t.Fatalf("a refused answer changed the control: %+v", got)
		}

		// The answer, sent twice from the same form: recorded once.
		ok := form("status", "done", "agency_ref", "佛市监协字〔2026〕8811号", "rank", "1", "term_to", ctl.TermTo.String(),
			"message", "已在企业信用信息公示系统公示")
		amr.post(answer, ok).redirected(t, "/portal?done=portal_answered")
		amr.post(answer, ok).redirected(t, path+"?done=portal_duplicate")
		if n := countAudit(t, db, "agency_request.answered", ids[0]); n != 1 {
			t.Fatalf("answers recorded: %d, want 1", n)
		}
		amr.get("/portal?done=portal_answered").must(t, 200, "答复已登记", "没有待答复的请求")
		p = amr.get(path + "?done=portal_duplicate")
		p.must(t, 200, "没有重复登记", "已登记的答复", "已办结", "佛市监协字〔2026〕8811号", "1（首封）", "测试pu.amr")
		p.lacks(t, `id="answer-form"`)
		// A fresh form for the same request: refused, said why.
		amr.post(answer, url.Values{"status": {"done"}, "agency_ref": {"y"}, "rank": {"1"}}).must(t, 409, "不能重复答复")
		amr.get("/portal?tab=answered").must(t, 200, c.CaseNo, "已办结", "测试pu.amr")

		// The case shows it at once: in force, first, under the regulator's
		// reference.
		v := caseAssetsView(t, s.Judge, db, c.ID)
		if got := v.Controls[0]; got.Status != assets.ControlActive || got.Rank != 1 || got.AgencyRef != "佛市监协字〔2026〕8811号" {
			t.Fatalf("control after the portal answer: %+v", got)
		}
		judge.get("/cases/"+c.ID.String()).must(t, 200, "在控（首封）", "佛市监协字〔2026〕8811号")
	})
}

// TestPortalInquiryAndPersonSearch: the answer forms of the other kinds of
// request. A bank that answers on the portal lists what it found row by row
// (more rows on demand, each row's problem next to it); the police record
// where a person was found.
func TestPortalInquiryAndPersonSearch(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		s := intaketest.NewStaff(t, db, "")
		// This bank has no system link here: it answers on the portal.
		if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE agencies SET channel = 'portal' WHERE code = 'icbc'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		debtor := intaketest.Person(8812)
		in := intaketest.Application(s.CourtID, 8812)
		in.Respondents = []intake.PartyInput{debtor}
		c := uiFile(t, s, in)
		ag.Settle(t)

		bank := operatorBrowser(t, env, "pu.icbc", "icbc")
		ids := portalRequests(bank.get("/portal"))
		var inquiry string
		for _, id := range ids {
			if strings.Contains(bank.get("/portal/requests/"+id).body, "查询 · 银行存款") {
				inquiry = id
			}
		}
		if inquiry == "" {
			t.Fatalf("no deposit inquiry among the bank's requests %v", ids)
		}
		path := "/portal/requests/" + inquiry
		p := bank.get(path)
		p.must(t, 200, "查到的财产", `name="h_ref"`, "部分办结", "查无：被执行人在本单位名下没有财产", debtor.IDNumber)
		if n := strings.Count(p.body, `name="h_ref"`); n != 3 {
			t.Fatalf("%d holding rows, want 3", n)
		}
		token := p.token(t)
		rows := func(kv ...string) url.Values {
			f := url.Values{"form_token": {token}, "status": {"done"}}
			for i := 0; i+1 < len(kv); i += 2 {
				f.Add(kv[i], kv[i+1])
			}
			return f
		}
		// More rows: the form back with what was typed, nothing recorded.
		p = bank.post(path+"/answer", rows("h_ref", "6222020012348812", "h_institution", "工商银行佛山三水支行", "h_ref", "", "add_rows", "1"))
		p.must(t, 200, `value="6222020012348812"`, "工商银行佛山三水支行")
		if n := strings.Count(p.body, `name="h_ref"`); n != 4 {
			t.Fatalf("%d holding rows after adding, want the one typed and 3 more", n)
		}
		// Done without any holding; a row without its number and a balance
		// that is not an amount: each reason where it belongs.
		bank.post(path+"/answer", rows()).must(t, 422, "办结的查询须列出查到的财产")
		p = bank.post(path+"/answer", rows("h_ref", "", "h_institution", "工商银行佛山三水支行", "h_value", "1000", "h_available", "",
			"h_ref", "6222020012348812", "h_institution", "", "h_value", "20000", "h_available", "30000"))
		p.must(t, 422, "第 1 项财产缺少账号或证号", "第 2 项财产的金额无效", "工商银行佛山三水支行", `value="6222020012348812"`)
		bank.post(path+"/answer", rows("h_ref", "6222020012348812", "h_value", "一万")).must(t, 422, "第 1 项财产的余额或价值", `value="一万"`)
		for _, a := range caseAssetsView(t, s.Judge, db, c.ID).Assets {
			if a.AgencyCode == "icbc" {
				t.Fatalf("a refused answer added an asset: %+v", a)
			}
		}
		p = bank.post(path+"/answer", rows("h_ref", "6222020012348812", "h_institution", "工商银行佛山三水支行", "h_description", "个人结算账户",
			"h_value", "12,000.50", "h_available", "12,000.50", "h_ref", "", "h_institution", "", "h_description", "", "h_value", "", "h_available", ""))
		p.redirected(t, "/portal?done=portal_answered")
		var found *assets.Asset
		for _, a := range caseAssetsView(t, s.Judge, db, c.ID).Assets {
			if a.Ref == "6222020012348812" {
				found = a
			}
		}
		if found == nil || found.AvailableFen != 1_200_050 || found.Institution != "工商银行佛山三水支行" {
			t.Fatalf("asset from the portal answer: %+v", found)
		}
		bank.get(path).must(t, 200, "6222020012348812", "12,000.50", "个人结算账户")

		// A person search with the police.
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Inquiry, error) {
			return assets.Inquire(ctx, tx, c.ID, assets.InquiryInput{Purpose: "被执行人下落不明，申请公安协查", Kinds: []agency.Kind{agency.PersonTrace}})
		}); err != nil {
			t.Fatal(err)
		}
		ag.Settle(t)
		police := operatorBrowser(t, env, "pu.police2", "fs-police")
		ids = portalRequests(police.get("/portal"))
		if len(ids) != 1 {
			t.Fatalf("police inbox %v", ids)
		}
		path = "/portal/requests/" + ids[0]
		p = police.get(path)
		p.must(t, 200, "查找下落（公安）", "已查到下落", "查无下落", `name="address"`)
		p.lacks(t, `name="agency_ref"`, `name="h_ref"`)
		f := url.Values{"form_token": {p.token(t)}, "status": {"done"}, "note": {"暂住登记"}}
		police.post(path+"/answer", f).must(t, 422, "找到被执行人时须填写其下落（地址）", `value="暂住登记"`)
		f.Set("address", "佛山市三水区西南街道健力宝南路 8 号")
		police.post(path+"/answer", f).redirected(t, "/portal?done=portal_answered")
		staffBrowser(t, env, s.Judge).get("/cases/"+c.ID.String()).must(t, 200, "已查到下落，佛山市三水区西南街道健力宝南路 8 号（暂住登记）")
	})
}
