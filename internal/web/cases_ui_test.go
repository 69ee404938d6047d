package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// uiFile registers an application and files it through the feature code, as
// the window reception of s.
func uiFile(t *testing.T, s *intaketest.Staff, in intake.ApplicationInput) *cases.Case {
	t.Helper()
	a, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
		return intake.Register(ctx, tx, in)
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	c, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	return c
}

// staffBrowser signs in to the pages as the user of a staff context.
func staffBrowser(t *testing.T, env *apptest.Env, ctx context.Context) *browser {
	t.Helper()
	b := newBrowser(t, env)
	name := access.From(ctx).Username
	if p := b.login(name, apptest.Password); p.status != http.StatusSeeOther || p.location != "/" {
		t.Fatalf("login %s: %d %q", name, p.status, p.location)
	}
	return b
}

func userBrowser(t *testing.T, env *apptest.Env, name, role, court string) *browser {
	t.Helper()
	env.User(t, name, role, court)
	b := newBrowser(t, env)
	if p := b.login(name, apptest.Password); p.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d %q", name, p.status, p.location)
	}
	return b
}

func getCase(t *testing.T, s *intaketest.Staff, id uuid.UUID) *cases.Case {
	t.Helper()
	c, err := cases.Get(s.Judge, s.DB, id)
	if err != nil {
		t.Fatalf("get case: %v", err)
	}
	return c
}

// redirected checks a form answered with a redirect to want.
func (p webPage) redirected(t *testing.T, want string) {
	t.Helper()
	if p.status != http.StatusSeeOther || p.location != want {
		t.Fatalf("status %d location %q, want 303 to %q\n%.3000s", p.status, p.location, want, p.body)
	}
}

func (p webPage) lacks(t *testing.T, s ...string) {
	t.Helper()
	for _, x := range s {
		if strings.Contains(p.body, x) {
			t.Fatalf("page shows %q\n%.3000s", x, p.body)
		}
	}
}

var nextPage = regexp.MustCompile(`href="(/cases\?[^"]*)">下一页<`)

