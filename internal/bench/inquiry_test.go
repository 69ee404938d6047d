package bench_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/bench"
)

// TestInquiryBench runs the P4 harness small on SQLite, without and with
// the simulator's failures: every request through the connector is answered
// exactly once, the simulator never acts twice, and the report's figures add
// up. (SQLite only for now: on PostgreSQL concurrent callbacks deadlock on
// the inquiries' counters, see docs/BENCHMARKS.md, P4.)
func TestInquiryBench(t *testing.T) {
	t.Parallel()
	for _, faults := range []bool{false, true} {
		name := "sqlite"
		if faults {
			name += "/faults"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if faults && testing.Short() {
				t.Skip("the simulator's maintenance answers Retry-After: 30 s")
			}
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
			const cases = 30
			opts := bench.InquiryOptions{Cases: cases, Faults: faults, JournalDir: t.TempDir(), Progress: testWriter{t}}
			if faults {
				// Small batches and claims spread the burst over many
				// rounds, so that the faults fall in the middle of it.
				opts.Dispatch = assets.Config{BatchSize: 20, ClaimLimit: 60}
				opts.FaultHold = 50 * time.Millisecond
			}
			rep, err := bench.Inquiry(ctx, db, opts)
			if err != nil {
				t.Fatalf("%v\nreport %+v", err, rep)
			}
			checkInquiryReport(t, rep, cases, faults)
		})
	}
}

func checkInquiryReport(t *testing.T, rep bench.InquiryReport, cases int, faults bool) {
	t.Helper()
	// Every respondent is asked about at least the 23 kinds × agencies that
	// serve companies.
	if rep.Requests < 23*cases {
		t.Errorf("requests %d through the connector for %d cases, want ≥ %d", rep.Requests, cases, 23*cases)
	}
	if !rep.OK() || rep.Answered != rep.Requests || rep.Applied+rep.Polled != rep.Requests {
		t.Errorf("answered %d of %d (callbacks %d, polls %d), problems %v", rep.Answered, rep.Requests, rep.Applied, rep.Polled, rep.Problems)
	}
	if rep.Elapsed <= 0 || rep.Rate() <= 0 || rep.SendRate() <= 0 || rep.ApplyRate() <= 0 || len(rep.Series) == 0 {
		t.Errorf("rates: %s elapsed, %.0f msgs/s (%.0f sent, %.0f applied), %d seconds", rep.Elapsed, rep.Rate(), rep.SendRate(), rep.ApplyRate(), len(rep.Series))
	}
	sent, applied := 0, 0
	for _, s := range rep.Series {
		sent += s.Sent
		applied += s.Applied
	}
	if sent != rep.Sent || applied != rep.Applied {
		t.Errorf("series adds up to %d sent and %d applied, report %d and %d", sent, applied, rep.Sent, rep.Applied)
	}
	if rep.Msgs() != 2*rep.Requests || !faults && (rep.Sent != rep.Requests || rep.Applied != rep.Requests) {
		t.Errorf("messages %d, acknowledged %d, applied %d; requests %d", rep.Msgs(), rep.Sent, rep.Applied, rep.Requests)
	}
	if lo, med := rep.Sustained(); lo < 0 || med < lo {
		t.Errorf("sustained: lowest %d, median %d", lo, med)
	}
	if len(rep.Mem) < 2 || rep.MemStart.HeapInuse == 0 || rep.MemPeak.HeapInuse < rep.MemStart.HeapInuse ||
		rep.MemPeak.Sys < rep.MemEnd.Sys || rep.MemPeak.RSS == 0 {
		t.Errorf("memory: %d samples, start %+v, peak %+v, end %+v", len(rep.Mem), rep.MemStart, rep.MemPeak, rep.MemEnd)
	}
	if !faults {
		if len(rep.Sims) != 1 || rep.Sims[0].Accepted != int64(rep.Requests) || rep.Sims[0].Duplicates != 0 || rep.Resends != 0 {
			t.Errorf("without faults: simulators %+v, resends %d", rep.Sims, rep.Resends)
		}
		return
	}
	if len(rep.Sims) != 2 {
		t.Fatalf("simulator instances %d, want 2 (restarted)", len(rep.Sims))
	}
	var faultsPlayed int64
	for _, st := range rep.Sims {
		faultsPlayed += st.Faults
		if st.DoubleActions != 0 {
			t.Errorf("double actions %+v", st)
		}
	}
	if faultsPlayed == 0 || rep.Sims[1].Faults == 0 || rep.Resends == 0 || len(rep.FaultLog) < 6 {
		t.Errorf("faults played %d, resends %d, log %q: the faults did not hit the burst", faultsPlayed, rep.Resends, rep.FaultLog)
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}

// BenchmarkInquiry runs the P4 burst on SQLite, 500 cases a run with the
// agencies' rate limits lifted (zhixing's own rate), and reports agency
// messages a second and the peak heap; ns/op includes filing the cases.
//
//	go test -run '^$' -bench Inquiry -benchtime 3x ./internal/bench/
func BenchmarkInquiry(b *testing.B) {
	ctx := context.Background()
	var msgs int
	var elapsed time.Duration
	var peak uint64
	for b.Loop() {
		db, drop, err := bench.Scratch(ctx, b.TempDir()+"/unused.db", b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		rep, err := bench.Inquiry(ctx, db, bench.InquiryOptions{Cases: 500, Unlimited: true, JournalDir: b.TempDir()})
		if derr := drop(); derr != nil {
			b.Error(derr)
		}
		if err != nil {
			b.Fatal(err)
		}
		msgs += rep.Msgs()
		elapsed += rep.Elapsed
		peak = max(peak, rep.MemPeak.HeapInuse)
	}
	b.ReportMetric(float64(msgs)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(peak), "B-peak-heap")
}
