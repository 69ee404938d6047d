package triage_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/zhixing-court/zhixing/internal/triage"
)

func mustCompile(t testing.TB, rs triage.RuleSet) *triage.Compiled {
	t.Helper()
	c, err := triage.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// first is an ordinary first-time case: one natural-person respondent, no
// assets found yet.
func first(claimFen int64) triage.Facts {
	return triage.Facts{
		CaseType: "first_enforcement", ClaimAmountFen: claimFen, DebtorKind: "person",
		RespondentCount: 1, ApplicantCount: 1, BasisKind: "judgment", CourtLevel: "basic",
	}
}

func TestDefaultRuleSet(t *testing.T) {
	t.Parallel()
	c := mustCompile(t, triage.DefaultRuleSet())
	if c.Version() != 1 {
		t.Errorf("version %d", c.Version())
	}
	with := func(f triage.Facts, change func(*triage.Facts)) triage.Facts { change(&f); return f }
	tests := []struct {
		name  string
		facts triage.Facts
		rule  string
		lane  string
	}{
		{"preservation", triage.Facts{CaseType: "preservation_enforcement", ClaimAmountFen: 1e10}, "preservation", "preservation"},
		{"restoration", triage.Facts{CaseType: "restored_enforcement"}, "restoration_objection", "restoration_objection"},
		{"objection", triage.Facts{CaseType: "objection"}, "restoration_objection", "restoration_objection"},
		{"review", triage.Facts{CaseType: "review"}, "restoration_objection", "restoration_objection"},
		{"supervision", triage.Facts{CaseType: "supervision"}, "restoration_objection", "restoration_objection"},
		{"financial, small", with(first(1_000_00), func(f *triage.Facts) { f.ApplicantIsFinancial = true }), "financial", "financial"},
		{"financial, covered by deposits", with(first(1_000_00), func(f *triage.Facts) {
			f.ApplicantIsFinancial, f.AssetsFoundFen = true, 2_000_00
		}), "financial", "financial"},
		{"deposits cover a large claim", with(first(900_000_000), func(f *triage.Facts) {
			f.AssetsFoundFen, f.DebtorKind, f.RespondentCount = 900_000_000, "mixed", 5
		}), "fast_assets", "fast"},
		{"deposits cover, but a house to hand over", with(first(900_000_000), func(f *triage.Facts) {
			f.AssetsFoundFen, f.NonMoney = 900_000_000, true
		}), "ordinary", "ordinary"},
		{"deposits fall short", with(first(900_000_000), func(f *triage.Facts) { f.AssetsFoundFen = 899_999_999 }), "ordinary", "ordinary"},
		{"small", first(120_000_00), "fast_small", "fast"},
		{"exactly ¥500,000", first(50_000_000), "fast_small", "fast"},
		{"one fen over ¥500,000", first(50_000_001), "ordinary", "ordinary"},
		{"small, organisation, two respondents", with(first(10_000_00), func(f *triage.Facts) {
			f.DebtorKind, f.RespondentCount = "organization", 2
		}), "fast_small", "fast"},
		{"small, three respondents", with(first(10_000_00), func(f *triage.Facts) { f.RespondentCount = 3 }), "ordinary", "ordinary"},
		{"small, mixed respondents", with(first(10_000_00), func(f *triage.Facts) {
			f.DebtorKind, f.RespondentCount = "mixed", 2
		}), "ordinary", "ordinary"},
		{"small, non-money", with(first(10_000_00), func(f *triage.Facts) { f.NonMoney = true }), "ordinary", "ordinary"},
		{"small, pre-mediation failed", with(first(10_000_00), func(f *triage.Facts) { f.MediationOutcome = "failed" }), "fast_small", "fast"},
		{"no amount, non-money", triage.Facts{CaseType: "first_enforcement", NonMoney: true, DebtorKind: "person", RespondentCount: 1}, "ordinary", "ordinary"},
		{"instruction", triage.Facts{CaseType: "instruction"}, "ordinary", "ordinary"},
		{"empty facts", triage.Facts{}, "ordinary", "ordinary"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := c.Evaluate(tc.facts)
			if d.RuleID != tc.rule || d.Lane != tc.lane || d.Version != 1 {
				t.Errorf("decision %+v, want rule %s lane %s version 1", d, tc.rule, tc.lane)
			}
			if !strings.HasSuffix(d.Explanation, "→ "+triage.LaneName(tc.lane)) {
				t.Errorf("explanation %q does not end with the lane", d.Explanation)
			}
		})
	}
}

