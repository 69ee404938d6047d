package web_test

import (
	"net/url"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestCasePostponementUI: 延缓发放 on the case page (FUND-5). The
// creditor's allocated money shows its due day and the request form; a
// request with an unlisted reason or without its circumstances comes back
// in Chinese with the values kept; sent twice from one form it is asked
// once, and a second request is refused while it is open. The judge who
// asked, a team leader and a clerk may not decide (403); the bureau chief
// may not decide their own (403) and must give a reason to refuse; the
// chief approves and the creditor has no deadline, on the page and on the
// due list; the judge records that the reason has ended and the page shows
// the day it must be paid by.
func TestCasePostponementUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := fundsCase(t, s, 5151, 2_000_000)
		fundsReadyToPay(t, s, c)
		path := "/cases/" + c.ID.String()
		party := c.Applicants()[0].PartyID.String()
		htmx := map[string]string{"HX-Request": "true"}
		judge, leader, chief := staffBrowser(t, env, s.Judge), staffBrowser(t, env, s.Leader), staffBrowser(t, env, s.Chief)
		clerk := userBrowser(t, env, "fpp.clerk", access.RoleClerk, "粤0607")
		dues, err := funds.CaseDues(s.Judge, db, c.ID)
		if err != nil || len(dues) != 1 {
			t.Fatalf("dues %v %v", dues, err)
		}
		var due *funds.Due
		for _, d := range dues {
			due = d
		}

		p := judge.get(path)
		p.must(t, 200, `id="account-due-`+party+`"`, "应发放日 "+due.DueOn.String(), `id="postpone-form-`+party+`"`, "分配方案尚未确定", "案件中止执行")
		clerk.get(path).lacks(t, `id="postpone-form-`)
		clerk.post(path+"/funds/postponements", url.Values{"party_id": {party}, "reason": {"other"}, "note": {"x"}}).must(t, 403)

		// Refused requests: the values kept; nothing asked.
		token := p.fundsToken(t)
		ask := url.Values{"form_token": {token}, "party_id": {party}, "reason": {"weather"}, "note": {"申请执行人电话停机"}}
		judge.post(path+"/funds/postponements", ask).must(t, 422, "延缓发放的事由应为", "申请执行人电话停机", `<details class="act" open>`)
		ask.Set("reason", "applicant_unreachable")
		ask.Set("note", " ")
		judge.do("POST", path+"/funds/postponements", ask, htmx).must(t, 200, `<section id="funds"`, "请写明具体情况",
			`<option value="applicant_unreachable" selected>`)
		// Asked twice from one form: once.
		ask.Set("note", "申请执行人电话停机，地址无人")
		judge.post(path+"/funds/postponements", ask).redirected(t, path+"?funds=postpone_requested#funds")
		judge.post(path+"/funds/postponements", ask).redirected(t, path+"?funds=duplicate#funds")
		list, err := funds.CasePostponements(s.Judge, db, c.ID)
		if err != nil || len(list) != 1 {
			t.Fatalf("postponements %v %v", list, err)
		}
		pp := list[0]
		id := pp.ID.String()
		p = judge.get(path + "?funds=postpone_requested")
		p.must(t, 200, "已申请延缓发放", `id="postponement-`+id+`"`, "待局长审批", "申请执行人下落不明或拒不领取", "由执行局长审批（FUND-5）")
		p.lacks(t, `id="postpone-form-`, `id="ppdecide-form-`)
		ask.Set("form_token", p.fundsToken(t))
		judge.post(path+"/funds/postponements", ask).must(t, 409, "已申请或已批准延缓发放")

		// Who may not decide.
		judge.post(path+"/funds/postponements/"+id+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		leader.post(path+"/funds/postponements/"+id+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		clerk.post(path+"/funds/postponements/"+id+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		other := fundsCase(t, s, 5152, 1_000_000)
		chief.post("/cases/"+other.ID.String()+"/funds/postponements/"+id+"/decision", url.Values{"decision": {"approve"}}).must(t, 404)
		// The chief's own request: not theirs to decide.
		chiefP, err := access.Must(s.Chief)
		if err != nil {
			t.Fatal(err)
		}
		uiExec(t, db, `UPDATE payout_postponements SET requested_by = ? WHERE id = ?`, chiefP.UserID, pp.ID)
		cp := chief.get(path)
		cp.must(t, 200, "本人的申请由他人审批")
		cp.lacks(t, `id="ppdecide-form-`+id+`"`)
		chief.post(path+"/funds/postponements/"+id+"/decision", url.Values{"decision": {"approve"}}).must(t, 403)
		uiExec(t, db, `UPDATE payout_postponements SET requested_by = ? WHERE id = ?`, pp.RequestedByID, pp.ID)

		// The chief: a refusal needs its reason; then approved.
		cp = chief.get(path)
		cp.must(t, 200, `id="ppdecide-form-`+id+`"`)
		ct := cp.fundsToken(t)
		chief.post(path+"/funds/postponements/"+id+"/decision", url.Values{"form_token": {ct}, "decision": {"refuse"}, "note": {" "}}).
			must(t, 422, "不同意的，请写明理由", `id="ppdecide-form-`+id+`"`)
		chief.do("POST", path+"/funds/postponements/"+id+"/decision", url.Values{"form_token": {ct}, "decision": {"approve"}, "note": {"同意"}}, htmx).
			must(t, 200, "已批准延缓发放", "已批准，延缓发放中", "延缓发放中，暂无发放期限")
		if d, err := funds.CaseDues(s.Judge, db, c.ID); err != nil || !d[due.Account.ID].Postponed || !d[due.Account.ID].DueOn.IsZero() {
			t.Fatalf("while postponed: %+v %v", d[due.Account.ID], err)
		}

		// The reason ends: the judge records it once; the day to pay by.
		p = judge.get(path)
		p.must(t, 200, `id="ppend-form-`+id+`"`)
		p.lacks(t, `id="postpone-form-`)
		leader.get(path).must(t, 200, `id="ppend-form-`+id+`"`)
		chief.post(path+"/funds/postponements/"+id+"/end", url.Values{"note": {"x"}}).must(t, 403)
		end := url.Values{"form_token": {p.fundsToken(t)}, "note": {"已联系上申请执行人"}}
		judge.post(path+"/funds/postponements/"+id+"/end", end).redirected(t, path+"?funds=postpone_ended#funds")
		judge.post(path+"/funds/postponements/"+id+"/end", end).redirected(t, path+"?funds=duplicate#funds")
		list, err = funds.CasePostponements(s.Judge, db, c.ID)
		if err != nil || list[0].Status != "ended" {
			t.Fatalf("after the end: %+v %v", list, err)
		}
		d, err := funds.CaseDues(s.Judge, db, c.ID)
		if err != nil || d[due.Account.ID].Postponed || d[due.Account.ID].DueOn.IsZero() {
			t.Fatalf("after the end: %+v %v", d[due.Account.ID], err)
		}
		p = judge.get(path + "?funds=postpone_ended")
		p.must(t, 200, "已记录延缓发放的事由消除", "事由已消除", "应于 <strong>"+list[0].ResumeDue.String()+"</strong> 前发放",
			"应发放日 "+d[due.Account.ID].DueOn.String(), `id="postpone-form-`+party+`"`)
		judge.post(path+"/funds/postponements/"+id+"/end", url.Values{"form_token": {p.fundsToken(t)}}).must(t, 409, "只有已批准的延缓发放可以结束")
	})
}
