package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// S5 (贵阳): a year of first-time cases split by the default rules into the
// fast and ordinary lanes in the proportions the generator made: 贵阳 took
// 3,141 into the fast lane and 989 into the ordinary one (76 %).
func TestScenarioS5LaneSplit(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		const n = 413 // 3,141 + 989 scaled down tenfold
		wantFast := 0
		for i := range n {
			in := intaketest.Application(s.CourtID, 5000+i)
			// 314 of 413 small money claims (≤ ¥500,000), the rest large or non-money.
			switch {
			case i%413 < 314:
				in.ClaimAmountFen = int64(5_000_00 + (i*7919)%495_000_00)
				wantFast++
			case i%2 == 0:
				in.ClaimAmountFen = int64(500_000_01 + i*1000_00)
			default:
				in.ClaimAmountFen, in.NonMoneyClaims = 0, "腾退房屋"
			}
			a := register(t, s, in)
			file(t, s, a.ID, intake.FileInput{})
		}
		lanes := map[string]int{}
		rows, err := db.Query(context.Background(), `SELECT lane, COUNT(*) FROM cases GROUP BY lane`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var lane string
			var c int
			if err := rows.Scan(&lane, &c); err != nil {
				t.Fatal(err)
			}
			lanes[lane] = c
		}
		rows.Close()
		if lanes["fast"] != wantFast || lanes["ordinary"] != n-wantFast {
			t.Errorf("lanes %v, want fast %d ordinary %d", lanes, wantFast, n-wantFast)
		}
		if share := float64(lanes["fast"]) / n; share < 0.75 || share > 0.77 {
			t.Errorf("fast share %.3f, want about 0.76 as in 贵阳", share)
		}

		// A court's own rule set: lower the fast-lane limit to ¥100,000. The
		// dry run says how many past cases would move before it is saved.
		rules := triage.DefaultRuleSet().Rules
		for i := range rules {
			if rules[i].ID == "fast_small" {
				rules[i].When = strings.Replace(rules[i].When, "50_000_000", "10_000_000", 1)
			}
		}
		moved := 0
		for i := range n {
			if i%413 < 314 && int64(5_000_00+(i*7919)%495_000_00) > 10_000_000 {
				moved++
			}
		}
		res, err := intake.DryRun(s.Sys, db, s.CourtID, rules)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != n || res.Moved != moved {
			t.Errorf("dry run total %d moved %d, want %d and %d", res.Total, res.Moved, n, moved)
		}
		// Only those who manage triage may dry-run, and the platform default
		// (over every court's cases) only platform administrators.
		for _, ctx := range []context.Context{s.Judge, s.Leader} {
			for _, court := range []uuid.UUID{s.CourtID, uuid.Nil} {
				if _, err := intake.DryRun(ctx, db, court, rules); apperr.KindOf(err) != apperr.Forbidden {
					t.Errorf("dry run of court %v by %s: %v", court, access.From(ctx).RoleName, err)
				}
			}
		}
		// A rule that reads an unknown fact is refused with its position.
		broken := append([]triage.Rule(nil), rules...)
		broken[0].When = "case_typ == 1"
		_, err = store.TransactValue(s.Sys, db, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
			return intake.SaveRuleSet(ctx, tx, s.CourtID, broken, "", true)
		})
		if e, ok := apperr.As(err); !ok || e.Code != "invalid_rule_set" || !strings.Contains(e.Detail, "第 1 行第") {
			t.Errorf("broken rule: %v", err)
		}
		rs, err := store.TransactValue(s.Sys, db, func(ctx context.Context, tx *store.Tx) (*intake.RuleSetInfo, error) {
			return intake.SaveRuleSet(ctx, tx, s.CourtID, rules, "小额标准调整为 10 万元", true)
		})
		if err != nil {
			t.Fatal(err)
		}
		// New filings follow the court's rules and record their version.
		in := intaketest.Application(s.CourtID, 99_999)
		in.ClaimAmountFen = 200_000_00
		c := file(t, s, register(t, s, in).ID, intake.FileInput{})
		if c.Lane != "ordinary" || c.Triage.Version != rs.Version {
			t.Errorf("after the change: lane %s version %d, want ordinary %d", c.Lane, c.Triage.Version, rs.Version)
		}
		// A manual override needs a reason and is kept with the case.
		in = intaketest.Application(s.CourtID, 99_998)
		in.ClaimAmountFen = 200_000_00
		a := register(t, s, in)
		if _, err := fileErr(s, a.ID, intake.FileInput{Lane: "fast"}); apperr.CodeOf(err) != "override_reason_required" {
			t.Errorf("override without reason: %v", err)
		}
		c = file(t, s, a.ID, intake.FileInput{Lane: "fast", Reason: "被执行人已承诺一次性履行"})
		if c.Lane != "fast" || c.Triage.Override == "" {
			t.Errorf("override: %+v", c.Triage)
		}
	})
}
