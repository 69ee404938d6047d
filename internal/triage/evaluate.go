package triage

import (
	"cmp"
	"math"
	"strconv"
	"strings"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/vm"
)

// Decision is the outcome of triage for one case.
type Decision struct {
	RuleID      string
	RuleName    string
	Version     int    // the rule set's version
	Lane        string // lane code, see Lanes
	Explanation string // Chinese, e.g. "命中规则「小额快执」（fast_small，第 2 版）：…→ 速执团队"
}

// Evaluate returns the decision of the first rule whose condition holds for
// f. A rule whose condition fails at run time (say a division by zero) is
// skipped, and the explanation says so; the default rule always matches, so
// there is always a lane. Evaluate never panics and is safe for concurrent
// use.
func (c *Compiled) Evaluate(f Facts) Decision {
	idx, skipped := c.decide(&f)
	r := &c.rules[idx]
	d := Decision{RuleID: r.ID, RuleName: r.Name, Version: c.rs.Version, Lane: r.Lane}
	d.Explanation = c.explain(r, &f, skipped)
	return d
}

// decide returns the index of the deciding rule and the indexes of rules
// skipped because they failed at run time.
func (c *Compiled) decide(f *Facts) (idx int, skipped []int) {
	var m *vm.VM
	if v, ok := c.vms.Get().(*vm.VM); ok {
		m = v
	} else {
		m = &vm.VM{}
	}
	defer c.vms.Put(m)
	for i := range c.rules {
		r := &c.rules[i]
		if r.isDefault {
			return i, skipped
		}
		out, err := m.Run(r.program, f)
		if err != nil {
			skipped = append(skipped, i)
			continue
		}
		if b, _ := out.(bool); b {
			return i, skipped
		}
	}
	// Unreachable: Compile insists on a final default rule.
	return len(c.rules) - 1, skipped
}

func (c *Compiled) explain(cr *compiledRule, f *Facts, skipped []int) string {
	r := renderer{buf: make([]byte, 0, 512), f: f}
	version := strconv.Itoa(c.rs.Version)
	if cr.isDefault {
		if cr.index > 0 {
			r.w("未命中前述规则，")
		}
		r.w("按默认规则「", cr.Name, "」（", cr.ID, "，第 ", version, " 版）→ ")
	} else {
		r.w("命中规则「", cr.Name, "」（", cr.ID, "，第 ", version, " 版）：")
		r.conditions(cr.conjuncts)
		r.w(" → ")
	}
	r.w(LaneName(cr.Lane))
	for _, i := range skipped {
		sk := &c.rules[i]
		r.w("（注意：规则「", sk.Name, "」（", sk.ID, "）求值出错，已跳过）")
	}
	return string(r.buf)
}

// conditions renders the conjuncts with the facts' values, separated by
// "；". Rendering is best effort: should it ever panic, the conditions are
// replaced by a note rather than the evaluation failing.
func (r *renderer) conditions(conj []ast.Node) {
	start := len(r.buf)
	defer func() {
		if recover() != nil {
			r.buf = append(r.buf[:start], "（条件说明无法生成）"...)
		}
	}()
	for i, n := range conj {
		if i > 0 {
			r.w("；")
		}
		r.node(n, 0)
	}
}

// renderer writes an expression as Chinese text in which each fact is shown
// with its label and actual value, and each comparison whose sides are known
// shows the relation that actually holds.
type renderer struct {
	buf []byte
	f   *Facts
}

// w appends parts to the output.
func (r *renderer) w(parts ...string) {
	for _, p := range parts {
		r.buf = append(r.buf, p...)
	}
}

// factValue appends the fact's value in r.f, formatted for a Chinese reader.
func (r *renderer) factValue(fc *fact) {
	switch fc.typ {
	case TypeMoney:
		r.buf = appendYuan(r.buf, fc.num(r.f))
	case TypeInt:
		r.buf = strconv.AppendInt(r.buf, fc.num(r.f), 10)
	case TypeBool:
		r.w(yesNo(fc.flag(r.f)))
	default:
		r.w(fc.formatString(fc.str(r.f)))
	}
}

var precedence = map[string]int{
	"or": 10, "||": 10, "and": 15, "&&": 15,
	"==": 20, "!=": 20, "<": 20, ">": 20, ">=": 20, "<=": 20,
	"in": 20, "matches": 20, "contains": 20, "startsWith": 20, "endsWith": 20,
	"..": 25, "+": 30, "-": 30, "*": 60, "/": 60, "%": 60, "**": 100, "^": 100, "??": 500,
}

