package supervise

import (
	"strings"
	"testing"

	"github.com/expr-lang/expr/vm"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestDefaultRulesCompile(t *testing.T) {
	t.Parallel()
	c, err := Compile(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range c.rules {
		if !r.Enabled || r.Note == "" || r.AnswerDays < 1 {
			t.Errorf("%s: enabled %v, note %q, answer %d", r.ID, r.Enabled, r.Note, r.AnswerDays)
		}
	}
}

// TestCompileRefuses: every problem is reported with its rule and, for a
// condition, the line and column (issue 6, bad input).
func TestCompileRefuses(t *testing.T) {
	t.Parallel()
	base := DefaultRules().Rules[1] // node_notice
	for _, tc := range []struct {
		name   string
		change func(r *Rule)
		field  string
		detail string
	}{
		{"unknown fact", func(r *Rule) { r.When = "!closed && !notice_servd" }, "rules[0].when",
			"规则 1（node_notice）第 1 行第 13 列：未知的事实 notice_servd（是否想写 notice_served？）"},
		{"fact of another subject", func(r *Rule) { r.When = "balance_fen > 0" }, "rules[0].when", "未知的事实 balance_fen"},
		{"not a condition", func(r *Rule) { r.When = "claim_amount_fen + 1" }, "rules[0].when", "必须是真或假"},
		{"never true", func(r *Rule) { r.When = "1 > 2" }, "rules[0].when", "恒为假"},
		{"empty", func(r *Rule) { r.When = " " }, "rules[0].when", "请填写督办条件"},
		{"a loop", func(r *Rule) { r.When = `all(measures, # == "x")` }, "rules[0].when", "不允许使用函数 all"},
		{"unknown date", func(r *Rule) { r.Anchor = "born_on" }, "rules[0].anchor", "案件没有日期 born_on"},
		{"date of another subject", func(r *Rule) { r.Anchor = "term_to" }, "rules[0].anchor", "案件没有日期 term_to"},
		{"unknown subject", func(r *Rule) { r.Subject = "weather" }, "rules[0].subject", "未知的督办对象 weather"},
		{"the rules module", func(r *Rule) { r.Module = "rules" }, "rules[0].module", "未知的督办模块 rules"},
		{"bad id", func(r *Rule) { r.ID = "Node Notice" }, "rules[0].id", "编号只能由小写英文字母"},
		{"no name", func(r *Rule) { r.Name = "" }, "rules[0].name", "名称不能为空"},
		{"offset too far", func(r *Rule) { r.OffsetDays = 5000 }, "rules[0].offset_days", "±3650"},
		{"negative warning", func(r *Rule) { r.WarnDays = -1 }, "rules[0].warn_days", "0–90"},
		{"no answer days", func(r *Rule) { r.AnswerDays = 0 }, "rules[0].answer_days", "1–90"},
		{"bad severity", func(r *Rule) { r.Severity = "urgent" }, "rules[0].severity", "未知的紧急程度"},
		{"chain too long", func(r *Rule) { r.Escalation = []int{1, 2, 3, 4} }, "rules[0].escalation", "最多三级"},
		{"chain not rising", func(r *Rule) { r.Escalation = []int{3, 3} }, "rules[0].escalation", "逐级递增"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := base
			tc.change(&r)
			_, err := Compile(RuleSet{Rules: []Rule{r}})
			e, ok := err.(*apperr.Error)
			if !ok || e.Code != CodeInvalid || len(e.Fields) == 0 {
				t.Fatalf("err = %v", err)
			}
			if e.Fields[0].Field != tc.field || !strings.Contains(e.Fields[0].Detail, tc.detail) {
				t.Errorf("got %s: %s, want %s: …%s…", e.Fields[0].Field, e.Fields[0].Detail, tc.field, tc.detail)
			}
		})
	}
	// Two rules with one id: both problems, counted in the summary.
	r := base
	r.Name = ""
	_, err := Compile(RuleSet{Rules: []Rule{base, r}})
	if e, ok := err.(*apperr.Error); !ok || len(e.Fields) != 2 || !strings.Contains(e.Detail, "有 2 处错误") {
		t.Errorf("two problems: %v", err)
	}
}

// TestNodeDay (SUP-2, PER-6): the node's day is the anchor plus the offset,
// a rest day moved to the next working day.
func TestNodeDay(t *testing.T) {
	t.Parallel()
	cal, err := legal.NewCalendar(legal.DefaultCalendarDays())
	if err != nil {
		t.Fatal(err)
	}
	c, err := Compile(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	notice, near := c.rule("node_notice"), c.rule("period_near_end")
	for _, tc := range []struct {
		rule   *compiledRule
		anchor string
		want   string
	}{
		{notice, "2024-09-20", "2024-09-23"}, // +3 = Monday
		{notice, "2024-09-24", "2024-09-27"}, // +3 = Friday
		{notice, "2024-09-25", "2024-09-29"}, // +3 = Saturday 09-28 → Sunday 09-29, a make-up workday (国办发明电〔2023〕7号)
		{notice, "2024-09-28", "2024-10-08"}, // +3 = 10-01, National Day → 10-08
		{near, "2024-10-20", "2024-10-08"},   // −15 = 10-05, holiday → 10-08
	} {
		got, ok := tc.rule.nodeDay(cal, map[string]legal.Date{tc.rule.Anchor: legal.MustDate(tc.anchor)})
		if !ok || got.String() != tc.want {
			t.Errorf("%s from %s: %s, want %s", tc.rule.ID, tc.anchor, got, tc.want)
		}
	}
	if _, ok := notice.nodeDay(cal, map[string]legal.Date{}); ok {
		t.Error("a missing anchor gave a day")
	}
}

func TestEscalateOn(t *testing.T) {
	t.Parallel()
	raised := legal.MustDate("2026-03-02")
	for level, want := range map[int]string{1: "2026-03-05", 2: "2026-03-09", 3: "2026-03-17", 4: ""} {
		got := escalateOn(raised, DefaultEscalation, level)
		if (want == "" && !got.IsZero()) || (want != "" && got.String() != want) {
			t.Errorf("level %d: %s, want %q", level, got, want)
		}
	}
	if got := escalateOn(raised, []int{2}, 2); !got.IsZero() {
		t.Errorf("a one-step chain goes on: %s", got)
	}
}

// TestConditions evaluates the default conditions over facts.
func TestConditions(t *testing.T) {
	t.Parallel()
	c, err := Compile(DefaultRules())
	if err != nil {
		t.Fatal(err)
	}
	var m vm.VM
	for _, tc := range []struct {
		rule  string
		facts any
		want  bool
	}{
		{"node_notice", &CaseFacts{}, true},
		{"node_notice", &CaseFacts{NoticeServed: true}, false},
		{"node_notice", &CaseFacts{Closed: true}, false},
		{"node_first_inquiry", &CaseFacts{Inquiries: 0}, true},
		{"node_first_inquiry", &CaseFacts{Inquiries: 1}, false},
		{"period_near_end", &CaseFacts{Suspended: true}, false},
		{"zhongben_upload", &CaseFacts{Closed: true, Closure: "zhongben"}, true},
		{"zhongben_upload", &CaseFacts{Closed: true, Closure: "zhongben", Uploaded: true}, false},
		{"zhongben_removal", &CaseFacts{Closure: "zhongben", Uploaded: true}, true},
		{"control_expiring", &ControlFacts{Status: "active"}, true},
		{"control_expiring", &ControlFacts{Status: "released"}, false},
		{"funds_overdue", &AccountFacts{BalanceFen: 1}, true},
		{"funds_overdue", &AccountFacts{BalanceFen: 1, Postponed: true}, false},
	} {
		if got := c.rule(tc.rule).holds(&m, tc.facts); got != tc.want {
			t.Errorf("%s over %+v: %v", tc.rule, tc.facts, got)
		}
	}
}
