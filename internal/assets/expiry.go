package assets

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Control terms (TERM-1, TERM-2): a freeze or seizure not renewed by the
// last day of its term lapses. The handler is warned twice before (30 and 7
// days by default, rule parameters of the court) on the case's timeline and
// in the expiring list; on the day after the last day the control expires,
// and the next waiting control on the asset moves up.

// ExpiryKind is the background job that warns of and expires controls.
const ExpiryKind = "assets.expiry"

// maxWarnDays bounds the first warning (the rule parameter's maximum), so
// the scan reads only controls that can be due, through controls_expiry.
const maxWarnDays = 180

// Expiry counts what WatchExpiry did.
type Expiry struct {
	Warned  int
	Expired int
}

// WatchExpiry gives the expiry warnings due on today and expires the
// controls whose term ended before it.
func WatchExpiry(ctx context.Context, db *store.DB, today legal.Date) (Expiry, error) {
	ctx = access.With(ctx, access.System("查封冻结期限监控"))
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (Expiry, error) {
		var out Expiry
		rows, err := tx.Query(ctx, `SELECT `+controlColumns+`, c.warned_days`+controlFrom+`
			WHERE c.status IN ('active', 'waiting') AND c.term_to <= ? ORDER BY c.term_to, c.id`, today.AddDays(maxWarnDays))
		if err != nil {
			return out, err
		}
		type due struct {
			c      *Control
			warned int
		}
		var list []due
		for rows.Next() {
			var d due
			c, err := scanControl(rows, &d.warned)
			if err != nil {
				rows.Close()
				return out, err
			}
			d.c = c
			list = append(list, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return out, err
		}
		now := time.Now().UTC()
		params := map[uuid.UUID]ruleparams.Values{}
		for _, d := range list {
			c := d.c
			if c.TermTo.Before(today) {
				if err := expire(ctx, tx, c, now); err != nil {
					return out, err
				}
				out.Expired++
				continue
			}
			v, ok := params[c.CourtID]
			if !ok {
				if v, err = ruleparams.Resolve(ctx, tx, c.CourtID, today); err != nil {
					return out, err
				}
				params[c.CourtID] = v
			}
			left := c.TermTo.Sub(today)
			warn := 0
			for _, days := range []int{v.Int(ruleparams.KeyExpiryWarnSecondDays), v.Int(ruleparams.KeyExpiryWarnFirstDays)} {
				if left <= days && (d.warned == 0 || d.warned > days) {
					warn = days
					break
				}
			}
			if warn == 0 {
				continue
			}
			if _, err := tx.Exec(ctx, `UPDATE controls SET warned_days = ?, updated_at = ? WHERE id = ?`, warn, now, c.ID); err != nil {
				return out, err
			}
			as, err := loadAsset(ctx, tx, c.AssetID)
			if err != nil {
				return out, err
			}
			if err := logControl(ctx, tx, c, c.CaseNo, "control.expiring", fmt.Sprintf("%s %s 将于 %s 到期（还有 %d 天），需继续控制的请在期限届满前续行（TERM-2）",
				c.Op.Label(), as.describe(), c.TermTo, left), audit.Changes{"warned_days": {From: d.warned, To: warn}}); err != nil {
				return out, err
			}
			out.Warned++
		}
		return out, nil
	})
}

// expire ends a control whose term passed without renewal, and moves the
// next waiting control on its asset up.
func expire(ctx context.Context, tx *store.Tx, c *Control, now time.Time) error {
	if _, err := tx.Exec(ctx, `UPDATE controls SET status = 'expired', ended_at = ?, end_reason = ?, updated_at = ? WHERE id = ?`,
		now, "期限届满未续行", now, c.ID); err != nil {
		return err
	}
	as, err := loadAsset(ctx, tx, c.AssetID)
	if err != nil {
		return err
	}
	if err := logControl(ctx, tx, c, c.CaseNo, "control.expired", fmt.Sprintf("%s %s 已于 %s 期限届满，未续行，措施失效",
		c.Op.Label(), as.describe(), c.TermTo), audit.Changes{"status": {From: c.Status, To: ControlExpired}}); err != nil {
		return err
	}
	return rerank(ctx, tx, c.AssetID, now)
}

// ExpiryJob is the handler of ExpiryKind.
func ExpiryJob(db *store.DB) func(context.Context) error {
	return func(ctx context.Context) error {
		_, err := WatchExpiry(ctx, db, legal.Today(time.Now()))
		return err
	}
}

// Expiring lists the controls in force whose term ends within days (cases
// of the caller's courts, cases.read), soonest first: the renewal worklist.
func Expiring(ctx context.Context, q store.Querier, today legal.Date, days int, req page.Request) (page.Page[*Control], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Control]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Control]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*Control]{}, err
	}
	cond, args := p.CourtFilter("c.court_id")
	args = append([]any{today.AddDays(days)}, args...)
	if req.Cursor != "" {
		var after struct {
			T  legal.Date
			ID uuid.UUID
		}
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[*Control]{}, err
		}
		cond += " AND (c.term_to > ? OR c.term_to = ? AND c.id > ?)"
		args = append(args, after.T, after.T, after.ID)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+controlColumns+controlFrom+` WHERE c.status IN ('active', 'waiting') AND c.term_to <= ? AND `+cond+`
		ORDER BY c.term_to, c.id LIMIT ?`, args...)
	if err != nil {
		return page.Page[*Control]{}, err
	}
	defer rows.Close()
	var out []*Control
	for rows.Next() {
		c, err := scanControl(rows)
		if err != nil {
			return page.Page[*Control]{}, err
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return page.Page[*Control]{}, err
	}
	return page.Trim(out, limit, func(c *Control) any {
		return struct {
			T  legal.Date
			ID uuid.UUID
		}{c.TermTo, c.ID}
	}), nil
}
