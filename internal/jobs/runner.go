package jobs

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"os"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Handler does the work of one kind of job. A nil error marks the job done.
// Any other error is recorded and the job retried with backoff until its
// attempts are used up, except Snooze and Cancel errors (see there). A panic
// counts as an error. ctx is cancelled when the runner stops; a handler that
// then returns an error has its job released (pending again, the attempt not
// counted) for the next runner.
//
// ctx carries the system principal ("后台任务") and the request id
// "job-<id>", so audit records written by the handler name the job.
type Handler func(ctx context.Context, j *Claimed) error

// Claimed is a job handed to its handler.
type Claimed struct {
	ID          uuid.UUID
	Kind        string
	CourtID     uuid.UUID // uuid.Nil for platform work
	Attempt     int       // 1 on the first run; snoozes do not count
	MaxAttempts int
	Payload     json.RawMessage

	dedupeKey string
}

// Decode unmarshals the payload into v.
func (c *Claimed) Decode(v any) error {
	if err := json.Unmarshal(c.Payload, v); err != nil {
		return fmt.Errorf("jobs: payload of %s %s: %w", c.Kind, c.ID, err)
	}
	return nil
}

// Options tune a Runner. The zero value is the production default.
type Options struct {
	// Workers is how many handlers run at once (default 4).
	Workers int
	// PollInterval is how often the runner looks for due jobs without being
	// woken up: jobs enqueued by other processes, retries and snoozes coming
	// due, expired locks (default 1s). Jobs enqueued in this process wake it
	// up at once.
	PollInterval time.Duration
	// LockFor is how long a claimed job stays locked to its runner. The runner
	// extends the lock while the handler runs (every LockFor/3); a job whose
	// lock expired (its runner crashed) is claimable again (default 5m).
	LockFor time.Duration
	// RetryBase and RetryMax shape the backoff after a failed attempt n:
	// min(RetryBase·2^(n-1), RetryMax), of which a random half is waited on
	// top of the other half ("equal jitter"). Defaults 1s and 1h.
	RetryBase time.Duration
	RetryMax  time.Duration
	// Now is the clock (default time.Now); tests inject a fake one.
	Now func() time.Time
	// Log receives failures and lifecycle events (default slog.Default()).
	Log *slog.Logger
	// ID names this runner in locked_by (default host:pid:random).
	ID string
}

// Runner claims and runs due jobs of the kinds registered with it.
type Runner struct {
	db   *store.DB
	opts Options
	log  *slog.Logger

	handlers  map[string]Handler
	schedules map[string]schedule
	kinds     []string // registered, sorted; fixed once the runner started
	claimSQL  string
	dueSQL    string

	wake    chan struct{}
	started atomic.Bool // Register and Every are refused from then on
	busy    atomic.Bool // Run or RunOnce is under way

	mu       sync.Mutex
	inflight map[uuid.UUID]bool // jobs whose handler is running, for the heartbeat
}

type schedule struct {
	interval time.Duration
	payload  json.RawMessage
}

// NewRunner returns a runner on db. Register handlers (and Every schedules)
// before calling Run or RunOnce.
func NewRunner(db *store.DB, opts Options) *Runner {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.LockFor <= 0 {
		opts.LockFor = 5 * time.Minute
	}
	if opts.RetryBase <= 0 {
		opts.RetryBase = time.Second
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = time.Hour
	}
	if opts.RetryMax < opts.RetryBase {
		opts.RetryMax = opts.RetryBase
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	if opts.ID == "" {
		host, _ := os.Hostname()
		var b [3]byte
		_, _ = rand.Read(b[:])
		opts.ID = fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b[:]))
	}
	return &Runner{
		db: db, opts: opts, log: opts.Log.With("runner", opts.ID),
		handlers: map[string]Handler{}, schedules: map[string]schedule{},
		wake: make(chan struct{}, 1), inflight: map[uuid.UUID]bool{},
	}
}

// ID returns the runner's id, as recorded in locked_by.
func (r *Runner) ID() string { return r.opts.ID }

// Register makes the runner run jobs of kind with h. A runner claims only
// kinds it has a handler for: jobs of other kinds wait for a runner that has
// one (during a rolling upgrade, the newer processes). It panics when kind is
// registered twice or the runner has started: both are programming errors.
func (r *Runner) Register(kind string, h Handler) {
	if err := validKind(kind); err != nil {
		panic(err)
	}
	if h == nil {
		panic("jobs: nil handler for " + kind)
	}
	if r.started.Load() {
		panic("jobs: Register(" + kind + ") after the runner started")
	}
	if _, dup := r.handlers[kind]; dup {
		panic("jobs: kind " + kind + " registered twice")
	}
	r.handlers[kind] = h
}

