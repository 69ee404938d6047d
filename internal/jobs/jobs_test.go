package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var sys = access.With(context.Background(), access.System("测试"))

// clock is a fake clock for the runners. It starts an hour ahead of the wall
// clock, so that jobs enqueued "now" (Enqueue and the administrator's
// functions use the wall clock) are due for the runners.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Now().UTC().Add(time.Hour).Truncate(time.Millisecond)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

const lockFor = 10 * time.Minute

func newRunner(t *testing.T, db *store.DB, c *clock, opts jobs.Options) *jobs.Runner {
	t.Helper()
	if c != nil {
		opts.Now = c.Now
	}
	if opts.LockFor == 0 {
		opts.LockFor = lockFor
	}
	opts.Log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
	return jobs.NewRunner(db, opts)
}

func enqueue(t *testing.T, db *store.DB, j jobs.Job) uuid.UUID {
	t.Helper()
	id, err := store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) (uuid.UUID, error) {
		return jobs.Enqueue(ctx, tx, j)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func get(t *testing.T, db *store.DB, id uuid.UUID) jobs.Info {
	t.Helper()
	j, err := jobs.Get(sys, db, id)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func runOnce(t *testing.T, r *jobs.Runner, want int) {
	t.Helper()
	n, err := r.RunOnce(sys)
	if err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Fatalf("RunOnce ran %d jobs, want %d", n, want)
	}
}

func stats(t *testing.T, db *store.DB) map[jobs.State]int {
	t.Helper()
	s, err := jobs.Stats(sys, db)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func court(t *testing.T, db *store.DB, code string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := db.QueryRow(sys, `SELECT id FROM courts WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("err = %v, want code %s", err, code)
	}
}

type notice struct {
	CaseID string `json:"case_id"`
	Amount int64  `json:"amount"`
}

func TestEnqueueCommitsWithTheChange(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		sanshui := court(t, db, "粤0607")
		var got []notice
		var mu sync.Mutex
		r := newRunner(t, db, c, jobs.Options{})
		r.Register("notice.send", func(ctx context.Context, j *jobs.Claimed) error {
			var n notice
			if err := j.Decode(&n); err != nil {
				return err
			}
			if p := access.From(ctx); p == nil || !p.IsSystem() {
				return errors.New("no system principal in the handler's context")
			}
			if reqid.From(ctx) != "job-"+j.ID.String() || j.CourtID != sanshui || j.Attempt != 1 {
				return fmt.Errorf("unexpected job %+v (request id %q)", j, reqid.From(ctx))
			}
			mu.Lock()
			got = append(got, n)
			mu.Unlock()
			return nil
		})

		// A rolled-back change leaves no job.
		boom := errors.New("boom")
		err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			if _, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "notice.send", CourtID: sanshui, Payload: notice{"x", 1}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("err = %v", err)
		}
		if s := stats(t, db); s[jobs.Pending] != 0 {
			t.Fatalf("a rolled-back enqueue left a job: %v", s)
		}
		runOnce(t, r, 0)

		// A committed one runs, with its payload.
		id := enqueue(t, db, jobs.Job{Kind: "notice.send", CourtID: sanshui, Payload: notice{"(2025)粤0607执123号", 150000}})
		if j := get(t, db, id); j.State != jobs.Pending || j.Attempts != 0 || j.MaxAttempts != jobs.DefaultMaxAttempts {
			t.Fatalf("enqueued job = %+v", j)
		}
		runOnce(t, r, 1)
		if len(got) != 1 || got[0] != (notice{"(2025)粤0607执123号", 150000}) {
			t.Fatalf("handler got %+v", got)
		}
		j := get(t, db, id)
		if j.State != jobs.Done || j.Attempts != 1 || j.FinishedAt.IsZero() || j.LockedBy != "" || j.CourtID != sanshui {
			t.Fatalf("after the run: %+v", j)
		}
		runOnce(t, r, 0)
	})
}

func TestEnqueueRefusesBadJobs(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		for name, j := range map[string]jobs.Job{
			"no kind":          {},
			"blank kind":       {Kind: " x"},
			"negative max":     {Kind: "x", MaxAttempts: -1},
			"reserved key":     {Kind: "x", DedupeKey: "schedule:x"},
			"bad payload":      {Kind: "x", Payload: func() {}},
			"no such court id": {Kind: "x", CourtID: store.NewID()},
		} {
			err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
				_, err := jobs.Enqueue(ctx, tx, j)
				return err
			})
			if err == nil {
				t.Errorf("%s: enqueued", name)
			}
		}
		if s := stats(t, db); s[jobs.Pending] != 0 {
			t.Fatalf("jobs left: %v", s)
		}
	})
}

func TestDedupeKey(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		var runs atomic.Int32
		r.Register("expiry.warn", func(context.Context, *jobs.Claimed) error { runs.Add(1); return nil })
		j := jobs.Job{Kind: "expiry.warn", DedupeKey: "expiry.warn:seizure-1:2026-05-01"}
		first := enqueue(t, db, j)
		if again := enqueue(t, db, j); again != first {
			t.Fatalf("second enqueue = %s, want the existing %s", again, first)
		}
		ids, err := store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) ([]uuid.UUID, error) {
			a, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "expiry.warn", DedupeKey: "k2"})
			if err != nil {
				return nil, err
			}
			b, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "expiry.warn", DedupeKey: "k2"})
			return []uuid.UUID{a, b}, err
		})
		if err != nil {
			t.Fatal(err)
		}
		if ids[0] != ids[1] {
			t.Fatalf("same key in one transaction: %v", ids)
		}
		if s := stats(t, db); s[jobs.Pending] != 2 {
			t.Fatalf("stats = %v, want 2 pending", s)
		}
		runOnce(t, r, 2)
		// A done job keeps its key until it is purged.
		if again := enqueue(t, db, j); again != first {
			t.Fatalf("enqueue after done = %s, want %s", again, first)
		}
		runOnce(t, r, 0)
		if runs.Load() != 2 {
			t.Fatalf("runs = %d", runs.Load())
		}
	})
}

func TestRetryWithBackoffThenFail(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{RetryBase: time.Second, RetryMax: time.Hour})
		var fail atomic.Bool
		fail.Store(true)
		r.Register("bank.query", func(_ context.Context, j *jobs.Claimed) error {
			if fail.Load() {
				return fmt.Errorf("对方系统无响应（第 %d 次）", j.Attempt)
			}
			return nil
		})
		id := enqueue(t, db, jobs.Job{Kind: "bank.query", MaxAttempts: 3})
		within := func(j jobs.Info, lo, hi time.Duration) {
			t.Helper()
			if d := j.RunAt.Sub(c.Now()); d < lo || d > hi {
				t.Fatalf("retry due in %v, want between %v and %v", d, lo, hi)
			}
		}

		runOnce(t, r, 1)
		j := get(t, db, id)
		if j.State != jobs.Pending || j.Attempts != 1 || !strings.Contains(j.LastError, "第 1 次") {
			t.Fatalf("after attempt 1: %+v", j)
		}
		within(j, 500*time.Millisecond, time.Second)
		runOnce(t, r, 0) // not due yet

		c.Advance(time.Second)
		runOnce(t, r, 1)
		j = get(t, db, id)
		if j.State != jobs.Pending || j.Attempts != 2 {
			t.Fatalf("after attempt 2: %+v", j)
		}
		within(j, time.Second, 2*time.Second)

		c.Advance(2 * time.Second)
		runOnce(t, r, 1)
		j = get(t, db, id)
		if j.State != jobs.Failed || j.Attempts != 3 || j.FinishedAt.IsZero() || !strings.Contains(j.LastError, "第 3 次") {
			t.Fatalf("after the last attempt: %+v", j)
		}
		c.Advance(time.Hour)
		runOnce(t, r, 0)

		// An administrator retries it: attempts start afresh, and the retry
		// is audited.
		if _, err := jobs.CancelJob(sys, db, id); apperr.CodeOf(err) != "invalid_transition" {
			t.Fatalf("cancelling a failed job: %v", err)
		}
		j, err := jobs.Retry(sys, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Pending || j.Attempts != 0 {
			t.Fatalf("retried: %+v", j)
		}
		fail.Store(false)
		runOnce(t, r, 1)
		if j := get(t, db, id); j.State != jobs.Done || j.Attempts != 1 {
			t.Fatalf("after the retry: %+v", j)
		}
		_, err = jobs.Retry(sys, db, id)
		wantCode(t, err, "invalid_transition")
		recs, err := audit.List(sys, db, audit.Filter{Action: "job.retried", ObjectID: id.String()}, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs.Items) != 1 || recs.Items[0].CourtID != audit.Platform {
			t.Fatalf("audit records: %+v", recs.Items)
		}
	})
}

func TestBackoffIsCapped(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{RetryBase: time.Second, RetryMax: 4 * time.Second})
		r.Register("flaky", func(context.Context, *jobs.Claimed) error { return errors.New("no") })
		id := enqueue(t, db, jobs.Job{Kind: "flaky", MaxAttempts: 100})
		for i := range 8 {
			runOnce(t, r, 1)
			j := get(t, db, id)
			if d := j.RunAt.Sub(c.Now()); d > 4*time.Second || i >= 3 && d < 2*time.Second {
				t.Fatalf("after attempt %d the retry is due in %v", i+1, d)
			}
			c.Advance(4 * time.Second)
		}
	})
}

func TestSnooze(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		var attempts []int
		r.Register("wait.reply", func(_ context.Context, j *jobs.Claimed) error {
			attempts = append(attempts, j.Attempt)
			if len(attempts) == 1 {
				return fmt.Errorf("not yet: %w", jobs.Snooze(time.Minute))
			}
			return nil
		})
		id := enqueue(t, db, jobs.Job{Kind: "wait.reply", MaxAttempts: 1})
		runOnce(t, r, 1)
		j := get(t, db, id)
		if j.State != jobs.Pending || j.Attempts != 0 || !j.RunAt.Equal(c.Now().Add(time.Minute)) {
			t.Fatalf("snoozed: %+v (now %v)", j, c.Now())
		}
		runOnce(t, r, 0)
		c.Advance(time.Minute)
		runOnce(t, r, 1)
		if j := get(t, db, id); j.State != jobs.Done || j.Attempts != 1 {
			t.Fatalf("after the snooze: %+v", j)
		}
		if fmt.Sprint(attempts) != "[1 1]" {
			t.Fatalf("attempts seen by the handler: %v", attempts)
		}
	})
}

func TestHandlerCancels(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		r.Register("case.requery", func(context.Context, *jobs.Claimed) error {
			return jobs.Cancel(errors.New("案件已结案"))
		})
		id := enqueue(t, db, jobs.Job{Kind: "case.requery"})
		runOnce(t, r, 1)
		j := get(t, db, id)
		if j.State != jobs.Cancelled || j.Attempts != 1 || !strings.Contains(j.LastError, "案件已结案") || j.FinishedAt.IsZero() {
			t.Fatalf("cancelled: %+v", j)
		}
		c.Advance(24 * time.Hour)
		runOnce(t, r, 0)
	})
}

func TestPanicIsRecovered(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		var calls atomic.Int32
		r.Register("fragile", func(context.Context, *jobs.Claimed) error {
			if calls.Add(1) == 1 {
				panic("索引越界")
			}
			return nil
		})
		id := enqueue(t, db, jobs.Job{Kind: "fragile"})
		runOnce(t, r, 1)
		j := get(t, db, id)
		if j.State != jobs.Pending || j.Attempts != 1 || !strings.Contains(j.LastError, "panic") {
			t.Fatalf("after the panic: %+v", j)
		}
		c.Advance(time.Second)
		runOnce(t, r, 1)
		if j := get(t, db, id); j.State != jobs.Done || j.Attempts != 2 {
			t.Fatalf("after the second run: %+v", j)
		}
	})
}

func TestUnregisteredKindsWait(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := newRunner(t, db, newClock(), jobs.Options{})
		r.Register("known", func(context.Context, *jobs.Claimed) error { return nil })
		id := enqueue(t, db, jobs.Job{Kind: "from.a.newer.version"})
		runOnce(t, r, 0)
		if j := get(t, db, id); j.State != jobs.Pending || j.Attempts != 0 {
			t.Fatalf("a job of an unknown kind was touched: %+v", j)
		}
	})
}

func TestPriority(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := newRunner(t, db, newClock(), jobs.Options{Workers: 1})
		var order []int
		r.Register("p", func(_ context.Context, j *jobs.Claimed) error {
			var n int
			if err := j.Decode(&n); err != nil {
				return err
			}
			order = append(order, n)
			return nil
		})
		for _, p := range []int{0, 5, -1, 5, 9} {
			enqueue(t, db, jobs.Job{Kind: "p", Priority: p, Payload: p})
		}
		runOnce(t, r, 5)
		if fmt.Sprint(order) != "[9 5 5 0 -1]" {
			t.Fatalf("order = %v", order)
		}
	})
}

// A runner that stops reporting (crashed, or stuck) loses its job once the
// lock expires; the job runs again elsewhere, and the late outcome of the
// first runner is dropped.
func TestExpiredLockIsReclaimed(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		started := make(chan struct{}, 1)
		var release atomic.Pointer[chan struct{}]
		a := newRunner(t, db, c, jobs.Options{ID: "runner-a"})
		a.Register("slow", func(context.Context, *jobs.Claimed) error {
			started <- struct{}{}
			<-*release.Load()
			return errors.New("too late")
		})
		b := newRunner(t, db, c, jobs.Options{ID: "runner-b"})
		var ranB atomic.Int32
		b.Register("slow", func(_ context.Context, j *jobs.Claimed) error {
			ranB.Add(1)
			if j.Attempt != 2 {
				return fmt.Errorf("attempt = %d, want 2", j.Attempt)
			}
			return nil
		})
		// stuck starts runner a on its own and returns once a's handler holds
		// the job; calling the returned function lets the handler return and
		// waits for a to finish. It also runs when the test fails.
		stuck := func(t *testing.T) (unstick func()) {
			rel := make(chan struct{})
			release.Store(&rel)
			aDone := make(chan error, 1)
			go func() {
				_, err := a.RunOnce(sys)
				aDone <- err
			}()
			var once sync.Once
			unstick = func() {
				once.Do(func() {
					close(rel)
					if err := <-aDone; err != nil {
						t.Error(err)
					}
				})
			}
			t.Cleanup(unstick)
			select {
			case <-started:
			case err := <-aDone:
				t.Fatalf("runner a returned without running the job: %v", err)
			}
			return unstick
		}

		t.Run("retried elsewhere", func(t *testing.T) {
			id := enqueue(t, db, jobs.Job{Kind: "slow"})
			unstick := stuck(t)
			if j := get(t, db, id); j.State != jobs.Running || j.LockedBy != "runner-a" ||
				!j.LockedUntil.Equal(c.Now().Add(lockFor)) {
				t.Fatalf("claimed: %+v (now %v)", j, c.Now())
			}
			runOnce(t, b, 0) // still locked
			c.Advance(lockFor + time.Second)
			runOnce(t, b, 1)
			if j := get(t, db, id); j.State != jobs.Done || j.Attempts != 2 || j.LockedBy != "" {
				t.Fatalf("after the reclaim: %+v", j)
			}
			unstick()
			if j := get(t, db, id); j.State != jobs.Done || j.Attempts != 2 || ranB.Load() != 1 {
				t.Fatalf("the stale runner's outcome was recorded: %+v", j)
			}
		})

		t.Run("last attempt fails", func(t *testing.T) {
			id := enqueue(t, db, jobs.Job{Kind: "slow", MaxAttempts: 1})
			unstick := stuck(t)
			c.Advance(lockFor + time.Second)
			runOnce(t, b, 0)
			j := get(t, db, id)
			if j.State != jobs.Failed || j.Attempts != 1 || j.LastError == "" || j.FinishedAt.IsZero() {
				t.Fatalf("after the reclaim: %+v", j)
			}
			unstick()
			if j := get(t, db, id); j.State != jobs.Failed || j.LastError == "too late" {
				t.Fatalf("the stale runner's outcome was recorded: %+v", j)
			}
		})
	})
}

// While a handler runs, its runner keeps extending the job's lock, so that a
// long job is not taken for a crashed one.
func TestLockIsExtendedWhileRunning(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		const short = 30 * time.Millisecond // the heartbeat beats every 10ms of real time
		started, release := make(chan struct{}), make(chan struct{})
		a := newRunner(t, db, c, jobs.Options{ID: "runner-a", LockFor: short})
		a.Register("long", func(context.Context, *jobs.Claimed) error {
			close(started)
			<-release
			return nil
		})
		b := newRunner(t, db, c, jobs.Options{ID: "runner-b", LockFor: short})
		b.Register("long", func(context.Context, *jobs.Claimed) error { return errors.New("ran twice") })
		id := enqueue(t, db, jobs.Job{Kind: "long"})
		aDone := make(chan error, 1)
		go func() {
			_, err := a.RunOnce(sys)
			aDone <- err
		}()
		defer func() {
			close(release)
			if err := <-aDone; err != nil {
				t.Error(err)
			}
		}()
		<-started
		c.Advance(time.Hour) // far past the first lock
		want := c.Now().Add(short)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(30 * time.Second)
		for !get(t, db, id).LockedUntil.Equal(want) {
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("the lock was not extended: %+v", get(t, db, id))
			}
		}
		runOnce(t, b, 0)
	})
}

// Two runners with four workers each (two processes on one database) share
// 500 jobs: every job runs exactly once.
func TestConcurrentRunnersRunEachJobOnce(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		const n = 500
		var (
			counts sync.Map // job id → *atomic.Int32
			total  atomic.Int32
			all    = make(chan struct{})
			by     [2]atomic.Int32
		)
		ctx, cancel := context.WithCancel(sys)
		defer cancel()
		stopped := make(chan error, 2)
		for i := range 2 {
			r := newRunner(t, db, nil, jobs.Options{Workers: 4, PollInterval: 50 * time.Millisecond, ID: fmt.Sprint("runner-", i)})
			r.Register("bulk", func(_ context.Context, j *jobs.Claimed) error {
				v, _ := counts.LoadOrStore(j.ID, new(atomic.Int32))
				v.(*atomic.Int32).Add(1)
				by[i].Add(1)
				if total.Add(1) == n {
					close(all)
				}
				return nil
			})
			go func() { stopped <- r.Run(ctx) }()
		}
		var ids []uuid.UUID
		for range n / 50 {
			batch, err := store.TransactValue(sys, db, func(ctx context.Context, tx *store.Tx) ([]uuid.UUID, error) {
				var out []uuid.UUID
				for range 50 {
					id, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "bulk"})
					if err != nil {
						return nil, err
					}
					out = append(out, id)
				}
				return out, nil
			})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, batch...)
		}
		select {
		case <-all:
		case <-time.After(time.Minute):
			t.Fatalf("only %d of %d jobs ran", total.Load(), n)
		}
		cancel()
		for range 2 {
			if err := <-stopped; err != nil {
				t.Fatal(err)
			}
		}
		for _, id := range ids {
			v, ok := counts.Load(id)
			if !ok || v.(*atomic.Int32).Load() != 1 {
				t.Fatalf("job %s ran %v times", id, v)
			}
		}
		if total.Load() != n {
			t.Fatalf("%d runs for %d jobs", total.Load(), n)
		}
		if s := stats(t, db); s[jobs.Done] != n {
			t.Fatalf("stats = %v", s)
		}
		t.Logf("runner-0 ran %d, runner-1 ran %d", by[0].Load(), by[1].Load())
	})
}

func TestRunStopsCleanly(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := newRunner(t, db, nil, jobs.Options{PollInterval: time.Hour}) // woken by the enqueue, not by polling
		started := make(chan struct{})
		r.Register("long", func(ctx context.Context, _ *jobs.Claimed) error {
			close(started)
			<-ctx.Done()
			return ctx.Err()
		})
		ctx, cancel := context.WithCancel(sys)
		stopped := make(chan error, 1)
		go func() { stopped <- r.Run(ctx) }()
		id := enqueue(t, db, jobs.Job{Kind: "long"})
		<-started
		if _, err := r.RunOnce(sys); err == nil {
			t.Fatal("RunOnce while Run is under way succeeded")
		}
		cancel()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
		// The interrupted job is back in the queue, its attempt not counted.
		if j := get(t, db, id); j.State != jobs.Pending || j.Attempts != 0 || j.LockedBy != "" {
			t.Fatalf("after the stop: %+v", j)
		}
	})
}

func TestNotifyWakesTheRunner(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := newRunner(t, db, nil, jobs.Options{PollInterval: time.Hour})
		ran := make(chan struct{}, 2)
		r.Register("ping", func(context.Context, *jobs.Claimed) error { ran <- struct{}{}; return nil })
		ctx, cancel := context.WithCancel(sys)
		stopped := make(chan error, 1)
		go func() { stopped <- r.Run(ctx) }()
		// Written behind the store's back: no commit hook wakes the runner.
		now := time.Now()
		err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO jobs (id, kind, payload, state, max_attempts, run_at, created_at, updated_at)
				VALUES (?, 'ping', 'null', 'pending', 1, ?, ?, ?)`, store.NewID(), now, now, now)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		r.Notify()
		<-ran
		cancel()
		if err := <-stopped; err != nil {
			t.Fatal(err)
		}
	})
}

