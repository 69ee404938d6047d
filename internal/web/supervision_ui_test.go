package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var formTokenRE = regexp.MustCompile(`name="form_token" value="([^"]+)"`)

// TestSupervisionPages: the 督办 pages — the handler sees the item raised
// on their case, answers it (an empty answer refused, a repeated
// submission changing nothing); the command center raises one from the
// case page and is told of an unknown case number in a list; the rule
// editor refuses a condition with its position, dry-runs and saves.
func TestSupervisionPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		ag := env.Agencies(t)
		_, reception := env.Token(t, "sup.window", access.RoleWindowReception, "粤0607")
		staff := intaketest.NewStaff(t, db, "")
		env.User(t, "sup.command", access.RoleCommandCenter, "粤0607")
		env.User(t, "sup.admin", access.RoleCourtAdmin, "粤0607")
		debtor := sample.Person(7301)
		holdsNothing(ag, debtor.IDNumber)
		c := fileAgainst(t, env, reception, 7301, debtor, 20_000_00)
		passDays(t, db, c.ID, 30)
		scanOn(t, db, legal.Today(time.Now()))

		// The handler (or any judge of the court) answers.
		judge := newBrowser(t, env)
		judge.login(access.From(staff.Judge).Username, apptest.Password)
		judge.get("/supervision").must(t, http.StatusOK, c.CaseNo, "执行通知书未按期发出", "承办人")
		items := supItems(t, env, env.Login(t, access.From(staff.Judge).Username, apptest.Password), url.Values{"case_id": {c.ID}})
		if len(items) != 1 {
			t.Fatalf("items: %+v", items)
		}
		item := "/supervision/items/" + items[0].ID
		pg := judge.get(item)
		pg.must(t, http.StatusOK, "提交答复", "NODE-1")
		token := formTokenRE.FindStringSubmatch(pg.body)[1]
		judge.post(item+"/answer", url.Values{"form_token": {token}, "text": {" "}}).must(t, http.StatusUnprocessableEntity, "请填写答复内容")
		answer := url.Values{"form_token": {token}, "text": {"已于今日送达执行通知书"}}
		if p := judge.post(item+"/answer", answer); p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=answered") {
			t.Fatalf("answer: %d %s", p.status, p.location)
		}
		if p := judge.post(item+"/answer", answer); p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=duplicate") {
			t.Fatalf("the same form again: %d %s %.300s", p.status, p.location, p.body)
		}
		judge.get(item).must(t, http.StatusOK, "已于今日送达执行通知书", "已答复待审核")

		// The command center: the case page's form, a list with an unknown case.
		command := newBrowser(t, env)
		command.login("sup.command", apptest.Password)
		cp := command.get("/cases/" + c.ID)
		cp.must(t, http.StatusOK, `id="supervision"`, "发起督办", "执行通知书未按期发出")
		tok := formTokenRE.FindAllStringSubmatch(cp.body, -1)
		raise := url.Values{"form_token": {tok[len(tok)-1][1]}, "case_id": {c.ID}, "title": {"当事人来访，请 3 日内约谈"}, "severity": {"high"},
			"answer_days": {"3"}}
		if p := command.post("/supervision/items", raise); p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=raised") {
			t.Fatalf("raise: %d %s %.500s", p.status, p.location, p.body)
		}
		command.get("/supervision/lists").must(t, http.StatusOK, "下发督办清单")
		command.post("/supervision/lists", url.Values{"team_id": {*c.Team}, "title": {"专项督办"}, "deadline": {legal.Today(time.Now()).AddDays(5).String()},
			"case_nos": {c.CaseNo + "\n（2026）粤0607执99999号"}}).must(t, http.StatusUnprocessableEntity, "没有案号为 （2026）粤0607执99999号 的案件")

		// The rule editor.
		admin := newBrowser(t, env)
		admin.login("sup.admin", apptest.Password)
		admin.get("/supervision/rules").must(t, http.StatusOK, "内置默认规则", "node_notice", "试运行")
		row := func(when string) url.Values {
			return url.Values{"rule_enabled": {"late_notice"}, "rule_id": {"late_notice"}, "rule_name": {"通知书迟发"}, "rule_module": {"nodes"},
				"rule_subject": {"case"}, "rule_anchor": {"filed_on"}, "rule_offset": {"5"}, "rule_warn": {"0"}, "rule_when": {when},
				"rule_severity": {"normal"}, "rule_answer": {"3"}, "rule_chain": {"3,7,15"}, "rule_note": {"本院规定"}}
		}
		bad := row("!closed && !notice_sent")
		bad.Set("action", "dry-run")
		admin.post("/supervision/rules", bad).must(t, http.StatusUnprocessableEntity, "第 1 行第 13 列：未知的事实 notice_sent")
		dry := row("!closed && !notice_served")
		dry.Set("action", "dry-run")
		admin.post("/supervision/rules", dry).must(t, http.StatusOK, `id="dry-run"`, "立即产生约")
		save := row("!closed && !notice_served")
		save.Set("action", "save")
		if p := admin.post("/supervision/rules", save); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %.500s", p.status, p.body)
		}
		admin.get("/supervision/rules").must(t, http.StatusOK, "第 1 版", "启用")
		if p := admin.post("/supervision/rules/1/activation", url.Values{"acknowledge": {"1"}}); p.status != http.StatusSeeOther {
			t.Fatalf("activate: %d %.500s", p.status, p.body)
		}
	})
}