// Every runs kind periodically: the runner makes sure one occurrence of the
// schedule (a job of kind with payload, dedupe key "schedule:"+kind) is
// pending or running. The first is due at once; each next one interval after
// the previous ended, however it ended (done, failed, cancelled by an
// administrator). Every runner that declares the schedule maintains it and
// the dedupe key keeps it single, so several processes do not multiply it.
// Register kind's handler first; kind should be used for nothing else.
func (r *Runner) Every(kind string, interval time.Duration, payload any) {
	if _, ok := r.handlers[kind]; !ok {
		panic("jobs: Every(" + kind + ") before Register(" + kind + ")")
	}
	if interval <= 0 {
		panic("jobs: Every(" + kind + ") with a non-positive interval")
	}
	if r.started.Load() {
		panic("jobs: Every(" + kind + ") after the runner started")
	}
	b, err := json.Marshal(payload)
	if err != nil {
		panic(fmt.Sprintf("jobs: Every(%s): payload: %v", kind, err))
	}
	r.schedules[kind] = schedule{interval: interval, payload: b}
}

// Notify wakes the runner up to look for due jobs now. Enqueue does it for
// every runner of the process when its transaction commits.
func (r *Runner) Notify() { poke(r.wake) }

// begin freezes the registrations and refuses concurrent Run/RunOnce calls.
func (r *Runner) begin() error {
	if !r.busy.CompareAndSwap(false, true) {
		return errors.New("jobs: the runner is already running")
	}
	if !r.started.Swap(true) {
		r.kinds = make([]string, 0, len(r.handlers))
		for k := range r.handlers {
			r.kinds = append(r.kinds, k)
		}
		slices.Sort(r.kinds)
		r.claimSQL = claimSQL(r.db.Engine(), len(r.kinds))
		r.dueSQL = `SELECT 1 FROM jobs WHERE state = 'pending' AND run_at <= ? AND kind IN (` + store.Placeholders(len(r.kinds)) + `) LIMIT 1`
	}
	return nil
}

func (r *Runner) now() time.Time { return r.opts.Now().UTC() }

// Run claims and runs due jobs until ctx is done, then waits for the handlers
// under way (their ctx is cancelled) and returns nil. Jobs whose handler was
// interrupted go back to pending without counting the attempt. Database
// failures are logged and retried at the next poll: Run does not give up.
func (r *Runner) Run(ctx context.Context) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.busy.Store(false)
	subscribe(r.wake)
	defer unsubscribe(r.wake)

	// The heartbeat keeps extending the locks while the handlers finish after
	// ctx is done.
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	var hb sync.WaitGroup
	hb.Go(func() { r.heartbeat(hbCtx) })
	defer func() { stopHeartbeat(); hb.Wait() }()

	r.log.Info("job runner started", "workers", r.opts.Workers, "kinds", r.kinds)
	r.maintain(ctx, true)
	poll := time.NewTicker(r.opts.PollInterval)
	defer poll.Stop()
	schedules := time.NewTicker(time.Minute)
	defer schedules.Stop()

	var handlers sync.WaitGroup
	finished := make(chan struct{}, r.opts.Workers) // never blocks: one per handler at most
	free := r.opts.Workers
	more := true // there may be due jobs
	for {
		if more && free > 0 {
			claimed, err := r.claim(ctx, free, r.now())
			switch {
			case err != nil:
				if ctx.Err() == nil {
					r.log.Warn("claiming jobs failed; retrying at the next poll", "err", err)
				}
				more = false
			default:
				more = len(claimed) == free
				for _, c := range claimed {
					free--
					handlers.Go(func() {
						r.execute(ctx, c)
						finished <- struct{}{}
					})
				}
			}
		}
		select {
		case <-ctx.Done():
			handlers.Wait()
			r.log.Info("job runner stopped")
			return nil
		case <-finished:
			free++
		case <-r.wake:
			more = true
		case <-poll.C:
			r.maintain(ctx, false)
			more = true
		case <-schedules.C:
			r.maintain(ctx, true)
			more = true
		}
	}
}

