package bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"runtime/pprof"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// ScaleOptions size the scale-flatness benchmark (P7).
type ScaleOptions struct {
	Sizes   []int // total cases at each measure, ascending (default 100,000 and 10,000,000)
	Calls   int   // timed calls of each workload at each size (default 400)
	Real    int   // cases filed through intake in the bench court, read and listed (default 300)
	DataDir string
	// Progress receives a line per step.
	Progress io.Writer
	Seed     uint64
	// CPUProfile, when set, receives a CPU profile of the dashboard's
	// timed calls at the last size.
	CPUProfile io.Writer
}

// Latency is one workload's timed calls at one size.
type Latency struct {
	Calls    int
	P50, P99 time.Duration
}

// ScalePoint is the workloads at one size.
type ScalePoint struct {
	Cases                                int
	Fill                                 time.Duration // generating the cases up to this size, cumulated
	CaseRead, TaskList, Dashboard, Board Latency
}

// ScaleReport is P7 on one engine: each workload's p99 at the largest size
// over its p99 at the smallest (the target: ≤ 2).
type ScaleReport struct {
	Engine string
	Points []ScalePoint
}

// Ratio is the p99 of a workload at the last size over the first's.
func (r ScaleReport) Ratio(of func(ScalePoint) Latency) float64 {
	if len(r.Points) < 2 {
		return 0
	}
	first, last := of(r.Points[0]).P99, of(r.Points[len(r.Points)-1]).P99
	return float64(last) / float64(max(first, 1))
}

// Scale measures P7 on db (a scratch database): the real server on a
// loopback port, one client calling one request at a time, at each size:
//   - case read: GET /api/v1/cases/{id}, a random case of opts.Real filed
//     through intake in the bench court (粤0607), with their parties;
//   - task list: a post judge's open cases, GET /api/v1/cases?handler_id=…
//     &status=in_progress (the first page, 50), the judge with most of them;
//   - dashboard: GET /api/v1/kpis for the bench court, this year by team;
//   - board: GET /api/v1/board for the bench court (headlines, trend,
//     rankings).
//
// Between sizes, the population grows by bulk inserts: cases over every
// basic court of the province (the bench court's share with them), each
// with two parties (a pool of 100,000 shared, as repeat litigants are),
// its handler one of 40 per court, filed over the last two years, six in
// ten closed, and its KPI contributions (metrics.ApplyNew).
func Scale(ctx context.Context, db *store.DB, opts ScaleOptions) (ScaleReport, error) {
	if len(opts.Sizes) == 0 {
		opts.Sizes = []int{100_000, 10_000_000}
	}
	if opts.Calls <= 0 {
		opts.Calls = 400
	}
	if opts.Real <= 0 {
		opts.Real = 300
	}
	rep := ScaleReport{Engine: db.Engine().Label()}
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	sys := access.With(ctx, access.System("基准测试"))
	province, err := org.CourtByCode(sys, db, "粤")
	if err != nil {
		return rep, err
	}
	rows, err := db.Query(sys, `SELECT id FROM courts WHERE path LIKE ? AND level = 'basic' ORDER BY code`, province.Path+"%")
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
	s, err := newStaff(ctx, db)
	if err != nil {
		return rep, err
	}
	for i := range opts.Real {
		if err := fileOne(s, db, 700_000+i); err != nil {
			return rep, err
		}
	}
	var caseIDs []uuid.UUID
	var judge uuid.UUID
	if err := func() error {
		rows, err := db.Query(sys, `SELECT id FROM cases WHERE court_id = ? ORDER BY id`, s.court)
		if err != nil {
			return err
		}
		if caseIDs, err = store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
			var id uuid.UUID
			return id, sc.Scan(&id)
		}); err != nil {
			return err
		}
		return db.QueryRow(sys, `SELECT handler_id FROM cases WHERE court_id = ? AND handler_id IS NOT NULL AND status = 'in_progress'
			GROUP BY handler_id ORDER BY COUNT(*) DESC, handler_id LIMIT 1`, s.court).Scan(&judge)
	}(); err != nil {
		return rep, fmt.Errorf("bench: the filed cases: %w", err)
	}
	if err := fillParties(sys, db); err != nil {
		return rep, err
	}

	a := &app.App{Cfg: config.Config{DB: "bench", DataDir: opts.DataDir, SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour}, DB: db,
		Log: slog.New(slog.DiscardHandler), AuthConfig: auth.Config{IPRate: 1e9, IPBurst: 1e9}}
	site, stop, err := serveLoopback(a.Handler())
	if err != nil {
		return rep, err
	}
	defer stop()
	token, err := judgeToken(ctx, a, s)
	if err != nil {
		return rep, err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	get := func(path string) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, site+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return nil
	}
	today := legal.Today(time.Now())
	yearStart := legal.NewDate(today.Year(), time.January, 1)
	kpis := "/api/v1/kpis?" + url.Values{"court_id": {s.court.String()}, "group_by": {"team"}, "from": {yearStart.String()},
		"to": {today.String()}}.Encode()
	board := "/api/v1/board?" + url.Values{"court_id": {s.court.String()}}.Encode()
	tasks := "/api/v1/cases?" + url.Values{"handler_id": {judge.String()}, "status": {"in_progress"}, "limit": {"50"}}.Encode()

	r := rand.New(rand.NewPCG(opts.Seed, 7))
	done := 0
	var fill time.Duration
	for _, size := range opts.Sizes {
		start := time.Now()
		if err := fillScale(sys, db, courts, done, size-done, today, r, progress); err != nil {
			return rep, err
		}
		fill += time.Since(start)
		done = size
		pt := ScalePoint{Cases: size, Fill: fill}
		for _, w := range []struct {
			name string
			lat  *Latency
			path func(i int) string
		}{
			{"case read", &pt.CaseRead, func(i int) string { return "/api/v1/cases/" + caseIDs[r.IntN(len(caseIDs))].String() }},
			{"task list", &pt.TaskList, func(int) string { return tasks }},
			{"dashboard", &pt.Dashboard, func(int) string { return kpis }},
			{"board", &pt.Board, func(int) string { return board }},
		} {
			// A few calls first warm the connection and the caches.
			for i := range 5 {
				if err := get(w.path(i)); err != nil {
					return rep, err
				}
			}
			profile := opts.CPUProfile != nil && w.lat == &pt.Dashboard && size == opts.Sizes[len(opts.Sizes)-1]
			if profile {
				if err := pprof.StartCPUProfile(opts.CPUProfile); err != nil {
					return rep, err
				}
			}
			lat := make([]time.Duration, 0, opts.Calls)
			for i := range opts.Calls {
				t0 := time.Now()
				if err := get(w.path(i)); err != nil {
					return rep, err
				}
				lat = append(lat, time.Since(t0))
			}
			if profile {
				pprof.StopCPUProfile()
			}
			*w.lat = Latency{Calls: len(lat), P50: percentile(lat, 0.50), P99: percentile(lat, 0.99)}
			progress("  %d 件：%s p50 %s p99 %s", size, w.name, w.lat.P50.Round(10*time.Microsecond), w.lat.P99.Round(10*time.Microsecond))
		}
		rep.Points = append(rep.Points, pt)
	}
	return rep, nil
}

