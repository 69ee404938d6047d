package triage_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/triage"
)

func TestDryRun(t *testing.T) {
	t.Parallel()
	current := mustCompile(t, triage.DefaultRuleSet())

	// Version 2 lowers the fast-lane ceiling to ¥100,000 and drops the
	// financial team.
	rs := triage.DefaultRuleSet()
	rs.Version = 2
	for i := range rs.Rules {
		if rs.Rules[i].ID == "fast_small" {
			rs.Rules[i].When = `case_type == "first_enforcement" && claim_amount_fen <= 10_000_000 && !non_money`
		}
	}
	rs.Rules = append(rs.Rules[:2], rs.Rules[3:]...) // financial
	proposed := mustCompile(t, rs)

	var facts []triage.Facts
	add := func(n int, f triage.Facts) {
		for range n {
			facts = append(facts, f)
		}
	}
	add(7, first(200_000_00))                                                                                      // 0–6: fast → ordinary
	add(2, first(50_000_00))                                                                                       // 7–8: fast stays fast
	add(3, triage.Facts{CaseType: "first_enforcement", ApplicantIsFinancial: true})                                // 9–11: financial → fast
	add(3, triage.Facts{CaseType: "first_enforcement", ApplicantIsFinancial: true, ClaimAmountFen: 90_000_000_00}) // 12–14: financial → ordinary
	add(1, triage.Facts{CaseType: "objection"})                                                                    // 15: stays
	add(2, triage.Facts{CaseType: "preservation_enforcement"})                                                     // 16–17: stay

	got := triage.DryRun(current, proposed, facts)
	want := triage.DryRunResult{
		Total: 18,
		Moved: 13,
		Moves: []triage.Move{
			{From: "fast", To: "ordinary", Count: 7, Examples: []int{0, 1, 2, 3, 4}},
			{From: "financial", To: "fast", Count: 3, Examples: []int{9, 10, 11}},
			{From: "financial", To: "ordinary", Count: 3, Examples: []int{12, 13, 14}},
		},
		ByLane: map[string][2]int{
			"fast":                  {9, 5},
			"ordinary":              {0, 10},
			"financial":             {6, 0},
			"preservation":          {2, 2},
			"restoration_objection": {1, 1},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DryRun (-want +got):\n%s", diff)
	}
}

func TestDryRunEdgeCases(t *testing.T) {
	t.Parallel()
	c := mustCompile(t, triage.DefaultRuleSet())
	facts := []triage.Facts{first(1), {CaseType: "objection"}}

	same := triage.DryRun(c, c, facts)
	if same.Total != 2 || same.Moved != 0 || len(same.Moves) != 0 {
		t.Errorf("same rule set: %+v", same)
	}

	empty := triage.DryRun(c, c, nil)
	if empty.Total != 0 || len(empty.ByLane) != len(triage.Lanes()) {
		t.Errorf("no facts: %+v", empty)
	}

	// No current rule set yet: everything moves from "".
	fromNothing := triage.DryRun(nil, c, facts)
	want := []triage.Move{
		{From: "", To: "fast", Count: 1, Examples: []int{0}},
		{From: "", To: "restoration_objection", Count: 1, Examples: []int{1}},
	}
	if diff := cmp.Diff(want, fromNothing.Moves); diff != "" || fromNothing.Moved != 2 || fromNothing.ByLane[""] != [2]int{2, 0} {
		t.Errorf("from nothing: %+v (-want +got moves):\n%s", fromNothing, diff)
	}
}
