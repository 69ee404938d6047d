package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"

	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// P2: the deadline and supervision scan's cost grows with what is due, not
// with what is open. The bench files Due real cases (through intake, so
// they carry everything filing writes, their supervision watch included),
// makes them a month old (so the notice rule, NODE-1, is due on each), and
// surrounds them with an open population: plain open cases, each with its
// watch on a day in the coming year, as filing would have left them. At
// each size it times the scan of today: every due case read, its rules
// evaluated and an item raised, nothing else touched. Between runs the
// items are deleted and the due cases' watches set back to today.

// ScanOptions configures the scan benchmark.
type ScanOptions struct {
	Due      int   // cases due on the day scanned
	Sizes    []int // open populations, ascending (1_000_000, 10_000_000)
	Runs     int
	Progress io.Writer
}

// ScanPoint is the scan at one size.
type ScanPoint struct {
	Open   int
	Scan   Measure // one op = one due subject
	Raised int
	Fill   time.Duration // generating the population up to this size
}

// ScanReport is the benchmark's answer.
type ScanReport struct {
	Engine string
	Due    int
	Points []ScanPoint
}

// Ratio is the scan time at the largest size over the smallest (P2: ≤ 1.5).
func (r ScanReport) Ratio() float64 {
	if len(r.Points) < 2 {
		return 1
	}
	a, b := r.Points[0].Scan, r.Points[len(r.Points)-1].Scan
	return float64(b.Elapsed) / float64(a.Elapsed)
}

// Scan runs the benchmark on a scratch database.
func Scan(ctx context.Context, db *store.DB, opts ScanOptions) (ScanReport, error) {
	ctx = access.With(ctx, access.System("基准测试"))
	rep := ScanReport{Engine: db.Engine().Label(), Due: opts.Due}
	progress := func(format string, args ...any) {
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, format+"\n", args...)
		}
	}
	courts, err := basicCourts(ctx, db, 1)
	if err != nil {
		return rep, err
	}
	court := courts[0]
	clerk, err := windowClerk(ctx, db, court)
	if err != nil {
		return rep, err
	}
	today := legal.Today(time.Now())
	due := make([]uuid.UUID, 0, opts.Due)
	for i := range opts.Due {
		err := db.Transact(clerk, func(ctx context.Context, tx *store.Tx) error {
			a, err := intake.Register(ctx, tx, sample.Application(court, 900_000+i))
			if err != nil {
				return err
			}
			c, err := intake.File(ctx, tx, a.ID, intake.FileInput{})
			if err == nil {
				due = append(due, c.ID)
			}
			return err
		})
		if err != nil {
			return rep, err
		}
	}
	// A month old: filed 30 days ago (NODE-1 long due).
	if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, id := range due {
			if _, err := tx.Exec(ctx, `UPDATE cases SET filed_on = ?, received_on = ? WHERE id = ?`, today.AddDays(-30), today.AddDays(-30), id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return rep, err
	}
	progress("已立案 %d 件到期案件", len(due))
	open := 0
	var fill time.Duration
	for _, size := range opts.Sizes {
		start := time.Now()
		if err := fillOpen(ctx, db, court, open, size-open, today, progress); err != nil {
			return rep, err
		}
		fill += time.Since(start)
		open = size
		var runs []Measure
		raised := 0
		for run := range opts.Runs {
			if err := resetDue(ctx, db, due, today); err != nil {
				return rep, err
			}
			var c supervise.Counts
			m, err := timed(len(due), func() error {
				var err error
				c, err = supervise.Scan(ctx, db, today)
				return err
			})
			if err != nil {
				return rep, err
			}
			raised = c.Raised
			runs = append(runs, m)
			progress("在办 %d 件，第 %d 轮：扫描 %s，发起 %d 项", size, run+1, m.Elapsed.Round(time.Millisecond), c.Raised)
		}
		rep.Points = append(rep.Points, ScanPoint{Open: size, Scan: Median(runs), Raised: raised, Fill: fill})
	}
	return rep, nil
}

// resetDue deletes the items of the due cases and puts their watches back
// on today.
func resetDue(ctx context.Context, db *store.DB, due []uuid.UUID, today legal.Date) error {
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		for _, id := range due {
			if _, err := tx.Exec(ctx, `DELETE FROM supervision_events WHERE item_id IN (SELECT id FROM supervision_items WHERE case_id = ?)`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM supervision_items WHERE case_id = ?`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_watches (subject_kind, subject_id, court_id, due_on) SELECT 'case', id, court_id, ?
				FROM cases WHERE id = ? ON CONFLICT (subject_kind, subject_id) DO UPDATE SET due_on = excluded.due_on`, today, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// fillChunk is the rows of one INSERT of the open population.
const fillChunk = 500

// fillOpen adds n open cases of court numbered from `from`, each watched on
// a day in the coming year, in transactions of 20 statements.
func fillOpen(ctx context.Context, db *store.DB, court uuid.UUID, from, n int, today legal.Date, progress func(string, ...any)) error {
	now := time.Now().UTC()
	for done := 0; done < n; {
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			for range 20 {
				k := min(fillChunk, n-done)
				if k == 0 {
					return nil
				}
				cases := make([]any, 0, 16*k)
				watches := make([]any, 0, 4*k)
				for j := range k {
					i := from + done + j
					id := store.NewID()
					filed := today.AddDays(-(i % 180))
					cases = append(cases, id, court, fmt.Sprintf("（%d）基准执%d号", filed.Year(), i), filed.Year(), "执", 50_000_000+i,
						"first_enforcement", "in_progress", "民事判决书", fmt.Sprintf("基准%d", i), int64(1_000_000+i%997*100), filed, filed,
						filed.AddMonths(6), now, now)
					watches = append(watches, "case", id, court, today.AddDays(1+i%365))
				}
				if _, err := tx.Exec(ctx, `INSERT INTO cases (id, court_id, case_no, year, zi, seq, case_type, status, basis_kind,
					basis_document_no, claim_amount_fen, received_on, filed_on, deadline, created_at, updated_at) VALUES `+store.Rows(k, 16),
					cases...); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO supervision_watches (subject_kind, subject_id, court_id, due_on) VALUES `+
					store.Rows(k, 4), watches...); err != nil {
					return err
				}
				done += k
			}
			return nil
		})
		if err != nil {
			return err
		}
		if (from+done)%500_000 < 10_000 {
			progress("在办案件已生成 %d 件", from+done)
		}
	}
	return nil
}
