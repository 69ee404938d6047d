package triage

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"

	"github.com/zhixing-court/zhixing/internal/apperr"
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
	MaxRules   = 200  // rules in a rule set
	MaxWhenLen = 2000 // characters (runes) in one expression
	MaxIDLen   = 40   // bytes in a rule ID
	MaxNameLen = 40   // characters in a rule name
	MaxNoteLen = 1000 // characters in a rule note

	maxNodes     = 500  // AST nodes in one expression
	maxRangeSize = 1000 // values in a range literal such as 1..3
)

// CodeInvalidRuleSet is the apperr code of every Compile failure.
const CodeInvalidRuleSet = "invalid_rule_set"

// allowedFunctions are the expr builtins a rule may call: pure, cheap
// functions. Everything else — now/date/duration (impure), predicates such as
// all/filter/map (loops), repeat, toJSON … — is refused.
var allowedFunctions = []string{
	"len", "abs", "ceil", "floor", "round", "int", "float", "min", "max",
	"lower", "upper", "trim", "hasPrefix", "hasSuffix",
}

// Functions lists the functions a rule expression may call, for the rule
// editor's help.
func Functions() []string { return slices.Clone(allowedFunctions) }

var (
	exprOptions = func() []expr.Option {
		opts := []expr.Option{expr.Env(Facts{}), expr.AsBool(), expr.MaxNodes(maxNodes), expr.DisableAllBuiltins()}
		for _, name := range allowedFunctions {
			opts = append(opts, expr.EnableBuiltin(name))
		}
		return opts
	}()
	builtinNames = func() map[string]bool {
		m := make(map[string]bool, len(builtin.Names))
		for _, n := range builtin.Names {
			m[n] = true
		}
		return m
	}()
	idPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)
)

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
	if l := utf8.RuneCountInString(when); l > MaxWhenLen {
		return nil, nil, fmt.Sprintf("：条件过长（%d 个字符），最多 %d 个字符", l, MaxWhenLen)
	}
	defer func() {
		// expr is not expected to panic on any input; if it does, refuse the
		// expression rather than the whole process.
		if r := recover(); r != nil {
			prog, conjuncts, msg = nil, nil, fmt.Sprintf("：条件无法编译（expr: %v）", r)
		}
	}()

	tree, perr := parser.Parse(when)
	if perr == nil {
		if m := checkPolicy(when, tree.Node); m != "" {
			return nil, nil, m
		}
	}
	p, err := expr.Compile(when, exprOptions...)
	if err != nil {
		return nil, nil, translate(err)
	}
	if perr != nil { // cannot happen: Compile parses the same text
		return nil, nil, translate(perr)
	}
	v := constBool(p.Node())
	if v == "" && !readsFacts(tree.Node) {
		// Not folded by expr's optimiser (1 < 2), but constant all the same.
		if out, err := expr.Run(p, &Facts{}); err == nil {
			if b, ok := out.(bool); ok {
				v = strconv.FormatBool(b)
			}
		}
	}
	switch v {
	case "true":
		return nil, nil, "：条件恒为真，其后的规则永远不会命中；默认规则请把条件留空或写 true，并放在最后"
	case "false":
		return nil, nil, "：条件恒为假，该规则永远不会命中"
	}
	return p, splitAnd(tree.Node, nil), ""
}

// constBool reports whether the optimised expression is a constant: "true",
// "false" or "".
func constBool(n ast.Node) string {
	switch n := n.(type) {
	case *ast.BoolNode:
		return strconv.FormatBool(n.Value)
	case *ast.ConstantNode:
		if b, ok := n.Value.(bool); ok {
			return strconv.FormatBool(b)
		}
	}
	return ""
}

// readsFacts reports whether the expression mentions any fact.
func readsFacts(root ast.Node) bool {
	found := false
	ast.Find(root, func(n ast.Node) bool {
		if id, ok := n.(*ast.IdentifierNode); ok && factIndex[id.Value] != nil {
			found = true
		}
		return found
	})
	return found
}

// splitAnd appends the top-level conjuncts of n to out.
func splitAnd(n ast.Node, out []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		out = splitAnd(b.Left, out)
		return splitAnd(b.Right, out)
	}
	return append(out, n)
}

// policy is an ast.Visitor that records the first construct rules may not
// use: $env, builtins outside allowedFunctions (including the looping predicates
// all/any/filter/map …, which expr parses whatever is disabled), large or
// computed ranges, and regular expressions that are not literals.
type policy struct {
	at  file.Location
	msg string
}

