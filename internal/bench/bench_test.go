package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/bench"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestIntakeBench runs the P1 harness small on each engine: it files real
// cases (numbered, triaged, assigned) and measures both sides, and the
// scratch database is gone afterwards.
func TestIntakeBench(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := t.TempDir() + "/unused.db"
			if e == store.Postgres {
				dsn = storetest.PostgresURL()
			}
			db, drop, err := bench.Scratch(ctx, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := drop(); err != nil {
					t.Error(err)
				}
			}()
			rep, err := bench.Intake(ctx, db, bench.IntakeOptions{Cases: 20, Runs: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.RawRuns) != 2 || len(rep.SingleRuns) != 2 || len(rep.BulkRuns) != 2 || rep.Bulk.Rate() <= 0 || rep.Raw.Rate() <= 0 || rep.Single.Rate() <= 0 || rep.SingleRatio() <= 0 {
				t.Fatalf("report %+v", rep)
			}
			var cases, raw, seq int
			if err := db.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM cases`).Scan(&cases, &seq); err != nil {
				t.Fatal(err)
			}
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM bench_raw`).Scan(&raw); err != nil {
				t.Fatal(err)
			}
			if cases != 40 || seq != 40 || raw != 40 {
				t.Fatalf("filed %d cases (last number %d), inserted %d raw rows; want 40 each", cases, seq, raw)
			}
			var bulk int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM applications WHERE channel = 'bulk' AND status = 'received'`).Scan(&bulk); err != nil {
				t.Fatal(err)
			}
			if bulk != 40 {
				t.Fatalf("bulk registered %d applications, want 40", bulk)
			}
		})
	}
}

// TestLedgerBench runs the P5 harness small on each engine: transfers in
// both spreads by several writers, and a ledger that verifies afterwards.
func TestLedgerBench(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := t.TempDir() + "/unused.db"
			if e == store.Postgres {
				dsn = storetest.PostgresURL()
			}
			db, drop, err := bench.Scratch(ctx, dsn, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				if err := drop(); err != nil {
					t.Error(err)
				}
			}()
			rep, err := bench.Ledger(ctx, db, bench.LedgerOptions{Transfers: 60, Workers: 3, Cases: 12, Courts: 3, Runs: 2})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.UniformRuns) != 2 || len(rep.HotRuns) != 2 || rep.Raw.Rate() <= 0 || rep.UniformRatio() <= 0 || rep.HotRatio() <= 0 {
				t.Fatalf("report %+v", rep)
			}
			if !rep.VerifiedBalanced || rep.VerifiedTransfers != 2*2*60 || rep.CustodyShare < 0.79 || rep.CustodyShare > 0.81 {
				t.Fatalf("ledger after the bench: %d transfers, balanced %v, custody share %.2f, %v", rep.VerifiedTransfers,
					rep.VerifiedBalanced, rep.CustodyShare, rep.VerifyProblems)
			}
		})
	}
}

// BenchmarkLedgerTransfer is one ledger transfer per operation (P5's unit),
// SQLite, one writer: go test -run '^$' -bench LedgerTransfer ./internal/bench/
func BenchmarkLedgerTransfer(b *testing.B) {
	ctx := context.Background()
	db, drop, err := bench.Scratch(ctx, b.TempDir()+"/unused.db", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer func() { _ = drop() }()
	b.ResetTimer()
	rep, err := bench.Ledger(ctx, db, bench.LedgerOptions{Transfers: max(b.N, 5), Workers: 1, Cases: 10, Courts: 2, Runs: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(rep.UniformRatio(), "of-raw")
	b.ReportMetric(rep.HotRatio(), "hot-of-uniform")
}

// TestAPIBench runs the P6 harness small on SQLite: the real server and a
// bare handler on loopback ports, case reads and registrations that all
// succeed.
func TestAPIBench(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, drop, err := bench.Scratch(ctx, t.TempDir()+"/unused.db", t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := drop(); err != nil {
			t.Error(err)
		}
	}()
	rep, err := bench.API(ctx, db, bench.APIOptions{Duration: 400 * time.Millisecond, Workers: 2, Cases: 5, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	for name, ep := range map[string]bench.Endpoint{"bare": rep.Bare, "case read": rep.CaseRead, "registration": rep.Register} {
		// On a loaded machine the paced phase (70 % of a rate of a few per
		// second) may fit no request in its window: latency is then absent,
		// not wrong.
		if ep.Max.Ops == 0 || ep.Errors != 0 || ep.At70.Ops > 0 && ep.P99 <= 0 {
			t.Errorf("%s: %+v", name, ep)
		}
	}
	var claims int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM claims`).Scan(&claims); err != nil || claims < rep.Register.Max.Ops {
		t.Errorf("%d claims registered for %d registrations (%v)", claims, rep.Register.Max.Ops, err)
	}
}