func TestEvery(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		type scan struct{ Scope string }
		newScanner := func() (*jobs.Runner, *atomic.Int32) {
			var runs atomic.Int32
			r := newRunner(t, db, c, jobs.Options{})
			r.Register("deadline.scan", func(_ context.Context, j *jobs.Claimed) error {
				var s scan
				if err := j.Decode(&s); err != nil || s.Scope != "all" {
					return fmt.Errorf("payload %s: %v", j.Payload, err)
				}
				runs.Add(1)
				return nil
			})
			r.Every("deadline.scan", 24*time.Hour, scan{"all"})
			return r, &runs
		}
		r, runs := newScanner()
		pending := func() jobs.Info {
			t.Helper()
			pg, err := jobs.List(sys, db, jobs.Filter{Kind: "deadline.scan", State: jobs.Pending}, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Items) != 1 {
				t.Fatalf("pending occurrences: %+v", pg.Items)
			}
			return pg.Items[0]
		}

		runOnce(t, r, 1) // the first occurrence is due at once
		if next := pending(); !next.RunAt.Equal(c.Now().Add(24*time.Hour)) || next.DedupeKey != "schedule:deadline.scan" {
			t.Fatalf("next occurrence: %+v", next)
		}
		runOnce(t, r, 0)
		c.Advance(24 * time.Hour)
		runOnce(t, r, 1)
		if runs.Load() != 2 {
			t.Fatalf("runs = %d", runs.Load())
		}

		// A second process declaring the same schedule does not double it.
		r2, runs2 := newScanner()
		runOnce(t, r2, 0)
		if runs2.Load() != 0 {
			t.Fatalf("the second process ran the schedule early")
		}
		pending()
		if s := stats(t, db); s[jobs.Pending] != 1 || s[jobs.Done] != 2 {
			t.Fatalf("stats = %v", s)
		}
	})
}

