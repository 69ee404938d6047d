package web_test

import (
	"net/url"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestFastPathUI: the case page offers the fast path once money frozen
// covers principal, interest and fee; the approval needs the ruling's
// number (the error in Chinese, the note kept), a user without
// assets.control sees the offer without the form and is refused; the same
// form sent twice sends one deduction per freeze, and the offer then says
// the deduction is under way; once the bank has answered, the money is
// recovered and the offer gone.
func TestFastPathUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		s := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Organization(1121)
		holdsNothing(ag, debtor.CreditCode)
		ag.Sim.SetHoldings(agency.BankDeposit, "ccb", debtor.CreditCode, []agency.Holding{{Ref: "44050166001100001121", Kind: agency.BankDeposit,
			Institution: "建设银行佛山三水支行", ValueFen: 26_000_000, AvailableFen: 26_000_000}})
		in := intaketest.Application(s.CourtID, 1121)
		in.Respondents = []intake.PartyInput{debtor}
		in.ClaimAmountFen = 20_000_000
		c := uiFile(t, s, in)
		ag.Settle(t)
		path := "/cases/" + c.ID.String()
		judge := staffBrowser(t, env, s.Judge)
		judge.get(path).lacks(t, `id="fast-path"`) // nothing frozen: no offer

		deposit := caseAssetsView(t, s.Judge, db, c.ID).Assets[0]
		judge.post(path+"/controls", url.Values{"asset_id": {deposit.ID.String()}, "amount": {"260,000"}, "months": {"12"},
			"reason": {"冻结被执行人存款"}, "ruling_no": {"（2026）粤0607执1121号之一"}}).redirected(t, path+"?assets=freeze#assets")
		ag.Settle(t)
		o := caseAssetsView(t, s.Judge, db, c.ID).Offer
		if o == nil || !o.Covered {
			t.Fatalf("offer %+v", o)
		}
		owed := yuan(o.OwedFen)
		p := judge.get(path)
		p.must(t, 200, `id="fast-path"`, "冻结款项足以清偿", "200,000.00", yuan(o.InterestFen), yuan(o.FeeFen), owed, "260,000.00",
			`id="fast-path-form"`, "批准扣划 "+owed+" 元")

		// Without the ruling's number: refused, the note kept.
		token := p.token(t)
		r := judge.post(path+"/fast-path", url.Values{"form_token": {token}, "ruling_no": {" "}, "note": {"申请执行人同意"}})
		r.must(t, 422, "请填写扣划裁定书文号", `value="申请执行人同意"`, `aria-invalid="true"`)
		judge.do("POST", path+"/fast-path", url.Values{"form_token": {token}}, map[string]string{"HX-Request": "true"}).
			must(t, 200, `<section id="assets"`, "请填写扣划裁定书文号")

		// A clerk sees the offer, not the form, and may not approve.
		clerk := userBrowser(t, env, "fp.clerk", access.RoleClerk, "粤0607")
		p = clerk.get(path)
		p.must(t, 200, `id="fast-path"`, owed)
		p.lacks(t, `id="fast-path-form"`)
		clerk.post(path+"/fast-path", url.Values{"ruling_no": {"（2026）粤0607执1121号之二"}}).must(t, 403)
		// Another court's judge: not found.
		userBrowser(t, env, "fp.outsider", access.RolePostJudge, "皖01").
			post(path+"/fast-path", url.Values{"ruling_no": {"x"}}).must(t, 404)

		// Approved twice from one form: one deduction.
		ok := url.Values{"form_token": {token}, "ruling_no": {"（2026）粤0607执1121号之二"}}
		judge.post(path+"/fast-path", ok).redirected(t, path+"?assets=fastpath#assets")
		judge.post(path+"/fast-path", ok).redirected(t, path+"?assets=duplicate#assets")
		deductions := 0
		for _, q := range caseAssetsView(t, s.Judge, db, c.ID).Requests {
			if q.Op == agency.OpDeduct {
				deductions++
			}
		}
		if deductions != 1 {
			t.Fatalf("deductions sent: %d, want 1", deductions)
		}
		p = judge.get(path + "?assets=fastpath")
		p.must(t, 200, "已批准快速扣划", "扣划办理中", `id="offer-pending"`)
		p.lacks(t, `id="fast-path-form"`)
		// A fresh form while the deduction is under way: refused, said why.
		judge.post(path+"/fast-path", url.Values{"form_token": {p.token(t)}, "ruling_no": {"x"}}).must(t, 409, "已有扣划正在等待协执单位答复")

		// The bank answers: the deduction shows, the money is recovered and
		// nothing is left to offer.
		ag.Settle(t)
		v := caseAssetsView(t, s.Judge, db, c.ID)
		if v.Controls[0].DeductedFen != o.OwedFen {
			t.Fatalf("deducted %d, want %d", v.Controls[0].DeductedFen, o.OwedFen)
		}
		p = judge.get(path)
		p.must(t, 200, "已扣划 "+owed, "已执行到位 "+owed+" 元")
		p.lacks(t, `id="fast-path"`)
		if st := ag.Sim.Stats(); st.DoubleActions != 0 {
			t.Errorf("double actions at the bank: %d", st.DoubleActions)
		}
	})
}

// yuan is an amount as the pages show it.
func yuan(fen int64) string { return intakeUIYuan(fen) }