// RunOnce claims and runs, Workers at a time, every job due when it is
// called, and returns how many ran. Jobs that a run puts back (retries,
// snoozes) are due later and wait for the next call. It is meant for tests
// and the command line; a server uses Run.
func (r *Runner) RunOnce(ctx context.Context) (int, error) {
	if err := r.begin(); err != nil {
		return 0, err
	}
	defer r.busy.Store(false)
	hbCtx, stopHeartbeat := context.WithCancel(context.WithoutCancel(ctx))
	var hb sync.WaitGroup
	hb.Go(func() { r.heartbeat(hbCtx) })
	defer func() { stopHeartbeat(); hb.Wait() }()

	start := r.now()
	if err := r.reclaim(ctx, start); err != nil {
		return 0, err
	}
	if err := r.ensureSchedules(ctx, start); err != nil {
		return 0, err
	}
	n := 0
	for {
		claimed, err := r.claim(ctx, r.opts.Workers, start)
		if err != nil || len(claimed) == 0 {
			return n, err
		}
		var wg sync.WaitGroup
		for _, c := range claimed {
			wg.Go(func() { r.execute(ctx, c) })
		}
		wg.Wait()
		n += len(claimed)
	}
}

// maintain reclaims expired locks and, with schedules, makes sure every
// schedule has its occurrence. Failures are logged: the next round retries.
func (r *Runner) maintain(ctx context.Context, schedules bool) {
	now := r.now()
	if err := r.reclaim(ctx, now); err != nil && ctx.Err() == nil {
		r.log.Warn("reclaiming expired job locks failed", "err", err)
	}
	if !schedules {
		return
	}
	if err := r.ensureSchedules(ctx, now); err != nil && ctx.Err() == nil {
		r.log.Warn("scheduling periodic jobs failed", "err", err)
	}
}

// claimSQL marks up to a number of due jobs of the given kinds running and
// returns them. On PostgreSQL, where several processes claim at once, the
// candidates are locked with SKIP LOCKED so that each process takes other
// rows; SQLite's single writer needs no lock. MATERIALIZED makes PostgreSQL
// evaluate the limited, locking subquery exactly once.
func claimSQL(e store.Engine, kinds int) string {
	lock := ""
	if e == store.Postgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	return `WITH due AS MATERIALIZED (
		SELECT id FROM jobs WHERE state = 'pending' AND run_at <= ? AND kind IN (` + store.Placeholders(kinds) + `)
		ORDER BY priority DESC, run_at, id LIMIT ?` + lock + `)
	UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ?, locked_until = ?, updated_at = ?
	WHERE id IN (SELECT id FROM due)
	RETURNING id, court_id, kind, payload, attempts, max_attempts, dedupe_key`
}

func (r *Runner) claim(ctx context.Context, limit int, dueBy time.Time) ([]*Claimed, error) {
	if len(r.kinds) == 0 || limit <= 0 {
		return nil, nil
	}
	now := r.now()
	args := make([]any, 0, len(r.kinds)+5)
	args = append(args, dueBy)
	for _, k := range r.kinds {
		args = append(args, k)
	}
	// A read first keeps an idle queue free of write transactions (on SQLite
	// each would take the database's one writer).
	var one int
	err := r.db.QueryRow(ctx, r.dueSQL, args...).Scan(&one)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	args = append(args, limit, r.opts.ID, now.Add(r.opts.LockFor), now)
	return store.TransactValue(ctx, r.db, func(ctx context.Context, tx *store.Tx) ([]*Claimed, error) {
		rows, err := tx.Query(ctx, r.claimSQL, args...)
		if err != nil {
			return nil, fmt.Errorf("jobs: claim: %w", err)
		}
		defer rows.Close()
		var out []*Claimed
		for rows.Next() {
			var (
				c       Claimed
				court   uuid.NullUUID
				payload string
				key     sql.NullString
			)
			if err := rows.Scan(&c.ID, &court, &c.Kind, &payload, &c.Attempt, &c.MaxAttempts, &key); err != nil {
				return nil, fmt.Errorf("jobs: claim: %w", err)
			}
			c.CourtID, c.Payload, c.dedupeKey = court.UUID, json.RawMessage(payload), key.String
			out = append(out, &c)
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("jobs: claim: %w", err)
		}
		return out, nil
	})
}

// errLockExpired is recorded on jobs taken back from a runner that did not
// report in time.
const errLockExpired = "执行该任务的进程未在锁定期内报告结果（可能已崩溃或停止），任务已收回"

