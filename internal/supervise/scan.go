package supervise

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// ScanKind is the background job of the daily scan. It runs hourly: it
// reads only what is due, so a run with nothing due costs two index
// probes, and a missed day is caught up.
const ScanKind = "supervise.scan"

// scanChunk is how many subjects or items one transaction of the scan
// handles: short transactions, SQLite's one writer never held long.
const scanChunk = 200

// Scan does what is due on today: every subject whose day in the queue has
// come is looked at again (items raised, warned of or cleared), then every
// item not answered by its level's day goes up a level. Its cost follows
// what is due, not what is open.
func Scan(ctx context.Context, db *store.DB, today legal.Date) (Counts, error) {
	ctx = access.With(ctx, access.System(systemName))
	var total Counts
	for {
		n, c, err := scanWatches(ctx, db, today)
		total = total.add(c)
		if err != nil {
			return total, err
		}
		if n < scanChunk {
			break
		}
	}
	for {
		n, c, err := scanEscalations(ctx, db, today)
		total = total.add(c)
		if err != nil {
			return total, err
		}
		if n < scanChunk {
			break
		}
	}
	return total, nil
}

func scanWatches(ctx context.Context, db *store.DB, today legal.Date) (int, Counts, error) {
	var c Counts
	n, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int, error) {
		rows, err := tx.Query(ctx, `SELECT subject_kind, subject_id FROM supervision_watches WHERE due_on <= ?
			ORDER BY due_on, subject_kind, subject_id LIMIT ?`, today, scanChunk)
		if err != nil {
			return 0, err
		}
		due, err := store.ScanAll(rows, func(sc store.Scanner) (Subject, error) {
			var s Subject
			return s, sc.Scan(&s.Kind, &s.ID)
		})
		if err != nil || len(due) == 0 {
			return 0, err
		}
		r, err := newRun(ctx, tx, today)
		if err != nil {
			return 0, err
		}
		for _, s := range due {
			if err := r.touch(ctx, s, nil, false); err != nil {
				return 0, err
			}
		}
		c = r.Counts
		return len(due), nil
	})
	return n, c, err
}

// escalating is an item due to go up a level.
type escalating struct {
	id                         uuid.UUID
	subject                    Subject
	source                     string
	courtID, teamID, handlerID uuid.UUID
	level                      int
	raised                     legal.Date
	chain                      string
}

func scanEscalations(ctx context.Context, db *store.DB, today legal.Date) (int, Counts, error) {
	var c Counts
	n, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (int, error) {
		list, err := dueEscalations(ctx, tx, today)
		if err != nil || len(list) == 0 {
			return 0, err
		}
		r, err := newRun(ctx, tx, today)
		if err != nil {
			return 0, err
		}
		for _, e := range list {
			// The facts first: an item whose condition cleared is closed,
			// not escalated.
			if e.source == "rule" {
				if err := r.touch(ctx, e.subject, nil, false); err != nil {
					return 0, err
				}
				var status string
				if err := tx.QueryRow(ctx, `SELECT status FROM supervision_items WHERE id = ?`, e.id).Scan(&status); err != nil {
					return 0, err
				}
				if status != "open" {
					continue
				}
			}
			if err := r.escalate(ctx, e); err != nil {
				return 0, err
			}
		}
		c = r.Counts
		return len(list), nil
	})
	return n, c, err
}

func dueEscalations(ctx context.Context, tx *store.Tx, today legal.Date) ([]*escalating, error) {
	rows, err := tx.Query(ctx, `SELECT id, subject_kind, subject_id, source, court_id, team_id, handler_id, level, raised_on, escalation
		FROM supervision_items WHERE status = 'open' AND escalate_on <= ? ORDER BY escalate_on, id LIMIT ?`, today, scanChunk)
	if err != nil {
		return nil, err
	}
	return store.ScanAll(rows, func(sc store.Scanner) (*escalating, error) {
		e := &escalating{}
		var team, handler uuid.NullUUID
		err := sc.Scan(&e.id, &e.subject.Kind, &e.subject.ID, &e.source, &e.courtID, &team, &handler, &e.level, &e.raised, &e.chain)
		e.teamID, e.handlerID = team.UUID, handler.UUID
		return e, err
	})
}

// escalate moves an item up one level (SUP-3) and sets the day of the
// next.
func (r *run) escalate(ctx context.Context, e *escalating) error {
	level := e.level + 1
	p, err := r.assignee(ctx, level, e.courtID, e.teamID, e.handlerID)
	if err != nil {
		return err
	}
	var next *legal.Date
	if d := escalateOn(e.raised, parseChain(e.chain), level); !d.IsZero() {
		next = &d
	}
	if _, err := r.tx.Exec(ctx, `UPDATE supervision_items SET level = ?, assignee_id = ?, assignee_name = ?, escalate_on = ?, updated_at = ?
		WHERE id = ?`, level, store.NullID(p.id), p.name, next, r.now, e.id); err != nil {
		return err
	}
	r.Escalated++
	note := "逾期未答复，升级至" + LevelLabel(level)
	if p.name != "" {
		note += "：" + p.name
	} else {
		note += "（未配置人员）"
	}
	return r.event(ctx, e.id, "escalated", level, systemName, note)
}

// ScanJob is the handler of ScanKind.
func ScanJob(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := Scan(ctx, db, legal.Today(time.Now()))
		return err
	}
}
