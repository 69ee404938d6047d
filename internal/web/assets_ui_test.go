package web_test

import (
	"context"
	"net/url"
	"regexp"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var formToken = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// token reads the form token of a rendering of the 查控 section.
func (p webPage) token(t *testing.T) string {
	t.Helper()
	m := formToken.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form token\n%.3000s", p.body)
	}
	return m[1]
}

func caseAssetsView(t *testing.T, ctx context.Context, db *store.DB, id uuid.UUID) *assets.CaseView {
	t.Helper()
	v, err := assets.ForCase(ctx, db, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAssetsUI: the 查控 section of the case page for a company whose bank
// holds more than the claim: the account (masked) with its balance and a
// freeze form with the amount prefilled; bad input comes back next to the
// form (malformed amount, missing purpose) with or without htmx; users
// without the permission see no actions and are refused; another court's
// case is not found; a form submitted twice changes things once.
func TestAssetsUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		s := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Organization(6101)
		const account = "6222020011118888"
		ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.CreditCode, []agency.Holding{{Ref: account, Kind: agency.BankDeposit,
			Institution: "工商银行佛山三水支行", ValueFen: 35_000_000, AvailableFen: 35_000_000}})
		const small = "4367000055557777"
		ag.Sim.SetHoldings(agency.BankDeposit, "ccb", debtor.CreditCode, []agency.Holding{{Ref: small, Kind: agency.BankDeposit,
			Institution: "建设银行佛山三水支行", ValueFen: 5_000_000, AvailableFen: 5_000_000}})
		in := intaketest.Application(s.CourtID, 6101)
		in.Respondents = []intake.PartyInput{debtor}
		in.ClaimAmountFen = 20_000_000
		c := uiFile(t, s, in)
		ag.Settle(t)
		var deposit, smallDeposit *assets.Asset
		for _, a := range caseAssetsView(t, s.Judge, db, c.ID).Assets {
			switch a.Ref {
			case account:
				deposit = a
			case small:
				smallDeposit = a
			}
		}
		if deposit == nil || smallDeposit == nil {
			t.Fatal("the deposits were not found by the filing inquiry")
		}
		path := "/cases/" + c.ID.String()
		judge := staffBrowser(t, env, s.Judge)
		htmx := map[string]string{"HX-Request": "true"}

		p := judge.get(path)
		p.must(t, 200, `id="assets"`, "立案自动查询", "已完成", debtor.Name, "银行存款", "****8888", "350,000.00",
			`id="inquiry-form"`, `id="control-form-`+deposit.ID.String()+`"`, `value="200,000.00"`, "本案尚待控制 200,000.00 元")
		p.lacks(t, account)

		// A malformed amount: 422, the Chinese reason next to the field, the
		// form as sent; nothing placed.
		freeze := func(token, amount string) url.Values {
			return url.Values{"form_token": {token}, "asset_id": {deposit.ID.String()}, "amount": {amount}, "months": {"12"},
				"reason": {"冻结被执行人存款"}, "ruling_no": {"（2026）粤0607执1号之一"}}
		}
		p = judge.post(path+"/controls", freeze(p.token(t), "12.345"))
		p.must(t, 422, "最多保留两位小数", `value="12.345"`, "（2026）粤0607执1号之一", `aria-invalid="true"`)
		judge.post(path+"/controls", freeze("", "二十万")).must(t, 422, "格式不正确")
		judge.post(path+"/controls", freeze("", "")).must(t, 422, "请填写冻结金额（元）")
		// With htmx the section alone comes back (200: htmx swaps only
		// successful answers) with the reason in it.
		p = judge.do("POST", path+"/controls", freeze("", "1,00.00"), htmx)
		p.must(t, 200, `<section id="assets"`, "格式不正确", `value="1,00.00"`)
		p.lacks(t, "<html")

		// A missing purpose.
		judge.post(path+"/inquiries", url.Values{"purpose": {" "}}).must(t, 422, "请写明查询目的")
		judge.do("POST", path+"/inquiries", url.Values{"purpose": {""}, "choices_shown": {"1"}, "kinds": {"bank_deposit"},
			"party_ids": {c.Respondents()[0].PartyID.String()}}, htmx).must(t, 200, `<section id="assets"`, "请写明查询目的")
		judge.post(path+"/inquiries", url.Values{"purpose": {"复查"}, "choices_shown": {"1"}}).must(t, 422, "请至少选择一个查询类别")
		if n := len(caseAssetsView(t, s.Judge, db, c.ID).Inquiries); n != 1 {
			t.Fatalf("inquiries after refused ones: %d, want the filing's only", n)
		}

		// Double submission: the same form sent twice places one control;
		// the second answer says nothing more was done.
		token := judge.get(path).token(t)
		judge.post(path+"/controls", freeze(token, "200,000")).redirected(t, path+"?assets=freeze#assets")
		judge.post(path+"/controls", freeze(token, "200,000")).redirected(t, path+"?assets=duplicate#assets")
		p = judge.get(path + "?assets=duplicate")
		p.must(t, 200, "没有重复办理", "待协执单位办理")
		if v := caseAssetsView(t, s.Judge, db, c.ID); len(v.Controls) != 1 || v.Controls[0].AmountAskedFen != 20_000_000 {
			t.Fatalf("controls after a double submission: %+v", v.Controls)
		}
		// A fresh form for the same asset is refused by the registry.
		judge.post(path+"/controls", freeze(p.token(t), "1")).must(t, 409, "本案已对该财产采取控制措施")
		// An inquiry sent twice is one inquiry.
		q := url.Values{"form_token": {token}, "purpose": {"采取控制措施前核实财产现状"}}
		judge.do("POST", path+"/inquiries", q, htmx).must(t, 200, "已发起查询")
		judge.do("POST", path+"/inquiries", q, htmx).must(t, 200, "没有重复办理")
		if n := len(caseAssetsView(t, s.Judge, db, c.ID).Inquiries); n != 2 {
			t.Fatalf("inquiries after a double click: %d, want 2", n)
		}

		// The agency answers: 首封, its term, the actions on it.
		ag.Settle(t)
		v := caseAssetsView(t, s.Judge, db, c.ID)
		ctl := v.Controls[0]
		if ctl.Status != assets.ControlActive || ctl.Rank != 1 {
			t.Fatalf("control after settling: %+v", ctl)
		}
		p = judge.get(path)
		p.must(t, 200, `id="control-`+ctl.ID.String()+`"`, "首封", ctl.TermTo.String(), "（2026）粤0607执1号之一",
			`id="renew-form-`+ctl.ID.String()+`"`, `id="release-form-`+ctl.ID.String()+`"`, `id="deduct-form-`+ctl.ID.String()+`"`)
		p.lacks(t, `id="control-form-`+deposit.ID.String()+`"`)
		// A release needs a reason; a deduction a well-formed amount.
		cpath := path + "/controls/" + ctl.ID.String()
		judge.post(cpath+"/release", url.Values{"form_token": {p.token(t)}, "reason": {""}}).must(t, 422, "请写明理由")
		judge.post(cpath+"/deduction", url.Values{"amount": {"5.5.5"}, "reason": {"扣划"}}).must(t, 422, "扣划金额", "格式不正确")
		judge.post(cpath+"/deduction", url.Values{"amount": {"300,000"}, "reason": {"扣划"}}).must(t, 422, "不超过实际冻结金额")

		// More than the small account holds: a partial freeze, said in words.
		in2 := freeze(judge.get(path).token(t), "80,000")
		in2.Set("asset_id", smallDeposit.ID.String())
		judge.post(path+"/controls", in2).redirected(t, path+"?assets=freeze#assets")
		// Another case against the same debtor freezes the small account,
		// all of it frozen already: it waits (轮候), and both pages say so.
		in3 := intaketest.Application(s.CourtID, 6103)
		in3.Respondents = []intake.PartyInput{debtor}
		second := uiFile(t, s, in3)
		spath := "/cases/" + second.ID.String()
		in4 := freeze(judge.get(spath).token(t), "10,000")
		in4.Set("ruling_no", "（2026）粤0607执2号之一")
		in4.Set("asset_id", smallDeposit.ID.String())
		judge.post(spath+"/controls", in4).redirected(t, spath+"?assets=freeze#assets")
		ag.Settle(t)
		judge.get(path).must(t, 200, "部分冻结：实际冻结 50,000.00 元，少于申请的 80,000.00 元（差 30,000.00 元）",
			second.CaseNo+" 冻结 轮候第 2 位")
		judge.get(spath).must(t, 200, "轮候第 2 位", "尚未冻结到款项", c.CaseNo+" 冻结 在控（首封）")

		// Without the permission: the section, no actions; the routes refuse.
		clerk := userBrowser(t, env, "asui.clerk", access.RoleClerk, "粤0607")
		p = clerk.get(path)
		p.must(t, 200, `id="assets"`, "****8888", "首封")
		p.lacks(t, `id="inquiry-form"`, `id="control-form-`, `id="renew-form-`)
		clerk.post(path+"/inquiries", url.Values{"purpose": {"查询"}}).must(t, 403)
		clerk.post(path+"/controls", freeze("", "1")).must(t, 403)
		clerk.post(cpath+"/release", url.Values{"reason": {"解除"}}).must(t, 403)
		leader := userBrowser(t, env, "asui.leader", access.RoleTeamLeader, "粤0607") // may inquire, not control
		p = leader.get(path)
		p.must(t, 200, `id="inquiry-form"`)
		p.lacks(t, `id="renew-form-`)

		// Another court's judge: not found, whatever the route.
		outsider := userBrowser(t, env, "asui.outsider", access.RolePostJudge, "皖01")
		outsider.get(path).must(t, 404)
		outsider.post(path+"/inquiries", url.Values{"purpose": {"查询"}}).must(t, 404)
		outsider.post(path+"/controls", freeze("", "1")).must(t, 404)
		outsider.post(cpath+"/renewal", url.Values{"reason": {"续行"}}).must(t, 404)
		// A control of another case through this case's route: not found.
		other := uiFile(t, s, intaketest.Application(s.CourtID, 6102))
		judge.post("/cases/"+other.ID.String()+"/controls/"+ctl.ID.String()+"/release", url.Values{"reason": {"解除"}}).must(t, 404)

		if got := caseAssetsView(t, s.Judge, db, c.ID); len(got.Controls) != 2 || got.Controls[0].Status != assets.ControlActive {
			t.Fatalf("controls at the end: %+v", got.Controls)
		}
	})
}
