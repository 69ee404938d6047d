package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// uiExec changes the database behind the code's back: time passing.
func uiExec(t *testing.T, db *store.DB, query string, args ...any) {
	t.Helper()
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, query, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// uiSeize places a seizure of an asset for a case and lets the agency
// answer it.
func uiSeize(t *testing.T, ctx context.Context, db *store.DB, ag *apptest.Agencies, c *cases.Case, asset uuid.UUID) *assets.Control {
	t.Helper()
	ctl, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
		return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: asset, Reason: "查封房产", RulingNo: c.CaseNo + "之一"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ag.Settle(t)
	return ctl
}

// assetByRefIn finds an asset of a case by its reference.
func assetByRefIn(t *testing.T, ctx context.Context, db *store.DB, caseID uuid.UUID, ref string) uuid.UUID {
	t.Helper()
	for _, a := range caseAssetsView(t, ctx, db, caseID).Assets {
		if a.Ref == ref {
			return a.ID
		}
	}
	t.Fatalf("no asset %s", ref)
	return uuid.Nil
}

// TestTransferRequestsUI (TERM-4 on the pages): 三水 seized a house first;
// 禅城, enforcing a mortgage, waits behind it. 禅城's case page offers the
// 商请移送 form on its waiting seizure (三水's does not); asked too early,
// the backend's reason comes back with what was typed. 61 days on the
// request goes out once however often it is sent, is withdrawn (a reason is
// needed) and sent again. 三水 sees it on its case page and worklist,
// overdue highlighted; a refusal without reasons comes back in Chinese with
// the letter number kept; the agreement sent twice is one answer, shown on
// both case pages and on both courts' worklists. Another court's judge
// gets "not found", a clerk "forbidden".
func TestTransferRequestsUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		sanshui := intaketest.NewStaff(t, db, "")
		chancheng := intaketest.NewStaff(t, db, "粤0604")
		debtor := intaketest.Person(9931)
		const ref = "粤(2023)佛山市不动产权第0009931号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 200_000_000,
			Attributes: map[string]string{"address": "佛山市禅城区祖庙路99号"}}})
		against := func(s *intaketest.Staff, seed int) *cases.Case {
			in := intaketest.Application(s.CourtID, seed)
			in.Respondents = []intake.PartyInput{debtor}
			return uiFile(t, s, in)
		}
		first, mortgage := against(sanshui, 9931), against(chancheng, 9932)
		ag.Settle(t)
		house := assetByRefIn(t, sanshui.Judge, db, first.ID, ref)
		held := uiSeize(t, sanshui.Judge, db, ag, first, house)
		waiting := uiSeize(t, chancheng.Judge, db, ag, mortgage, house)
		if v := caseAssetsView(t, chancheng.Judge, db, mortgage.ID); v.Controls[0].Status != assets.ControlWaiting {
			t.Fatalf("mortgage case control = %+v, want waiting", v.Controls[0])
		}

		fpath, mpath := "/cases/"+first.ID.String(), "/cases/"+mortgage.ID.String()
		sj, cj := staffBrowser(t, env, sanshui.Judge), staffBrowser(t, env, chancheng.Judge)
		htmx := map[string]string{"HX-Request": "true"}
		transferForm := `id="transfer-form-` + waiting.ID.String() + `"`

		// Only the waiting seizure behind another court's 首封 is offered
		// the form.
		p := cj.get(mpath)
		p.must(t, 200, transferForm, "首封："+first.CaseNo, "商请移送")
		sj.get(fpath).lacks(t, `id="transfer-form-`)

		// Too early: the backend's reason, as it says it, next to the form
		// as typed.
		const claim = "抵押权（粤(2023)佛山市不动产证明第0019931号）"
		ask := func(token, letter string) url.Values {
			return url.Values{"form_token": {token}, "control_id": {waiting.ID.String()}, "priority_claim": {claim}, "letter_no": {letter}}
		}
		r := cj.post(mpath+"/transfer-requests", ask(p.token(t), "（2026）粤0604执商移1号"))
		r.must(t, 409, "查封满 60 日仍未处分的", "方可商请移送（TERM-4）",
			claim, `value="（2026）粤0604执商移1号"`, transferForm)
		// Missing fields: Chinese, next to them.
		cj.do("POST", mpath+"/transfer-requests", ask("", " "), htmx).must(t, 200, `<section id="assets"`, "请填写商请移送执行函的文号", claim)

		// 61 days on: sent twice with htmx, one request.
		uiExec(t, db, `UPDATE controls SET effective_at = ? WHERE id = ?`, time.Now().UTC().AddDate(0, 0, -61), held.ID)
		token := cj.get(mpath).token(t)
		cj.do("POST", mpath+"/transfer-requests", ask(token, "（2026）粤0604执商移1号"), htmx).must(t, 200, "已向首封法院发出商请移送", "本案发出",
			"待首封法院答复", first.CaseNo)
		cj.do("POST", mpath+"/transfer-requests", ask(token, "（2026）粤0604执商移1号"), htmx).must(t, 200, "没有重复办理")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM transfer_requests WHERE requesting_case_id = ?`, mortgage.ID); n != 1 {
			t.Fatalf("transfer requests after a double submission: %d, want 1", n)
		}
		v := caseAssetsView(t, chancheng.Judge, db, mortgage.ID)
		tr := v.Transfers[0]
		p = cj.get(mpath)
		p.must(t, 200, "已商请 "+tr.HoldingCourtName+" 移送", `id="withdraw-form-`+tr.ID.String()+`"`)
		p.lacks(t, transferForm, `href="/cases/`+first.ID.String())

		// Withdrawn (a reason needed), then asked again.
		withdraw := mpath + "/transfer-requests/" + tr.ID.String() + "/withdrawal"
		cj.post(withdraw, url.Values{"form_token": {p.token(t)}, "reason": {" "}}).must(t, 422, "请写明撤回理由", `<details class="act" open>`, `id="withdraw-form-`+tr.ID.String()+`"`)
		cj.post(withdraw, url.Values{"form_token": {p.token(t)}, "reason": {"函号有误，重新发函"}}).redirected(t, mpath+"?assets=transfer_withdrawn#assets")
		cj.get(mpath).must(t, 200, "已撤回", `<p class="reason">函号有误，重新发函</p>`, transferForm)
		cj.post(mpath+"/transfer-requests", ask(cj.get(mpath).token(t), "（2026）粤0604执商移2号")).redirected(t, mpath+"?assets=transfer#assets")
		for _, x := range caseAssetsView(t, chancheng.Judge, db, mortgage.ID).Transfers {
			if x.Status == assets.TransferPending {
				tr = x
			}
		}
		if tr.LetterNo != "（2026）粤0604执商移2号" {
			t.Fatalf("pending request = %+v", tr)
		}
		tid := tr.ID.String()
		answer := fpath + "/transfer-requests/" + tid + "/answer"

		// 三水: the request on its case page and worklist, overdue
		// highlighted.
		uiExec(t, db, `UPDATE transfer_requests SET answer_due = ? WHERE id = ?`, legal.Today(time.Now()).AddDays(-2), tr.ID)
		p = sj.get(fpath)
		p.must(t, 200, `id="transfer-`+tid+`" class="transfer-pending overdue"`, "本案收到", tr.RequestingCourtName, mortgage.CaseNo, claim,
			"（2026）粤0604执商移2号", "逾期 2 日", `id="answer-form-`+tid+`"`,
			"收到 "+tr.RequestingCourtName+"（"+mortgage.CaseNo+"）商请移送，须于")
		p.lacks(t, `href="/cases/`+mortgage.ID.String())
		w := sj.get("/")
		w.must(t, 200, `href="/transfer-requests"`)
		w = sj.get("/transfer-requests")
		w.must(t, 200, "待本院答复", `<tr id="transfer-`+tid+`" class="overdue">`, "逾期 2 日", mortgage.CaseNo,
			`<a href="/cases/`+first.ID.String()+`#assets">`+first.CaseNo+`</a>`, `href="/cases/`+first.ID.String()+`#transfer-`+tid+`"`, "去答复")
		w.lacks(t, `href="/cases/`+mortgage.ID.String())
		cj.get("/transfer-requests").must(t, 200, "本院还没有收到商请移送")
		cj.get("/transfer-requests?tab=outgoing").must(t, 200, "等待对方答复", "已处理", "已撤回", first.CaseNo,
			`<a href="/cases/`+mortgage.ID.String()+`#assets">`+mortgage.CaseNo+`</a>`)
		sj.get("/transfer-requests?cursor=bad").must(t, 422, "分页游标无效")

		// Who may not: another court (not found), a clerk (forbidden), the
		// requesting court through either case.
		outsider := userBrowser(t, env, "trui.outsider", access.RolePostJudge, "皖01")
		agree := func(token string) url.Values {
			return url.Values{"form_token": {token}, "decision": {"agree"}, "letter_no": {"（2026）粤0607执移3号"}, "reason": {"尚未启动处分程序"}}
		}
		outsider.post(answer, agree("")).must(t, 404)
		outsider.get(fpath).must(t, 404)
		outsider.get("/transfer-requests").lacks(t, first.CaseNo, mortgage.CaseNo)
		cj.post(answer, agree("")).must(t, 404)
		cj.post(mpath+"/transfer-requests/"+tid+"/answer", agree("")).must(t, 404)
		sj.post(fpath+"/transfer-requests/"+tid+"/withdrawal", url.Values{"reason": {"x"}}).must(t, 404)
		clerk := userBrowser(t, env, "trui.clerk", access.RoleClerk, "粤0607")
		clerk.post(answer, agree("")).must(t, 403)
		clerk.get(fpath).must(t, 200, "本案收到", "待首封法院答复")
		clerk.get(fpath).lacks(t, `id="answer-form-`)
		clerk.get("/transfer-requests").must(t, 403)
		clerk.get("/").lacks(t, `href="/transfer-requests"`)

		// A refusal needs its reasons; what was typed stays. No choice made.
		token = sj.get(fpath).token(t)
		r = sj.post(answer, url.Values{"form_token": {token}, "decision": {"refuse"}, "letter_no": {"（2026）粤0607执移3号"}, "reason": {"  "}})
		r.must(t, 422, "不同意移送的，请写明理由", `value="（2026）粤0607执移3号"`, `id="answer-form-`+tid+`"`, `aria-invalid="true"`)
		sj.do("POST", answer, url.Values{"form_token": {token}, "letter_no": {"（2026）粤0607执移3号"}, "reason": {"待定"}}, htmx).must(t, 200,
			`<section id="assets"`, "请选择同意移送或不同意移送", "待定")
		if got, err := assets.GetTransfer(sanshui.Judge, db, tr.ID); err != nil || got.Status != assets.TransferPending {
			t.Fatalf("after refused answers: %+v %v, want pending", got, err)
		}

		// The agreement sent twice: one answer.
		sj.post(answer, agree(token)).redirected(t, fpath+"?assets=transfer_agreed#assets")
		sj.post(answer, agree(token)).redirected(t, fpath+"?assets=duplicate#assets")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM case_events WHERE case_id = ? AND kind = 'transfer.answered'`, first.ID); n != 1 {
			t.Fatalf("answers recorded: %d, want 1", n)
		}
		// Answered: a fresh form is refused, said why, the form gone.
		sj.post(answer, url.Values{"decision": {"refuse"}, "reason": {"改变主意"}}).must(t, 409, "该商请已处理（同意移送）")

		// Both case pages and both worklists show the agreement.
		p = sj.get(fpath + "?assets=transfer_agreed")
		p.must(t, 200, "已答复同意移送", `<span class="tag on">同意移送</span>`, "<p>移送执行函 （2026）粤0607执移3号</p>",
			`<p class="reason">尚未启动处分程序</p>`, "已同意移送 "+tr.RequestingCourtName)
		p.lacks(t, `id="answer-form-`, "逾期 2 日")
		p = cj.get(mpath)
		p.must(t, 200, `<span class="tag on">同意移送</span>`, "<p>移送执行函 （2026）粤0607执移3号</p>", tr.HoldingCourtName+" 已同意移送",
			"由本案处分该财产")
		p.lacks(t, transferForm, `id="withdraw-form-`)
		sj.get("/transfer-requests").must(t, 200, "已处理", "同意移送", "查看")
		sj.get("/transfer-requests").lacks(t, "待本院答复", "去答复")
		cj.get("/transfer-requests?tab=outgoing").must(t, 200, "同意移送", "移送执行函 （2026）粤0607执移3号")
		d, err := assets.DisposalRight(context.Background(), db, house)
		if err != nil || d.CaseID != mortgage.ID {
			t.Fatalf("disposal after the agreement: %+v %v, want the mortgage case", d, err)
		}
	})
}

