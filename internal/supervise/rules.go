// Package supervise is supervision (督办, DOMAIN.md §12): rules as a court's
// data that raise items on cases, controls and case money when a node is
// missed; items that escalate level by level (SUP-3: 承办人 → 团队长 → 执行局长
// → 院长) until answered; lists (督办清单) the command center issues to a
// team; and the figures of MET-13.
//
// How it scales (issue 6): a rule says when a subject is due — a date fact
// of the subject (the anchor) plus an offset — and what must hold for an
// item to be raised then (the condition, an expr expression over the
// subject's facts, compiled like the triage rules). Touch re-evaluates a
// subject's rules in the transaction that changed its facts, raises or
// clears items at once when they are due, and keeps one row per subject in
// the due-date queue (supervision_watches) with the next day anything about
// it needs looking at. The daily scan reads only the rows due and the items
// due to escalate, so its cost follows what is due, not what is open.
// Conditions never read the date: time enters through the anchor only.
package supervise

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/vm"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// Module is one of the seven modules of SUP-1 (渝水).
type Module struct{ Code, Label string }

// Modules lists them; items belong to the first six, the seventh is the
// rule editor itself.
var Modules = []Module{
	{"statistics", "督办综合统计"},
	{"disposal", "财产处置督办"},
	{"nodes", "节点信息督办"},
	{"overdue", "审限超期督办"},
	{"zhongben", "终本校验督办"},
	{"funds", "案款管理督办"},
	{"rules", "督办规则配置"},
}

// ModuleLabel is a module's Chinese name.
func ModuleLabel(code string) string {
	for _, m := range Modules {
		if m.Code == code {
			return m.Label
		}
	}
	return code
}

func itemModule(code string) bool {
	return code != "rules" && slices.ContainsFunc(Modules, func(m Module) bool { return m.Code == code })
}

// Severities of an item.
var severities = []struct{ Code, Label string }{{"low", "提示"}, {"normal", "一般"}, {"high", "紧急"}}

// SeverityLabel is a severity's Chinese name.
func SeverityLabel(code string) string {
	for _, s := range severities {
		if s.Code == code {
			return s.Label
		}
	}
	return code
}

// Levels of SUP-3.
var levelLabels = []string{"", "承办人", "团队长", "执行局长", "院长"}

// LevelLabel names a level (1–4).
func LevelLabel(level int) string {
	if level < 1 || level > 4 {
		return strconv.Itoa(level)
	}
	return levelLabels[level]
}

// DefaultEscalation is SUP-3's proposed chain: the team leader 3 days after
// the node's day, the bureau chief after 7, the president after 15.
var DefaultEscalation = []int{3, 7, 15}

// Rule is one supervision rule.
type Rule struct {
	ID      string `json:"id"`      // stable, lowercase ASCII: "node_notice"
	Name    string `json:"name"`    // Chinese: "执行通知书未按期发出"
	Module  string `json:"module"`  // see Modules (not "rules")
	Subject string `json:"subject"` // case, control or account
	// Anchor is a date fact of the subject; the node's day T is Anchor +
	// OffsetDays (negative: before it), moved to the next working day when
	// it falls on a rest day (PER-6).
	Anchor     string `json:"anchor"`
	OffsetDays int    `json:"offset_days"`
	// WarnDays: an early warning (预警) this many days before T (SUP-2); 0
	// for none.
	WarnDays int `json:"warn_days"`
	// When is the defect: an item is raised on T if it holds then.
	When     string `json:"when"`
	Severity string `json:"severity"`
	// AnswerDays is how long the handler has to answer once raised.
	AnswerDays int `json:"answer_days"`
	// Escalation: days after T at which levels 2, 3 and 4 take over an item
	// still unanswered (SUP-3); fewer entries stop the chain earlier.
	Escalation []int  `json:"escalation"`
	Enabled    bool   `json:"enabled"`
	Note       string `json:"note"` // the rule it enforces: NODE-1 …
}

// RuleSet is one version of a court's rules. Version 0 is the built-in
// default set.
type RuleSet struct {
	Version int    `json:"version"`
	Rules   []Rule `json:"rules"`
}

