// Package metrics keeps the aggregates behind the KPIs (DOMAIN.md §13):
// per court, team, handler, case type, lane and day, the cases received and
// closed with what the formulas need. Each change of a case updates the
// buckets it touches in its own transaction, as the difference between the
// case's contribution before and after the change (Apply), so the figures
// are live and no row is shared by every change; Verify recomputes them
// from the cases with the same contribution function and must agree.
package metrics

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Snapshot is what a case contributes to the aggregates from.
type Snapshot struct {
	CourtID, TeamID, HandlerID uuid.UUID
	CaseType, Lane             string
	FiledOn                    legal.Date
	Closed                     bool
	ClosedOn                   legal.Date
	Closure                    string     // CODE-3 closure mode when closed
	Deadline                   legal.Date // the effective deadline (CLOCK-2, -3, -8)
	DeductedDays               int        // the days the clock stood still
	ClaimFen, RecoveredFen     int64
}

// Bucket is one row of the aggregates: of case_stats (Grain GrainFull) or
// of its roll-ups in case_stats_rollup (a month's Day is its first day; a
// court's day or month has no team or handler).
type Bucket struct {
	CourtID   uuid.UUID
	Day       legal.Date
	TeamID    uuid.UUID
	HandlerID uuid.UUID
	CaseType  string
	Lane      string
	Grain     Grain
}

// Grain says which table a Bucket belongs to, and what it sums.
type Grain string

const (
	GrainFull      Grain = ""           // case_stats: a day per team, handler, case type and lane
	GrainDay       Grain = "day"        // case_stats_rollup: a court's day
	GrainMonth     Grain = "month"      // case_stats_rollup: a court's month
	GrainTeamMonth Grain = "team_month" // case_stats_rollup: a month per team, handler, case type and lane
)

// monthStart is the first day of d's month.
func monthStart(d legal.Date) legal.Date { return legal.NewDate(d.Year(), d.Month(), 1) }

// rollUp adds to m the roll-ups of its case_stats buckets: each bucket's
// figures also count for its court's day and month and for its owners'
// month.
func rollUp(m map[Bucket]Counts) {
	type roll struct {
		k Bucket
		c Counts
	}
	var rolls []roll
	for k, c := range m {
		if k.Grain != GrainFull {
			continue
		}
		day := Bucket{CourtID: k.CourtID, Day: k.Day, CaseType: k.CaseType, Lane: k.Lane, Grain: GrainDay}
		month := day
		month.Day, month.Grain = monthStart(k.Day), GrainMonth
		owners := k
		owners.Day, owners.Grain = month.Day, GrainTeamMonth
		rolls = append(rolls, roll{day, c}, roll{month, c}, roll{owners, c})
	}
	for _, r := range rolls {
		m[r.k] = m[r.k].add(r.c, 1)
	}
}

// Counts are a bucket's figures.
type Counts struct {
	Received, Closed, ClosedPerformed, ClosedActual, ClosedZhongben, ClosedInTerm int64
	ClosedDays, ClosedClaimFen, ClosedRecoveredFen                                int64
}

// Add returns c plus o.
func (c Counts) Add(o Counts) Counts { return c.add(o, 1) }