// reclaim takes back running jobs whose lock expired: pending again, due now,
// or failed when that was their last attempt. A read on the reader pool
// first keeps the common case (nothing expired) free of writes.
func (r *Runner) reclaim(ctx context.Context, now time.Time) error {
	var one int
	err := r.db.QueryRow(ctx, `SELECT 1 FROM jobs WHERE state = 'running' AND locked_until < ? LIMIT 1`, now).Scan(&one)
	if store.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: reclaim: %w", err)
	}
	type taken struct {
		id          uuid.UUID
		kind, state string
	}
	got, err := store.TransactValue(ctx, r.db, func(ctx context.Context, tx *store.Tx) ([]taken, error) {
		// Jobs on their last attempt fail (releasing a schedule's key), the
		// others are due again now. On PostgreSQL a row that its runner is
		// finishing concurrently is re-checked after that runner's commit
		// and then no longer matches.
		var out []taken
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`UPDATE jobs SET state = 'failed', finished_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL,
				updated_at = ?, dedupe_key = CASE WHEN dedupe_key LIKE 'schedule:%' THEN NULL ELSE dedupe_key END
				WHERE state = 'running' AND locked_until < ? AND attempts >= max_attempts
				RETURNING id, kind, state`, []any{now, errLockExpired, now, now}},
			{`UPDATE jobs SET state = 'pending', run_at = ?, last_error = ?, locked_by = NULL, locked_until = NULL,
				updated_at = ?
				WHERE state = 'running' AND locked_until < ?
				RETURNING id, kind, state`, []any{now, errLockExpired, now, now}},
		} {
			rows, err := tx.Query(ctx, q.sql, q.args...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var t taken
				if err := rows.Scan(&t.id, &t.kind, &t.state); err != nil {
					rows.Close()
					return nil, err
				}
				out = append(out, t)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
		return out, nil
	})
	if err != nil {
		return fmt.Errorf("jobs: reclaim: %w", err)
	}
	for _, t := range got {
		r.log.Warn("took back a job whose lock expired", "job", t.id, "kind", t.kind, "state", t.state)
	}
	return nil
}