// Limits checked by Compile.
const (
	MaxRules     = 100
	MaxOffset    = 3650
	MaxWarnDays  = 90
	MaxAnswer    = 90
	maxNameLen   = 40
	maxNoteLen   = 500
	CodeInvalid  = "invalid_supervision_rules"
	maxEscalDays = 365
)

var idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Compiled is a validated rule set, safe for concurrent use.
type Compiled struct {
	rs    RuleSet
	rules []*compiledRule
}

type compiledRule struct {
	Rule
	program *vm.Program
}

// RuleSet returns a copy of the set c was compiled from.
func (c *Compiled) RuleSet() RuleSet {
	return RuleSet{Version: c.rs.Version, Rules: slices.Clone(c.rs.Rules)}
}

// Version is the set's version.
func (c *Compiled) Version() int { return c.rs.Version }

// rulesFor returns the enabled rules of a subject kind.
func (c *Compiled) rulesFor(kind string) []*compiledRule {
	var out []*compiledRule
	for _, r := range c.rules {
		if r.Enabled && r.Subject == kind {
			out = append(out, r)
		}
	}
	return out
}

// rule returns the rule with id, or nil.
func (c *Compiled) rule(id string) *compiledRule {
	for _, r := range c.rules {
		if r.ID == id {
			return r
		}
	}
	return nil
}

type problems []apperr.FieldError

func (p *problems) add(field, detail string) {
	*p = append(*p, apperr.FieldError{Field: field, Detail: detail})
}

// Compile validates rs and compiles its conditions, reporting every
// problem at once: an *apperr.Error (Invalid, "invalid_supervision_rules")
// whose fields name the rule field ("rules[2].when") with a Chinese detail
// giving the rule's number and, for a condition, the line and column.
func Compile(rs RuleSet) (*Compiled, error) {
	var errs problems
	if rs.Version < 0 {
		errs.add("version", "版本号不能为负数")
	}
	if n := len(rs.Rules); n > MaxRules {
		errs.add("rules", fmt.Sprintf("规则过多（%d 条），最多 %d 条", n, MaxRules))
		return nil, invalid(errs)
	}
	c := &Compiled{rs: RuleSet{Version: rs.Version, Rules: slices.Clone(rs.Rules)}}
	seen := map[string]int{}
	for i, r := range rs.Rules {
		field := func(name string) string { return fmt.Sprintf("rules[%d].%s", i, name) }
		who := fmt.Sprintf("规则 %d", i+1)
		if idPattern.MatchString(r.ID) {
			who = fmt.Sprintf("规则 %d（%s）", i+1, r.ID)
		}
		switch {
		case !idPattern.MatchString(r.ID):
			errs.add(field("id"), who+"：编号只能由小写英文字母、数字和下划线组成，长度 1–40 个字符")
		default:
			if j, dup := seen[r.ID]; dup {
				errs.add(field("id"), fmt.Sprintf("%s：编号 %s 与规则 %d 重复", who, r.ID, j+1))
			}
			seen[r.ID] = i
		}
		if name := strings.TrimSpace(r.Name); name == "" || utf8.RuneCountInString(name) > maxNameLen {
			errs.add(field("name"), fmt.Sprintf("%s：名称不能为空，最多 %d 个字", who, maxNameLen))
		}
		if !itemModule(r.Module) {
			errs.add(field("module"), who+"：未知的督办模块 "+r.Module+"；可选："+moduleChoices())
		}
		s := subjectOf(r.Subject)
		if s == nil {
			errs.add(field("subject"), who+"：未知的督办对象 "+r.Subject+"；可选："+subjectChoices())
		} else if !slices.ContainsFunc(s.anchors, func(a anchor) bool { return a.name == r.Anchor }) {
			errs.add(field("anchor"), fmt.Sprintf("%s：%s没有日期 %s；可选：%s", who, s.label, r.Anchor, s.anchorChoices()))
		}
		if r.OffsetDays < -MaxOffset || r.OffsetDays > MaxOffset {
			errs.add(field("offset_days"), fmt.Sprintf("%s：相对天数须在 ±%d 之间", who, MaxOffset))
		}
		if r.WarnDays < 0 || r.WarnDays > MaxWarnDays {
			errs.add(field("warn_days"), fmt.Sprintf("%s：预警提前天数须在 0–%d 之间", who, MaxWarnDays))
		}
		if !slices.ContainsFunc(severities, func(s struct{ Code, Label string }) bool { return s.Code == r.Severity }) {
			errs.add(field("severity"), who+"：未知的紧急程度 "+r.Severity+"；可选：low（提示）、normal（一般）、high（紧急）")
		}
		if r.AnswerDays < 1 || r.AnswerDays > MaxAnswer {
			errs.add(field("answer_days"), fmt.Sprintf("%s：答复期限须在 1–%d 日之间", who, MaxAnswer))
		}
		if msg := checkEscalation(r.Escalation); msg != "" {
			errs.add(field("escalation"), who+"："+msg)
		}
		if utf8.RuneCountInString(r.Note) > maxNoteLen {
			errs.add(field("note"), fmt.Sprintf("%s：说明最多 %d 个字", who, maxNoteLen))
		}
		cr := &compiledRule{Rule: r}
		if s != nil {
			switch cond, msg := s.env.Compile(r.When, s.zero()); {
			case strings.TrimSpace(r.When) == "":
				errs.add(field("when"), who+"：请填写督办条件（什么情况下应当督办）")
			case msg != "":
				errs.add(field("when"), who+msg)
			case cond.Constant == "false":
				errs.add(field("when"), who+"：条件恒为假，该规则永远不会督办")
			default:
				cr.program = cond.Program
			}
		}
		c.rules = append(c.rules, cr)
	}
	if len(errs) > 0 {
		return nil, invalid(errs)
	}
	return c, nil
}