// TestCarryPreservationUI (TERM-5 on the pages): an enforcement case is
// filed before its applicant's preservation of the debtor's house is in
// force; its page offers to carry it. A clerk sees the offer, cannot act;
// another court cannot reach it; the button pressed twice carries once. The
// carried control names its preservation case, linked; a second
// preservation of the same house for the same applicant is flagged on its
// case page, and stays there.
func TestCarryPreservationUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		s := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Person(9941)
		const ref = "粤(2024)佛山市不动产权第0009941号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 90_000_000,
			Attributes: map[string]string{"address": "佛山市三水区西南街道99号"}}})
		applicants := intaketest.Application(s.CourtID, 9941).Applicants
		file := func(seed int, caseType string) *cases.Case {
			in := intaketest.Application(s.CourtID, seed)
			in.Applicants, in.Respondents = applicants, []intake.PartyInput{debtor}
			if caseType != "" {
				in.CaseType = caseType
			}
			return uiFile(t, s, in)
		}
		e := file(9941, "")
		p1 := file(9942, "preservation_enforcement")
		p2 := file(9943, "preservation_enforcement")
		ag.Settle(t)
		house := assetByRefIn(t, s.Judge, db, e.ID, ref)
		seized := uiSeize(t, s.Judge, db, ag, p1, house)
		dup := uiSeize(t, s.Judge, db, ag, p2, house)
		if !seized.Preservation || dup.DuplicateOf != seized.ID {
			t.Fatalf("preservations: %+v, %+v", seized, dup)
		}
		epath := "/cases/" + e.ID.String()
		judge := staffBrowser(t, env, s.Judge)

		// The duplicate is flagged on its page, the first preservation
		// linked.
		dupMark := `重复保全提示：同一申请人已在 <a href="/cases/` + p1.ID.String() + `#assets">` + p1.CaseNo + `</a>`
		judge.get("/cases/"+p2.ID.String()).must(t, 200, `<span class="tag">保全措施</span>`, dupMark)

		n := caseAssetsView(t, s.Judge, db, e.ID).Carriable
		if n == 0 {
			t.Fatal("nothing to carry")
		}
		p := judge.get(epath)
		p.must(t, 200, `id="carry-form"`, "承接保全措施", `<strong id="carry-count">`)
		clerk := userBrowser(t, env, "cpui.clerk", access.RoleClerk, "粤0607")
		cp := clerk.get(epath)
		cp.must(t, 200, "保全措施待承接", "由有控制措施权限的人员承接")
		cp.lacks(t, `id="carry-form"`)
		clerk.post(epath+"/preservations/carry", url.Values{}).must(t, 403)
		userBrowser(t, env, "cpui.outsider", access.RolePostJudge, "皖01").post(epath+"/preservations/carry", url.Values{}).must(t, 404)

		// Pressed twice: carried once.
		token := url.Values{"form_token": {p.token(t)}}
		judge.post(epath+"/preservations/carry", token).redirected(t, epath+"?assets=carried#assets")
		judge.post(epath+"/preservations/carry", token).redirected(t, epath+"?assets=duplicate#assets")
		v := caseAssetsView(t, s.Judge, db, e.ID)
		if len(v.Controls) != 1 || v.Controls[0].CarriedFrom != seized.ID || v.Controls[0].Rank != 1 || v.Carriable != 0 {
			t.Fatalf("after carrying: %+v, carriable %d; want the first preservation carried at rank 1", v.Controls, v.Carriable)
		}
		p = judge.get(epath + "?assets=carried")
		p.must(t, 200, "已将保全措施转为本案执行措施", `id="control-`+v.Controls[0].ID.String()+`"`,
			`由保全措施转入：<a href="/cases/`+p1.ID.String()+`#assets">`+p1.CaseNo+`</a>`, "首封")
		p.lacks(t, `id="carry-form"`, "保全措施待承接")
		if strings.Count(p.body, "由保全措施转入") != 1 {
			t.Errorf("carried marks: %d, want 1", strings.Count(p.body, "由保全措施转入"))
		}
		// The duplicate stays with its case, still flagged.
		judge.get("/cases/"+p2.ID.String()).must(t, 200, dupMark, "轮候")
		// Nothing more to carry: said so.
		judge.post(epath+"/preservations/carry", url.Values{"form_token": {judge.get(epath).token(t)}}).redirected(t,
			epath+"?assets=carried_none#assets")
	})
}
