// Package rulexpr compiles the conditions of rules an administrator writes
// (triage rules, supervision rules) with expr: a restricted language of
// pure, cheap functions over a fixed set of facts, whose compile errors are
// given in Chinese with their line and column ("第 1 行第 12 列：未知的事实
// amount（是否想写 claim_amount_fen？）；可用事实：…").
package rulexpr

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/builtin"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
	"github.com/expr-lang/expr/vm"
)

// Limits of one condition.
const (
	MaxLen       = 2000 // characters (runes)
	maxNodes     = 500  // AST nodes
	maxRangeSize = 1000 // values in a range literal such as 1..3
)

// allowedFunctions are the expr builtins a rule may call: pure, cheap
// functions. Everything else — now/date/duration (impure), predicates such as
// all/filter/map (loops), repeat, toJSON … — is refused.
var allowedFunctions = []string{
	"len", "abs", "ceil", "floor", "round", "int", "float", "min", "max",
	"lower", "upper", "trim", "hasPrefix", "hasSuffix",
}

// Functions lists the functions a condition may call, for the rule
// editors' help.
func Functions() []string { return slices.Clone(allowedFunctions) }

var builtinNames = func() map[string]bool {
	m := make(map[string]bool, len(builtin.Names))
	for _, n := range builtin.Names {
		m[n] = true
	}
	return m
}()

// Env is what conditions are written over: a zero value of the facts'
// struct (expr reads its `expr` tags) and the fact names, in display order.
type Env struct {
	example string
	facts   []string
	known   map[string]bool
	options []expr.Option
}

// NewEnv describes the facts of zero (a struct value) named names;
// example is the fact error messages show as an example.
func NewEnv(zero any, names []string, example string) *Env {
	e := &Env{example: example, facts: slices.Clone(names), known: make(map[string]bool, len(names))}
	for _, n := range names {
		e.known[n] = true
	}
	e.options = []expr.Option{expr.Env(zero), expr.AsBool(), expr.MaxNodes(maxNodes), expr.DisableAllBuiltins()}
	for _, name := range allowedFunctions {
		e.options = append(e.options, expr.EnableBuiltin(name))
	}
	return e
}

// Facts returns the fact names.
func (e *Env) Facts() []string { return slices.Clone(e.facts) }

// Compiled is one compiled condition.
type Compiled struct {
	Program *vm.Program
	Tree    ast.Node // parsed, not optimised: for explanations
	// Constant is "true" or "false" when the condition does not depend on
	// the facts, "" otherwise.
	Constant string
}

// Compile compiles a condition. On failure it returns a Chinese message
// that starts with the position when there is one ("第 1 行第 12 列：…") or
// with "：" otherwise, to follow the rule's label.
func (e *Env) Compile(when string, zero any) (c *Compiled, msg string) {
	if l := utf8.RuneCountInString(when); l > MaxLen {
		return nil, fmt.Sprintf("：条件过长（%d 个字符），最多 %d 个字符", l, MaxLen)
	}
	defer func() {
		// expr is not expected to panic on any input; if it does, refuse the
		// expression rather than the whole process.
		if r := recover(); r != nil {
			c, msg = nil, fmt.Sprintf("：条件无法编译（expr: %v）", r)
		}
	}()
	tree, perr := parser.Parse(when)
	if perr == nil {
		if m := checkPolicy(when, tree.Node, e.example); m != "" {
			return nil, m
		}
	}
	p, err := expr.Compile(when, e.options...)
	if err != nil {
		return nil, e.translate(err)
	}
	if perr != nil { // cannot happen: Compile parses the same text
		return nil, e.translate(perr)
	}
	c = &Compiled{Program: p, Tree: tree.Node, Constant: constBool(p.Node())}
	if c.Constant == "" && !e.readsFacts(tree.Node) {
		// Not folded by expr's optimiser (1 < 2), but constant all the same.
		if out, err := expr.Run(p, zero); err == nil {
			if b, ok := out.(bool); ok {
				c.Constant = strconv.FormatBool(b)
			}
		}
	}
	return c, ""
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
func (e *Env) readsFacts(root ast.Node) bool {
	found := false
	ast.Find(root, func(n ast.Node) bool {
		if id, ok := n.(*ast.IdentifierNode); ok && e.known[id.Value] {
			found = true
		}
		return found
	})
	return found
}

// SplitAnd appends the top-level conjuncts of n to out.
func SplitAnd(n ast.Node, out []ast.Node) []ast.Node {
	if b, ok := n.(*ast.BinaryNode); ok && (b.Operator == "&&" || b.Operator == "and") {
		out = SplitAnd(b.Left, out)
		return SplitAnd(b.Right, out)
	}
	return append(out, n)
}

// policy is an ast.Visitor that records the first construct rules may not
// use: $env, builtins outside allowedFunctions (including the looping predicates
// all/any/filter/map …, which expr parses whatever is disabled), large or
// computed ranges, and regular expressions that are not literals.
type policy struct {
	example string // a fact name, for the $env message
	at      file.Location
	msg     string
}

func (p *policy) Visit(node *ast.Node) {
	if p.msg != "" {
		return
	}
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if n.Value == "$env" {
			p.at, p.msg = n.Location(), "不支持 $env，请直接写事实名称，如 "+p.example
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

// constInt evaluates integer arithmetic on literals (+, -, *), refusing
// operands beyond ±2³¹ so nothing overflows.
func constInt(n ast.Node) (int64, bool) {
	const bound = 1 << 31
	switch n := n.(type) {
	case *ast.IntegerNode:
		return int64(n.Value), true
	case *ast.UnaryNode:
		v, ok := constInt(n.Node)
		switch {
		case !ok:
		case n.Operator == "+":
			return v, true
		case n.Operator == "-":
			return -v, true
		}
	case *ast.BinaryNode:
		a, ok1 := constInt(n.Left)
		b, ok2 := constInt(n.Right)
		if !ok1 || !ok2 || a > bound || a < -bound || b > bound || b < -bound {
			return 0, false
		}
		switch n.Operator {
		case "+":
			return a + b, true
		case "-":
			return a - b, true
		case "*":
			return a * b, true
		}
	}
	return 0, false
}

func checkPolicy(src string, root ast.Node, example string) string {
	p := policy{example: example}
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
func (e *Env) translate(err error) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return "：" + e.translateMessage(err.Error())
	}
	return fmt.Sprintf("第 %d 行第 %d 列：%s", fe.Line, fe.Column+1, e.translateMessage(fe.Message))
}

func (e *Env) translateMessage(m string) string {
	if s := reUnknownName.FindStringSubmatch(m); s != nil {
		name := s[1]
		if builtinNames[name] {
			return fmt.Sprintf("不允许使用函数 %s；可用函数：%s", name, strings.Join(allowedFunctions, "、"))
		}
		msg := "未知的事实 " + name
		if g := e.guessFact(name); g != "" {
			msg += "（是否想写 " + g + "？）"
		}
		return msg + "；可用事实：" + strings.Join(e.facts, "、")
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

// guessFact suggests the fact the writer probably meant: one whose name
// contains the unknown name (or vice versa), or is within two edits of it.
func (e *Env) guessFact(name string) string {
	if len(name) < 3 {
		return ""
	}
	best, bestD := "", 3
	for _, f := range e.facts {
		d := editDistance(name, f)
		if strings.Contains(f, name) || strings.Contains(name, f) {
			d = min(d, 2)
		}
		if d < bestD {
			best, bestD = f, d
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
