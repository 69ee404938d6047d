package metrics_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// expect computes what MET-1's figures (Row.All: 执, 执恢, 执保) of cases
// are over from … to, straight from the cases.
func expect(cases []*metrics.Snapshot, from, to legal.Date) metrics.Period {
	var p metrics.Period
	in := func(d legal.Date) bool { return !d.Before(from) && !d.After(to) }
	for _, s := range cases {
		if !slices.Contains(metrics.EnforcementTypes, s.CaseType) {
			continue
		}
		closedBefore := s.Closed && s.ClosedOn.Before(from)
		if s.FiledOn.Before(from) && !closedBefore {
			p.PendingStart++
		}
		if in(s.FiledOn) {
			p.Received++
		}
		if s.Closed && in(s.ClosedOn) {
			p.Closed++
			p.ClosedDays += int64(max(s.ClosedOn.Sub(s.FiledOn)-s.DeductedDays, 0))
			p.ClosedClaimFen += s.ClaimFen
			p.ClosedRecoveredFen += s.RecoveredFen
			if s.Closure == "zhongben" {
				p.ClosedZhongben++
			}
			if s.Closure == "performed" {
				p.ClosedPerformed++
			}
			if s.Closure == "performed" || s.Closure == "settlement_long_term" {
				p.ClosedActual++
			}
			if !s.ClosedOn.After(s.Deadline) {
				p.ClosedInTerm++
			}
		}
	}
	return p
}

// TestRollups: the figures of a period — read per court, lane and case
// type from the courts' month and day roll-ups, per team and handler from
// the owners' months and case_stats's days — equal the figures counted
// straight from the cases, for periods starting and ending on every kind
// of edge (a month's first and last day, inside a month, one day, across a
// year, before every case); the cases filed, closed, reopened and
// reassigned through Apply as the hooks do. (Verify recomputing every table
// from real cases runs at the end of every server test: apptest.)
func TestRollups(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sys := access.With(context.Background(), access.System("测试"))
		court := func(code string) uuid.UUID {
			c, err := org.CourtByCode(sys, db, code)
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		nanhai, shunde := court("粤0605"), court("粤0606")
		city := principal(access.ScopeSubtree, []access.Permission{access.CasesRead}, court("粤06"), nanhai, shunde)
		rng := rand.New(rand.NewPCG(7, 11))
		start := legal.NewDate(2025, time.January, 1)
		teams := []uuid.UUID{uuid.New(), uuid.New(), uuid.Nil}
		judges := []uuid.UUID{uuid.New(), uuid.New(), uuid.New(), uuid.Nil}
		types := []string{"first_enforcement", "restored_enforcement", "preservation_enforcement", "objection"}
		closures := []string{"performed", "zhongben", "settlement_long_term", "cancelled"}
		var cases []*metrics.Snapshot
		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			for range 400 {
				filed := start.AddDays(rng.IntN(500))
				s := &metrics.Snapshot{CourtID: []uuid.UUID{nanhai, shunde}[rng.IntN(2)], TeamID: teams[rng.IntN(3)],
					HandlerID: judges[rng.IntN(4)], CaseType: types[rng.IntN(len(types))], Lane: []string{"fast", "ordinary"}[rng.IntN(2)],
					FiledOn: filed, Deadline: filed.AddDays(rng.IntN(200)), ClaimFen: int64(rng.IntN(1_000_000))}
				if rng.IntN(3) > 0 {
					s.Closed, s.ClosedOn, s.Closure = true, filed.AddDays(rng.IntN(300)), closures[rng.IntN(len(closures))]
					s.RecoveredFen, s.DeductedDays = s.ClaimFen/2, rng.IntN(20)
				}
				cases = append(cases, s)
			}
			if err := metrics.ApplyNew(ctx, tx, cases[:200]); err != nil { // a bulk load
				return err
			}
			for _, s := range cases[200:] {
				if err := metrics.Apply(ctx, tx, nil, s); err != nil {
					return err
				}
			}
			// Reassignments (a court's roll-up does not move, its owners'
			// months do) and reopenings (a closure taken back).
			for i, s := range cases[:100] {
				after := *s
				if i%2 == 0 {
					after.TeamID, after.HandlerID = teams[(i/2)%3], judges[(i/2)%4]
				} else if s.Closed {
					after.Closed, after.ClosedOn, after.Closure, after.RecoveredFen = false, legal.Date{}, "", 0
				}
				if err := metrics.Apply(ctx, tx, s, &after); err != nil {
					return err
				}
				cases[i] = &after
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		date := legal.MustDate
		for _, p := range [][2]legal.Date{
			{date("2025-01-01"), date("2025-12-31")}, // whole months only
			{date("2025-03-15"), date("2025-11-20")}, // edges inside months
			{date("2025-03-01"), date("2025-03-31")}, // one whole month
			{date("2025-03-02"), date("2025-03-30")}, // inside one month
			{date("2025-06-10"), date("2025-06-10")}, // one day
			{date("2025-05-31"), date("2025-06-01")}, // across a month's end
			{date("2025-12-31"), date("2026-02-28")}, // across a year, ending on a month's last day
			{date("2025-02-28"), date("2026-05-17")}, // long, both edges partial
			{date("2024-06-01"), date("2024-12-31")}, // before every case
		} {
			want := expect(cases, p[0], p[1])
			for _, by := range []metrics.GroupBy{metrics.ByCourt, metrics.ByTeam, metrics.ByHandler, metrics.ByLane, metrics.ByCaseType} {
				rows, err := metrics.Figures(city, db, metrics.Query{From: p[0], To: p[1], GroupBy: by})
				if err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(want, metrics.Total(rows).All); diff != "" {
					t.Errorf("%s … %s by %s (-cases +aggregates):\n%s", p[0], p[1], by, diff)
				}
			}
			// One court, per team: each team's figures are its cases'.
			rows, err := metrics.Figures(city, db, metrics.Query{From: p[0], To: p[1], GroupBy: metrics.ByTeam, CourtID: shunde})
			if err != nil {
				t.Fatal(err)
			}
			for _, team := range teams {
				var own []*metrics.Snapshot
				for _, s := range cases {
					if s.CourtID == shunde && s.TeamID == team {
						own = append(own, s)
					}
				}
				var got metrics.Period
				for _, r := range rows {
					if r.Key == team.String() {
						got = r.All
					}
				}
				if diff := cmp.Diff(expect(own, p[0], p[1]), got); diff != "" {
					t.Errorf("%s … %s team %s (-cases +aggregates):\n%s", p[0], p[1], team, diff)
				}
			}
		}
	})
}