func TestCasesUIList(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c1 := uiFile(t, s, intaketest.Application(s.CourtID, 1))
		c2 := uiFile(t, s, intaketest.Application(s.CourtID, 2))
		c3 := uiFile(t, s, intaketest.Application(s.CourtID, 4))
		all := []*cases.Case{c1, c2, c3}
		b := staffBrowser(t, env, s.Judge)

		p := b.get("/cases")
		p.must(t, 200, c1.CaseNo, c2.CaseNo, c3.CaseNo, "速执团队", `hx-push-url="true"`, `id="results"`)
		applicant, respondent := c2.Applicants()[0], c2.Respondents()[0]
		p.must(t, 200, applicant.Name+` <span class="arrow" aria-label="申请执行">→</span> `+respondent.Name,
			strings.Replace(triage.FormatYuan(c2.ClaimAmountFen), "¥", "", 1))

		// Search: 案号 in a legacy spelling, a party's name, an ID number.
		only := func(path string, want *cases.Case) {
			t.Helper()
			p := b.get(path)
			p.must(t, 200, want.CaseNo)
			for _, c := range all {
				if c != want && strings.Contains(p.body, c.CaseNo) {
					t.Fatalf("%s lists %s too", path, c.CaseNo)
				}
			}
		}
		legacy := strings.NewReplacer("（", "(", "）", ")").Replace(c1.CaseNo)
		only("/cases?q="+url.QueryEscape(legacy), c1)
		only("/cases?q="+url.QueryEscape(applicant.Name), c2)
		only("/cases?q="+url.QueryEscape(c3.Respondents()[0].IDNumber), c3)
		// htmx asks for the same page; it swaps #results in place.
		b.do("GET", "/cases?q="+url.QueryEscape(applicant.Name), nil, map[string]string{"HX-Request": "true"}).
			must(t, 200, `id="results"`, c2.CaseNo)
		b.get("/cases?q="+url.QueryEscape("无此当事人")).must(t, 200, "没有符合条件的案件")

		// Status filter.
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, c3.ID, cases.TransitionInput{To: cases.StatusSuspended, Reason: "案外人提出异议"})
		}); err != nil {
			t.Fatal(err)
		}
		only("/cases?status=suspended", c3)
		p = b.get("/cases?status=in_progress")
		p.must(t, 200, c1.CaseNo, c2.CaseNo)
		p.lacks(t, c3.CaseNo)
		p.must(t, 200, `<option value="in_progress" selected>`)
		// Team and handler filters.
		p = b.get("/cases?handler=" + s.JudgeID.String())
		p.must(t, 200, c1.CaseNo, c2.CaseNo, c3.CaseNo)
		p = b.get("/cases?handler=" + uuid.NewString())
		p.lacks(t, c1.CaseNo)
		fast, err := org.TeamByName(env.Sys, db, s.CourtID, "速执团队")
		if err != nil {
			t.Fatal(err)
		}
		ordinary, err := org.TeamByName(env.Sys, db, s.CourtID, "普执团队")
		if err != nil {
			t.Fatal(err)
		}
		b.get("/cases?team="+fast.String()).must(t, 200, c1.CaseNo, c2.CaseNo, c3.CaseNo, `<option value="`+fast.String()+`" selected>`)
		b.get("/cases?team="+ordinary.String()).lacks(t, c1.CaseNo, c2.CaseNo, c3.CaseNo)
		b.get("/cases?lane=fast&case_type=first_enforcement").must(t, 200, c1.CaseNo, c2.CaseNo, c3.CaseNo)
		b.get("/cases?case_type=restored_enforcement").lacks(t, c1.CaseNo)
		b.get("/cases?lane=ordinary").lacks(t, c1.CaseNo)

		// Keyset paging, newest first, with the filters kept.
		p = b.get("/cases?limit=2")
		p.must(t, 200, c3.CaseNo, c2.CaseNo, "下一页")
		p.lacks(t, c1.CaseNo)
		m := nextPage.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no next link\n%s", p.body)
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "limit=2") {
			t.Errorf("next page forgets the page size: %s", next)
		}
		p = b.get(next)
		p.must(t, 200, c1.CaseNo)
		p.lacks(t, c2.CaseNo, c3.CaseNo, "下一页")
		b.get("/cases?cursor=garbage").must(t, 422, "分页游标无效")

		// Deadlines: within 30 days and overdue are marked.
		today := legal.Today(time.Now())
		if err := db.Transact(env.Sys, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE cases SET deadline = ? WHERE id = ?`, today.AddDays(5), c1.ID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE cases SET deadline = ? WHERE id = ?`, today.AddDays(-3), c2.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		p = b.get("/cases")
		p.must(t, 200, `<tr class="due-soon">`, "剩余 5 日", `<tr class="due-overdue">`, "超期 3 日", "暂停计算")
		only("/cases?due_before="+today.String(), c2)
		b.get("/cases?due_before=2024-02-30").must(t, 200, "应为 YYYY-MM-DD")

		// Without cases.read: refused. Another court's judge sees none of them.
		userBrowser(t, env, "list.admin", access.RoleCourtAdmin, "粤0607").get("/cases").must(t, 403)
		other := userBrowser(t, env, "nh.judge", access.RolePostJudge, "粤0605")
		p = other.get("/cases")
		p.must(t, 200, "没有符合条件的案件")
		other.get("/cases/"+c1.ID.String()).must(t, 404)
		other.get("/parties/"+applicant.PartyID.String()).must(t, 404)
		b.get("/cases/not-an-id").must(t, 404)
		b.get("/parties/not-an-id").must(t, 404)
		b.get("/cases/"+uuid.NewString()).must(t, 404)
	})
}