func (p *policy) Visit(node *ast.Node) {
	if p.msg != "" {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			p.at, p.msg = n.Location(), "不支持 $env，请直接写事实名称，如 claim_amount_fen"
		}
	case *ast.BuiltinNode:
		if !slices.Contains(allowedFunctions, n.Name) {
			p.at, p.msg = n.Location(), fmt.Sprintf("不允许使用函数 %s；可用函数：%s", n.Name, strings.Join(allowedFunctions, "、"))
		}
	case *ast.BinaryNode:
		switch n.Operator {
		case "..":
			lo, ok1 := constInt(n.Left)
			hi, ok2 := constInt(n.Right)
			if !ok1 || !ok2 || hi-lo >= maxRangeSize {
				p.at, p.msg = n.Location(), "范围的两端必须是固定整数，且最多包含 1,000 个值"
			}
		case "matches":
			if _, ok := n.Right.(*ast.StringNode); !ok {
				p.at, p.msg = n.Location(), "matches 的右边必须是固定的正则表达式文本"
			}
		}
	}
}

func checkPolicy(src string, root ast.Node) string {
	var p policy
	ast.Walk(&root, &p)
	if p.msg == "" {
		return ""
	}
	e := (&file.Error{Location: p.at, Message: p.msg}).Bind(file.NewSource(src))
	return fmt.Sprintf("第 %d 行第 %d 列：%s", e.Line, e.Column+1, p.msg)
}

var (
	reUnknownName  = regexp.MustCompile(`^unknown name (\S+)$`)
	reUnexpected   = regexp.MustCompile(`^unexpected token (\w+)(?:\("(.*)"\))?$`)
	reUnrecognized = regexp.MustCompile(`^unrecognized character: \S+ '(.+)'$`)
	reMismatched   = regexp.MustCompile(`^invalid operation: (\S+) \(mismatched types (\S+) and (\S+)\)$`)
	reExpected     = regexp.MustCompile(`^expected bool, but got (.+)$`)
)

// translate turns an expr compile error into a Chinese message, starting
// with "第 L 行第 C 列：" when expr gives a position.
func translate(err error) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return "：" + translateMessage(err.Error())
	}
	return fmt.Sprintf("第 %d 行第 %d 列：%s", fe.Line, fe.Column+1, translateMessage(fe.Message))
}

func translateMessage(m string) string {
	if s := reUnknownName.FindStringSubmatch(m); s != nil {
		name := s[1]
		if builtinNames[name] {
			return fmt.Sprintf("不允许使用函数 %s；可用函数：%s", name, strings.Join(allowedFunctions, "、"))
		}
		msg := "未知的事实 " + name
		if g := guessFact(name); g != "" {
			msg += "（是否想写 " + g + "？）"
		}
		return msg + "；可用事实：" + factList()
	}
	if s := reUnexpected.FindStringSubmatch(m); s != nil {
		switch {
		case s[1] == "EOF":
			return "表达式不完整，在此处意外结束"
		case s[2] == "=":
			return "此处不应出现“=”；判断相等请写 =="
		default:
			return "此处不应出现“" + s[2] + "”"
		}
	}
	if s := reUnrecognized.FindStringSubmatch(m); s != nil {
		return "无法识别的字符“" + s[1] + "”"
	}
	if s := reMismatched.FindStringSubmatch(m); s != nil {
		return fmt.Sprintf("类型不匹配：%s与%s不能做 %s 运算", typeName(s[2]), typeName(s[3]), s[1])
	}
	if s := reExpected.FindStringSubmatch(m); s != nil {
		return "条件的结果必须是真或假（布尔值），这里得到的是" + typeName(s[1])
	}
	switch {
	case strings.Contains(m, "literal not terminated"):
		return "文本缺少结束的引号"
	case strings.Contains(m, "exceeds maximum allowed nodes"):
		return "表达式过于复杂"
	}
	return "表达式有误（expr：" + m + "）"
}

func typeName(t string) string {
	switch t {
	case "string":
		return "文本（string）"
	case "int", "int64", "int32", "uint", "uint64":
		return "整数（" + t + "）"
	case "float64", "float32", "float":
		return "小数（" + t + "）"
	case "bool":
		return "布尔值（bool）"
	case "nil", "<nil>":
		return "空值（nil）"
	}
	if strings.HasPrefix(t, "[]") {
		return "列表（" + t + "）"
	}
	if strings.HasPrefix(t, "map[") {
		return "映射（" + t + "）"
	}
	return t
}

func factList() string {
	names := make([]string, len(facts))
	for i, f := range facts {
		names[i] = f.name
	}
	return strings.Join(names, "、")
}

// guessFact suggests the fact the writer probably meant: one whose name
// contains the unknown name (or vice versa), or is within two edits of it.
func guessFact(name string) string {
	if len(name) < 3 {
		return ""
	}
	best, bestD := "", 3
	for _, f := range facts {
		d := editDistance(name, f.name)
		if strings.Contains(f.name, name) || strings.Contains(name, f.name) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = f.name, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
