package metrics_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestCourtRollup: the court, lane and case-type figures, read from the
// courts' month and day roll-ups, agree with the same figures summed from
// case_stats per team, for periods starting and ending on every kind of
// edge (a month's first and last day, inside a month, one day, across a
// year); cases filed, closed, reopened and reassigned through Apply as the
// hooks do. (Verify recomputing both tables from real cases runs at the end
// of every server test: apptest.)
func TestCourtRollup(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		d := newTrendData(t, db)
		rng := rand.New(rand.NewPCG(7, 11))
		start := legal.NewDate(2025, time.January, 1)
		teams := []uuid.UUID{d.teamA1, d.teamA2, uuid.Nil}
		types := []string{"first_enforcement", "restored_enforcement", "preservation_enforcement", "objection"}
		closures := []string{"performed", "zhongben", "settlement_long_term", "cancelled"}
		sys := access.With(context.Background(), access.System("测试"))
		var snaps []*metrics.Snapshot
		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			for range 400 {
				filed := start.AddDays(rng.IntN(500))
				s := &metrics.Snapshot{CourtID: []uuid.UUID{d.sanshui, d.chancheng}[rng.IntN(2)], TeamID: teams[rng.IntN(3)],
					HandlerID: uuid.Nil, CaseType: types[rng.IntN(len(types))], Lane: []string{"fast", "ordinary"}[rng.IntN(2)],
					FiledOn: filed, Deadline: filed.AddMonths(6), ClaimFen: int64(rng.IntN(1_000_000))}
				if rng.IntN(3) > 0 {
					s.Closed, s.ClosedOn, s.Closure = true, filed.AddDays(rng.IntN(300)), closures[rng.IntN(len(closures))]
					s.RecoveredFen = s.ClaimFen / 2
				}
				if err := metrics.Apply(ctx, tx, nil, s); err != nil {
					return err
				}
				snaps = append(snaps, s)
			}
			// Reassignments (the court's roll-up does not move) and
			// reopenings (a closure taken back).
			for i, s := range snaps[:100] {
				after := *s
				if i%2 == 0 {
					after.TeamID = teams[(i/2)%3]
				} else if s.Closed {
					after.Closed, after.ClosedOn, after.Closure, after.RecoveredFen = false, legal.Date{}, "", 0
				}
				if err := metrics.Apply(ctx, tx, s, &after); err != nil {
					return err
				}
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
			for _, court := range []uuid.UUID{d.sanshui, d.chancheng} {
				q := metrics.Query{From: p[0], To: p[1], GroupBy: metrics.ByCourt, CourtID: court}
				byCourt, err := metrics.Figures(d.city, db, q)
				if err != nil {
					t.Fatal(err)
				}
				q.GroupBy = metrics.ByTeam
				byTeam, err := metrics.Figures(d.city, db, q)
				if err != nil {
					t.Fatal(err)
				}
				want := metrics.Total(byTeam)
				got := metrics.Total(byCourt)
				want.Key, got.Key, want.Unowned, got.Unowned = "", "", false, false
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("%s … %s: roll-up differs from case_stats (-team +court):\n%s", p[0], p[1], diff)
				}
			}
			// By lane and by case type over the city: the same totals.
			var totals []metrics.Row
			for _, by := range []metrics.GroupBy{metrics.ByTeam, metrics.ByLane, metrics.ByCaseType} {
				rows, err := metrics.Figures(d.city, db, metrics.Query{From: p[0], To: p[1], GroupBy: by})
				if err != nil {
					t.Fatal(err)
				}
				r := metrics.Total(rows)
				r.Key, r.Unowned = "", false
				totals = append(totals, r)
			}
			if diff := cmp.Diff(totals[0], totals[1]); diff != "" {
				t.Errorf("%s … %s: by lane differs (-team +lane):\n%s", p[0], p[1], diff)
			}
			if diff := cmp.Diff(totals[0], totals[2]); diff != "" {
				t.Errorf("%s … %s: by case type differs (-team +type):\n%s", p[0], p[1], diff)
			}
		}
	})
}
