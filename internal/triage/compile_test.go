package triage_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// base is a small valid rule set; tests change copies of it.
func base() triage.RuleSet {
	return triage.RuleSet{Version: 3, Rules: []triage.Rule{
		{ID: "preservation", Name: "财产保全", When: `case_type == "preservation_enforcement"`, Lane: "preservation"},
		{ID: "financial", Name: "金融", When: `applicant_is_financial`, Lane: "financial"},
		{ID: "fast_small", Name: "小额快执", When: `claim_amount_fen <= 50_000_000`, Lane: "fast"},
		{ID: "ordinary", Name: "普通执行", Lane: "ordinary"},
	}}
}

func compileErr(t *testing.T, rs triage.RuleSet) *apperr.Error {
	t.Helper()
	c, err := triage.Compile(rs)
	if err == nil {
		t.Fatalf("Compile succeeded (%d rules), want an error", len(c.RuleSet().Rules))
	}
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("Compile error %T %v, want *apperr.Error", err, err)
	}
	if e.Kind != apperr.Invalid || e.Code != triage.CodeInvalidRuleSet {
		t.Errorf("kind %v code %q, want Invalid %q", e.Kind, e.Code, triage.CodeInvalidRuleSet)
	}
	if len(e.Fields) == 0 {
		t.Fatalf("no fields in %v", e)
	}
	return e
}

