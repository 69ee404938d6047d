package app_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestPurgeJob: the server's runner carries the hourly purge schedule, and
// the purge deletes what has aged out (jobs finished over a week ago,
// idempotency keys over a day old) and keeps the rest.
func TestPurgeJob(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			a := open(t, storetest.Empty(t, e), false)
			if _, err := a.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			now := time.Now().UTC()
			oldJob, newJob := uuid.New(), uuid.New()
			exec := func(q string, args ...any) {
				t.Helper()
				if err := a.DB.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.Exec(ctx, q, args...)
					return err
				}); err != nil {
					t.Fatal(err)
				}
			}
			for _, j := range []struct {
				id       uuid.UUID
				finished time.Time
			}{{oldJob, now.Add(-8 * 24 * time.Hour)}, {newJob, now.Add(-time.Hour)}} {
				exec(`INSERT INTO jobs (id, kind, payload, state, max_attempts, run_at, created_at, updated_at, finished_at)
					VALUES (?, 'test.old', '{}', 'done', 1, ?, ?, ?, ?)`, j.id, j.finished, j.finished, j.finished, j.finished)
			}
			for key, at := range map[string]time.Time{"old": now.Add(-25 * time.Hour), "new": now.Add(-time.Hour)} {
				exec(`INSERT INTO idempotency_keys (owner, key, method, path, request_hash, created_at)
					VALUES ('u', ?, 'POST', '/x', 'h', ?)`, key, at)
			}

			// The schedules: the purge, the two 查控 watches (re-query,
			// expiry), the supervision scan and the auction results, which
			// find nothing to do in an empty database.
			n, err := a.Runner(jobs.Options{}).RunOnce(ctx)
			if err != nil || n != 5 {
				t.Fatalf("RunOnce ran %d jobs (%v), want the purge, the re-query, the expiry watch, the supervision scan and the auction results", n, err)
			}
			var done int
			if err := a.DB.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind IN (?, ?) AND state = 'done'`, assets.RequeryKind, assets.ExpiryKind).
				Scan(&done); err != nil || done != 2 {
				t.Fatalf("查控 watches done: %d (%v), want 2", done, err)
			}
			exists := func(q string, arg any) bool {
				var c int
				if err := a.DB.QueryRow(ctx, q, arg).Scan(&c); err != nil {
					t.Fatal(err)
				}
				return c > 0
			}
			if exists(`SELECT COUNT(*) FROM jobs WHERE id = ?`, oldJob) || !exists(`SELECT COUNT(*) FROM jobs WHERE id = ?`, newJob) {
				t.Fatal("the purge should delete the job finished 8 days ago and keep the one of an hour ago")
			}
			if exists(`SELECT COUNT(*) FROM idempotency_keys WHERE key = ?`, "old") || !exists(`SELECT COUNT(*) FROM idempotency_keys WHERE key = ?`, "new") {
				t.Fatal("the purge should delete the idempotency key of 25 hours ago and keep the recent one")
			}
			var state string
			if err := a.DB.QueryRow(ctx, `SELECT state FROM jobs WHERE kind = ?`, app.PurgeKind).Scan(&state); err != nil || state != string(jobs.Done) {
				t.Fatalf("purge job state %q (%v), want done", state, err)
			}
		})
	}
}

// TestRunnerProcessesBatches: the server's runner carries the bulk intake
// handler, so a submitted batch is registered without anything else.
func TestRunnerProcessesBatches(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := open(t, storetest.Empty(t, store.SQLite), false)
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	s := intaketest.NewStaff(t, a.DB, "")
	rows := []intake.JSONRow{{Input: intaketest.Application(s.CourtID, 1)}, {Input: intaketest.Application(s.CourtID, 2)}}
	content, err := intake.EncodeJSONRows(rows)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := intake.SubmitBatch(s.Reception, a.DB, intake.BatchInput{CourtID: s.CourtID, FileName: "a.json", Format: "json", Content: content})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Runner(jobs.Options{}).RunOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err = intake.GetBatch(s.Reception, a.DB, b.ID); err != nil || b.Status != "done" || b.CreatedRows != 2 {
		t.Fatalf("batch after the runner: %+v (%v)", b, err)
	}
}
