package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var remedyTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

func remedyToken(t *testing.T, body string) string {
	t.Helper()
	m := remedyTokenRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form token in\n%.2000s", body)
	}
	return m[1]
}

// TestRemediesPages: the judge files an objection from the case page (a
// refused form keeps what was typed; a double post files one), sees its
// clocks and takes it through its steps with the forms; a step the state
// does not allow is refused with 409; outsiders get 404 and people without
// the permission 403. The hotline desk records a call on the case (a
// double post records one), routes and answers it; the case page lists the
// remedy and the call.
func TestRemediesPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "ru.window", access.RoleWindowReception, "粤0607")
		env.User(t, "ru.judge", access.RolePostJudge, "粤0607")
		env.User(t, "ru.command", access.RoleCommandCenter, "粤0607")
		env.User(t, "ru.mediator", access.RoleMediator, "粤0607")
		env.User(t, "ru.outsider", access.RolePostJudge, "皖01")
		env.User(t, "ru.president", access.RolePresident, "粤0607")
		c := remedyCase(t, env, reception, 2401)

		judge := fieldBrowser(t, env, "ru.judge")
		judge.get("/").must(t, http.StatusOK, `href="/remedies">执行救济</a>`)
		judge.get("/cases/"+c.ID).must(t, http.StatusOK, "执行救济与热线", "本案没有执行异议、复议或信访", `href="/cases/`+c.ID+`/remedies/new"`)
		page := judge.get("/cases/" + c.ID + "/remedies/new")
		page.must(t, http.StatusOK, `id="remedy-form"`, `<option value="objection"`)
		form := url.Values{"form_token": {remedyToken(t, page.body)}, "kind": {"objection"}, "applicant_name": {"李四"}, "applicant_phone": {"13812345678"},
			"request": {" "}, "grounds": {"唯一住房"}, "received_on": {"2025-01-20"}}
		judge.post("/cases/"+c.ID+"/remedies", form).must(t, http.StatusUnprocessableEntity, "请填写请求事项", "唯一住房")
		form.Set("received_on", "2025-02-30")
		form.Set("request", "撤销对住房的查封")
		judge.post("/cases/"+c.ID+"/remedies", form).must(t, http.StatusUnprocessableEntity, "收到日期应为 YYYY-MM-DD")
		form.Set("received_on", "2025-01-20")
		p := judge.post("/cases/"+c.ID+"/remedies", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/remedies/") {
			t.Fatalf("file: %d %q\n%.2000s", p.status, p.location, p.body)
		}
		again := judge.post("/cases/"+c.ID+"/remedies", form)
		again.redirected(t, "/remedies?case_id="+c.ID+"&done=remedy_duplicate")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM remedies`); n != 1 {
			t.Fatalf("%d remedies after a double post", n)
		}
		remedy := strings.TrimSuffix(p.location, "?done=remedy_filed")
		page = judge.get(p.location)
		page.must(t, http.StatusOK, "已登记，请在期限内立案", "立案并通知当事人（或裁定不予受理）", "2025-01-23", "OBJ-2", "2025-02-05", "OBJ-5",
			"2025-02-20", "已超期", `id="registration-form"`, `id="refusal-form"`)
		page.lacks(t, `id="examination-form"`)

		// Steps by form; a repeated post of the same rendering does nothing.
		step := func(name string, f url.Values) webPage {
			t.Helper()
			f.Set("form_token", remedyToken(t, judge.get(remedy).body))
			return judge.post(remedy+"/"+name, f)
		}
		step("registration", url.Values{"on": {"2025-01-21"}}).redirected(t, remedy+"?done=remedy_registration")
		judge.post(remedy+"/registration", url.Values{"on": {"2025-01-21"}}).must(t, http.StatusConflict, "目前为“审查中”，不能立案")
		step("examination", url.Values{"on": {"2025-13-01"}, "notes": {"听证"}}).must(t, http.StatusUnprocessableEntity, "日期应为 YYYY-MM-DD", "听证")
		step("examination", url.Values{"on": {"2025-01-24"}, "notes": {"组织听证"}}).redirected(t, remedy+"?done=remedy_examination")
		f := url.Values{"on": {"2025-02-05"}, "outcome": {"rejected"}, "decision": {"驳回异议"}, "form_token": {remedyToken(t, judge.get(remedy).body)}}
		judge.post(remedy+"/decision", f).redirected(t, remedy+"?done=remedy_decision")
		judge.post(remedy+"/decision", f).redirected(t, remedy+"?done=remedy_duplicate")
		step("service", url.Values{"on": {"2025-02-07"}}).redirected(t, remedy+"?done=remedy_service")
		page = judge.get(remedy)
		page.must(t, http.StatusOK, "（2025）粤0607执异", "驳回（2025-02-05）", "<strong>2025-02-17</strong> 前向上一级法院申请复议", "组织听证",
			"2025-01-21 完成，按期", "2025-02-05 完成，按期")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM remedy_steps`); n != 5 {
			t.Fatalf("%d steps after a repeated decision post", n)
		}
		// A 复议 from the form, too late.
		page = judge.get("/cases/" + c.ID + "/remedies/new?kind=review")
		page.must(t, http.StatusOK, "2025-02-17 前可申请复议")
		id := strings.TrimPrefix(remedy, "/remedies/")
		judge.post("/cases/"+c.ID+"/remedies", url.Values{"form_token": {remedyToken(t, page.body)}, "kind": {"review"}, "applicant_name": {"李四"},
			"request": {"撤销异议裁定"}, "reviewed_id": {id}, "received_on": {"2025-02-18"}}).must(t, http.StatusConflict, "复议申请已超过期限")

		judge.get("/remedies?kind=objection").must(t, http.StatusOK, "执行异议", "138****5678")
		judge.get("/remedies/not-an-id").must(t, http.StatusNotFound)
		judge.post("/remedies/not-an-id/registration", url.Values{}).must(t, http.StatusNotFound)
		judge.get("/remedies?case_id=zzz").must(t, http.StatusUnprocessableEntity)
		fieldBrowser(t, env, "ru.president").get(remedy).must(t, http.StatusOK, `href="/remedies"`)
		fieldBrowser(t, env, "ru.outsider").get(remedy).must(t, http.StatusNotFound)
		mediator := fieldBrowser(t, env, "ru.mediator")
		mediator.get("/cases/"+c.ID+"/remedies/new").must(t, http.StatusForbidden)
		mediator.get("/hotline").must(t, http.StatusForbidden)

		// The hotline desk.
		desk := fieldBrowser(t, env, "ru.command")
		desk.get("/").must(t, http.StatusOK, `href="/hotline">热线</a>`)
		page = desk.get("/hotline")
		page.must(t, http.StatusOK, `id="call-form"`, "没有来电")
		call := url.Values{"form_token": {remedyToken(t, page.body)}, "kind": {"progress"}, "caller_name": {"张三"}, "caller_phone": {"13912345678"},
			"case_no": {"（2099）粤0607执1号"}, "question": {"进展如何"}}
		desk.post("/hotline", call).must(t, http.StatusUnprocessableEntity, "没有案号为", "进展如何")
		call.Set("case_no", c.CaseNo)
		p = desk.post("/hotline", call)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/hotline/") {
			t.Fatalf("record: %d %q\n%.2000s", p.status, p.location, p.body)
		}
		desk.post("/hotline", call).redirected(t, "/hotline?done=call_duplicate")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM hotline_calls`); n != 1 {
			t.Fatalf("%d calls after a double post", n)
		}
		callPage := strings.TrimSuffix(p.location, "?done=call_recorded")
		desk.get(p.location).must(t, http.StatusOK, "来电已登记", "13912345678", `id="routing-form"`, `id="closing-form"`)
		desk.get("/hotline").must(t, http.StatusOK, "139****5678", c.CaseNo)
		page = desk.get(callPage)
		desk.post(callPage+"/closing", url.Values{"form_token": {remedyToken(t, page.body)}, "answer": {" "}}).must(t, http.StatusUnprocessableEntity, "请填写答复内容")
		desk.post(callPage+"/closing", url.Values{"form_token": {remedyToken(t, page.body)}, "answer": {"已告知进展"}}).redirected(t, callPage+"?done=call_closing")
		desk.get(callPage).must(t, http.StatusOK, "已告知进展", "按期")
		desk.get("/hotline").must(t, http.StatusOK, "没有来电")

		// A complaint call is handed on to the 执行信访 form, filled in.
		window := fieldBrowser(t, env, "ru.window")
		page = window.get("/hotline")
		p = window.post("/hotline", url.Values{"form_token": {remedyToken(t, page.body)}, "kind": {"complaint"}, "caller_name": {"王五"},
			"caller_phone": {"13700000000"}, "case_no": {c.CaseNo}, "question": {"承办人不接电话"}})
		page = window.get(p.location)
		page.must(t, http.StatusOK, `id="complaint-handoff"`)
		handoff := strings.ReplaceAll(strings.Split(strings.SplitN(page.body, `id="complaint-handoff" href="`, 2)[1], `"`)[0], "&amp;", "&")
		window.get(handoff).must(t, http.StatusOK, `<option value="complaint" selected>`, `value="王五"`, "承办人不接电话")

		judge.get("/cases/"+c.ID).must(t, http.StatusOK, `id="case-remedies-list"`, "（2025）粤0607执异", `id="case-hotline-list"`, "139****5678", "已告知进展")
	})
}
