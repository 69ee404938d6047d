package triage

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/rulexpr"
)

// Rule is one triage rule. Rules are tried in order; the first whose When
// holds decides the lane.
type Rule struct {
	ID   string `json:"id"`   // stable, lowercase ASCII: "fast_small"
	Name string `json:"name"` // Chinese: "小额快执"
	When string `json:"when"` // expr expression over Facts; "" or "true" is the default rule
	Lane string `json:"lane"` // a lane code (team kind), see Lanes
	Note string `json:"note"` // why the rule exists; cite FLOW-5 or the court's practice
}

// RuleSet is one version of a court's triage rules.
type RuleSet struct {
	Version int    `json:"version"`
	Rules   []Rule `json:"rules"`
}

// Limits checked by Compile.
const (
	MaxRules   = 200            // rules in a rule set
	MaxWhenLen = rulexpr.MaxLen // characters (runes) in one expression
	MaxIDLen   = 40             // bytes in a rule ID
	MaxNameLen = 40             // characters in a rule name
	MaxNoteLen = 1000           // characters in a rule note

)

// CodeInvalidRuleSet is the apperr code of every Compile failure.
const CodeInvalidRuleSet = "invalid_rule_set"

// Functions lists the functions a rule expression may call, for the rule
// editor's help.
func Functions() []string { return rulexpr.Functions() }

var (
	env       = rulexpr.NewEnv(Facts{}, factNames(), "claim_amount_fen")
	idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
)

func factNames() []string {
	names := make([]string, len(facts))
	for i, f := range facts {
		names[i] = f.name
	}
	return names
}

// Compiled is a validated, compiled rule set. It is immutable and safe for
// concurrent use.
type Compiled struct {
	rs    RuleSet
	rules []compiledRule
	vms   sync.Pool // of *vm.VM, reused across evaluations
}

type compiledRule struct {
	Rule
	index     int
	isDefault bool
	program   *vm.Program
	conjuncts []ast.Node // top-level && operands of the parsed, unoptimised expression
}

// Version is the rule set's version.
func (c *Compiled) Version() int { return c.rs.Version }

// RuleSet returns a copy of the rule set c was compiled from.
func (c *Compiled) RuleSet() RuleSet {
	return RuleSet{Version: c.rs.Version, Rules: slices.Clone(c.rs.Rules)}
}

// IsDefaultWhen reports whether when makes a rule the default rule: empty or
// exactly "true" (surrounding blanks ignored).
func IsDefaultWhen(when string) bool {
	w := strings.TrimSpace(when)
	return w == "" || w == "true"
}

// problems collects field errors in order.
type problems []apperr.FieldError

func (p *problems) add(field, detail string) {
	*p = append(*p, apperr.FieldError{Field: field, Detail: detail})
}

