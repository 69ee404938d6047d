package supervise

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The dry run evaluates proposed rules over a court's open subjects and
// says how many items each rule would raise at once, warn of, and raise in
// the next 30 days — before the rules are enabled. Courts with more than
// dryRunAll subjects of a kind are estimated from an evenly spread sample
// (ids are UUIDv7, ordered by creation time: dryRunSegments stretches of
// dryRunSegment ids starting at evenly spaced instants).

const (
	dryRunAll      = 20_000
	dryRunSegments = 10
	dryRunSegment  = 500
	dryRunHorizon  = 30
)

// RuleEstimate is one rule's figures in a dry run.
type RuleEstimate struct {
	ID, Name string
	Now      int // items it would raise at once (node day passed, condition holds)
	Warnings int // early warnings it would give at once
	Next30   int // items falling due in the next 30 days
}

// DryRunResult is a dry run's answer.
type DryRunResult struct {
	Today      legal.Date
	Population map[string]int // open subjects per kind
	Examined   map[string]int // subjects evaluated per kind
	Sampled    bool           // figures extrapolated from a sample
	// Threshold: a rule set that would raise more items than this at once
	// must be confirmed before it is enabled (rule parameter SUP-1/mass_items).
	Threshold int
	Rules     []RuleEstimate
}

// NowTotal is the items all rules would raise at once.
func (d *DryRunResult) NowTotal() int {
	n := 0
	for _, r := range d.Rules {
		n += r.Now
	}
	return n
}

// Mass reports whether enabling the rules would raise more than Threshold
// items at once.
func (d *DryRunResult) Mass() bool { return d.NowTotal() > d.Threshold }

// MassWarning says so in Chinese, naming the largest rules.
func (d *DryRunResult) MassWarning() string {
	var parts []string
	for _, r := range d.Rules {
		if r.Now > d.Threshold/10 {
			parts = append(parts, fmt.Sprintf("%s（%s）约 %d 条", r.Name, r.ID, r.Now))
		}
	}
	est := ""
	if d.Sampled {
		est = "（抽样估计）"
	}
	return fmt.Sprintf("启用后将立即产生约 %d 条督办事项%s，超过 %d 条的提醒线：%s", d.NowTotal(), est, d.Threshold, strings.Join(parts, "；"))
}

// DryRun evaluates rules over a court's open subjects as of today
// (supervision.rules). Rules that do not compile are refused as Save
// refuses them. Nothing is written.
func DryRun(ctx context.Context, db *store.DB, court uuid.UUID, rules []Rule) (*DryRunResult, error) {
	if _, err := courtInScope(ctx, court, access.SupervisionRules); err != nil {
		return nil, err
	}
	set, err := Compile(RuleSet{Version: 1, Rules: rules})
	if err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, db)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	v, err := ruleparams.Resolve(ctx, db, court, today)
	if err != nil {
		return nil, err
	}
	res := &DryRunResult{Today: today, Population: map[string]int{}, Examined: map[string]int{}, Threshold: v.Int(ruleparams.KeySupervisionMass)}
	est := make([]RuleEstimate, len(set.rules))
	for i, r := range set.rules {
		est[i] = RuleEstimate{ID: r.ID, Name: r.Name}
	}
	r := &run{today: today, cal: cal}
	for _, q := range populations(court, today) {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+q.from+` WHERE `+q.where, q.args...).Scan(&n); err != nil {
			return nil, err
		}
		res.Population[q.kind] = n
		if n == 0 || len(set.rulesFor(q.kind)) == 0 {
			continue
		}
		ids, err := sampleIDs(ctx, db, q, n)
		if err != nil {
			return nil, err
		}
		res.Examined[q.kind] = len(ids)
		counts := make([]RuleEstimate, len(set.rules))
		for _, id := range ids {
			f, err := load(ctx, db, Subject{q.kind, id})
			if err != nil {
				return nil, err
			}
			if f == nil {
				continue
			}
			for i, rule := range set.rules {
				if !rule.Enabled || rule.Subject != q.kind {
					continue
				}
				t, ok := rule.nodeDay(cal, f.Dates)
				if !ok || !rule.holds(&r.m, f.Values) {
					continue
				}
				switch {
				case !today.Before(t):
					counts[i].Now++
				case rule.WarnDays > 0 && !today.Before(t.AddDays(-rule.WarnDays)):
					counts[i].Warnings++
					fallthrough
				case t.Sub(today) <= dryRunHorizon:
					counts[i].Next30++
				}
			}
		}
		scale := func(v int) int { return v }
		if len(ids) < n {
			res.Sampled = true
			scale = func(v int) int { return int(int64(v) * int64(n) / int64(len(ids))) }
		}
		for i := range est {
			est[i].Now += scale(counts[i].Now)
			est[i].Warnings += scale(counts[i].Warnings)
			est[i].Next30 += scale(counts[i].Next30)
		}
	}
	res.Rules = est
	return res, nil
}

type population struct {
	kind, from, where string
	args              []any
}

// populations are the open subjects of a court, as Rewatch reads them.
func populations(court uuid.UUID, today legal.Date) []population {
	return []population{
		{SubjectCase, "cases", "court_id = ? AND (status <> 'closed' OR closed_on >= ?)", []any{court, today.AddDays(-366)}},
		{SubjectControl, "controls", "court_id = ? AND status IN ('active', 'waiting')", []any{court}},
		{SubjectAccount, "fund_accounts", "court_id = ? AND kind = 'party' AND role = 'applicant' AND balance_fen > 0", []any{court}},
	}
}

// sampleIDs returns every id of a population of n, or an evenly spread
// sample of a large one.
func sampleIDs(ctx context.Context, q store.Querier, p population, n int) ([]uuid.UUID, error) {
	page := func(after uuid.UUID, limit int) ([]uuid.UUID, error) {
		rows, err := q.Query(ctx, `SELECT id FROM `+p.from+` WHERE `+p.where+` AND id > ? ORDER BY id LIMIT ?`,
			append(append([]any(nil), p.args...), after, limit)...)
		if err != nil {
			return nil, err
		}
		return store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
			var id uuid.UUID
			return id, sc.Scan(&id)
		})
	}
	if n <= dryRunAll {
		var out []uuid.UUID
		after := uuid.Nil
		for {
			ids, err := page(after, 5000)
			if err != nil {
				return nil, err
			}
			out = append(out, ids...)
			if len(ids) < 5000 {
				return out, nil
			}
			after = ids[len(ids)-1]
		}
	}
	var lo, hi uuid.UUID
	if err := q.QueryRow(ctx, `SELECT MIN(id), MAX(id) FROM `+p.from+` WHERE `+p.where, p.args...).Scan(&lo, &hi); err != nil {
		return nil, err
	}
	t0, t1 := msOf(lo), msOf(hi)
	seen := map[uuid.UUID]bool{}
	var out []uuid.UUID
	for i := range dryRunSegments {
		var from uuid.UUID
		binary.BigEndian.PutUint64(from[:8], (t0+(t1-t0)*uint64(i)/dryRunSegments)<<16)
		ids, err := page(from, dryRunSegment)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	return out, nil
}

// msOf is the Unix millisecond instant of a UUIDv7.
func msOf(id uuid.UUID) uint64 { return binary.BigEndian.Uint64(id[:8]) >> 16 }
