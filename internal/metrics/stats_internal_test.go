package metrics

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// TestContributions: what one case adds to the aggregates, by the formulas
// of DOMAIN.md §13.
func TestContributions(t *testing.T) {
	t.Parallel()
	court, team, judge := uuid.New(), uuid.New(), uuid.New()
	filed := legal.NewDate(2026, time.March, 2)
	open := &Snapshot{CourtID: court, TeamID: team, HandlerID: judge, CaseType: "first_enforcement", Lane: "fast", FiledOn: filed,
		Deadline: filed.AddMonths(6), ClaimFen: 100_000_00}
	closed := func(closure string, on legal.Date, deducted int, recovered int64) *Snapshot {
		s := *open
		s.Closed, s.Closure, s.ClosedOn, s.DeductedDays, s.RecoveredFen = true, closure, on, deducted, recovered
		return &s
	}
	at := func(day legal.Date) Bucket {
		return Bucket{CourtID: court, Day: day, TeamID: team, HandlerID: judge, CaseType: "first_enforcement", Lane: "fast"}
	}
	for _, tc := range []struct {
		name string
		s    *Snapshot
		want map[Bucket]Counts
	}{
		{"MET-1/2 an open case: received on its filing day", open, map[Bucket]Counts{at(filed): {Received: 1}}},
		{"MET-5, MET-6, MET-7, MET-8 执行完毕 in 30 days, all recovered", closed("performed", filed.AddDays(30), 0, 100_000_00),
			map[Bucket]Counts{at(filed): {Received: 1}, at(filed.AddDays(30)): {Closed: 1, ClosedPerformed: 1, ClosedActual: 1, ClosedInTerm: 1,
				ClosedDays: 30, ClosedClaimFen: 100_000_00, ClosedRecoveredFen: 100_000_00}}},
		{"MET-8 deducted days do not count", closed("performed", filed.AddDays(30), 12, 100_000_00),
			map[Bucket]Counts{at(filed): {Received: 1}, at(filed.AddDays(30)): {Closed: 1, ClosedPerformed: 1, ClosedActual: 1, ClosedInTerm: 1,
				ClosedDays: 18, ClosedClaimFen: 100_000_00, ClosedRecoveredFen: 100_000_00}}},
		{"MET-4 和解长期履行 is actual, not 执行完毕", closed("settlement_long_term", filed.AddDays(10), 0, 0),
			map[Bucket]Counts{at(filed): {Received: 1}, at(filed.AddDays(10)): {Closed: 1, ClosedActual: 1, ClosedInTerm: 1, ClosedDays: 10,
				ClosedClaimFen: 100_000_00}}},
		{"MET-12 终本 after the deadline: not in term", closed("zhongben", filed.AddMonths(7), 0, 5_000_00),
			map[Bucket]Counts{at(filed): {Received: 1}, at(filed.AddMonths(7)): {Closed: 1, ClosedZhongben: 1,
				ClosedDays: int64(filed.AddMonths(7).Sub(filed)), ClosedClaimFen: 100_000_00, ClosedRecoveredFen: 5_000_00}}},
		{"closed on the filing day: one bucket", closed("cancelled", filed, 0, 0),
			map[Bucket]Counts{at(filed): {Received: 1, Closed: 1, ClosedInTerm: 1, ClosedClaimFen: 100_000_00}}},
	} {
		got := contributions(tc.s)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %d buckets, want %d: %+v", tc.name, len(got), len(tc.want), got)
			continue
		}
		for k, w := range tc.want {
			if got[k] != w {
				t.Errorf("%s: %s: %+v, want %+v", tc.name, k.Day, got[k], w)
			}
		}
	}
	if contributions(nil) != nil {
		t.Error("no case contributes nothing")
	}
}