var opText = map[string]string{
	"or": "或", "||": "或", "and": "且", "&&": "且",
	"==": "=", "!=": "≠", "<": "<", ">": ">", "<=": "≤", ">=": "≥",
	"in": "属于", "matches": "匹配", "contains": "包含", "startsWith": "开头是", "endsWith": "结尾是",
	"..": "～", "+": "+", "-": "-", "*": "×", "/": "÷", "%": "%", "**": "^", "^": "^", "??": "??",
}

var negated = map[string]string{"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

func factOf(n ast.Node) *fact {
	if id, ok := n.(*ast.IdentifierNode); ok {
		return factIndex[id.Value]
	}
	return nil
}

// node writes n; parent is the precedence of the enclosing binary operator
// (0 at the top), and n is parenthesised when it binds more loosely.
func (r *renderer) node(n ast.Node, parent int) {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		if fc := factIndex[n.Value]; fc != nil {
			if fc.typ == TypeBool {
				r.w(fc.label, " = ", yesNo(fc.flag(r.f)))
			} else {
				r.w(fc.label, " ")
				r.factValue(fc)
			}
			return
		}
		r.w(n.Value)
	case *ast.IntegerNode:
		r.buf = strconv.AppendInt(r.buf, int64(n.Value), 10)
	case *ast.FloatNode:
		r.buf = strconv.AppendFloat(r.buf, n.Value, 'f', -1, 64)
	case *ast.StringNode:
		r.w((*fact)(nil).formatString(n.Value))
	case *ast.BoolNode:
		r.w(yesNo(n.Value))
	case *ast.NilNode:
		r.w("空")
	case *ast.UnaryNode:
		r.unary(n, parent)
	case *ast.BinaryNode:
		r.binary(n, parent)
	case *ast.BuiltinNode:
		r.call(n.Name, n.Arguments)
	case *ast.CallNode:
		r.call(n.Callee.String(), n.Arguments)
	case *ast.ConditionalNode:
		r.w("（如果 ")
		r.node(n.Cond, 0)
		r.w(" 则 ")
		r.node(n.Exp1, 0)
		r.w("，否则 ")
		r.node(n.Exp2, 0)
		r.w("）")
	case *ast.ArrayNode:
		r.array(n, nil)
	default:
		r.w(n.String())
	}
}

func (r *renderer) call(name string, args []ast.Node) {
	r.w(name, "(")
	for i, a := range args {
		if i > 0 {
			r.w(", ")
		}
		r.node(a, 0)
	}
	r.w(")")
}

func (r *renderer) unary(n *ast.UnaryNode, parent int) {
	switch n.Operator {
	case "!", "not":
		if fc := factOf(n.Node); fc != nil && fc.typ == TypeBool {
			// !non_money: show the fact's value, which is what decided.
			r.w(fc.label, " = ", yesNo(fc.flag(r.f)))
			return
		}
		if b, ok := n.Node.(*ast.BinaryNode); ok && b.Operator == "in" {
			r.in(b, true, parent)
			return
		}
		r.w("非（")
		r.node(n.Node, 0)
		r.w("）")
	default:
		r.w(n.Operator)
		r.node(n.Node, 90)
	}
}

func (r *renderer) binary(n *ast.BinaryNode, parent int) {
	p := precedence[n.Operator]
	open := p < parent
	if open {
		r.w("（")
	}
	switch n.Operator {
	case "&&", "and", "||", "or":
		// Mixed 且/或 are always parenthesised: readers should not need
		// to know that 且 binds tighter.
		r.node(n.Left, logicalParent(n.Operator, n.Left))
		r.w(" ", opText[n.Operator], " ")
		r.node(n.Right, logicalParent(n.Operator, n.Right))
	case "==", "!=", "<", "<=", ">", ">=":
		r.compare(n, p)
	case "in":
		r.in(n, false, p)
	default:
		money := isMoney(n.Left) || isMoney(n.Right)
		additive := n.Operator == "+" || n.Operator == "-"
		r.operand(n.Left, factOf(n.Right), money && additive, p)
		r.w(" ", opText[n.Operator], " ")
		// Left-associative: a right operand of equal precedence needs
		// parentheses, e.g. a - (b - c).
		r.operand(n.Right, factOf(n.Left), money && additive, p+1)
	}
	if open {
		r.w("）")
	}
}

// logicalParent is the precedence to render child of the logical operator
// op with: high enough to parenthesise a logical child of the other kind.
func logicalParent(op string, child ast.Node) int {
	if b, ok := child.(*ast.BinaryNode); ok {
		switch b.Operator {
		case "&&", "and", "||", "or":
			if opText[b.Operator] != opText[op] {
				return 100
			}
		}
	}
	return precedence[op]
}