func TestCasesUICasePage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := uiFile(t, s, intaketest.Application(s.CourtID, 10))
		path := "/cases/" + c.ID.String()
		judge := staffBrowser(t, env, s.Judge)
		president := staffBrowser(t, env, s.President)
		leader := staffBrowser(t, env, s.Leader)

		got := getCase(t, s, c.ID)
		dl := got.Clock.Deadline
		resp := got.Respondents()[0]
		p := judge.get(path)
		p.must(t, 200, c.CaseNo, "执行中", "速执团队", got.HandlerName, got.FiledOn.String(),
			got.Triage.Rule, "分流规则第 "+strconv.Itoa(got.Triage.Version)+" 版", html.EscapeString(got.Triage.Explanation),
			resp.Name, legal.MaskID(resp.IDNumber), `href="/parties/`+resp.PartyID.String()+`"`,
			`<strong id="deadline">`+dl.Effective.String()+`</strong>`, fmt.Sprintf("剩余 %d 日", dl.DaysLeft),
			html.EscapeString(dl.Reasons[0]), dl.Base.String(), got.Clock.Milestones[0].Name,
			"立案，案号 "+c.CaseNo, `action="`+path+`/transitions"`, `action="`+path+`/clock/extensions"`, `action="`+path+`/clock/deductions"`)
		p.lacks(t, resp.IDNumber, `action="`+path+`/assignment"`)
		if dl.DaysLeft <= 30 || dl.Effective.IsZero() {
			t.Fatalf("a fresh case's clock: %+v", dl)
		}

		// A refused transition: 409, every reason, nothing changed.
		events := len(got.Events)
		p = judge.post(path+"/transitions", url.Values{"to": {"zhongben"}, "reason": {""}})
		p.must(t, 409, "案件不能变更为“终结本次执行程序”", "请写明理由或所依据的裁定", "自立案之日起须已超过 3 个月",
			`<option value="zhongben" selected>`)
		p = judge.post(path+"/transitions", url.Values{"to": {"performed"}, "reason": {"已履行完毕"}})
		p.must(t, 409, "执行到位金额", "已履行完毕")
		if now := getCase(t, s, c.ID); now.Status != cases.StatusInProgress || len(now.Events) != events {
			t.Fatalf("a refused transition changed the case: %s, %d events", now.Status, len(now.Events))
		}
		// An input error: 422 with the message.
		judge.post(path+"/transitions", url.Values{"to": {"deferred"}, "reason": {"双方和解"}, "until": {"2024-13-45"}}).
			must(t, 422, "暂缓执行的截止日期应为 YYYY-MM-DD")
		// Someone without cases.work cannot move it.
		reception := staffBrowser(t, env, s.Reception)
		reception.get(path).lacks(t, `action="`+path+`/transitions"`)
		reception.post(path+"/transitions", url.Values{"to": {"suspended"}, "reason": {"无权变更"}}).must(t, 403)

		// A valid transition, and back.
		judge.post(path+"/transitions", url.Values{"to": {"suspended"}, "reason": {"案外人提出异议"}}).redirected(t, path+"?done=transition")
		judge.get(path+"?done=transition").must(t, 200, "案件状态已变更", "中止执行", "期限暂停计算", "中止执行：案外人提出异议")
		if now := getCase(t, s, c.ID); now.Status != cases.StatusSuspended {
			t.Fatalf("status %s", now.Status)
		}
		judge.post(path+"/transitions", url.Values{"to": {"in_progress"}, "reason": {"异议已审查驳回"}}).redirected(t, path+"?done=transition")

		// An extension: asked by the judge, approved only with clock.extend.
		judge.post(path+"/clock/extensions", url.Values{"months": {"2"}, "reason": {"财产处置尚未完成"}}).redirected(t, path+"?done=requested")
		judge.post(path+"/clock/extensions", url.Values{"months": {"1"}, "reason": {"再次申请"}}).must(t, 409, "已有待审批的延长申请")
		judge.post(path+"/clock/extensions", url.Values{"months": {"1"}, "reason": {"x"}}).must(t, 422, "请写明理由")
		before := getCase(t, s, c.ID)
		var entry cases.ClockEntry
		for _, e := range before.Clock.Entries {
			if e.Kind == "extension" {
				entry = e
			}
		}
		if entry.Status != "requested" {
			t.Fatalf("extension entry %+v", entry)
		}
		decision := path + "/clock/entries/" + entry.ID.String() + "/decision"
		p = judge.get(path)
		p.must(t, 200, "延长执行期限", "2 个月", "待审批", "财产处置尚未完成")
		p.lacks(t, `action="`+decision+`"`)
		judge.post(decision, url.Values{"decision": {"approve"}}).must(t, 403)
		leader.get(path).lacks(t, `action="`+decision+`"`)
		leader.post(decision, url.Values{"decision": {"approve"}}).must(t, 403)
		president.get(path).must(t, 200, `action="`+decision+`"`)
		president.post(decision, url.Values{"decision": {"approve"}, "note": {"同意"}}).redirected(t, path+"?done=decided")
		after := getCase(t, s, c.ID)
		if !after.Clock.Deadline.Effective.After(before.Clock.Deadline.Effective.AddMonths(2).AddDays(-1)) {
			t.Fatalf("approved extension: deadline %s, before %s", after.Clock.Deadline.Effective, before.Clock.Deadline.Effective)
		}
		president.get(path+"?done=decided").must(t, 200, "已审批", "已批准", `<strong id="deadline">`+after.Clock.Deadline.Effective.String()+`</strong>`,
			fmt.Sprintf("剩余 %d 日", after.Clock.Deadline.DaysLeft))
		president.post(decision, url.Values{"decision": {"approve"}}).must(t, 409, "该申请已批准")

		// A deduction: refused by the team leader, who must say why.
		today := legal.Today(time.Now())
		judge.post(path+"/clock/deductions", url.Values{"kind": {"appraisal"}, "from": {today.String()}, "to": {today.AddDays(-1).String()},
			"reason": {"委托评估"}}).must(t, 422, "结束日期早于开始日期", "委托评估")
		judge.post(path+"/clock/deductions", url.Values{"kind": {"appraisal"}, "from": {today.String()}, "to": {today.AddDays(20).String()},
			"reason": {"委托评估房产"}}).redirected(t, path+"?done=requested")
		var ded cases.ClockEntry
		for _, e := range getCase(t, s, c.ID).Clock.Entries {
			if e.Kind == "deduction" && e.Status == "requested" {
				ded = e
			}
		}
		ddec := path + "/clock/entries/" + ded.ID.String() + "/decision"
		leader.get(path).must(t, 200, `action="`+ddec+`"`, "审计、评估、鉴定")
		leader.post(ddec, url.Values{"decision": {"refuse"}}).must(t, 422, "不批准的，请写明理由")
		leader.post(ddec, url.Values{"decision": {"refuse"}, "note": {"评估尚未委托"}}).redirected(t, path+"?done=decided")
		leader.get(path).must(t, 200, "未批准", "评估尚未委托")
		if d := getCase(t, s, c.ID).Clock.Deadline; d.Effective != after.Clock.Deadline.Effective {
			t.Errorf("a refused deduction moved the deadline: %s → %s", after.Clock.Deadline.Effective, d.Effective)
		}
		judge.post(path+"/clock/entries/not-an-id/decision", url.Values{"decision": {"approve"}}).must(t, 404)

		// Assignment by the team leader; the judge has no such form.
		leader.get(path).must(t, 200, `action="`+path+`/assignment"`)
		leader.post(path+"/assignment", url.Values{"lane": {"ordinary"}, "reason": {"x"}}).must(t, 422, "请写明理由")
		judge.post(path+"/assignment", url.Values{"lane": {"ordinary"}, "reason": {"案情复杂"}}).must(t, 403)
		leader.post(path+"/assignment", url.Values{"lane": {"ordinary"}, "reason": {"案情复杂，转普执"}}).redirected(t, path+"?done=assigned")
		moved := getCase(t, s, c.ID)
		if moved.Lane != "ordinary" || moved.TeamName != "普执团队" || moved.HandlerID == s.JudgeID || moved.HandlerID == uuid.Nil {
			t.Fatalf("assigned: lane %s team %s handler %s", moved.Lane, moved.TeamName, moved.HandlerName)
		}
		leader.get(path+"?done=assigned").must(t, 200, "已分案", "普执团队", moved.HandlerName, "案情复杂，转普执")

		// Closed: nothing moves any more, and the page says why.
		judge.post(path+"/transitions", url.Values{"to": {"cancelled"}, "reason": {"申请人撤回申请"}}).redirected(t, path+"?done=transition")
		judge.post(path+"/transitions", url.Values{"to": {"in_progress"}, "reason": {"恢复"}}).
			must(t, 409, "案件不能变更为“执行中”", "不能再变更状态", "已结案（销案）")
		if now := getCase(t, s, c.ID); now.Status != cases.StatusClosed || now.Closure != "cancelled" {
			t.Fatalf("closed case moved: %s %s", now.Status, now.Closure)
		}
		president.get(path).lacks(t, `id="transition-form"`, `id="assignment-form"`, `id="extension-form"`)
	})
}