func TestCompileValid(t *testing.T) {
	t.Parallel()
	for name, rs := range map[string]triage.RuleSet{
		"base":                       base(),
		"default":                    triage.DefaultRuleSet(),
		"only default, written true": {Version: 1, Rules: []triage.Rule{{ID: "all", Name: "全部", When: " true ", Lane: "ordinary"}}},
		"multi-line with functions and ranges": {Version: 1, Rules: []triage.Rule{
			{ID: "r1", Name: "多行", When: "len(case_type) > 0 and\n  respondent_count in 1..3 and\n  abs(claim_amount_fen) >= max(assets_found_fen, 0)", Lane: "fast"},
			{ID: "r2", Name: "文本", When: `hasPrefix(lower(case_type), "first") || case_type matches "^re" || court_level not in ["supreme"]`, Lane: "fast"},
			{ID: "r3", Name: "三元", When: `(non_money ? 1 : 2) == respondent_count && claim_amount_fen / 100 > 1.5`, Lane: "fast"},
			{ID: "d", Name: "默认", Lane: "ordinary"},
		}},
	} {
		if _, err := triage.Compile(rs); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 41)
	tests := []struct {
		name   string
		change func(rs *triage.RuleSet)
		field  string
		detail string // exact, unless prefix is set
		prefix bool
	}{
		{
			name:   "unknown fact",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = "amount <= 50_000_000" },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 1 列：未知的事实 amount（是否想写 claim_amount_fen？）；可用事实：case_type、claim_amount_fen、non_money、debtor_kind、",
			prefix: true,
		},
		{
			name: "unknown fact on the second line",
			change: func(rs *triage.RuleSet) {
				rs.Rules[2].When = "claim_amount_fen <= 50_000_000 &&\n    debtor == \"person\""
			},
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 2 行第 5 列：未知的事实 debtor（是否想写 debtor_kind？）；",
			prefix: true,
		},
		{
			name:   "assignment instead of comparison",
			change: func(rs *triage.RuleSet) { rs.Rules[0].When = `case_type = "preservation_enforcement"` },
			field:  "rules[0].when",
			detail: "规则 1（preservation）第 1 行第 11 列：此处不应出现“=”；判断相等请写 ==",
		},
		{
			name:   "incomplete expression",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = "claim_amount_fen <= 50_000_000 &&\n  respondent_count <" },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 2 行第 20 列：表达式不完整，在此处意外结束",
		},
		{
			name:   "unbalanced parenthesis",
			change: func(rs *triage.RuleSet) { rs.Rules[1].When = "(applicant_is_financial" },
			field:  "rules[1].when",
			detail: "规则 2（financial）第 1 行第 23 列：表达式不完整，在此处意外结束",
		},
		{
			name:   "unrecognised character",
			change: func(rs *triage.RuleSet) { rs.Rules[1].When = "applicant_is_financial @ true" },
			field:  "rules[1].when",
			detail: "规则 2（financial）第 1 行第 24 列：无法识别的字符“@”",
		},
		{
			name:   "unterminated string",
			change: func(rs *triage.RuleSet) { rs.Rules[0].When = `case_type == "preservation` },
			field:  "rules[0].when",
			detail: "规则 1（preservation）第 1 行第 27 列：文本缺少结束的引号",
		},
		{
			name:   "not a boolean",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = "claim_amount_fen + 1" },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）：条件的结果必须是真或假（布尔值），这里得到的是整数（int）",
		},
		{
			name:   "type mismatch",
			change: func(rs *triage.RuleSet) { rs.Rules[0].When = `case_type > 5` },
			field:  "rules[0].when",
			detail: "规则 1（preservation）第 1 行第 11 列：类型不匹配：文本（string）与整数（int）不能做 > 运算",
		},
		{
			name:   "impure builtin",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = `now().Year() > 2000` },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 1 列：不允许使用函数 now；可用函数：len、",
			prefix: true,
		},
		{
			name:   "looping predicate",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = `any([1, 2], # == respondent_count)` },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 1 列：不允许使用函数 any；",
			prefix: true,
		},
		{
			name:   "environment variable",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = `$env["claim_amount_fen"] > 0` },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 1 列：不支持 $env，请直接写事实名称，如 claim_amount_fen",
		},
		{
			name:   "large range",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = `respondent_count in 1..100000` },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 22 列：范围的两端必须是固定整数，且最多包含 1,000 个值",
		},
		{
			name:   "computed regular expression",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = `case_type matches debtor_kind` },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）第 1 行第 11 列：matches 的右边必须是固定的正则表达式文本",
		},
		{
			name:   "always true",
			change: func(rs *triage.RuleSet) { rs.Rules[1].When = `1 < 2` },
			field:  "rules[1].when",
			detail: "规则 2（financial）：条件恒为真，其后的规则永远不会命中；默认规则请把条件留空或写 true，并放在最后",
		},
		{
			name:   "always false",
			change: func(rs *triage.RuleSet) { rs.Rules[1].When = `false` },
			field:  "rules[1].when",
			detail: "规则 2（financial）：条件恒为假，该规则永远不会命中",
		},
		{
			name:   "overly long",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = "respondent_count > 0" + strings.Repeat(" ", 1981) },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）：条件过长（2001 个字符），最多 2000 个字符",
		},
		{
			name:   "duplicate id",
			change: func(rs *triage.RuleSet) { rs.Rules[2].ID = "financial" },
			field:  "rules[2].id",
			detail: "规则 3（financial）：编号 financial 与规则 2 重复",
		},
		{
			name:   "malformed id",
			change: func(rs *triage.RuleSet) { rs.Rules[1].ID = "Financial-1" },
			field:  "rules[1].id",
			detail: "规则 2：编号只能由小写英文字母、数字和下划线组成，长度 1–40 个字符",
		},
		{
			name:   "id too long",
			change: func(rs *triage.RuleSet) { rs.Rules[1].ID = long },
			field:  "rules[1].id",
			detail: "规则 2：编号只能由小写英文字母、数字和下划线组成，长度 1–40 个字符",
		},
		{
			name:   "empty id",
			change: func(rs *triage.RuleSet) { rs.Rules[1].ID = "" },
			field:  "rules[1].id",
			detail: "规则 2：编号不能为空",
		},
		{
			name:   "empty name",
			change: func(rs *triage.RuleSet) { rs.Rules[1].Name = "  " },
			field:  "rules[1].name",
			detail: "规则 2（financial）：名称不能为空",
		},
		{
			name:   "name not Chinese",
			change: func(rs *triage.RuleSet) { rs.Rules[1].Name = "Financial" },
			field:  "rules[1].name",
			detail: "规则 2（financial）：名称请用中文",
		},
		{
			name:   "unknown lane",
			change: func(rs *triage.RuleSet) { rs.Rules[1].Lane = "adjudication" },
			field:  "rules[1].lane",
			detail: "规则 2（financial）：未知的分流去向 adjudication；可选：fast（速执团队）、ordinary（普执团队）、financial（金融团队）、preservation（执保团队）、restoration_objection（恢复异议审查团队）",
		},
		{
			name:   "empty lane",
			change: func(rs *triage.RuleSet) { rs.Rules[1].Lane = "" },
			field:  "rules[1].lane",
			detail: "规则 2（financial）：请选择分流去向；可选：fast（速执团队）、",
			prefix: true,
		},
		{
			name:   "note too long",
			change: func(rs *triage.RuleSet) { rs.Rules[1].Note = strings.Repeat("说", 1001) },
			field:  "rules[1].note",
			detail: "规则 2（financial）：说明过长，最多 1000 个字",
		},
		{
			name:   "missing default",
			change: func(rs *triage.RuleSet) { rs.Rules = rs.Rules[:3] },
			field:  "rules",
			detail: "规则集必须以默认规则结束（条件留空或为 true），否则会有案件无处可去",
		},
		{
			name:   "default not last",
			change: func(rs *triage.RuleSet) { rs.Rules[1].When = "true" },
			field:  "rules[1].when",
			detail: "规则 2（financial）是默认规则（条件留空或为 true），只能作为最后一条规则；其后的规则 3–4 永远不会命中",
		},
		{
			name:   "empty default not last",
			change: func(rs *triage.RuleSet) { rs.Rules[2].When = "" },
			field:  "rules[2].when",
			detail: "规则 3（fast_small）是默认规则（条件留空或为 true），只能作为最后一条规则；其后的规则 4 永远不会命中",
		},
		{
			name:   "no rules",
			change: func(rs *triage.RuleSet) { rs.Rules = nil },
			field:  "rules",
			detail: "规则集至少要有一条规则",
		},
		{
			name: "too many rules",
			change: func(rs *triage.RuleSet) {
				rs.Rules = nil
				for i := range triage.MaxRules + 1 {
					rs.Rules = append(rs.Rules, triage.Rule{ID: fmt.Sprintf("r%d", i), Name: "规则", When: "non_money", Lane: "fast"})
				}
			},
			field:  "rules",
			detail: "规则过多（201 条），一个规则集最多 200 条",
		},
		{
			name:   "version",
			change: func(rs *triage.RuleSet) { rs.Version = 0 },
			field:  "version",
			detail: "规则集版本号必须是正整数",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rs := base()
			tc.change(&rs)
			e := compileErr(t, rs)
			if len(e.Fields) != 1 {
				t.Errorf("fields %+v, want exactly one", e.Fields)
			}
			got := e.Fields[0]
			if got.Field != tc.field {
				t.Errorf("field %q, want %q", got.Field, tc.field)
			}
			if ok := got.Detail == tc.detail || (tc.prefix && strings.HasPrefix(got.Detail, tc.detail)); !ok {
				t.Errorf("detail\n got %s\nwant %s", got.Detail, tc.detail)
			}
			if e.Detail != got.Detail {
				t.Errorf("error detail %q, want the only field's %q", e.Detail, got.Detail)
			}
		})
	}
}

