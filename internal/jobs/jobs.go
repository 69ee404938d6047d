// Package jobs runs background work durably on both engines.
//
// A job is a row of the jobs table. Feature code enqueues it with Enqueue
// inside the transaction of the change that causes it, so the change and its
// follow-up work commit together or not at all. A Runner in every server
// process claims due jobs, runs the handler registered for their kind and
// records the outcome: done; retried with exponential backoff and jitter until
// the job's attempts are used up, then failed; snoozed (Snooze) or cancelled
// (Cancel) by the handler. Periodic work is declared with Runner.Every.
//
// Delivery is at least once. A runner that dies mid-job (or cannot record the
// result) leaves the job locked until its lock expires; then any runner claims
// it again. Handlers must therefore be idempotent: do the work so that doing
// it twice is harmless, or check in the database whether it was done.
//
// Several processes may run runners on one PostgreSQL: claiming uses
// FOR UPDATE SKIP LOCKED, and a runner's result is recorded only while it
// still holds the job (same runner id, same attempt), so a slow runner whose
// job was reclaimed cannot overwrite the newer run's outcome. On SQLite the
// single writer serialises claims.
//
// Why a table of our own rather than River: docs/decisions/0006-background-jobs.md.
package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
)

// State is where a job stands.
type State string

const (
	Pending   State = "pending"   // waiting for its run_at, or to be claimed
	Running   State = "running"   // claimed by a runner (locked_by) until locked_until
	Done      State = "done"      // the handler succeeded
	Failed    State = "failed"    // every attempt failed; an administrator may Retry it
	Cancelled State = "cancelled" // stopped by its handler (Cancel) or an administrator
)

// States lists every state, in the order of a job's life.
var States = []State{Pending, Running, Done, Failed, Cancelled}

// Valid reports whether s is one of States.
func (s State) Valid() bool {
	switch s {
	case Pending, Running, Done, Failed, Cancelled:
		return true
	}
	return false
}

// Final reports whether a job in state s will not run again by itself.
func (s State) Final() bool { return s == Done || s == Failed || s == Cancelled }

// Label is the state's Chinese name.
func (s State) Label() string {
	switch s {
	case Pending:
		return "等待执行"
	case Running:
		return "正在执行"
	case Done:
		return "已完成"
	case Failed:
		return "失败"
	case Cancelled:
		return "已取消"
	}
	return string(s)
}

// DefaultMaxAttempts is a job's number of attempts when Job.MaxAttempts is 0.
const DefaultMaxAttempts = 10

// schedulePrefix starts the dedupe keys of the occurrences of Runner.Every
// schedules; Enqueue refuses it.
const schedulePrefix = "schedule:"

// Job is work to enqueue.
type Job struct {
	Kind    string    // names the handler (Runner.Register), e.g. "case.requery"
	CourtID uuid.UUID // the court the work belongs to; uuid.Nil for platform work
	Payload any       // marshalled to JSON; the handler reads it with Claimed.Decode
	RunAt   time.Time // not before; zero means now
	// DedupeKey, when set, makes the job unique: enqueueing a job whose key is
	// already taken (by a job in any state, until Purge deletes it) enqueues
	// nothing and returns the existing job's id. Keys are global: start them
	// with the kind, e.g. "seizure.expiry:<seizure id>:<date>".
	DedupeKey   string
	MaxAttempts int // 0 means DefaultMaxAttempts
	Priority    int // higher runs first among due jobs; default 0
}

// Enqueue adds j to the queue as part of tx: the job exists once tx commits
// and never if it rolls back. Once tx commits, the runners of this process are
// woken up, so a job due now starts without waiting for their next poll.
func Enqueue(ctx context.Context, tx *store.Tx, j Job) (uuid.UUID, error) {
	if strings.HasPrefix(j.DedupeKey, schedulePrefix) {
		return uuid.Nil, fmt.Errorf("jobs: dedupe keys starting with %q are reserved for schedules", schedulePrefix)
	}
	return insert(ctx, tx, j, time.Now())
}

func validKind(kind string) error {
	if kind == "" || len(kind) > 100 || !utf8.ValidString(kind) || strings.TrimSpace(kind) != kind {
		return fmt.Errorf("jobs: invalid kind %q", kind)
	}
	return nil
}

