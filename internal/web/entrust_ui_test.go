package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestEntrustPages: the judge sends a matter from the case page (a refused
// form keeps what was typed; the same court is refused in Chinese; a double
// submission sends one matter); the receiving command center finds it in
// its inbox, accepts it, assigns it, records the work and reports the
// result; the entrusting court sees it on the case page and in its list;
// outsiders get 404 and the receiving court no link to the case.
func TestEntrustPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sanshui, dongyang := env.Court(t, "粤0607"), env.Court(t, "浙0783")
		_, window := env.Token(t, "ep.window", access.RoleWindowReception, "浙0783")
		env.User(t, "ep.judge", access.RolePostJudge, "浙0783")
		center, err := org.TeamByName(env.Sys, db, sanshui, "执行指挥中心")
		if err != nil {
			t.Fatal(err)
		}
		fieldUser(t, env, "ep.command", access.RoleCommandCenter, "粤0607", center)
		env.User(t, "ep.outsider", access.RoleCommandCenter, "皖01")
		c := entrustCase(t, env, "浙0783", window, 1330)

		judge := fieldBrowser(t, env, "ep.judge")
		judge.get("/cases/"+c.ID).must(t, http.StatusOK, `id="entrust"`, "本案没有委托其他法院的事项", `href="/cases/`+c.ID+`/entrusted-matters/new"`)
		judge.get("/cases/"+c.ID+"/entrusted-matters/new").must(t, http.StatusOK, `id="entrust-send-form"`, "佛山市三水区人民法院")
		form := url.Values{"to_court_id": {dongyang.String()}, "kind": {"seize"}, "subject": {"被执行人名下建设路 8 号 1201 房"},
			"request": {"查封该房产"}, "form_token": {"tok-send-1"}}
		judge.post("/cases/"+c.ID+"/entrusted-matters", form).must(t, http.StatusUnprocessableEntity, "不能委托本院办理", "查封该房产")
		form.Set("to_court_id", sanshui.String())
		p := judge.post("/cases/"+c.ID+"/entrusted-matters", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/entrusted-matters/") {
			t.Fatalf("send: %d %q\n%.2000s", p.status, p.location, p.body)
		}
		matter := strings.TrimSuffix(p.location, "?done=entrust_sent")
		if again := judge.post("/cases/"+c.ID+"/entrusted-matters", form); again.status != http.StatusSeeOther ||
			!strings.Contains(again.location, "done=duplicate") {
			t.Fatalf("double submission: %d %q", again.status, again.location)
		}
		var n int
		if err := db.QueryRow(env.Sys, `SELECT COUNT(*) FROM entrusted_matters`).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d matters after a double submission (%v)", n, err)
		}
		judge.get(p.location).must(t, http.StatusOK, "事项委托已发出", "待接收", `href="/cases/`+c.ID+`"`)
		if strings.Contains(judge.get(matter).body, `id="entrust-accept-form"`) {
			t.Fatal("the entrusting court is offered the receiving court's forms")
		}

		command := fieldBrowser(t, env, "ep.command")
		command.get("/").must(t, http.StatusOK, `href="/entrusted-matters">事项委托</a>`)
		command.get("/entrusted-matters").must(t, http.StatusOK, `id="entrust-list"`, c.CaseNo, "东阳法院")
		page := command.get(matter)
		page.must(t, http.StatusOK, `id="entrust-accept-form"`, "被执行人名下建设路 8 号 1201 房")
		if strings.Contains(page.body, `href="/cases/`+c.ID+`"`) {
			t.Fatal("the receiving court gets a link to the case")
		}
		command.post(matter+"/acceptance", url.Values{"form_token": {"tok-a"}}).redirected(t, matter+"?done=entrust_accepted")
		command.post(matter+"/acceptance", url.Values{"form_token": {"tok-b"}}).must(t, http.StatusConflict, "不能接收")
		command.post(matter+"/notes", url.Values{"text": {"已递交协助执行通知书"}, "form_token": {"tok-c"}}).redirected(t, matter+"?done=entrust_noted")
		command.post(matter+"/report", url.Values{"result": {" "}, "form_token": {"tok-d"}}).must(t, http.StatusUnprocessableEntity, "请填写办理结果")
		command.post(matter+"/report", url.Values{"result": {"已查封"}, "registry_ref": {"佛三查字88号"}, "form_token": {"tok-e"}}).
			redirected(t, matter+"?done=entrust_reported")
		command.get(matter).must(t, http.StatusOK, "已办结回复", "佛三查字88号", "期限内办结", "已递交协助执行通知书")
		command.post(matter+"/bogus", url.Values{}).must(t, http.StatusNotFound)

		judge.get("/cases/"+c.ID).must(t, http.StatusOK, `id="case-entrust-list"`, "已查封", "佛三查字88号", "已办结回复")
		judge.get("/entrusted-matters?dir=out").must(t, http.StatusOK, c.CaseNo, "三水法院", "已查封")
		outsider := fieldBrowser(t, env, "ep.outsider")
		outsider.get(matter).must(t, http.StatusNotFound)
		outsider.get("/entrusted-matters/not-an-id").must(t, http.StatusNotFound)
	})
}
