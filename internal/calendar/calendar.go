// Package calendar keeps the statutory holiday and make-up working-day
// calendar (CAL-1) in the database, where an administrator edits it, and
// hands the legal clock a legal.Calendar built from it. The shipped years come
// from legal.DefaultCalendarDays as a reference seed.
package calendar

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/csvdata"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Seeds returns the calendar's reference data: the years DOMAIN.md §3 lists.
// A new State Council notice is added as a new seed version or edited by an
// administrator (CAL-1).
func Seeds() []store.Seed {
	days := legal.DefaultCalendarDays()
	var b strings.Builder
	for _, d := range days {
		b.WriteString(d.Date.String() + string(d.Kind) + d.Name + d.Notice + "\n")
	}
	return []store.Seed{{Name: "calendar", Version: 1, Digest: csvdata.DigestBytes([]byte(b.String())), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
		if from >= 1 {
			return nil
		}
		now := time.Now().UTC()
		for _, d := range days {
			if _, err := tx.Exec(ctx, `INSERT INTO calendar_days (day, kind, name, notice, updated_at) VALUES (?, ?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, d.Date, string(d.Kind), d.Name, d.Notice, now); err != nil {
				return err
			}
		}
		return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "calendar.loaded", ObjectType: "calendar",
			ObjectID: "cn", Summary: "载入法定节假日与调休日历 " + yearsOf(days), Changes: audit.Changes{"days": {To: len(days)}}})
	}}}
}

func yearsOf(days []legal.CalendarDay) string {
	seen := map[int]bool{}
	var ys []string
	for _, d := range days {
		if y := d.Date.Year(); !seen[y] {
			seen[y] = true
			ys = append(ys, strconv.Itoa(y))
		}
	}
	return strings.Join(ys, "、")
}

// memoKey keys the calendar in store.DB.Memo, until a change.
type memoKey struct{}

// Load returns the calendar as stored. It is cached per database and dropped
// when an administrator changes a day through this package.
func Load(ctx context.Context, db *store.DB) (*legal.Calendar, error) {
	if c, ok := db.Memo().Load(memoKey{}); ok {
		return c.(*legal.Calendar), nil
	}
	days, err := Days(ctx, db, 0)
	if err != nil {
		return nil, err
	}
	cal, err := legal.NewCalendar(days)
	if err != nil {
		return nil, err
	}
	db.Memo().Store(memoKey{}, cal)
	return cal, nil
}

// Days returns the stored days of year (every year when year is 0), in date
// order.
func Days(ctx context.Context, q store.Querier, year int) ([]legal.CalendarDay, error) {
	query, args := `SELECT day, kind, name, notice FROM calendar_days ORDER BY day`, []any(nil)
	if year != 0 {
		query = `SELECT day, kind, name, notice FROM calendar_days WHERE day >= ? AND day <= ? ORDER BY day`
		args = []any{legal.NewDate(year, time.January, 1), legal.NewDate(year, time.December, 31)}
	}
	rows, err := q.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []legal.CalendarDay
	for rows.Next() {
		var d legal.CalendarDay
		var kind string
		if err := rows.Scan(&d.Date, &kind, &d.Name, &d.Notice); err != nil {
			return nil, err
		}
		d.Kind = legal.DayKind(kind)
		out = append(out, d)
	}
	return out, rows.Err()
}

// SetDay adds or changes one day of the calendar (reference.manage). The
// whole calendar must stay valid (a make-up working day on a weekend, no day
// twice).
func SetDay(ctx context.Context, tx *store.Tx, d legal.CalendarDay) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if err := p.Require(access.ReferenceManage); err != nil {
		return err
	}
	if d.Date.IsZero() {
		return apperr.InvalidField("invalid_date", "body.date", "请填写日期")
	}
	d.Name, d.Notice = strings.TrimSpace(d.Name), strings.TrimSpace(d.Notice)
	if _, err := legal.NewCalendar([]legal.CalendarDay{d}); err != nil {
		return err
	}
	var old legal.CalendarDay
	var oldKind string
	err = tx.QueryRow(ctx, `SELECT day, kind, name, notice FROM calendar_days WHERE day = ?`+tx.ForUpdate(), d.Date).
		Scan(&old.Date, &oldKind, &old.Name, &old.Notice)
	if err != nil && !store.IsNoRows(err) {
		return err
	}
	ch := audit.Changes{}
	if oldKind != string(d.Kind) {
		ch["kind"] = audit.Change{From: oldKind, To: string(d.Kind)}
	}
	if old.Name != d.Name {
		ch["name"] = audit.Change{From: old.Name, To: d.Name}
	}
	if old.Notice != d.Notice {
		ch["notice"] = audit.Change{From: old.Notice, To: d.Notice}
	}
	if len(ch) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `INSERT INTO calendar_days (day, kind, name, notice, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (day) DO UPDATE SET kind = excluded.kind, name = excluded.name, notice = excluded.notice, updated_at = excluded.updated_at`,
		d.Date, string(d.Kind), d.Name, d.Notice, time.Now().UTC()); err != nil {
		return err
	}
	tx.AfterCommit(func() { tx.DB().Memo().Delete(memoKey{}) })
	return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "calendar.day_set", ObjectType: "calendar",
		ObjectID: d.Date.String(), Summary: "设置日历 " + d.Date.String() + " 为" + kindLabel(d.Kind), Changes: ch})
}

// DeleteDay makes a listed day an ordinary day again (reference.manage).
func DeleteDay(ctx context.Context, tx *store.Tx, day legal.Date) error {
	p, err := access.Must(ctx)
	if err != nil {
		return err
	}
	if err := p.Require(access.ReferenceManage); err != nil {
		return err
	}
	res, err := tx.Exec(ctx, `DELETE FROM calendar_days WHERE day = ?`, day)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFoundf("日历中的 " + day.String())
	}
	tx.AfterCommit(func() { tx.DB().Memo().Delete(memoKey{}) })
	return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "calendar.day_deleted", ObjectType: "calendar",
		ObjectID: day.String(), Summary: "删除日历设置 " + day.String()})
}

func kindLabel(k legal.DayKind) string {
	if k == legal.MakeupWorkday {
		return "调休上班日"
	}
	return "法定休假日"
}