// operand writes one side of a binary operation. A constant is shown as
// yuan when money is set, and a string constant with the Chinese label of
// the enumerated fact on the other side.
func (r *renderer) operand(n ast.Node, other *fact, money bool, p int) {
	if money {
		if v, ok := constNumber(n); ok {
			if fen, exact := v.asInt(); exact {
				r.buf = appendYuan(r.buf, fen)
				return
			}
		}
	}
	if s, ok := n.(*ast.StringNode); ok && other != nil {
		r.w(other.formatString(s.Value))
		return
	}
	if b, ok := n.(*ast.BoolNode); ok && other != nil && other.typ == TypeBool {
		r.w(yesNo(b.Value))
		return
	}
	if fc := factOf(n); fc != nil && fc.typ == TypeBool {
		r.w(fc.label, " ", yesNo(fc.flag(r.f)))
		return
	}
	r.node(n, p)
}

func (r *renderer) compare(n *ast.BinaryNode, p int) {
	op := n.Operator
	lv, lok := r.value(n.Left)
	rv, rok := r.value(n.Right)
	if lok && rok {
		if holds, ok := compareValues(lv, rv, op); ok && !holds {
			op = negated[op]
		}
	}
	lf, rf := factOf(n.Left), factOf(n.Right)
	money := isMoney(n.Left) || isMoney(n.Right)
	// Compact form "案件类型 = 首次执行" when a fact equals a constant.
	if op == "==" {
		if lf != nil && rok && rv.constant {
			r.w(lf.label, " = ")
			r.operand(n.Right, lf, money, p+1)
			return
		}
		if rf != nil && lok && lv.constant {
			r.w(rf.label, " = ")
			r.operand(n.Left, rf, money, p+1)
			return
		}
	}
	r.operand(n.Left, rf, money, p+1)
	r.w(" ", opText[op], " ")
	r.operand(n.Right, lf, money, p+1)
}

// in writes "x in [a, b]" or "x not in [a, b]" (negate) as the relation
// that actually holds (属于 or 不属于) when it can be worked out, else as
// written.
func (r *renderer) in(n *ast.BinaryNode, negate bool, p int) {
	member, known := r.member(n)
	word := "属于"
	if (known && !member) || (!known && negate) {
		word = "不属于"
	}
	lf := factOf(n.Left)
	r.operand(n.Left, nil, false, p+1)
	r.w(" ", word, " ")
	if a, ok := n.Right.(*ast.ArrayNode); ok {
		r.array(a, lf)
		return
	}
	r.node(n.Right, p+1)
}

// member reports whether the left side of an in-expression is in its right
// side, when both are known.
func (r *renderer) member(n *ast.BinaryNode) (in, known bool) {
	v, ok := r.value(n.Left)
	if !ok {
		return false, false
	}
	switch right := n.Right.(type) {
	case *ast.ArrayNode:
		for _, e := range right.Nodes {
			ev, ok := constValue(e)
			if !ok {
				return false, false
			}
			if eq, ok := compareValues(v, ev, "=="); ok && eq {
				return true, true
			}
		}
		return false, true
	case *ast.BinaryNode:
		if right.Operator != ".." {
			return false, false
		}
		lo, ok1 := constInt(right.Left)
		hi, ok2 := constInt(right.Right)
		if !ok1 || !ok2 || v.kind != kindNumber || !v.isInt {
			return false, false
		}
		return lo <= v.i && v.i <= hi, true
	}
	return false, false
}

func (r *renderer) array(a *ast.ArrayNode, fc *fact) {
	r.w("[")
	for i, e := range a.Nodes {
		if i > 0 {
			r.w("、")
		}
		r.operand(e, fc, fc != nil && fc.typ == TypeMoney, 0)
	}
	r.w("]")
}

// value is a scalar known while rendering: a fact's value or a constant.
type value struct {
	kind     int // kindNumber, kindString, kindBool
	isInt    bool
	i        int64
	fl       float64
	s        string
	b        bool
	constant bool
}

const (
	kindNumber = iota + 1
	kindString
	kindBool
)

func (v value) asInt() (int64, bool) {
	if v.kind != kindNumber {
		return 0, false
	}
	if v.isInt {
		return v.i, true
	}
	if v.fl == math.Trunc(v.fl) && math.Abs(v.fl) < 1<<62 {
		return int64(v.fl), true
	}
	return 0, false
}

func (v value) float() float64 {
	if v.isInt {
		return float64(v.i)
	}
	return v.fl
}

func (r *renderer) value(n ast.Node) (value, bool) {
	if fc := factOf(n); fc != nil {
		switch fc.typ {
		case TypeMoney, TypeInt:
			return value{kind: kindNumber, isInt: true, i: fc.num(r.f)}, true
		case TypeBool:
			return value{kind: kindBool, b: fc.flag(r.f)}, true
		default:
			return value{kind: kindString, s: fc.str(r.f)}, true
		}
	}
	return constValue(n)
}