// Compile validates rs and compiles its expressions. Every problem is
// reported at once: the error is an *apperr.Error of kind Invalid and code
// "invalid_rule_set" whose Fields name the rule field at fault
// ("rules[2].when") with a Chinese detail that gives the rule's number
// (1-based) and, for expression errors, the line and column.
func Compile(rs RuleSet) (*Compiled, error) {
	var errs problems
	if rs.Version < 1 {
		errs.add("version", "规则集版本号必须是正整数")
	}
	n := len(rs.Rules)
	switch {
	case n == 0:
		errs.add("rules", "规则集至少要有一条规则")
		return nil, invalid(errs)
	case n > MaxRules:
		errs.add("rules", fmt.Sprintf("规则过多（%d 条），一个规则集最多 %d 条", n, MaxRules))
		return nil, invalid(errs)
	}

	c := &Compiled{rs: RuleSet{Version: rs.Version, Rules: slices.Clone(rs.Rules)}, rules: make([]compiledRule, n)}
	seen := make(map[string]int, n)
	for i, r := range rs.Rules {
		field := func(name string) string { return fmt.Sprintf("rules[%d].%s", i, name) }
		who := ruleLabel(i, r.ID)

		switch {
		case r.ID == "":
			errs.add(field("id"), who+"：编号不能为空")
		case !idPattern.MatchString(r.ID):
			errs.add(field("id"), who+"：编号只能由小写英文字母、数字和下划线组成，长度 1–40 个字符")
		default:
			if j, dup := seen[r.ID]; dup {
				errs.add(field("id"), fmt.Sprintf("%s：编号 %s 与规则 %d 重复", who, r.ID, j+1))
			} else {
				seen[r.ID] = i
			}
		}

		name := strings.TrimSpace(r.Name)
		switch {
		case name == "":
			errs.add(field("name"), who+"：名称不能为空")
		case utf8.RuneCountInString(name) > MaxNameLen:
			errs.add(field("name"), fmt.Sprintf("%s：名称过长，最多 %d 个字", who, MaxNameLen))
		case !hasHan(name):
			errs.add(field("name"), who+"：名称请用中文")
		}

		switch {
		case r.Lane == "":
			errs.add(field("lane"), who+"：请选择分流去向；可选："+laneChoices())
		case LaneName(r.Lane) == "":
			errs.add(field("lane"), fmt.Sprintf("%s：未知的分流去向 %s；可选：%s", who, r.Lane, laneChoices()))
		}

		if utf8.RuneCountInString(r.Note) > MaxNoteLen {
			errs.add(field("note"), fmt.Sprintf("%s：说明过长，最多 %d 个字", who, MaxNoteLen))
		}

		cr := compiledRule{Rule: r, index: i, isDefault: IsDefaultWhen(r.When)}
		switch {
		case cr.isDefault && i < n-1:
			errs.add(field("when"), fmt.Sprintf("%s是默认规则（条件留空或为 true），只能作为最后一条规则；其后的规则 %s 永远不会命中",
				who, ruleRange(i+2, n)))
		case !cr.isDefault:
			prog, conj, msg := compileWhen(r.When)
			if msg != "" {
				errs.add(field("when"), who+msg)
			}
			cr.program, cr.conjuncts = prog, conj
		}
		c.rules[i] = cr
	}
	if !c.rules[n-1].isDefault {
		errs.add("rules", "规则集必须以默认规则结束（条件留空或为 true），否则会有案件无处可去")
	}
	if len(errs) > 0 {
		return nil, invalid(errs)
	}
	return c, nil
}

func invalid(errs problems) *apperr.Error {
	detail := errs[0].Detail
	if len(errs) > 1 {
		detail = fmt.Sprintf("规则集有 %d 处错误，第一处：%s", len(errs), detail)
	}
	return apperr.New(apperr.Invalid, CodeInvalidRuleSet, detail, errs...)
}

// ruleLabel names rule i for a Chinese reader: "规则 3（fast_small）".
func ruleLabel(i int, id string) string {
	if idPattern.MatchString(id) {
		return fmt.Sprintf("规则 %d（%s）", i+1, id)
	}
	return fmt.Sprintf("规则 %d", i+1)
}

// ruleRange renders rules from..to (1-based, inclusive).
func ruleRange(from, to int) string {
	if from == to {
		return strconv.Itoa(from)
	}
	return fmt.Sprintf("%d–%d", from, to)
}

func laneChoices() string {
	parts := make([]string, len(lanes))
	for i, l := range lanes {
		parts[i] = l.Code + "（" + l.Name + "）"
	}
	return strings.Join(parts, "、")
}

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// compileWhen compiles a non-default condition. On failure it returns a
// Chinese message that starts with the position when there is one:
// "第 1 行第 12 列：未知的事实 amount；…".
func compileWhen(when string) (prog *vm.Program, conjuncts []ast.Node, msg string) {
	c, msg := env.Compile(when, &Facts{})
	if msg != "" {
		return nil, nil, msg
	}
	switch c.Constant {
	case "true":
		return nil, nil, "：条件恒为真，其后的规则永远不会命中；默认规则请把条件留空或写 true，并放在最后"
	case "false":
		return nil, nil, "：条件恒为假，该规则永远不会命中"
	}
	return c.Program, rulexpr.SplitAnd(c.Tree, nil), ""
}