func TestCompileReportsEveryProblem(t *testing.T) {
	t.Parallel()
	rs := base()
	rs.Rules[0].Name = ""
	rs.Rules[0].When = "case_type =="
	rs.Rules[2].ID = "financial"
	rs.Rules[2].Lane = "nowhere"
	rs.Rules[3].When = "non_money"
	e := compileErr(t, rs)
	var fields []string
	for _, f := range e.Fields {
		fields = append(fields, f.Field)
	}
	want := []string{"rules[0].name", "rules[0].when", "rules[2].id", "rules[2].lane", "rules"}
	slices.Sort(want)
	got := slices.Clone(fields)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("fields %v, want %v", fields, want)
	}
	if !strings.HasPrefix(e.Detail, "规则集有 5 处错误，第一处：") {
		t.Errorf("detail %q", e.Detail)
	}
}

func TestCompiledCopiesRuleSet(t *testing.T) {
	t.Parallel()
	rs := base()
	c, err := triage.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	rs.Rules[0].Name = "改过"
	got := c.RuleSet()
	if got.Rules[0].Name != "财产保全" || got.Version != 3 || c.Version() != 3 {
		t.Errorf("RuleSet() = %+v after the input changed", got)
	}
	got.Rules[1].Lane = "fast"
	if c.RuleSet().Rules[1].Lane != "financial" {
		t.Error("RuleSet() shares its rules")
	}
	if d := c.Evaluate(triage.Facts{CaseType: "preservation_enforcement"}); d.RuleName != "财产保全" {
		t.Errorf("decision %+v", d)
	}
}