func constValue(n ast.Node) (value, bool) {
	switch n := n.(type) {
	case *ast.StringNode:
		return value{kind: kindString, s: n.Value, constant: true}, true
	case *ast.BoolNode:
		return value{kind: kindBool, b: n.Value, constant: true}, true
	}
	return constNumber(n)
}

// constNumber folds a constant numeric expression made of literals, unary
// minus and + - *. Integer overflow makes it unknown.
func constNumber(n ast.Node) (value, bool) {
	switch n := n.(type) {
	case *ast.IntegerNode:
		return value{kind: kindNumber, isInt: true, i: int64(n.Value), constant: true}, true
	case *ast.FloatNode:
		return value{kind: kindNumber, fl: n.Value, constant: true}, true
	case *ast.UnaryNode:
		v, ok := constNumber(n.Node)
		if !ok {
			return value{}, false
		}
		switch n.Operator {
		case "+":
			return v, true
		case "-":
			if v.isInt {
				if v.i == math.MinInt64 {
					return value{}, false
				}
				v.i = -v.i
			} else {
				v.fl = -v.fl
			}
			return v, true
		}
	case *ast.BinaryNode:
		a, ok1 := constNumber(n.Left)
		b, ok2 := constNumber(n.Right)
		if !ok1 || !ok2 {
			return value{}, false
		}
		if a.isInt && b.isInt {
			var x int64
			var overflow bool
			switch n.Operator {
			case "+":
				x = a.i + b.i
				overflow = (b.i > 0 && x < a.i) || (b.i < 0 && x > a.i)
			case "-":
				x = a.i - b.i
				overflow = (b.i > 0 && x > a.i) || (b.i < 0 && x < a.i)
			case "*":
				x = a.i * b.i
				overflow = a.i != 0 && (x/a.i != b.i || (a.i == -1 && b.i == math.MinInt64))
			default:
				return value{}, false
			}
			if overflow {
				return value{}, false
			}
			return value{kind: kindNumber, isInt: true, i: x, constant: true}, true
		}
		var x float64
		switch n.Operator {
		case "+":
			x = a.float() + b.float()
		case "-":
			x = a.float() - b.float()
		case "*":
			x = a.float() * b.float()
		default:
			return value{}, false
		}
		return value{kind: kindNumber, fl: x, constant: true}, true
	}
	return value{}, false
}

func constInt(n ast.Node) (int64, bool) {
	v, ok := constNumber(n)
	if !ok || !v.isInt {
		return 0, false
	}
	return v.i, true
}

// compareValues evaluates a op b; ok is false when the kinds do not compare.
func compareValues(a, b value, op string) (holds, ok bool) {
	var c int
	switch {
	case a.kind == kindNumber && b.kind == kindNumber:
		if a.isInt && b.isInt {
			c = cmp.Compare(a.i, b.i)
		} else {
			x, y := a.float(), b.float()
			if math.IsNaN(x) || math.IsNaN(y) {
				return false, false
			}
			c = cmp.Compare(x, y)
		}
	case a.kind == kindString && b.kind == kindString:
		c = strings.Compare(a.s, b.s)
	case a.kind == kindBool && b.kind == kindBool:
		if op != "==" && op != "!=" {
			return false, false
		}
		if a.b != b.b {
			c = 1
		}
	default:
		return false, false
	}
	switch op {
	case "==":
		return c == 0, true
	case "!=":
		return c != 0, true
	case "<":
		return c < 0, true
	case "<=":
		return c <= 0, true
	case ">":
		return c > 0, true
	case ">=":
		return c >= 0, true
	}
	return false, false
}

// isMoney reports whether n is an amount in fen: a *_fen fact, or arithmetic
// on one.
func isMoney(n ast.Node) bool {
	switch n := n.(type) {
	case *ast.IdentifierNode:
		fc := factIndex[n.Value]
		return fc != nil && fc.typ == TypeMoney
	case *ast.UnaryNode:
		return n.Operator == "-" && isMoney(n.Node)
	case *ast.BinaryNode:
		switch n.Operator {
		case "+", "-", "*", "/":
			return isMoney(n.Left) || isMoney(n.Right)
		}
	case *ast.BuiltinNode:
		if n.Name == "abs" || n.Name == "min" || n.Name == "max" {
			for _, a := range n.Arguments {
				if isMoney(a) {
					return true
				}
			}
		}
	case *ast.ConditionalNode:
		return isMoney(n.Exp1) || isMoney(n.Exp2)
	}
	return false
}