func (c Counts) add(o Counts, sign int64) Counts {
	return Counts{c.Received + sign*o.Received, c.Closed + sign*o.Closed, c.ClosedPerformed + sign*o.ClosedPerformed,
		c.ClosedActual + sign*o.ClosedActual, c.ClosedZhongben + sign*o.ClosedZhongben, c.ClosedInTerm + sign*o.ClosedInTerm,
		c.ClosedDays + sign*o.ClosedDays, c.ClosedClaimFen + sign*o.ClosedClaimFen, c.ClosedRecoveredFen + sign*o.ClosedRecoveredFen}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// contributions is what a case adds to the aggregates: one received on its
// filing day and, once closed, one closed on its closing day with the
// closure's figures, both to its current owner.
func contributions(s *Snapshot) map[Bucket]Counts {
	if s == nil {
		return nil
	}
	out := map[Bucket]Counts{}
	key := func(day legal.Date) Bucket {
		return Bucket{CourtID: s.CourtID, Day: day, TeamID: s.TeamID, HandlerID: s.HandlerID, CaseType: s.CaseType, Lane: s.Lane}
	}
	out[key(s.FiledOn)] = Counts{Received: 1}
	if s.Closed {
		k := key(s.ClosedOn)
		days := max(int64(s.ClosedOn.Sub(s.FiledOn))-int64(s.DeductedDays), 0)
		c := Counts{Closed: 1, ClosedPerformed: b2i(s.Closure == "performed"),
			ClosedActual:   b2i(s.Closure == "performed" || s.Closure == "settlement_long_term"),
			ClosedZhongben: b2i(s.Closure == "zhongben"), ClosedInTerm: b2i(!s.Deadline.IsZero() && !s.ClosedOn.After(s.Deadline)),
			ClosedDays: days, ClosedClaimFen: s.ClaimFen, ClosedRecoveredFen: s.RecoveredFen}
		out[k] = out[k].add(c, 1)
	}
	return out
}

// ApplyNew records many new cases at once (a bulk load): their
// contributions summed, then written as Apply writes one case's.
func ApplyNew(ctx context.Context, tx *store.Tx, cases []*Snapshot) error {
	delta := map[Bucket]Counts{}
	for _, s := range cases {
		for k, c := range contributions(s) {
			delta[k] = delta[k].add(c, 1)
		}
	}
	return write(ctx, tx, delta)
}

// Apply records the change of one case from before to after (before nil:
// the case is new) in tx: the buckets whose figures differ, in one
// statement, in a fixed order (two transactions touching the same buckets
// cannot deadlock).
func Apply(ctx context.Context, tx *store.Tx, before, after *Snapshot) error {
	delta := contributions(after)
	if delta == nil {
		delta = map[Bucket]Counts{}
	}
	for k, c := range contributions(before) {
		delta[k] = delta[k].add(c, -1)
	}
	return write(ctx, tx, delta)
}

// write adds delta, the case_stats buckets that moved, and its courts'
// roll-ups to the aggregates.
func write(ctx context.Context, tx *store.Tx, delta map[Bucket]Counts) error {
	rollUp(delta)
	full, rolls := split(delta)
	if len(full) > 0 {
		err := store.UpsertRows(ctx, tx, `INSERT INTO case_stats (`+statColumns+`) VALUES `, ` ON CONFLICT (court_id, day, team_id, handler_id,
			case_type, lane) DO UPDATE SET `+upsertSet("case_stats", statColumns), 15, len(full), func(i int, args []any) []any {
			return appendRow(args, full[i], delta[full[i]])
		})
		if err != nil {
			return err
		}
	}
	return store.UpsertRows(ctx, tx, `INSERT INTO case_stats_rollup (`+rollupColumns+`) VALUES `, ` ON CONFLICT (court_id, grain, day,
		team_id, handler_id, case_type, lane) DO UPDATE SET `+upsertSet("case_stats_rollup", rollupColumns), 16, len(rolls),
		func(i int, args []any) []any {
			return appendRollupRow(args, rolls[i], delta[rolls[i]])
		})
}

// split returns the keys of m with any figure, case_stats's and
// case_stats_rollup's apart, each in the fixed order.
func split(m map[Bucket]Counts) (full, rolls []Bucket) {
	for k, c := range m {
		switch {
		case c == (Counts{}):
		case k.Grain == GrainFull:
			full = append(full, k)
		default:
			rolls = append(rolls, k)
		}
	}
	sortBuckets(full)
	sortBuckets(rolls)
	return full, rolls
}

const (
	countColumns = `received, closed, closed_performed, closed_actual, closed_zhongben, closed_in_term, closed_days, closed_claim_fen,
	closed_recovered_fen`
	// countColumnsS is countColumns of the table aliased s.
	countColumnsS = `s.received, s.closed, s.closed_performed, s.closed_actual, s.closed_zhongben, s.closed_in_term, s.closed_days,
	s.closed_claim_fen, s.closed_recovered_fen`
	statColumns   = `court_id, day, team_id, handler_id, case_type, lane, ` + countColumns
	rollupColumns = `court_id, grain, day, team_id, handler_id, case_type, lane, ` + countColumns
)

// upsertSet adds the excluded row's figures to the kept ones.
func upsertSet(table, columns string) string {
	var parts []string
	for _, c := range strings.Split(columns, ",") {
		c = strings.TrimSpace(c)
		if strings.HasPrefix(c, "received") || strings.HasPrefix(c, "closed") {
			parts = append(parts, c+" = "+table+"."+c+" + excluded."+c)
		}
	}
	return strings.Join(parts, ", ")
}

func appendCounts(args []any, c Counts) []any {
	return append(args, c.Received, c.Closed, c.ClosedPerformed, c.ClosedActual, c.ClosedZhongben, c.ClosedInTerm, c.ClosedDays,
		c.ClosedClaimFen, c.ClosedRecoveredFen)
}

func appendRow(args []any, k Bucket, c Counts) []any {
	return appendCounts(append(args, k.CourtID, k.Day, k.TeamID, k.HandlerID, k.CaseType, k.Lane), c)
}

func appendRollupRow(args []any, k Bucket, c Counts) []any {
	return appendCounts(append(args, k.CourtID, string(k.Grain), k.Day, k.TeamID, k.HandlerID, k.CaseType, k.Lane), c)
}

func sortBuckets(keys []Bucket) {
	slices.SortFunc(keys, func(a, b Bucket) int {
		if c := strings.Compare(string(a.Grain), string(b.Grain)); c != 0 {
			return c
		}
		if c := strings.Compare(a.CourtID.String(), b.CourtID.String()); c != 0 {
			return c
		}
		if c := strings.Compare(a.Day.String(), b.Day.String()); c != 0 {
			return c
		}
		if c := strings.Compare(a.TeamID.String(), b.TeamID.String()); c != 0 {
			return c
		}
		if c := strings.Compare(a.HandlerID.String(), b.HandlerID.String()); c != 0 {
			return c
		}
		if c := strings.Compare(a.CaseType, b.CaseType); c != 0 {
			return c
		}
		return strings.Compare(a.Lane, b.Lane)
	})
}

// RecoveredChanged records money recovered for a case after the case was
// closed (a payment after 终本): the closed case's figure moves with it. An
// open case contributes no recovered money yet.
func RecoveredChanged(ctx context.Context, tx *store.Tx, caseID uuid.UUID, deltaFen int64) error {
	s, err := Read(ctx, tx, caseID)
	if err != nil || !s.Closed || deltaFen == 0 {
		return err
	}
	before := *s
	before.RecoveredFen -= deltaFen
	return Apply(ctx, tx, &before, s)
}

// snapshotColumns read a case's Snapshot (scanSnapshot).
const snapshotColumns = `court_id, team_id, handler_id, case_type, lane, filed_on, status, closed_on, closure, deadline, deducted_days,
	claim_amount_fen, recovered_amount_fen`

func scanSnapshot(sc store.Scanner) (*Snapshot, error) {
	s := &Snapshot{}
	var team, handler uuid.NullUUID
	var status string
	var closed *legal.Date
	if err := sc.Scan(&s.CourtID, &team, &handler, &s.CaseType, &s.Lane, &s.FiledOn, &status, &closed, &s.Closure, &s.Deadline, &s.DeductedDays,
		&s.ClaimFen, &s.RecoveredFen); err != nil {
		return nil, err
	}
	s.TeamID, s.HandlerID = team.UUID, handler.UUID
	if closed != nil && status == "closed" {
		s.Closed, s.ClosedOn = true, *closed
	}
	return s, nil
}

// Read returns what a case contributes now, as stored: the hooks read it
// before and after a change and Apply the difference.
func Read(ctx context.Context, q store.Querier, caseID uuid.UUID) (*Snapshot, error) {
	s, err := scanSnapshot(q.QueryRow(ctx, `SELECT `+snapshotColumns+` FROM cases WHERE id = ?`, caseID))
	if err != nil {
		return nil, fmt.Errorf("metrics: case %s: %w", caseID, err)
	}
	return s, nil
}