func TestCasesUIPartyOverview(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		first := intaketest.Application(s.CourtID, 31)
		second := intaketest.Application(s.CourtID, 32)
		second.Respondents = first.Respondents
		c1 := uiFile(t, s, first)
		c2 := uiFile(t, s, second)
		debtor := c1.Respondents()[0]
		if c2.Respondents()[0].PartyID != debtor.PartyID {
			t.Fatal("the same respondent became two parties")
		}
		b := staffBrowser(t, env, s.Judge)
		p := b.get("/parties/" + debtor.PartyID.String())
		p.must(t, 200, debtor.Name, legal.MaskID(debtor.IDNumber), c1.CaseNo, c2.CaseNo, "被执行人", "执行中", "2 件",
			`href="/cases/`+c1.ID.String()+`"`, `href="/cases/`+c2.ID.String()+`"`)
		p.lacks(t, debtor.IDNumber)
		p = b.get("/parties/" + c1.Applicants()[0].PartyID.String())
		p.must(t, 200, c1.CaseNo, "申请执行人", "1 件")
		p.lacks(t, c2.CaseNo)
		// The case page links there.
		b.get("/cases/"+c2.ID.String()).must(t, 200, `href="/parties/`+debtor.PartyID.String()+`"`)
		b.get("/parties/"+uuid.NewString()).must(t, 404)
		userBrowser(t, env, "party.admin", access.RoleCourtAdmin, "粤0607").get("/parties/"+debtor.PartyID.String()).must(t, 403)
	})
}