// heartbeat extends the locks of the jobs whose handlers are running, every
// LockFor/3 (real time). (Only those: a job whose outcome could not be
// recorded must not stay locked by a runner that goes on running others.)
func (r *Runner) heartbeat(ctx context.Context) {
	t := time.NewTicker(r.opts.LockFor / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		r.mu.Lock()
		args := []any{r.now().Add(r.opts.LockFor), r.opts.ID}
		for id := range r.inflight {
			args = append(args, id)
		}
		r.mu.Unlock()
		if len(args) == 2 {
			continue
		}
		err := r.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE jobs SET locked_until = ? WHERE state = 'running' AND locked_by = ?
				AND id IN (`+store.Placeholders(len(args)-2)+`)`, args...)
			return err
		})
		if err != nil && ctx.Err() == nil {
			r.log.Warn("extending job locks failed", "err", err)
		}
	}
}

// execute runs c's handler and records the outcome.
func (r *Runner) execute(ctx context.Context, c *Claimed) {
	r.mu.Lock()
	r.inflight[c.ID] = true
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.inflight, c.ID)
		r.mu.Unlock()
	}()
	hctx := reqid.With(access.With(ctx, access.System("后台任务")), "job-"+c.ID.String())
	err := r.call(hctx, c)
	r.finish(ctx, c, err)
}

func (r *Runner) call(ctx context.Context, c *Claimed) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("panic: %v", v)
			r.log.Error("job handler panicked", "job", c.ID, "kind", c.Kind, "panic", v, "stack", string(debug.Stack()))
		}
	}()
	return r.handlers[c.Kind](ctx, c)
}

// backoff is the wait after failed attempt n (1-based).
func (r *Runner) backoff(n int) time.Duration {
	d := r.opts.RetryMax
	if n-1 < 62 {
		if b := r.opts.RetryBase << (n - 1); b > 0 && b < d {
			d = b
		}
	}
	half := d / 2
	return half + mrand.N(d-half+1)
}

// maxErrorLen bounds last_error: a handler's error may quote a whole answer.
const maxErrorLen = 2000

func errorText(err error) string {
	s := err.Error()
	if len(s) > maxErrorLen {
		s = strings.ToValidUTF8(s[:maxErrorLen], "") + "…"
	}
	return s
}

// finish records the outcome of c's run: herr is what the handler returned,
// and ctx the runner's (done when the runner is stopping). The update applies
// only while this runner still holds this attempt of the job: if its lock
// expired and another runner took the job, or an administrator cancelled it,
// the outcome is dropped.
func (r *Runner) finish(ctx context.Context, c *Claimed, herr error) {
	now := r.now()
	var (
		state    State
		attempts = 0 // added to attempts
		runAt    any // nil: unchanged
		lastErr  any // nil: unchanged
		finished any // nil: not finished
		log      = r.log.With("job", c.ID, "kind", c.Kind, "attempt", c.Attempt)
		snooze   *snoozeError
		cancel   *cancelError
	)
	switch {
	case herr == nil:
		state, finished = Done, now
	case errors.As(herr, &snooze):
		state, attempts, runAt = Pending, -1, now.Add(max(snooze.d, time.Millisecond))
		log.Debug("job snoozed", "until", runAt)
	case errors.As(herr, &cancel):
		state, lastErr, finished = Cancelled, errorText(herr), now
		log.Warn("job cancelled by its handler", "err", herr)
	case ctx.Err() != nil:
		// The runner is stopping and interrupted the handler: give the job
		// back without counting the attempt.
		state, attempts, runAt = Pending, -1, now
		log.Info("job interrupted by shutdown; released", "err", herr)
	case c.Attempt >= c.MaxAttempts:
		state, lastErr, finished = Failed, errorText(herr), now
		log.Error("job failed; no attempts left", "max_attempts", c.MaxAttempts, "err", herr)
	default:
		state, lastErr, runAt = Pending, errorText(herr), now.Add(r.backoff(c.Attempt))
		log.Warn("job failed; will retry", "retry_at", runAt, "err", herr)
	}
	key := nullString(c.dedupeKey)
	sched, isSchedule := r.schedules[c.Kind]
	isSchedule = isSchedule && c.dedupeKey == schedulePrefix+c.Kind
	if state.Final() && isSchedule {
		key = nil // the next occurrence takes the key
	}
	// Record the outcome even when the runner is stopping.
	wctx, cancelW := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancelW()
	var applied bool
	err := r.db.Transact(wctx, func(ctx context.Context, tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE jobs SET state = ?, attempts = attempts + ?, run_at = COALESCE(?, run_at),
			last_error = COALESCE(?, last_error), finished_at = ?, dedupe_key = ?, locked_by = NULL, locked_until = NULL,
			updated_at = ?
			WHERE id = ? AND state = 'running' AND locked_by = ? AND attempts = ?`,
			string(state), attempts, runAt, lastErr, finished, key, now, c.ID, r.opts.ID, c.Attempt)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		applied = n == 1
		if applied && state.Final() && isSchedule {
			return r.ensureSchedule(ctx, tx, c.Kind, sched, now)
		}
		return nil
	})
	switch {
	case err != nil:
		log.Error("recording a job's outcome failed; it runs again once its lock expires", "state", state, "err", err)
	case !applied:
		log.Warn("job was taken from this runner (lock expired, or cancelled) before it finished; outcome dropped",
			"state", state)
	}
}

// ensureSchedules makes sure every schedule has its pending or running
// occurrence. A read first keeps the common case free of writes.
func (r *Runner) ensureSchedules(ctx context.Context, now time.Time) error {
	kinds := make([]string, 0, len(r.schedules))
	for k := range r.schedules {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, kind := range kinds {
		var one int
		err := r.db.QueryRow(ctx, `SELECT 1 FROM jobs WHERE dedupe_key = ?`, schedulePrefix+kind).Scan(&one)
		if err == nil {
			continue
		}
		if !store.IsNoRows(err) {
			return fmt.Errorf("jobs: schedule %s: %w", kind, err)
		}
		err = r.db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			return r.ensureSchedule(ctx, tx, kind, r.schedules[kind], now)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// ensureSchedule enqueues the next occurrence of a schedule unless one holds
// its key: due interval after the latest occurrence finished, or now.
func (r *Runner) ensureSchedule(ctx context.Context, tx *store.Tx, kind string, s schedule, now time.Time) error {
	runAt := now
	var last sql.NullTime
	err := tx.QueryRow(ctx, `SELECT finished_at FROM jobs WHERE kind = ? ORDER BY id DESC LIMIT 1`, kind).Scan(&last)
	if err != nil && !store.IsNoRows(err) {
		return fmt.Errorf("jobs: schedule %s: %w", kind, err)
	}
	if last.Valid && last.Time.Add(s.interval).After(now) {
		runAt = last.Time.Add(s.interval)
	}
	_, err = insert(ctx, tx, Job{Kind: kind, Payload: s.payload, RunAt: runAt, DedupeKey: schedulePrefix + kind}, now)
	return err
}
