package bench

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// P3 and the aggregates at scale: a population of cases across one
// province's courts (filed over two years, six in ten closed, 执/执恢/执保),
// each case's KPI contribution applied by metrics.Apply as filing and
// closing apply it; then `zhixing metrics verify` (recompute from the cases)
// must agree, and the KPIs of a court, a city (a 中院 and its basic courts)
// and the province for the last year are timed from the aggregates against
// the same figures by an ad-hoc GROUP BY over the cases.

// KPIOptions configures the benchmark.
type KPIOptions struct {
	Sizes    []int // populations, ascending
	Calls    int   // timed calls per scope for the percentiles
	Progress io.Writer
	Seed     uint64
	// CPUProfile, when set, receives a CPU profile of the province's timed
	// aggregate calls at the last size.
	CPUProfile io.Writer
}

// KPIScope is one scope's timings at one size.
type KPIScope struct {
	Name     string
	P50, P99 time.Duration
	AdHoc    time.Duration // median of 3 ad-hoc GROUP BY runs
	Received int64         // the figure both agree on
}

// Speedup is the ad-hoc time over the aggregates' median.
func (s KPIScope) Speedup() float64 { return float64(s.AdHoc) / float64(max(s.P50, 1)) }

// KPIPoint is the benchmark at one size.
type KPIPoint struct {
	Cases    int
	Fill     time.Duration // inserting the cases with their contributions
	Verify   time.Duration
	Agree    bool
	Buckets  int
	Scopes   []KPIScope
	Mismatch int
}

// KPIReport is the answer.
type KPIReport struct {
	Engine string
	Points []KPIPoint
}

var kpiCaseTypes = []string{"first_enforcement", "first_enforcement", "first_enforcement", "restored_enforcement", "preservation_enforcement"}
var kpiClosures = []string{"performed", "performed", "zhongben", "zhongben", "terminated", "settlement_long_term", "cancelled"}

// KPIs runs the benchmark on a scratch database.
func KPIs(ctx context.Context, db *store.DB, opts KPIOptions) (KPIReport, error) {
	ctx = access.With(ctx, access.System("基准测试"))
	rep := KPIReport{Engine: db.Engine().Label()}
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	province, err := org.CourtByCode(ctx, db, "粤")
	if err != nil {
		return rep, err
	}
	city, err := org.CourtByCode(ctx, db, "粤06")
	if err != nil {
		return rep, err
	}
	basic, err := org.CourtByCode(ctx, db, benchCourt)
	if err != nil {
		return rep, err
	}
	rows, err := db.Query(ctx, `SELECT id FROM courts WHERE path LIKE ? AND level = 'basic' ORDER BY code`, province.Path+"%")
	if err != nil {
		return rep, err
	}
	courts, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return rep, err
	}
	chiefCity, err := userAs(ctx, db, city.ID, access.RoleBureauChief)
	if err != nil {
		return rep, err
	}
	chiefProvince, err := userAs(ctx, db, province.ID, access.RoleBureauChief)
	if err != nil {
		return rep, err
	}
	r := rand.New(rand.NewPCG(opts.Seed, 6))
	today := legal.Today(time.Now())
	from := today.AddDays(-364)
	cityCourts := []uuid.UUID{}
	if err := func() error {
		rows, err := db.Query(ctx, `SELECT id FROM courts WHERE path LIKE ?`, city.Path+"%")
		if err != nil {
			return err
		}
		cityCourts, err = store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
			var id uuid.UUID
			return id, sc.Scan(&id)
		})
		return err
	}(); err != nil {
		return rep, err
	}
	done := 0
	var fill time.Duration
	for _, size := range opts.Sizes {
		start := time.Now()
		if err := fillKPICases(ctx, db, courts, done, size-done, today, r, progress); err != nil {
			return rep, err
		}
		fill += time.Since(start)
		done = size
		pt := KPIPoint{Cases: size, Fill: fill}
		start = time.Now()
		v, err := metrics.Verify(ctx, db)
		if err != nil {
			return rep, err
		}
		pt.Verify, pt.Agree, pt.Buckets, pt.Mismatch = time.Since(start), v.OK(), v.Buckets, v.Mismatches
		progress("%d 件：累计数核验 %s，%d 组，%s", size, pt.Verify.Round(time.Millisecond), v.Buckets, map[bool]string{true: "一致", false: "不一致"}[v.OK()])
		for _, sc := range []struct {
			name   string
			ctx    context.Context
			court  uuid.UUID
			courts []uuid.UUID
		}{
			{"court (" + basic.Code + ")", chiefCity, basic.ID, []uuid.UUID{basic.ID}},
			{"city (" + city.Code + " and its basic courts)", chiefCity, uuid.Nil, cityCourts},
			{"province (" + province.Code + ")", chiefProvince, uuid.Nil, append(slices.Clone(courts), city.ID, province.ID)},
		} {
			// The profile covers the province's aggregate calls at the
			// last size: the widest scope, the slowest.
			profile := opts.CPUProfile != nil && size == opts.Sizes[len(opts.Sizes)-1] && sc.court == uuid.Nil && sc.ctx == chiefProvince
			if profile {
				if err := pprof.StartCPUProfile(opts.CPUProfile); err != nil {
					return rep, err
				}
			}
			s, err := timeScope(sc.ctx, db, sc.name, sc.court, sc.courts, from, today, opts.Calls, profile)
			if err != nil {
				return rep, err
			}
			progress("  %s：聚合 p50 %s p99 %s，即席 GROUP BY %s（%.0f 倍），收案 %d", s.Name, s.P50, s.P99, s.AdHoc.Round(time.Millisecond),
				s.Speedup(), s.Received)
			pt.Scopes = append(pt.Scopes, s)
		}
		rep.Points = append(rep.Points, pt)
	}
	return rep, nil
}