// An administrator cancels an occurrence of a schedule: the next one is due
// an interval after the cancellation.
func TestEveryAfterCancel(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		var runs atomic.Int32
		r.Register("expiry.scan", func(context.Context, *jobs.Claimed) error {
			if runs.Add(1) == 1 {
				return jobs.Snooze(time.Hour) // so that it can be cancelled while pending
			}
			return nil
		})
		r.Every("expiry.scan", 24*time.Hour, nil)
		occurrences := func(s jobs.State) []jobs.Info {
			t.Helper()
			pg, err := jobs.List(sys, db, jobs.Filter{Kind: "expiry.scan", State: s}, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			return pg.Items
		}
		runOnce(t, r, 1)
		first := occurrences(jobs.Pending)
		if len(first) != 1 {
			t.Fatalf("pending: %+v", first)
		}
		before := time.Now()
		if _, err := jobs.CancelJob(sys, db, first[0].ID); err != nil {
			t.Fatal(err)
		}
		after := time.Now()
		runOnce(t, r, 0)
		next := occurrences(jobs.Pending)
		if len(next) != 1 || next[0].ID == first[0].ID || next[0].DedupeKey != "schedule:expiry.scan" ||
			next[0].RunAt.Before(before.Add(24*time.Hour).Truncate(time.Microsecond)) || next[0].RunAt.After(after.Add(24*time.Hour)) {
			t.Fatalf("after the cancellation: %+v", next)
		}
		if cancelled := occurrences(jobs.Cancelled); len(cancelled) != 1 || cancelled[0].DedupeKey != "" {
			t.Fatalf("cancelled: %+v", cancelled)
		}
		c.Advance(24 * time.Hour)
		runOnce(t, r, 1)
		if runs.Load() != 2 {
			t.Fatalf("runs = %d", runs.Load())
		}
	})
}