// ruleForm is the editor's form for a set of rules.
func ruleForm(court string, rules []triage.Rule) url.Values {
	f := url.Values{"court_id": {court}, "set_note": {"测试版本"}}
	for i, r := range rules {
		f.Add("rule_pos", strconv.Itoa((i+1)*10))
		f.Add("rule_id", r.ID)
		f.Add("rule_name", r.Name)
		f.Add("rule_when", r.When)
		f.Add("rule_lane", r.Lane)
		f.Add("rule_note", r.Note)
	}
	// A blank row, as the editor sends it, is ignored.
	for _, k := range []string{"rule_pos", "rule_id", "rule_name", "rule_when", "rule_lane", "rule_note"} {
		f.Add(k, "")
	}
	return f
}

func ruleSetCount(t *testing.T, db *store.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM triage_rule_sets`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

var ruleSetLink = regexp.MustCompile(`href="/triage/([0-9a-f-]{36})"`)

func TestTriageUI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		var filed []*cases.Case
		for i := range 3 {
			filed = append(filed, uiFile(t, s, intaketest.Application(s.CourtID, 40+i)))
		}
		court := s.CourtID.String()
		admin := userBrowser(t, env, "tri.admin", access.RoleCourtAdmin, "粤0607")
		htmx := map[string]string{"HX-Request": "true"}

		p := admin.get("/triage")
		p.must(t, 200, "全平台默认规则", "第 1 版", "生效中", `href="/triage/new?court=`+court+`"`)
		m := ruleSetLink.FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no rule set link\n%s", p.body)
		}
		platform := m[1]
		p = admin.get("/triage/" + platform)
		p.must(t, 200, "复制为新版本", "fast_small", "小额快执", "速执团队", `href="/triage/new?from=`+platform+`"`)
		p.lacks(t, "启用此版本")

		// The editor, from the platform default, with the facts beside it.
		p = admin.get("/triage/new?from=" + platform)
		p.must(t, 200, "复制自第 1 版", `name="rule_when"`, "fast_small", "claim_amount_fen", "applicant_is_financial",
			`hx-post="/triage/validate"`, `hx-post="/triage/dry-run"`, `<option value="`+court+`" selected>`)
		if n := strings.Count(p.body, `name="rule_id"`); n != len(triage.DefaultRuleSet().Rules)+3 {
			t.Errorf("editor rows: %d", n)
		}
		row := admin.do("GET", "/triage/rule-row", nil, htmx)
		row.must(t, 200, `<tr class="rule">`, `name="rule_when"`)
		row.lacks(t, "<html")

		// 校验: a rule that does not compile, with rule, line and column.
		rules := triage.DefaultRuleSet().Rules
		broken := append([]triage.Rule(nil), rules...)
		broken[1].When = "case_type ==\n  \"restored_enforcement\" &&"
		p = admin.do("POST", "/triage/validate", ruleForm(court, broken), htmx)
		p.must(t, 200, "规则 2（restoration_objection）第 2 行第", "列")
		p.lacks(t, "<html")
		admin.do("POST", "/triage/validate", ruleForm(court, rules), htmx).must(t, 200, "规则集有效")
		admin.post("/triage/validate", ruleForm(court, broken)).must(t, 422, "<html", "规则 2（restoration_objection）第 2 行第")

		// Saving it is refused with the position next to the rule; nothing is saved.
		sets := ruleSetCount(t, db)
		p = admin.post("/triage", ruleForm(court, broken))
		p.must(t, 422, "未保存", `<tr class="rule failed">`)
		failedRow := p.body[strings.Index(p.body, `<tr class="rule failed">`):]
		failedRow = failedRow[:strings.Index(failedRow, "</tr>")]
		for _, want := range []string{"restoration_objection", "第 2 行第", "列"} {
			if !strings.Contains(failedRow, want) {
				t.Errorf("the failed row lacks %q:\n%s", want, failedRow)
			}
		}
		unknown := append([]triage.Rule(nil), rules...)
		unknown[2].When = "amount > 5"
		admin.post("/triage", ruleForm(court, unknown)).must(t, 422, "规则 3（financial）第 1 行第 1 列：未知的事实 amount")
		noDefault := append([]triage.Rule(nil), rules[:len(rules)-1]...)
		admin.post("/triage", ruleForm(court, noDefault)).must(t, 422, "规则集必须以默认规则结束")
		badPos := ruleForm(court, rules)
		badPos.Set("rule_pos", "十")
		admin.post("/triage", badPos).must(t, 422, "序号“十”应为非负整数")
		if n := ruleSetCount(t, db); n != sets {
			t.Fatalf("refused rule sets were saved: %d → %d", sets, n)
		}

		// 试运行: everything to the ordinary lane moves the fast cases.
		lanes := map[string]int{}
		for _, c := range filed {
			lanes[c.Lane]++
		}
		onlyOrdinary := []triage.Rule{{ID: "all", Name: "全部普执", Lane: triage.LaneOrdinary, Note: "试算"}}
		p = admin.do("POST", "/triage/dry-run", ruleForm(court, onlyOrdinary), htmx)
		moved := len(filed) - lanes[triage.LaneOrdinary]
		p.must(t, 200, fmt.Sprintf(`<dd id="dry-total">%d 件</dd>`, len(filed)), fmt.Sprintf(`<dd id="dry-moved">%d 件</dd>`, moved))
		for lane, n := range lanes {
			if lane == triage.LaneOrdinary {
				continue
			}
			p.must(t, 200, fmt.Sprintf(`<td>%s</td><td>普执团队</td><td class="num">%d</td>`, triage.LaneName(lane), n))
		}
		for _, c := range filed {
			if c.Lane != triage.LaneOrdinary {
				p.must(t, 200, c.CaseNo)
			}
		}
		admin.do("POST", "/triage/dry-run", ruleForm(court, unknown), htmx).must(t, 200, "未知的事实 amount")

		// Save a court version, then activate it.
		mine := append([]triage.Rule(nil), rules...)
		mine[4].When = strings.Replace(mine[4].When, "50_000_000", "30_000_000", 1)
		p = admin.post("/triage", ruleForm(court, mine))
		if p.status != http.StatusSeeOther || !strings.HasSuffix(p.location, "?done=saved") {
			t.Fatalf("save: %d %q\n%.2000s", p.status, p.location, p.body)
		}
		setPath := strings.TrimSuffix(p.location, "?done=saved")
		admin.get(p.location).must(t, 200, "已保存", "第 1 版", "未启用", "启用此版本", "30_000_000", "测试版本")
		if _, c, err := intake.ActiveRuleSet(env.Sys, db, s.CourtID); err != nil || strings.Contains(fmt.Sprint(c.RuleSet()), "30_000_000") {
			t.Fatal("saving activated the version")
		}
		admin.post(setPath+"/activation", url.Values{}).redirected(t, setPath+"?done=activated")
		admin.get(setPath+"?done=activated").must(t, 200, "规则集已启用", "已启用")
		id, compiled, err := intake.ActiveRuleSet(env.Sys, db, s.CourtID)
		if err != nil || "/triage/"+id.String() != setPath || !strings.Contains(fmt.Sprint(compiled.RuleSet()), "30_000_000") {
			t.Fatalf("active set %v %v", id, err)
		}
		admin.get("/triage").must(t, 200, "已启用（本院规则优先）", `<tr class="in-force">`)

		// Permissions and scope.
		judge := staffBrowser(t, env, s.Judge)
		judge.get("/triage/new").must(t, 403)
		judge.post("/triage", ruleForm(court, mine)).must(t, 403)
		judge.do("POST", "/triage/validate", ruleForm(court, rules), htmx).must(t, 403)
		judge.post(setPath+"/activation", url.Values{}).must(t, 403)
		judge.get(setPath).must(t, 200, "30_000_000")
		judge.get(setPath).lacks(t, "复制为新版本")
		admin.post("/triage/"+platform+"/activation", url.Values{}).must(t, 403)
		admin.post("/triage/dry-run", ruleForm("", onlyOrdinary)).must(t, 403)
		admin.post("/triage", ruleForm("", mine)).must(t, 403)
		agency := userBrowser(t, env, "tri.agency", access.RoleAgencyOperator, "粤0607")
		agency.get("/triage").must(t, 403)
		agency.get("/triage/"+platform).must(t, 403)
		nanhai := userBrowser(t, env, "nh.admin", access.RoleCourtAdmin, "粤0605")
		nanhai.get(setPath).must(t, 404)
		nanhai.post(setPath+"/activation", url.Values{}).must(t, 404)
		nanhai.post("/triage", ruleForm(court, mine)).must(t, 404)
		nanhai.get("/triage?court="+court).must(t, 404)
		admin.get("/triage/not-an-id").must(t, 404)
		admin.get("/triage/"+uuid.NewString()).must(t, 404)
		if n := ruleSetCount(t, db); n != sets+1 {
			t.Fatalf("rule sets: %d, want %d", n, sets+1)
		}
	})
}
