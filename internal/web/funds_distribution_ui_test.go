package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// TestCaseDistributionUI: 分配方案 on the case page (DIST-1 to DIST-4).
// A natural person owes in three cases; ¥30,000 of theirs is held in the
// first. A clerk sees no form and is refused; a bad or too large amount
// comes back in Chinese with what was typed kept; a first draft of part of
// it is withdrawn (a reason is needed, once from one form); the plan drafted twice
// from one form is drafted once, with the three cases' claims and shares,
// and shows on the other cases' pages without their forms. Another court
// gets "not found". Served twice from one form: once. Carried out inside
// the objection period: the backend's reason. An objection without its
// reason is refused with the objector kept; recorded, countered, the suit
// period over (backdated), dismissed; the objection period over
// (backdated), the plan is carried out with htmx and each case has its
// share.
func TestCaseDistributionUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Person(5171)
		file := func(seed int, claimFen int64) *cases.Case {
			in := intaketest.Application(s.CourtID, seed)
			in.Respondents, in.ClaimAmountFen = []intake.PartyInput{debtor}, claimFen
			return uiFile(t, s, in)
		}
		c1, c2, c3 := file(5172, 1_000_000), file(5174, 2_000_000), file(5176, 3_000_000)
		fundsReceive(t, s, c1, 3_000_000)
		path1, path2 := "/cases/"+c1.ID.String(), "/cases/"+c2.ID.String()
		debtorID := c1.Respondents()[0].PartyID.String()
		htmx := map[string]string{"HX-Request": "true"}
		judge := staffBrowser(t, env, s.Judge)
		clerk := userBrowser(t, env, "fdist.clerk", access.RoleClerk, "粤0607")
		outsider := userBrowser(t, env, "fdist.outsider", access.RoleBureauChief, "皖01")
		plans := func(c *cases.Case) []*funds.Distribution {
			t.Helper()
			list, err := funds.CaseDistributions(s.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return list
		}

		// Drafting: who may, and refused amounts.
		p := judge.get(path1)
		p.must(t, 200, `id="dist-propose-form"`, `<option value="`+debtorID+`" selected>`+debtor.Name+"（本案代管 30,000.00 元）")
		judge.get(path2).lacks(t, `id="dist-propose-form"`) // nothing held there
		clerk.get(path1).lacks(t, `id="dist-propose-form"`)
		clerk.post(path1+"/funds/distributions", url.Values{"debtor_party_id": {debtorID}}).must(t, 403)
		token := p.fundsToken(t)
		ask := url.Values{"form_token": {token}, "debtor_party_id": {debtorID}, "amount": {"abc"}, "note": {"三案参与分配"}}
		judge.post(path1+"/funds/distributions", ask).must(t, 422, "分配金额：", `value="abc"`, `value="三案参与分配"`, `id="dist-propose-form"`)
		ask.Set("amount", "30000.01")
		judge.do("POST", path1+"/funds/distributions", ask, htmx).must(t, 200, `<section id="funds"`, "分配金额须大于 0 且不超过",
			`value="30000.01"`)
		// A first draft of part of it, withdrawn: a reason is needed.
		ask.Set("amount", "10000")
		judge.post(path1+"/funds/distributions", ask).redirected(t, path1+"?funds=dist_proposed#funds")
		first := plans(c1)[0]
		if first.AmountFen != 1_000_000 {
			t.Fatalf("first plan %+v", first)
		}
		p = judge.get(path1)
		p.lacks(t, `id="dist-propose-form"`) // one open plan at a time
		token = p.fundsToken(t)
		withdraw := path1 + "/funds/distributions/" + first.ID.String() + "/withdrawal"
		clerk.post(withdraw, url.Values{"reason": {"x"}}).must(t, 403)
		judge.post(withdraw, url.Values{"form_token": {token}, "reason": {" "}}).must(t, 422, "请写明撤回理由",
			`id="dist-withdraw-form-`+first.ID.String()+`"`)
		judge.post(withdraw, url.Values{"form_token": {token}, "reason": {"金额有误，重拟"}}).redirected(t, path1+"?funds=dist_withdrawn#funds")
		judge.post(withdraw, url.Values{"form_token": {token}, "reason": {"金额有误，重拟"}}).redirected(t, path1+"?funds=duplicate#funds")
		p = judge.get(path1 + "?funds=dist_withdrawn")
		p.must(t, 200, "已撤回分配方案。", `id="dist-status-`+first.ID.String()+`">已撤回<`, "撤回：金额有误，重拟", `id="dist-propose-form"`)
		p.lacks(t, `id="dist-withdraw-form-`)

		// Drafted twice from one form: once.
		ask = url.Values{"form_token": {p.fundsToken(t)}, "debtor_party_id": {debtorID}, "note": {"三案参与分配"}}
		judge.post(path1+"/funds/distributions", ask).redirected(t, path1+"?funds=dist_proposed#funds")
		judge.post(path1+"/funds/distributions", ask).redirected(t, path1+"?funds=duplicate#funds")
		list := plans(c1)
		if len(list) != 2 || len(list[0].Claims) != 3 || list[0].Status != "draft" || list[0].AmountFen != 3_000_000 {
			t.Fatalf("plans %+v", list)
		}
		d := list[0]
		id := d.ID.String()
		base := path1 + "/funds/distributions/" + id
		p = judge.get(path1 + "?funds=dist_proposed")
		p.must(t, 200, "已拟定分配方案", `id="distribution-`+id+`"`, `id="dist-status-`+id+`">草案<`, "按债权比例分配（DIST-2）",
			c1.CaseNo+"（本案）", `<a href="/cases/`+c3.ID.String()+`#funds">`+c3.CaseNo+`</a>`, yuanOf(d.Claims[2].Share.Total()),
			`id="dist-publish-form-`+id+`"`, `id="dist-withdraw-form-`+id+`"`)
		p.lacks(t, `id="dist-propose-form"`, `id="dist-execute-form-`)
		// The other cases see the plan, not its forms.
		p2 := judge.get(path2)
		p2.must(t, 200, `id="distribution-`+id+`"`, c2.CaseNo+"（本案）", "方案在 <a href=\"/cases/"+c1.ID.String()+"#funds\">"+c1.CaseNo)
		p2.lacks(t, `id="dist-publish-form-`)
		clerk.get(path1).must(t, 200, `id="distribution-`+id+`"`)
		clerk.get(path1).lacks(t, `id="dist-publish-form-`)
		clerk.post(base+"/publication", url.Values{}).must(t, 403)
		outsider.get(path1).must(t, 404)
		outsider.post(base+"/publication", url.Values{}).must(t, 404)
		judge.post("/cases/"+c1.ID.String()+"/funds/distributions/"+c1.ID.String()+"/publication", url.Values{}).must(t, 404)
		judge.post("/cases/"+c1.ID.String()+"/funds/distributions/nope/publication", url.Values{}).must(t, 404)

		// Served twice from one form: once; executed too early: refused.
		token = p.fundsToken(t)
		judge.post(base+"/publication", url.Values{"form_token": {token}}).redirected(t, path1+"?funds=dist_published#funds")
		judge.post(base+"/publication", url.Values{"form_token": {token}}).redirected(t, path1+"?funds=duplicate#funds")
		d = plans(c1)[0]
		if d.Status != "published" {
			t.Fatalf("after publication: %+v", d)
		}
		p = judge.get(path1 + "?funds=dist_published")
		p.must(t, 200, "分配方案已送达：", `id="dist-due-`+id+`">`+d.ObjectionDue.String()+`<`, `id="dist-execute-form-`+id+`"`,
			`id="dist-object-form-`+id+`"`)
		p.lacks(t, `id="dist-publish-form-`)
		token = p.fundsToken(t)
		judge.post(base+"/execution", url.Values{"form_token": {token}}).must(t, 409, "异议期至 "+d.ObjectionDue.String()+"，届满后方可执行（DIST-4）",
			`id="dist-execute-form-`+id+`"`)

		// An objection: refused without its reason, then recorded once.
		obj := url.Values{"form_token": {token}, "case_id": {c3.ID.String()}, "objector": {"申请执行人丙"}, "reason": {" "}}
		judge.post(base+"/objections", obj).must(t, 422, "请写明异议人和异议理由", `value="申请执行人丙"`, `<details class="act" open>`,
			`<option value="`+c3.ID.String()+`" selected>`)
		obj.Set("case_id", "bad")
		judge.post(base+"/objections", obj).must(t, 422, "请选择异议人所在的案件")
		obj.Set("case_id", c3.ID.String())
		obj.Set("reason", "利息计算有误")
		judge.post(base+"/objections", obj).redirected(t, path1+"?funds=dist_objected#funds")
		judge.post(base+"/objections", obj).redirected(t, path1+"?funds=duplicate#funds")
		d = plans(c1)[0]
		if len(d.Objections) != 1 {
			t.Fatalf("objections %+v", d.Objections)
		}
		oid := d.Objections[0].ID
		step := base + "/objections/" + oid.String() + "/step"
		p = judge.get(path1)
		p.must(t, 200, `id="objection-`+oid.String()+`"`, "利息计算有误", "待反对意见", `id="objstep-form-`+oid.String()+`"`)
		token = p.fundsToken(t)
		judge.post(step, url.Values{"form_token": {token}, "step": {"upheld"}}).must(t, 409, "反对意见期限（至 "+d.Objections[0].CounterDue.String())
		judge.post(step, url.Values{"form_token": {token}, "step": {"weird"}}).must(t, 422, "请选择异议的处理结果")
		clerk.post(step, url.Values{"step": {"countered"}}).must(t, 403)
		judge.post(base+"/objections/"+c1.ID.String()+"/step", url.Values{"step": {"countered"}}).must(t, 404)
		judge.post(step, url.Values{"form_token": {token}, "step": {"countered"}, "note": {"申请执行人甲反对"}}).
			redirected(t, path1+"?funds=dist_countered#funds")
		judge.post(step, url.Values{"form_token": {token}, "step": {"countered"}, "note": {"申请执行人甲反对"}}).
			redirected(t, path1+"?funds=duplicate#funds")
		today := legal.Today(time.Now())
		uiExec(t, db, `UPDATE distribution_objections SET suit_due = ? WHERE id = ?`, today.AddDays(-1), oid)
		p = judge.get(path1)
		p.must(t, 200, "已被反对，待起诉", `<option value="dismissed">期限内未起诉，按原方案分配`)
		token = p.fundsToken(t)
		judge.do("POST", step, url.Values{"form_token": {token}, "step": {"dismissed"}, "note": {"异议人未在期限内起诉"}}, htmx).
			must(t, 200, `<section id="funds"`, "已记录异议不成立", "异议不成立")

		// Still inside the objection period; then past it: carried out.
		p = judge.get(path1)
		p.lacks(t, `id="objstep-form-`)
		token = p.fundsToken(t)
		judge.do("POST", base+"/execution", url.Values{"form_token": {token}}, htmx).must(t, 200, "届满后方可执行（DIST-4）")
		uiExec(t, db, `UPDATE distributions SET objection_due = ? WHERE id = ?`, today.AddDays(-1), d.ID)
		p = judge.get(path1)
		p.lacks(t, `id="dist-object-form-`)
		token = p.fundsToken(t)
		judge.do("POST", base+"/execution", url.Values{"form_token": {token}}, htmx).
			must(t, 200, `<section id="funds"`, "分配方案已执行：", `id="dist-status-`+id+`">已执行<`)
		judge.post(base+"/execution", url.Values{"form_token": {token}}).redirected(t, path1+"?funds=duplicate#funds")
		d = plans(c1)[0]
		if d.Status != "executed" {
			t.Fatalf("after execution: %+v", d)
		}
		for i, c := range []*cases.Case{c1, c2, c3} {
			l, err := funds.ForCase(s.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if want := d.Claims[i].Share.Total(); i > 0 && l.ReceivedFen != want {
				t.Errorf("%s received %d, share %d", c.CaseNo, l.ReceivedFen, want)
			}
		}
		judge.get(path1).lacks(t, `id="dist-execute-form-`, `id="dist-withdraw-form-`)
		judge.get(path2).must(t, 200, "按分配方案自 "+c1.CaseNo+" 分得")
	})
}

// yuanOf is an amount as the pages write it.
func yuanOf(fen int64) string {
	return strings.Replace(triage.FormatYuan(fen), "¥", "", 1)
}
