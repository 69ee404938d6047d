package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Who may see and change jobs. There is no permission of their own yet:
// reading the queue needs audit.read (it records what the system did and
// will do), changing it courts.manage. Both are limited to the courts the
// principal sees; platform jobs (of no court) only to principals who see
// every court. Jobs outside the scope answer 404 like absent ones.
const (
	ReadPermission   = access.AuditRead
	ManagePermission = access.CourtsManage
)

// Info is a job as an administrator sees it.
type Info struct {
	ID          uuid.UUID
	CourtID     uuid.UUID // uuid.Nil for platform work
	Kind        string
	Payload     json.RawMessage
	DedupeKey   string
	State       State
	Priority    int
	Attempts    int
	MaxAttempts int
	RunAt       time.Time
	LockedBy    string
	LockedUntil time.Time // zero unless running
	LastError   string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	FinishedAt  time.Time // zero until done, failed or cancelled
}

const infoColumns = `id, court_id, kind, payload, dedupe_key, state, priority, attempts, max_attempts, run_at,
	locked_by, locked_until, last_error, created_at, updated_at, finished_at`

func scanInfo(sc interface{ Scan(...any) error }) (Info, error) {
	var (
		j                   Info
		court               uuid.NullUUID
		payload             string
		key, lockedBy       sql.NullString
		lockedUntil, finish sql.NullTime
	)
	err := sc.Scan(&j.ID, &court, &j.Kind, &payload, &key, &j.State, &j.Priority, &j.Attempts, &j.MaxAttempts,
		&j.RunAt, &lockedBy, &lockedUntil, &j.LastError, &j.CreatedAt, &j.UpdatedAt, &finish)
	if err != nil {
		return Info{}, err
	}
	j.CourtID, j.Payload, j.DedupeKey, j.LockedBy = court.UUID, json.RawMessage(payload), key.String, lockedBy.String
	j.RunAt, j.CreatedAt, j.UpdatedAt = j.RunAt.UTC(), j.CreatedAt.UTC(), j.UpdatedAt.UTC()
	if lockedUntil.Valid {
		j.LockedUntil = lockedUntil.Time.UTC()
	}
	if finish.Valid {
		j.FinishedAt = finish.Time.UTC()
	}
	return j, nil
}

// sees reports whether p may see a job of court (uuid.Nil: platform).
func sees(p *access.Principal, court uuid.UUID) bool {
	if court == uuid.Nil {
		_, all := p.VisibleCourts()
		return all
	}
	return p.Sees(court)
}

// Filter narrows a listing. Zero fields do not filter.
type Filter struct {
	State   State
	Kind    string
	CourtID uuid.UUID
}