func checkEscalation(days []int) string {
	if len(days) > 3 {
		return "升级链最多三级（团队长、执行局长、院长）"
	}
	prev := -1
	for _, d := range days {
		if d < 0 || d > maxEscalDays {
			return fmt.Sprintf("升级天数须在 0–%d 之间", maxEscalDays)
		}
		if d <= prev {
			return "升级天数须逐级递增，如 3、7、15"
		}
		prev = d
	}
	return ""
}

func invalid(errs problems) *apperr.Error {
	detail := errs[0].Detail
	if len(errs) > 1 {
		detail = fmt.Sprintf("督办规则有 %d 处错误，第一处：%s", len(errs), detail)
	}
	return apperr.New(apperr.Invalid, CodeInvalid, detail, errs...)
}

func moduleChoices() string {
	var parts []string
	for _, m := range Modules {
		if itemModule(m.Code) {
			parts = append(parts, m.Code+"（"+m.Label+"）")
		}
	}
	return strings.Join(parts, "、")
}

// nodeDay is T for a rule given its anchor date: anchor + offset, rolled
// to the next working day (PER-6). ok is false when the subject has no
// such date (a case not closed has no closed_on).
func (r *compiledRule) nodeDay(cal *legal.Calendar, anchors map[string]legal.Date) (legal.Date, bool) {
	a, ok := anchors[r.Anchor]
	if !ok || a.IsZero() {
		return legal.Date{}, false
	}
	t := a.AddDays(r.OffsetDays)
	if cal != nil {
		t = cal.NextWorkday(t)
	}
	return t, true
}

// holds evaluates the condition; an error at run time counts as not
// holding (no item raised on a rule that cannot be evaluated).
func (r *compiledRule) holds(m *vm.VM, facts any) bool {
	out, err := m.Run(r.program, facts)
	if err != nil {
		return false
	}
	b, _ := out.(bool)
	return b
}

// escalateOn is the day level+1 takes over an item at level, or zero when
// the chain ends at level.
func escalateOn(t legal.Date, chain []int, level int) legal.Date {
	if level-1 >= len(chain) || level >= 4 {
		return legal.Date{}
	}
	return t.AddDays(chain[level-1])
}