// scalePool is the number of shared parties the generated cases name.
const scalePool = 100_000

// fillParties adds the pool of parties the generated cases name.
func fillParties(ctx context.Context, db *store.DB) error {
	now := time.Now().UTC()
	for from := 0; from < scalePool; from += 5_000 {
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			return store.InsertRows(ctx, tx, `INSERT INTO parties (id, kind, name, id_number, id_checked, created_at, updated_at) VALUES `, 7, 5_000,
				func(i int, args []any) []any {
					// Unique numbers of another district than the filed
					// cases' parties (sample.Person: 440607).
					n := from + i
					id := legal.MakeResidentID("440604", legal.NewDate(1950, time.January, 1).AddDays(n%20_000), n/20_000)
					return append(args, poolParty(n), "person", sample.Person(n).Name, id, true, now, now)
				})
		})
		if err != nil {
			return fmt.Errorf("bench: parties: %w", err)
		}
	}
	return nil
}

// poolParty is the id of the i-th party of the pool.
func poolParty(i int) uuid.UUID { return derived("party", i) }

// derived is a stable id made of a name and a number.
func derived(kind string, i int) uuid.UUID {
	h := fnv.New128a()
	fmt.Fprintf(h, "%s/%d", kind, i)
	var id uuid.UUID
	copy(id[:], h.Sum(nil))
	id[6] = id[6]&0x0f | 0x40 // version 4 layout, as uuid.New makes
	id[8] = id[8]&0x3f | 0x80
	return id
}

// fillScale inserts n cases over courts, numbered from `from`: the rows,
// their two parties and their KPI contributions, 250 a transaction.
func fillScale(ctx context.Context, db *store.DB, courts []uuid.UUID, from, n int, today legal.Date, r *rand.Rand,
	progress func(string, ...any)) error {
	now := time.Now().UTC()
	const chunk = 250
	for done := 0; done < n; {
		k := min(chunk, n-done)
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			args := make([]any, 0, 23*k)
			links := make([]any, 0, 10*k)
			snaps := make([]*metrics.Snapshot, 0, k)
			for j := range k {
				i := from + done + j
				court := i % len(courts)
				s := &metrics.Snapshot{CourtID: courts[court], HandlerID: derived("handler", court*40+r.IntN(40)),
					CaseType: kpiCaseTypes[r.IntN(len(kpiCaseTypes))], Lane: []string{"fast", "ordinary"}[r.IntN(2)],
					FiledOn: today.AddDays(-r.IntN(730)), ClaimFen: int64(1_000_00 + r.IntN(50_000_000))}
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
				id := store.NewID()
				applicant, respondent := r.IntN(scalePool), r.IntN(scalePool)
				args = append(args, id, s.CourtID, fmt.Sprintf("（%d）基准规模%d号", s.FiledOn.Year(), i), s.FiledOn.Year(), "执",
					70_000_000+i, s.CaseType, status, closure, s.Lane, s.HandlerID, "民事判决书", fmt.Sprintf("规模%d", i), s.ClaimFen,
					s.RecoveredFen, s.FiledOn, s.FiledOn, s.Deadline, closed, 0, fmt.Sprintf("申请人%d | 被执行人%d", applicant, respondent), now, now)
				links = append(links, id, 1, "applicant", poolParty(applicant), fmt.Sprintf("申请人%d", applicant),
					id, 2, "respondent", poolParty(respondent), fmt.Sprintf("被执行人%d", respondent))
				snaps = append(snaps, s)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO cases (id, court_id, case_no, year, zi, seq, case_type, status, closure, lane, handler_id,
				basis_kind, basis_document_no, claim_amount_fen, recovered_amount_fen, received_on, filed_on, deadline, closed_on, deducted_days,
				party_names, created_at, updated_at) VALUES `+store.Rows(k, 23), args...); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO case_parties (case_id, seq, role, party_id, name) VALUES `+store.Rows(2*k, 5), links...); err != nil {
				return err
			}
			return metrics.ApplyNew(ctx, tx, snaps)
		})
		if err != nil {
			return err
		}
		done += k
		if (from+done)%500_000 < chunk {
			progress("已生成 %d 件", from+done)
		}
	}
	return nil
}