func TestDefaultRuleSetNotes(t *testing.T) {
	t.Parallel()
	rs := triage.DefaultRuleSet()
	seen := map[string]int{}
	for i, r := range rs.Rules {
		if !strings.Contains(r.Note, "FLOW-5") {
			t.Errorf("rule %s: note does not cite FLOW-5", r.ID)
		}
		seen[r.ID] = i
	}
	if seen["financial"] > seen["fast_assets"] || seen["financial"] > seen["fast_small"] {
		t.Errorf("the financial rule must precede the fast rules: %v", seen)
	}
}

func TestExplanation(t *testing.T) {
	t.Parallel()
	c := mustCompile(t, triage.DefaultRuleSet())
	assets := first(120_000_00)
	assets.AssetsFoundFen = 200_000_00
	tests := []struct {
		name  string
		facts triage.Facts
		want  string
	}{
		{
			"small claim",
			first(120_000_00),
			"命中规则「小额快执」（fast_small，第 1 版）：案件类型 = 首次执行；标的额 ¥120,000.00 ≤ ¥500,000.00；" +
				"含非金钱给付 = 否；被执行人类型 自然人 属于 [自然人、单位]；被执行人数 1 ≤ 2 → 速执团队",
		},
		{
			"deposits cover the claim",
			assets,
			"命中规则「存款足额快执」（fast_assets，第 1 版）：案件类型 = 首次执行；含非金钱给付 = 否；" +
				"标的额 ¥120,000.00 > ¥0.00；已查到存款 ¥200,000.00 ≥ 标的额 ¥120,000.00 → 速执团队",
		},
		{
			"objection",
			triage.Facts{CaseType: "objection"},
			"命中规则「恢复、异议、复议、监督审查」（restoration_objection，第 1 版）：" +
				"案件类型 执行异议 属于 [恢复执行、执行异议、执行复议、执行监督] → 恢复异议审查团队",
		},
		{
			"default",
			first(90_000_000_00),
			"未命中前述规则，按默认规则「普通执行」（ordinary，第 1 版）→ 普执团队",
		},
	}
	for _, tc := range tests {
		if got := c.Evaluate(tc.facts).Explanation; got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

// TestExplanationRendering covers the shapes of expression the explanation
// knows: relations that actually hold, mixed 且/或, not in, ranges, money
// arithmetic, unknown enumeration codes, calls and a rule skipped at run time.
func TestExplanationRendering(t *testing.T) {
	t.Parallel()
	rule := func(when string) triage.RuleSet {
		return triage.RuleSet{Version: 7, Rules: []triage.Rule{
			{ID: "r", Name: "测试", When: when, Lane: "fast"},
			{ID: "d", Name: "默认", Lane: "ordinary"},
		}}
	}
	f := triage.Facts{
		CaseType: "review", ClaimAmountFen: 12_000_000, AssetsFoundFen: 20_000_000, DebtorKind: "partnership",
		RespondentCount: 2, MediationOutcome: "failed",
	}
	const head = "命中规则「测试」（r，第 7 版）："
	tests := []struct{ when, want string }{
		{`claim_amount_fen > 100000 * 100 || (case_type != "objection" && !non_money)`,
			"标的额 ¥120,000.00 > ¥100,000.00 或 （案件类型 执行复议 ≠ 执行异议 且 含非金钱给付 = 否）"},
		{`claim_amount_fen < 1 || case_type == "objection" || respondent_count == 2`,
			"标的额 ¥120,000.00 ≥ ¥0.01 或 案件类型 执行复议 ≠ 执行异议 或 被执行人数 = 2"},
		{`case_type not in ["objection", "supervision"] and respondent_count in 1..3`,
			"案件类型 执行复议 不属于 [执行异议、执行监督]；被执行人数 2 属于 1 ～ 3"},
		{`(assets_found_fen - claim_amount_fen) * 2 >= 5_000_00`,
			"（已查到存款 ¥200,000.00 - 标的额 ¥120,000.00） × 2 ≥ ¥5,000.00"},
		{`assets_found_fen - 100 >= -1`, "已查到存款 ¥200,000.00 - ¥1.00 ≥ -¥0.01"},
		{`debtor_kind != "person" && mediation_outcome == "failed" && non_money == false`,
			"被执行人类型 “partnership” ≠ 自然人；执前调解结果 = 调解失败；含非金钱给付 = 否"},
		{`len(case_type) > 3 && (related_cases > 0 ? false : true)`,
			"len(案件类型 执行复议) > 3；（如果 关联在办案件数 0 ≤ 0 则 否，否则 是）"},
		{`"review" == case_type && 2 == respondent_count`, "案件类型 = 执行复议；被执行人数 = 2"},
		{`case_type not in ["review"] || respondent_count == 2`, "案件类型 执行复议 属于 [执行复议] 或 被执行人数 = 2"},
		{`claim_amount_fen in [12_000_000, 1]`, "标的额 ¥120,000.00 属于 [¥120,000.00、¥0.01]"},
	}
	for _, tc := range tests {
		c := mustCompile(t, rule(tc.when))
		d := c.Evaluate(f)
		if want := head + tc.want + " → 速执团队"; d.Explanation != want {
			t.Errorf("%s:\n got %s\nwant %s", tc.when, d.Explanation, want)
		}
	}

	// A rule that fails at run time is skipped and named.
	c := mustCompile(t, triage.RuleSet{Version: 2, Rules: []triage.Rule{
		{ID: "modulo", Name: "取模", When: "claim_amount_fen % related_cases == 0", Lane: "fast"},
		{ID: "d", Name: "默认", Lane: "ordinary"},
	}})
	d := c.Evaluate(f)
	want := "未命中前述规则，按默认规则「默认」（d，第 2 版）→ 普执团队（注意：规则「取模」（modulo）求值出错，已跳过）"
	if d.Lane != "ordinary" || d.Explanation != want {
		t.Errorf("decision %+v,\nwant explanation %s", d, want)
	}

	// A rule set of one default rule.
	c = mustCompile(t, triage.RuleSet{Version: 1, Rules: []triage.Rule{{ID: "all", Name: "全部", Lane: "fast"}}})
	if got := c.Evaluate(f).Explanation; got != "按默认规则「全部」（all，第 1 版）→ 速执团队" {
		t.Errorf("explanation %q", got)
	}
}

// randomFacts draws facts from plausible and implausible values alike.
func randomFacts(r *rand.Rand) triage.Facts {
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	money := func() int64 {
		switch r.IntN(6) {
		case 0:
			return 0
		case 1:
			return math.MaxInt64
		case 2:
			return math.MinInt64
		case 3:
			return -r.Int64N(1e9)
		default:
			return r.Int64N(1e11)
		}
	}
	count := func() int { return pick2(r, 0, 1, 2, 3, 100, -1, math.MaxInt, math.MinInt) }
	return triage.Facts{
		CaseType: pick("first_enforcement", "restored_enforcement", "preservation_enforcement", "objection", "review",
			"supervision", "coordination", "instruction", "other", "pre_mediation", "", "执行", "\x00"),
		ClaimAmountFen:       money(),
		NonMoney:             r.IntN(2) == 0,
		DebtorKind:           pick("person", "organization", "mixed", "", "robot"),
		RespondentCount:      count(),
		ApplicantCount:       count(),
		ApplicantIsFinancial: r.IntN(3) == 0,
		BasisKind:            pick("judgment", "mediation", "arbitration", "notarized_debt", "other", ""),
		AssetsFoundFen:       money(),
		AssetsFound:          r.IntN(2) == 0,
		RelatedCases:         count(),
		MediationOutcome:     pick("", "failed", "settled"),
		CourtLevel:           pick("supreme", "high", "intermediate", "basic", ""),
	}
}

func pick2(r *rand.Rand, vs ...int) int { return vs[r.IntN(len(vs))] }

// TestEvaluateNeverPanics is a property test: whatever the facts, every
// rule set answers with a known lane and an explanation.
func TestEvaluateNeverPanics(t *testing.T) {
	t.Parallel()
	nasty := triage.RuleSet{Version: 9, Rules: []triage.Rule{
		{ID: "div", Name: "除法", When: "claim_amount_fen / respondent_count > 1.5", Lane: "fast"},
		{ID: "mod", Name: "取模", When: "assets_found_fen % related_cases == 1", Lane: "financial"},
		{ID: "neg", Name: "取负", When: "-claim_amount_fen > abs(assets_found_fen) + 1", Lane: "preservation"},
		{ID: "mix", Name: "混合", When: "(non_money ? claim_amount_fen : assets_found_fen) * applicant_count >= 100 or upper(debtor_kind) == \"ROBOT\"", Lane: "fast"},
		{ID: "range", Name: "范围", When: "respondent_count in -2..2 and case_type not in [\"objection\", \"\"] and basis_kind matches \"^(judg|med)\"", Lane: "restoration_objection"},
		{ID: "float", Name: "小数", When: "float(claim_amount_fen) * 1.1 <= float(assets_found_fen) && min(respondent_count, applicant_count) >= 0", Lane: "fast"},
		{ID: "d", Name: "默认", When: "true", Lane: "ordinary"},
	}}
	sets := []*triage.Compiled{mustCompile(t, triage.DefaultRuleSet()), mustCompile(t, nasty)}
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		f := randomFacts(r)
		for _, c := range sets {
			d := c.Evaluate(f)
			if triage.LaneName(d.Lane) == "" || d.RuleID == "" || d.Explanation == "" || d.Version != c.Version() {
				t.Fatalf("facts %+v: decision %+v", f, d)
			}
			if strings.Contains(d.Explanation, "条件说明无法生成") {
				t.Errorf("facts %+v: explanation fell back: %s", f, d.Explanation)
			}
		}
	}
}

// FuzzCompileEvaluate feeds arbitrary expressions to Compile, and whatever
// compiles to Evaluate: neither may panic.
func FuzzCompileEvaluate(f *testing.F) {
	for _, rule := range triage.DefaultRuleSet().Rules {
		f.Add(rule.When, int64(120_000_00), 1)
	}
	for _, s := range []string{
		"claim_amount_fen / respondent_count > 0", "claim_amount_fen % respondent_count == 0", "!(non_money)",
		"respondent_count in 1..3", "let x = claim_amount_fen; x > 0", "(", "a ?? b", `"a" + case_type == "ab"`,
		"claim_amount_fen ** 2 > 1", "[1,2][respondent_count] == 1", "{'a': 1}.a == respondent_count",
	} {
		f.Add(s, int64(0), 0)
	}
	f.Fuzz(func(t *testing.T, when string, claim int64, respondents int) {
		c, err := triage.Compile(triage.RuleSet{Version: 1, Rules: []triage.Rule{
			{ID: "r", Name: "模糊", When: when, Lane: "fast"},
			{ID: "d", Name: "默认", Lane: "ordinary"},
		}})
		if err != nil {
			return
		}
		d := c.Evaluate(triage.Facts{CaseType: "first_enforcement", ClaimAmountFen: claim, RespondentCount: respondents})
		if d.Lane != "fast" && d.Lane != "ordinary" {
			t.Fatalf("lane %q", d.Lane)
		}
	})
}

func TestEvaluateConcurrently(t *testing.T) {
	t.Parallel()
	c := mustCompile(t, triage.DefaultRuleSet())
	want := c.Evaluate(first(120_000_00))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if got := c.Evaluate(first(120_000_00)); got != want {
					t.Errorf("got %+v, want %+v", got, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkEvaluate measures a decision with its explanation under the
// default rule set for a case that falls through four rules to fast_small.
// The allocations are expr boxing the facts it reads, plus the explanation.
func BenchmarkEvaluate(b *testing.B) {
	c := mustCompile(b, triage.DefaultRuleSet())
	f := first(120_000_00)
	b.ReportAllocs()
	for b.Loop() {
		_ = c.Evaluate(f)
	}
}

// BenchmarkDryRun measures comparing two rule sets over 10,000 cases.
func BenchmarkDryRun(b *testing.B) {
	cur := mustCompile(b, triage.DefaultRuleSet())
	rs := triage.DefaultRuleSet()
	rs.Version = 2
	rs.Rules[4].When = "case_type == \"first_enforcement\" && claim_amount_fen <= 10_000_000"
	prop := mustCompile(b, rs)
	r := rand.New(rand.NewPCG(3, 4))
	facts := make([]triage.Facts, 10_000)
	for i := range facts {
		facts[i] = randomFacts(r)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = triage.DryRun(cur, prop, facts)
	}
}