func insert(ctx context.Context, tx *store.Tx, j Job, now time.Time) (uuid.UUID, error) {
	if err := validKind(j.Kind); err != nil {
		return uuid.Nil, err
	}
	if j.MaxAttempts < 0 {
		return uuid.Nil, fmt.Errorf("jobs: %s: negative MaxAttempts %d", j.Kind, j.MaxAttempts)
	}
	if j.MaxAttempts == 0 {
		j.MaxAttempts = DefaultMaxAttempts
	}
	if j.RunAt.IsZero() {
		j.RunAt = now
	}
	payload, err := json.Marshal(j.Payload)
	if err != nil {
		return uuid.Nil, fmt.Errorf("jobs: payload of %s: %w", j.Kind, err)
	}
	var id uuid.UUID
	// A NULL dedupe key never conflicts. On PostgreSQL a concurrent
	// transaction that inserted the same key makes this one wait for it and
	// then do nothing; the SELECT below (a new snapshot at READ COMMITTED)
	// then sees its row.
	err = tx.QueryRow(ctx, `INSERT INTO jobs (id, court_id, kind, payload, dedupe_key, state, priority, attempts,
		max_attempts, run_at, last_error, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'pending', ?, 0, ?, ?, '', ?, ?)
		ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
		RETURNING id`,
		store.NewID(), store.NullID(j.CourtID), j.Kind, string(payload), nullString(j.DedupeKey), j.Priority,
		j.MaxAttempts, j.RunAt, now, now).Scan(&id)
	if store.IsNoRows(err) && j.DedupeKey != "" {
		err = tx.QueryRow(ctx, `SELECT id FROM jobs WHERE dedupe_key = ?`, j.DedupeKey).Scan(&id)
		if err != nil {
			return uuid.Nil, fmt.Errorf("jobs: enqueue %s: existing job of key %q: %w", j.Kind, j.DedupeKey, err)
		}
		return id, nil
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("jobs: enqueue %s: %w", j.Kind, err)
	}
	wakeAfterCommit(tx)
	return id, nil
}

// Snooze returns the error a handler returns to run its job again after d,
// without counting the attempt (waiting for something that is not ready yet).
func Snooze(d time.Duration) error { return &snoozeError{d: d} }

type snoozeError struct{ d time.Duration }

func (e *snoozeError) Error() string { return "jobs: snoozed for " + e.d.String() }

// Cancel returns the error a handler returns to stop its job for good: it
// becomes cancelled, with err recorded as its last error, and is not retried.
func Cancel(err error) error { return &cancelError{err: err} }

type cancelError struct{ err error }

func (e *cancelError) Error() string {
	if e.err == nil {
		return "jobs: cancelled"
	}
	return "jobs: cancelled: " + e.err.Error()
}

func (e *cancelError) Unwrap() error { return e.err }

// --- waking runners up ---

// wakers holds the wake-up channel of every runner running in this process.
// A transaction that enqueued a job pokes them all once it commits. (store.Tx
// does not say which database it belongs to, so a runner on another database
// of the same process, which only tests have, gets a needless poke: one claim
// that finds nothing.)
var wakers = struct {
	sync.Mutex
	m map[chan struct{}]struct{}
}{m: map[chan struct{}]struct{}{}}

func subscribe(ch chan struct{}) {
	wakers.Lock()
	wakers.m[ch] = struct{}{}
	wakers.Unlock()
}

func unsubscribe(ch chan struct{}) {
	wakers.Lock()
	delete(wakers.m, ch)
	wakers.Unlock()
}

func wakeAll() {
	wakers.Lock()
	defer wakers.Unlock()
	for ch := range wakers.m {
		poke(ch)
	}
}

// poke signals ch without blocking: a signal already pending is enough.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

type wakeKey struct{}

// wakeAfterCommit wakes the runners once tx commits (once per transaction,
// however many jobs it enqueued).
func wakeAfterCommit(tx *store.Tx) {
	if tx.Value(wakeKey{}) != nil {
		return
	}
	tx.SetValue(wakeKey{}, true)
	tx.AfterCommit(wakeAll)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