// timeScope times the year's KPIs grouped by court from the aggregates,
// calls times, and the ad-hoc GROUP BY over the cases 3 times; both must
// count the same received cases.
func timeScope(ctx context.Context, db *store.DB, name string, court uuid.UUID, courts []uuid.UUID, from, to legal.Date, calls int,
	profile bool) (KPIScope, error) {
	s := KPIScope{Name: name}
	var lat []time.Duration
	var received int64
	for i := range calls {
		start := time.Now()
		rows, err := metrics.Figures(ctx, db, metrics.Query{From: from, To: to, GroupBy: metrics.ByCourt, CourtID: court})
		if err != nil {
			return s, err
		}
		lat = append(lat, time.Since(start))
		if profile && i == calls-1 {
			pprof.StopCPUProfile() // the ad-hoc queries below are not profiled
		}
		if i == 0 {
			received = metrics.Total(rows).All.Received
		}
	}
	slices.Sort(lat)
	s.P50, s.P99 = lat[len(lat)/2], lat[min(len(lat)-1, len(lat)*99/100)]
	s.Received = received
	marks := strings.TrimSuffix(strings.Repeat("?, ", len(courts)), ", ")
	args := []any{from, to, from, to, from, from}
	for _, c := range courts {
		args = append(args, c)
	}
	var adhoc []time.Duration
	for range 3 {
		start := time.Now()
		rows, err := db.Query(ctx, `SELECT court_id,
				SUM(CASE WHEN filed_on >= ? AND filed_on <= ? THEN 1 ELSE 0 END),
				SUM(CASE WHEN closed_on >= ? AND closed_on <= ? THEN 1 ELSE 0 END),
				SUM(CASE WHEN filed_on < ? AND (closed_on IS NULL OR closed_on >= ?) THEN 1 ELSE 0 END)
			FROM cases WHERE court_id IN (`+marks+`) AND case_type IN ('first_enforcement', 'restored_enforcement', 'preservation_enforcement')
			GROUP BY court_id`, args...)
		if err != nil {
			return s, err
		}
		var total int64
		for rows.Next() {
			var c uuid.UUID
			var rec, closed, pending int64
			if err := rows.Scan(&c, &rec, &closed, &pending); err != nil {
				rows.Close()
				return s, err
			}
			total += rec
		}
		rows.Close()
		adhoc = append(adhoc, time.Since(start))
		if total != received {
			return s, fmt.Errorf("%s: the aggregates count %d received, the cases %d", name, received, total)
		}
	}
	slices.Sort(adhoc)
	s.AdHoc = adhoc[1]
	return s, nil
}

// fillKPICases inserts n cases over courts, numbered from `from`, with
// their KPI contributions (the function filing and closing apply, summed
// per transaction by metrics.ApplyNew), 250 a transaction.
func fillKPICases(ctx context.Context, db *store.DB, courts []uuid.UUID, from, n int, today legal.Date, r *rand.Rand,
	progress func(string, ...any)) error {
	now := time.Now().UTC()
	const chunk = 250
	for done := 0; done < n; {
		k := min(chunk, n-done)
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			args := make([]any, 0, 21*k)
			snaps := make([]*metrics.Snapshot, 0, k)
			for j := range k {
				i := from + done + j
				s := &metrics.Snapshot{CourtID: courts[i%len(courts)], CaseType: kpiCaseTypes[r.IntN(len(kpiCaseTypes))],
					Lane: []string{"fast", "ordinary"}[r.IntN(2)], FiledOn: today.AddDays(-r.IntN(730)), ClaimFen: int64(1_000_00 + r.IntN(50_000_000))}
				s.Deadline = s.FiledOn.AddMonths(6)
				status, closure := "in_progress", ""
				var closed *legal.Date
				if r.IntN(10) < 6 {
					d := s.FiledOn.AddDays(r.IntN(200))
					if d.After(today) {
						d = today
					}
					s.Closed, s.ClosedOn, s.Closure = true, d, kpiClosures[r.IntN(len(kpiClosures))]
					s.RecoveredFen = s.ClaimFen / int64(1+r.IntN(4))
					status, closure, closed = "closed", s.Closure, &d
				}
				args = append(args, store.NewID(), s.CourtID, fmt.Sprintf("（%d）基准指标%d号", s.FiledOn.Year(), i), s.FiledOn.Year(), "执",
					60_000_000+i, s.CaseType, status, closure, s.Lane, "民事判决书", fmt.Sprintf("指标%d", i), s.ClaimFen, s.RecoveredFen,
					s.FiledOn, s.FiledOn, s.Deadline, closed, 0, now, now)
				snaps = append(snaps, s)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO cases (id, court_id, case_no, year, zi, seq, case_type, status, closure, lane, basis_kind,
				basis_document_no, claim_amount_fen, recovered_amount_fen, received_on, filed_on, deadline, closed_on, deducted_days,
				created_at, updated_at) VALUES `+store.Rows(k, 21), args...); err != nil {
				return err
			}
			return metrics.ApplyNew(ctx, tx, snaps)
		})
		if err != nil {
			return err
		}
		done += k
		if (from+done)%200_000 < chunk {
			progress("已生成 %d 件", from+done)
		}
	}
	return nil
}