func TestCancelJob(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		r := newRunner(t, db, newClock(), jobs.Options{})
		r.Register("x", func(context.Context, *jobs.Claimed) error { return errors.New("should not run") })
		sanshui := court(t, db, "粤0607")
		id := enqueue(t, db, jobs.Job{Kind: "x", CourtID: sanshui})
		j, err := jobs.CancelJob(sys, db, id)
		if err != nil {
			t.Fatal(err)
		}
		if j.State != jobs.Cancelled || j.FinishedAt.IsZero() {
			t.Fatalf("cancelled: %+v", j)
		}
		if got := get(t, db, id); got.State != jobs.Cancelled {
			t.Fatalf("stored: %+v", got)
		}
		runOnce(t, r, 0)
		_, err = jobs.CancelJob(sys, db, id)
		wantCode(t, err, "invalid_transition")
		_, err = jobs.CancelJob(sys, db, store.NewID())
		wantCode(t, err, "not_found")
		recs, err := audit.List(sys, db, audit.Filter{CourtID: sanshui, Action: "job.cancelled"}, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs.Items) != 1 || recs.Items[0].ObjectID != id.String() {
			t.Fatalf("audit records: %+v", recs.Items)
		}
	})
}

func TestListAndScope(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui, nanhai := court(t, db, "粤0607"), court(t, db, "粤0605")
		var courtJobs, platformJobs []uuid.UUID
		for i := range 4 {
			courtJobs = append(courtJobs, enqueue(t, db, jobs.Job{Kind: "a", CourtID: sanshui, Payload: i}))
		}
		for i := range 3 {
			platformJobs = append(platformJobs, enqueue(t, db, jobs.Job{Kind: "b", Payload: i}))
		}
		other := enqueue(t, db, jobs.Job{Kind: "a", CourtID: nanhai})

		// Paging, newest first, 3 at a time.
		var seen []uuid.UUID
		req := page.Request{Limit: 3}
		for pages := 0; ; pages++ {
			pg, err := jobs.List(sys, db, jobs.Filter{}, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, j := range pg.Items {
				seen = append(seen, j.ID)
			}
			if pg.NextCursor == "" {
				if pages != 2 {
					t.Fatalf("%d pages", pages+1)
				}
				break
			}
			req.Cursor = pg.NextCursor
		}
		want := append(append(append([]uuid.UUID{}, courtJobs...), platformJobs...), other)
		if len(seen) != len(want) {
			t.Fatalf("listed %d jobs, want %d", len(seen), len(want))
		}
		for i := range want {
			if seen[i] != want[len(want)-1-i] {
				t.Fatalf("listed %v, want newest first %v", seen, want)
			}
		}

		count := func(ctx context.Context, f jobs.Filter) int {
			t.Helper()
			pg, err := jobs.List(ctx, db, f, page.Request{Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			return len(pg.Items)
		}
		if n := count(sys, jobs.Filter{Kind: "a"}); n != 5 {
			t.Fatalf("kind a: %d", n)
		}
		if n := count(sys, jobs.Filter{Kind: "a", CourtID: sanshui, State: jobs.Pending}); n != 4 {
			t.Fatalf("kind a of 三水, pending: %d", n)
		}
		if n := count(sys, jobs.Filter{State: jobs.Done}); n != 0 {
			t.Fatalf("done: %d", n)
		}
		_, err := jobs.List(sys, db, jobs.Filter{State: "sleeping"}, page.Request{})
		wantCode(t, err, "invalid_state")
		_, err = jobs.List(sys, db, jobs.Filter{}, page.Request{Cursor: "not-a-cursor"})
		wantCode(t, err, "invalid_cursor")

		// A court administrator of 三水 sees 三水's jobs only: not the
		// platform's, not 南海's.
		admin := access.With(context.Background(), access.NewPrincipal(access.Principal{
			UserID: store.NewID(), Username: "court.admin", DisplayName: "黄志强", Role: access.RoleCourtAdmin,
			CourtID: sanshui, Scope: access.ScopeCourt,
		}, []access.Permission{access.AuditRead, access.CourtsManage}, []uuid.UUID{sanshui}))
		if n := count(admin, jobs.Filter{}); n != 4 {
			t.Fatalf("the court administrator sees %d jobs", n)
		}
		if n := count(admin, jobs.Filter{CourtID: nanhai}); n != 0 {
			t.Fatalf("the court administrator sees %d jobs of 南海", n)
		}
		if s, err := jobs.Stats(admin, db); err != nil || s[jobs.Pending] != 4 {
			t.Fatalf("stats = %v, %v", s, err)
		}
		for _, id := range []uuid.UUID{platformJobs[0], other} {
			_, err = jobs.Get(admin, db, id)
			wantCode(t, err, "not_found")
			_, err = jobs.CancelJob(admin, db, id)
			wantCode(t, err, "not_found")
		}
		if _, err := jobs.CancelJob(admin, db, courtJobs[0]); err != nil {
			t.Fatal(err)
		}

		// Without the permissions: forbidden; without a principal: unauthenticated.
		clerk := access.With(context.Background(), access.NewPrincipal(access.Principal{
			UserID: store.NewID(), Username: "clerk", Role: access.RoleClerk, CourtID: sanshui, Scope: access.ScopeCourt,
		}, nil, []uuid.UUID{sanshui}))
		_, err = jobs.List(clerk, db, jobs.Filter{}, page.Request{})
		wantCode(t, err, "forbidden")
		_, err = jobs.Retry(clerk, db, courtJobs[1])
		wantCode(t, err, "forbidden")
		_, err = jobs.Stats(context.Background(), db)
		wantCode(t, err, "unauthenticated")
	})
}

func TestPurge(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		c := newClock()
		r := newRunner(t, db, c, jobs.Options{})
		r.Register("ok", func(context.Context, *jobs.Claimed) error { return nil })
		r.Register("stop", func(context.Context, *jobs.Claimed) error { return jobs.Cancel(nil) })
		r.Register("fail", func(context.Context, *jobs.Claimed) error { return errors.New("no") })
		done := enqueue(t, db, jobs.Job{Kind: "ok", DedupeKey: "once"})
		enqueue(t, db, jobs.Job{Kind: "stop"})
		failed := enqueue(t, db, jobs.Job{Kind: "fail", MaxAttempts: 1})
		later := enqueue(t, db, jobs.Job{Kind: "ok", RunAt: c.Now().Add(time.Hour)})
		runOnce(t, r, 3)

		n, err := jobs.Purge(sys, db, c.Now()) // finished at c.Now(): not before it
		if err != nil || n != 0 {
			t.Fatalf("purged %d, %v", n, err)
		}
		n, err = jobs.Purge(sys, db, c.Now().Add(time.Second))
		if err != nil || n != 2 {
			t.Fatalf("purged %d, %v; want the done and the cancelled job", n, err)
		}
		for _, id := range []uuid.UUID{failed, later} {
			get(t, db, id)
		}
		_, err = jobs.Get(sys, db, done)
		wantCode(t, err, "not_found")
		if again := enqueue(t, db, jobs.Job{Kind: "ok", DedupeKey: "once"}); again == done {
			t.Fatal("a purged job's dedupe key still held")
		}
	})
}

func BenchmarkEnqueue(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		db := storetest.New(b, e)
		b.Run(string(e), func(b *testing.B) {
			for b.Loop() {
				err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
					_, err := jobs.Enqueue(ctx, tx, jobs.Job{Kind: "bench", Payload: notice{"(2025)粤0607执123号", 150000}})
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