// List returns the jobs the principal may see, newest first.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[Info], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[Info]{}, err
	}
	if err := p.Require(ReadPermission); err != nil {
		return page.Page[Info]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[Info]{}, err
	}
	if f.State != "" && !f.State.Valid() {
		return page.Page[Info]{}, apperr.InvalidField("invalid_state", "query.state", "任务状态无效")
	}
	cond, args := p.CourtFilter("court_id")
	where := []string{cond}
	add := func(c string, v any) {
		where = append(where, c)
		args = append(args, v)
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if f.Kind != "" {
		add("kind = ?", f.Kind)
	}
	if f.CourtID != uuid.Nil {
		add("court_id = ?", f.CourtID)
	}
	if req.Cursor != "" {
		var after uuid.UUID
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[Info]{}, err
		}
		add("id < ?", after)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+infoColumns+` FROM jobs WHERE `+strings.Join(where, " AND ")+
		` ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return page.Page[Info]{}, err
	}
	defer rows.Close()
	var out []Info
	for rows.Next() {
		j, err := scanInfo(rows)
		if err != nil {
			return page.Page[Info]{}, err
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return page.Page[Info]{}, err
	}
	return page.Trim(out, limit, func(j Info) any { return j.ID }), nil
}

// Get returns one job, if the principal may see it.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (Info, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Info{}, err
	}
	if err := p.Require(ReadPermission); err != nil {
		return Info{}, err
	}
	j, err := scanInfo(q.QueryRow(ctx, `SELECT `+infoColumns+` FROM jobs WHERE id = ?`, id))
	if store.IsNoRows(err) || err == nil && !sees(p, j.CourtID) {
		return Info{}, apperr.NotFoundf("后台任务")
	}
	return j, err
}

// Stats counts the jobs the principal may see by state; every state is
// present.
func Stats(ctx context.Context, q store.Querier) (map[State]int, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(ReadPermission); err != nil {
		return nil, err
	}
	cond, args := p.CourtFilter("court_id")
	rows, err := q.Query(ctx, `SELECT state, COUNT(*) FROM jobs WHERE `+cond+` GROUP BY state`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[State]int, len(States))
	for _, s := range States {
		out[s] = 0
	}
	for rows.Next() {
		var (
			s State
			n int
		)
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// Retry puts a failed job back in the queue, due now, with its attempts
// counted afresh, and audits it.
func Retry(ctx context.Context, db *store.DB, id uuid.UUID) (Info, error) {
	return change(ctx, db, id, "job.retried", func(ctx context.Context, tx *store.Tx, j *Info, now time.Time) error {
		if j.State != Failed {
			return apperr.New(apperr.Conflict, "invalid_transition", "只有失败的任务可以重试")
		}
		j.State, j.Attempts, j.RunAt, j.FinishedAt = Pending, 0, now, time.Time{}
		_, err := tx.Exec(ctx, `UPDATE jobs SET state = 'pending', attempts = 0, run_at = ?, finished_at = NULL,
			updated_at = ? WHERE id = ?`, now, now, j.ID)
		wakeAfterCommit(tx)
		return err
	})
}

// CancelJob stops a pending or running job for good and audits it. A running
// handler is not interrupted, but its outcome is no longer recorded. A
// cancelled occurrence of a schedule makes way for the next one, due one
// interval later.
func CancelJob(ctx context.Context, db *store.DB, id uuid.UUID) (Info, error) {
	return change(ctx, db, id, "job.cancelled", func(ctx context.Context, tx *store.Tx, j *Info, now time.Time) error {
		if j.State != Pending && j.State != Running {
			return apperr.New(apperr.Conflict, "invalid_transition", "只有等待执行或正在执行的任务可以取消")
		}
		if strings.HasPrefix(j.DedupeKey, schedulePrefix) {
			j.DedupeKey = ""
		}
		j.State, j.FinishedAt, j.LockedBy, j.LockedUntil = Cancelled, now, "", time.Time{}
		_, err := tx.Exec(ctx, `UPDATE jobs SET state = 'cancelled', finished_at = ?, dedupe_key = ?, locked_by = NULL,
			locked_until = NULL, updated_at = ? WHERE id = ?`, now, nullString(j.DedupeKey), now, j.ID)
		return err
	})
}

// change runs an administrator's change of one job in a transaction: it
// locks the job, checks the principal may manage it, applies fn and audits
// the state change as action.
func change(ctx context.Context, db *store.DB, id uuid.UUID, action string,
	fn func(ctx context.Context, tx *store.Tx, j *Info, now time.Time) error) (Info, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Info{}, err
	}
	if err := p.Require(ManagePermission); err != nil {
		return Info{}, err
	}
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (Info, error) {
		j, err := scanInfo(tx.QueryRow(ctx, `SELECT `+infoColumns+` FROM jobs WHERE id = ?`+tx.ForUpdate(), id))
		if store.IsNoRows(err) || err == nil && !sees(p, j.CourtID) {
			return Info{}, apperr.NotFoundf("后台任务")
		}
		if err != nil {
			return Info{}, err
		}
		from := j.State
		now := time.Now().UTC().Truncate(time.Microsecond)
		if err := fn(ctx, tx, &j, now); err != nil {
			return Info{}, err
		}
		j.UpdatedAt = now
		chain := j.CourtID
		if chain == uuid.Nil {
			chain = audit.Platform
		}
		verb := "重试"
		if j.State == Cancelled {
			verb = "取消"
		}
		err = audit.Log(ctx, tx, audit.Entry{CourtID: chain, Action: action, ObjectType: "job", ObjectID: j.ID.String(),
			Summary: verb + "后台任务 " + j.Kind,
			Changes: audit.Changes{"state": {From: from, To: j.State}}})
		return j, err
	})
}

// Purge deletes done and cancelled jobs that finished before olderThan, in
// batches (so that SQLite's writer is not held long), and returns how many.
// Failed jobs stay until an administrator retries them. A purged job's dedupe
// key is free again.
func Purge(ctx context.Context, db *store.DB, olderThan time.Time) (int64, error) {
	const batch = 1000
	var total int64
	for {
		n, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int64, error) {
			res, err := tx.Exec(ctx, `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs
				WHERE state IN ('done', 'cancelled') AND finished_at < ? LIMIT ?)`, olderThan, batch)
			if err != nil {
				return 0, err
			}
			return res.RowsAffected()
		})
		total += n
		if err != nil || n < batch {
			return total, err
		}
	}
}
