package assets_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// swappable serves with whichever simulator is current: the test "kills"
// one and starts another from its journal behind the same address.
type swappable struct {
	mu sync.Mutex
	h  http.Handler
}

func (s *swappable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	h.ServeHTTP(w, r)
}

func (s *swappable) set(h http.Handler) {
	s.mu.Lock()
	s.h = h
	s.mu.Unlock()
}

// clock is a fake clock the test moves forward, so retries come due without
// sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// The simulator fails after accepting, goes down, is killed and restarted
// from its journal during a burst of inquiries: every request is answered,
// once, and nothing is done twice at an agency.
func TestSimulatorFailuresAndRestart(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		journal := filepath.Join(t.TempDir(), "sim.journal")
		open := func() *agencies.Sim {
			s, err := agencies.New(agencies.Options{KeyID: testKey.ID, Secret: testKey.Secret, Seed: 11, JournalPath: journal})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		sim := open()
		front := &swappable{h: sim.Handler()}
		simS := httptest.NewServer(front)
		t.Cleanup(simS.Close)
		mux := http.NewServeMux()
		mux.Handle("POST "+assets.CallbackPath+"{code}", assets.CallbackHandler(db, testKey))
		cb := httptest.NewServer(mux)
		t.Cleanup(cb.Close)
		clk := &clock{t: time.Now().Add(time.Minute)}
		d := assets.NewDispatcher(db, assets.Config{SimBase: simS.URL, SimKeyID: testKey.ID, SimSecret: testKey.Secret, CallbackBase: cb.URL,
			RetryBase: time.Second, RetryMax: time.Minute, PollEvery: 5 * time.Minute, Now: clk.now, MaxAttempts: 50})
		staff := intaketest.NewStaff(t, db, "")
		b := &bundle{db: db, staff: staff}
		const n = 12
		for i := range n {
			b.fileCase(t, 4500+i, intaketest.Organization(4500+i), 1_000_000)
		}
		run := func() assets.Round {
			r, err := d.RunOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		// Accepted, journaled, then answered 500: the dispatcher retries the same ids.
		sim.SetFault(agencies.Fault{FailAfterAccept: 1})
		if r := run(); r.Failed == 0 || r.Sent != 0 {
			t.Fatalf("round with failing simulator = %+v, want only failures", r)
		}
		// Killed before answering anything; a new process replays the journal.
		_ = sim.Close()
		sim = open()
		t.Cleanup(func() { _ = sim.Close() })
		front.set(sim.Handler())
		// Down for a while.
		sim.SetFault(agencies.Fault{Down: true})
		clk.advance(2 * time.Minute)
		if r := run(); r.Failed == 0 {
			t.Fatalf("round with the simulator down = %+v, want failures", r)
		}
		// Back up, but every callback is lost: answers arrive by polling.
		sim.SetFault(agencies.Fault{DropCallbacks: 1})
		for range 200 {
			clk.advance(2 * time.Minute)
			run()
			sim.RunDue(ctx)
			var open int
			if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM agency_requests WHERE status <> 'answered'`).Scan(&open); err != nil {
				t.Fatal(err)
			}
			if open == 0 {
				break
			}
		}
		var total, answered, viaPoll, dead int
		if err := db.QueryRow(ctx, `SELECT COUNT(*), SUM(CASE WHEN status = 'answered' THEN 1 ELSE 0 END),
			SUM(CASE WHEN answered_by = 'poll' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'dead' THEN 1 ELSE 0 END)
			FROM agency_requests`).Scan(&total, &answered, &viaPoll, &dead); err != nil {
			t.Fatal(err)
		}
		if total == 0 || answered != total || dead != 0 {
			t.Fatalf("requests: %d, answered %d, dead %d; want every request answered", total, answered, dead)
		}
		if viaPoll != total {
			t.Errorf("answered by polling %d of %d (callbacks were all dropped)", viaPoll, total)
		}
		var unfinished int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM asset_inquiries WHERE status <> 'done' OR answered <> requests`).Scan(&unfinished); err != nil {
			t.Fatal(err)
		}
		if unfinished != 0 {
			t.Errorf("%d inquiries not finished", unfinished)
		}
		st := sim.Stats()
		if st.DoubleActions != 0 || st.Duplicates == 0 {
			t.Errorf("simulator stats %+v: want duplicates seen (retries) and no double action", st)
		}
	})
}
