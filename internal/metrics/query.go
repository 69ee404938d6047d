package metrics

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// GroupBy is what the figures are broken down by.
type GroupBy string

const (
	ByCourt    GroupBy = "court"
	ByTeam     GroupBy = "team"
	ByHandler  GroupBy = "handler"
	ByLane     GroupBy = "lane"
	ByCaseType GroupBy = "case_type"
)

var groupColumn = map[GroupBy]string{ByCourt: "s.court_id", ByTeam: "s.team_id", ByHandler: "s.handler_id", ByLane: "s.lane",
	ByCaseType: "s.case_type"}

// Query asks for the figures of a period.
type Query struct {
	From, To legal.Date // both included
	GroupBy  GroupBy
	CourtID  uuid.UUID // one court; uuid.Nil: every court the caller sees
}

// Row is one group's figures for the period under the metric definitions
// in force on its last day (MET-0): All over the case types MET-1 结案率
// counts (by default 执, 执恢, 执保), First over those MET-3 执结率 counts
// (首执: 执).
type Row struct {
	Key        string // the court, team or handler id, the lane or the case type
	All, First Period
	Unowned    bool // the zero team or handler: cases not assigned
}

// Period is what a group received and closed in a period.
type Period struct {
	PendingStart int64 // open on the first day (received before it, not closed before it)
	Counts
}

// plus returns p plus o.
func (p Period) plus(o Period) Period {
	return Period{PendingStart: p.PendingStart + o.PendingStart, Counts: p.Counts.Add(o.Counts)}
}

// caseMetrics are the scoped metrics answered from case_stats.
var caseMetrics = []MetricID{MetClosureRate, MetCloseReceive, MetFirstClosure, MetActual, MetPerformed, MetRecovery, MetInTerm,
	MetMeanDays, MetPerJudge, MetZhongben}

// Figures answers q for the caller's courts (cases.read), each court's
// figures under its definitions in force on q.To: a court outside them is
// not found; a reversed period is refused.
func Figures(ctx context.Context, q store.Querier, in Query) ([]Row, error) {
	c, err := collect(ctx, q, in, caseFigures)
	if err != nil {
		return nil, err
	}
	out := make([]Row, 0, len(c.keys))
	for _, tr := range c.rows() {
		out = append(out, tr.Row)
	}
	return out, nil
}

// SupervisionStats answers MET-13 alone for q — the items raised in the
// period, per group, exactly as KPIs counts them — under the scope rules of
// Figures.
func SupervisionStats(ctx context.Context, q store.Querier, in Query) ([]TableRow, error) {
	c, err := collect(ctx, q, in, supervisionOnly)
	if err != nil {
		return nil, err
	}
	var out []TableRow
	for _, tr := range c.rows() {
		out = append(out, *tr)
	}
	return out, nil
}

// TableRow is one group's figures with every metric of DOMAIN.md §13 the
// platform answers, each over its own case types.
type TableRow struct {
	Row
	// Scoped are the case_stats figures of each metric over the case types
	// its definition counts (MET-1 … MET-9, MET-12).
	Scoped map[MetricID]Period
	// Definitions are those of the courts whose cases, payouts or items
	// the row counts, in the order met.
	Definitions []*Definition
	// Judges is MET-9's denominator: the active users with the role
	// post_judge of the group's court or team now (JudgesCounted: the
	// grouping has one; lanes, case types and handlers do not).
	Judges        int64
	JudgesCounted bool
	Payouts       PayoutFigures      // MET-11
	Supervision   SupervisionFigures // MET-13
	Entrusted     EntrustedFigures   // MET-10
}

// Of returns the figures of metric m.
func (r *TableRow) Of(m MetricID) Period { return r.Scoped[m] }

// CaseTypes returns the case types metric m counts in the row, when every
// definition of the row says the same (a drill-down can then name them);
// ok is false when the row's courts count different ones.
func (r *TableRow) CaseTypes(m MetricID) (types []string, ok bool) {
	if len(r.Definitions) == 0 {
		return sortedCopy(Builtin().Scope(m).CaseTypes), true
	}
	for i, d := range r.Definitions {
		t := sortedCopy(d.Scope(m).CaseTypes)
		if i == 0 {
			types = t
		} else if !slices.Equal(types, t) {
			return nil, false
		}
	}
	return types, true
}

// TableRowOf is a Row as a TableRow: each metric over All (MET-1, -2,
// -6, -7, -8, -9) or First (MET-3, -4, -5, -12), as rows were counted
// before MET-0 and as the board still counts them.
func TableRowOf(r Row) TableRow {
	tr := TableRow{Row: r, Scoped: map[MetricID]Period{}}
	for _, m := range caseMetrics {
		if slices.Equal(Builtin().Scope(m).CaseTypes, FirstTypes) {
			tr.Scoped[m] = r.First
		} else {
			tr.Scoped[m] = r.All
		}
	}
	return tr
}

// PayoutFigures are MET-11's: the payouts to creditors whose FUND-4
// deadline fell in the period — settled, or still unpaid with the deadline
// passed — and of them those settled on or before it; the payouts settled
// in the period whose money's arrival is known, and their days from the
// money's arrival to the settlement.
type PayoutFigures struct {
	Due, OnTime   int64
	Settled, Days int64
}

// SupervisionFigures are MET-13's: the items raised in the period, those closed and their handling days
// (closed − raised), those answered and those answered late.
type SupervisionFigures struct {
	Raised, Closed, HandlingDays, Answered, Late int64
}

// EntrustedFigures are MET-10's, counted for the receiving court (and its
// team and person when assigned): the matters entrusted to it whose due day
// fell in the period — reported, or still open with the day passed — and of
// them those done by it; the matters reported done in the period and their
// days from sending to done. Returned matters count nowhere.
type EntrustedFigures struct {
	Due, OnTime int64
	Done, Days  int64
}

func (e EntrustedFigures) add(o EntrustedFigures) EntrustedFigures {
	return EntrustedFigures{e.Due + o.Due, e.OnTime + o.OnTime, e.Done + o.Done, e.Days + o.Days}
}

// UsedDefinition is a definition an answer used, with the courts it
// answered for.
type UsedDefinition struct {
	*Definition
	Courts []uuid.UUID
}

// Table is the KPI table of a query: the groups, their total, and the
// definitions used.
type Table struct {
	Query
	Rows  []TableRow
	Total TableRow
	// Used are the definitions in force on To of the courts counted (of
	// the court asked for; when nothing was counted across several courts,
	// the platform's), ordered by scope and version.
	Used []UsedDefinition
}

// KPIs answers the KPI table of q (cases.read, the caller's courts, as
// Figures): every metric the platform answers under each court's
// definitions in force on q.To, with MET-9 (post judges counted now),
// MET-11 (payouts) and MET-13 (supervision items) read when asked.
func KPIs(ctx context.Context, q store.Querier, in Query) (*Table, error) {
	c, err := collect(ctx, q, in, allFigures)
	if err != nil {
		return nil, err
	}
	t := &Table{Query: in, Total: TableRow{Scoped: map[MetricID]Period{}, JudgesCounted: true, Judges: c.judgesTotal}}
	seen := map[*Definition]bool{}
	for _, tr := range c.rows() {
		if n, ok := c.judges[tr.Key]; ok || in.GroupBy == ByCourt || in.GroupBy == ByTeam {
			tr.Judges, tr.JudgesCounted = n, !tr.Unowned
		}
		t.Rows = append(t.Rows, *tr)
		for m, p := range tr.Scoped {
			t.Total.Scoped[m] = t.Total.Scoped[m].plus(p)
		}
		t.Total.Payouts = t.Total.Payouts.add(tr.Payouts)
		t.Total.Supervision = t.Total.Supervision.add(tr.Supervision)
		t.Total.Entrusted = t.Total.Entrusted.add(tr.Entrusted)
	}
	t.Total.All, t.Total.First = t.Total.Scoped[MetClosureRate], t.Total.Scoped[MetFirstClosure]
	byDef := map[*Definition][]uuid.UUID{}
	for court, d := range c.used {
		byDef[d] = append(byDef[d], court)
	}
	if len(byDef) == 0 {
		byDef[c.defs.For(uuid.Nil)] = nil
	}
	for d, courts := range byDef {
		slices.SortFunc(courts, func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
		t.Used = append(t.Used, UsedDefinition{Definition: d, Courts: courts})
		if !seen[d] {
			seen[d] = true
			t.Total.Definitions = append(t.Total.Definitions, d)
		}
	}
	slices.SortFunc(t.Used, func(a, b UsedDefinition) int {
		if c := strings.Compare(a.CourtID.String(), b.CourtID.String()); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	slices.SortFunc(t.Total.Definitions, func(a, b *Definition) int {
		if c := strings.Compare(a.CourtID.String(), b.CourtID.String()); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return t, nil
}

func (p PayoutFigures) add(o PayoutFigures) PayoutFigures {
	return PayoutFigures{p.Due + o.Due, p.OnTime + o.OnTime, p.Settled + o.Settled, p.Days + o.Days}
}

func (s SupervisionFigures) add(o SupervisionFigures) SupervisionFigures {
	return SupervisionFigures{s.Raised + o.Raised, s.Closed + o.Closed, s.HandlingDays + o.HandlingDays, s.Answered + o.Answered,
		s.Late + o.Late}
}

// scope is the courts a query reads: the caller's, or one of them.
type scope struct {
	p     *access.Principal
	court uuid.UUID
}

// cond limits a court column to the scope.
func (s scope) cond(column string) (string, []any) {
	cond, args := s.p.CourtFilter(column)
	if s.court != uuid.Nil {
		cond += " AND " + column + " = ?"
		args = append(args, s.court)
	}
	return cond, args
}

// collector gathers a query's figures per group.
type collector struct {
	in          Query
	scope       scope
	defs        *Definitions
	groups      map[string]*TableRow
	keys        []string
	used        map[uuid.UUID]*Definition // court → its definition, for the courts counted
	judges      map[string]int64          // MET-9: post judges by court or team
	judgesTotal int64
}

// reading is what collect reads.
type reading int

const (
	caseFigures     reading = iota // case_stats only (Figures)
	allFigures                     // and MET-9's judges, MET-11, MET-13, MET-10 (KPIs)
	supervisionOnly                // MET-13's items only (SupervisionStats)
)

// collect checks a query and reads its figures: from case_stats and, when
// extras, MET-9's judges, MET-11's payouts and MET-13's items.
func collect(ctx context.Context, q store.Querier, in Query, what reading) (*collector, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	if _, ok := groupColumn[in.GroupBy]; !ok {
		return nil, apperr.InvalidField("invalid_group_by", "query.group_by", "分组方式应为 court、team、handler、lane 或 case_type")
	}
	if in.From.IsZero() || in.To.IsZero() {
		return nil, apperr.InvalidField("invalid_date", "query.from", "请给出起止日期（YYYY-MM-DD）")
	}
	if in.To.Before(in.From) {
		return nil, apperr.InvalidField("invalid_date_order", "query.to", "截止日期不能早于起始日期")
	}
	if in.CourtID != uuid.Nil && !p.Sees(in.CourtID) {
		return nil, apperr.NotFoundf("法院")
	}
	c := &collector{in: in, scope: scope{p, in.CourtID}, groups: map[string]*TableRow{}, used: map[uuid.UUID]*Definition{},
		judges: map[string]int64{}}
	if c.defs, err = InForce(ctx, q, in.To); err != nil {
		return nil, err
	}
	if in.CourtID != uuid.Nil {
		c.used[in.CourtID] = c.defs.For(in.CourtID)
	}
	if what == supervisionOnly {
		return c, c.supervision(ctx, q)
	}
	if err := c.caseStats(ctx, q); err != nil {
		return nil, err
	}
	if what == allFigures {
		if err := c.postJudges(ctx, q); err != nil {
			return nil, err
		}
		if err := c.payouts(ctx, q, time.Now()); err != nil {
			return nil, err
		}
		if err := c.supervision(ctx, q); err != nil {
			return nil, err
		}
		if err := c.entrusted(ctx, q, time.Now()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// group returns the row of a key, new when first met.
func (c *collector) group(key string, unowned bool) *TableRow {
	tr := c.groups[key]
	if tr == nil {
		tr = &TableRow{Row: Row{Key: key, Unowned: unowned}, Scoped: map[MetricID]Period{}}
		c.groups[key] = tr
		c.keys = append(c.keys, key)
	}
	return tr
}

// define notes that tr counts a court's figures under its definition.
func (c *collector) define(tr *TableRow, court uuid.UUID) *Definition {
	d := c.defs.For(court)
	c.used[court] = d
	if !slices.Contains(tr.Definitions, d) {
		tr.Definitions = append(tr.Definitions, d)
	}
	return d
}

// rows returns the groups with any figure, by key.
func (c *collector) rows() []*TableRow {
	slices.Sort(c.keys)
	out := make([]*TableRow, 0, len(c.keys))
	for _, k := range c.keys {
		tr := c.groups[k]
		tr.All, tr.First = tr.Scoped[MetClosureRate], tr.Scoped[MetFirstClosure]
		empty := tr.Payouts == (PayoutFigures{}) && tr.Supervision == (SupervisionFigures{}) && tr.Entrusted == (EntrustedFigures{})
		for _, p := range tr.Scoped {
			empty = empty && p == (Period{})
		}
		if !empty {
			out = append(out, tr)
		}
	}
	return out
}

// groupKey scans a group's key: an id (the zero or a missing one: no team
// or handler) or a text.
type groupKey struct {
	byID bool
	id   uuid.NullUUID
	text string
}

func newGroupKey(by GroupBy) *groupKey { return &groupKey{byID: by != ByLane && by != ByCaseType} }

func (k *groupKey) dest() any {
	if k.byID {
		return &k.id
	}
	return &k.text
}

func (k *groupKey) get() (string, bool) {
	if k.byID {
		return k.id.UUID.String(), k.id.UUID == uuid.Nil
	}
	return k.text, false
}

var statSums = []string{"received", "closed", "closed_performed", "closed_actual", "closed_zhongben", "closed_in_term", "closed_days",
	"closed_claim_fen", "closed_recovered_fen"}

// caseStats reads case_stats grouped by the group, the court and the case
// type, and adds each line to the metrics whose definition (the court's)
// counts its case type.
func (c *collector) caseStats(ctx context.Context, q store.Querier) error {
	col := groupColumn[c.in.GroupBy]
	cond, args := c.scope.cond("s.court_id")
	src := periodSource(cond, args, c.in.From, c.in.To, c.in.GroupBy == ByTeam || c.in.GroupBy == ByHandler)
	sums, qargs := src.sums()
	rows, err := q.Query(ctx, `SELECT `+col+`, s.court_id, s.case_type, `+sums+` FROM `+src.from+`
		GROUP BY `+col+`, s.court_id, s.case_type`, append(qargs, src.fromArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	k := newGroupKey(c.in.GroupBy)
	for rows.Next() {
		var court uuid.UUID
		var caseType string
		var per Period
		if err := rows.Scan(append([]any{k.dest(), &court, &caseType}, per.dest()...)...); err != nil {
			return err
		}
		if per == (Period{}) {
			continue
		}
		tr := c.group(k.get())
		d := c.define(tr, court)
		for _, m := range caseMetrics {
			if d.Counts(m, caseType) {
				tr.Scoped[m] = tr.Scoped[m].plus(per)
			}
		}
	}
	return rows.Err()
}

// source is where a period's figures are read from: from, a subquery
// aliased s with the columns court_id, team_id, handler_id, case_type, lane,
// grain ('day' or 'month'), day and the figures; pending, the condition on
// its rows that counts towards the cases pending at the period's start
// (received − closed); period, the condition that counts towards the
// period's own figures. Each with its arguments.
type source struct {
	from, pending, period             string
	fromArgs, pendingArgs, periodArgs []any
}

// sums is the select list of a Period's figures over src (pending at the
// start, then statSums in the period: see Period.dest) and its arguments.
func (src source) sums() (string, []any) {
	sel := []string{`SUM(CASE WHEN ` + src.pending + ` THEN s.received - s.closed ELSE 0 END)`}
	args := slices.Clone(src.pendingArgs)
	for _, name := range statSums {
		sel = append(sel, `SUM(CASE WHEN `+src.period+` THEN s.`+name+` ELSE 0 END)`)
		args = append(args, src.periodArgs...)
	}
	return strings.Join(sel, ", "), args
}

// dest is where a row's source.sums scan into.
func (p *Period) dest() []any {
	c := &p.Counts
	return []any{&p.PendingStart, &c.Received, &c.Closed, &c.ClosedPerformed, &c.ClosedActual, &c.ClosedZhongben, &c.ClosedInTerm,
		&c.ClosedDays, &c.ClosedClaimFen, &c.ClosedRecoveredFen}
}

// periodSource reads a period from … to for the courts cond selects: the
// months wholly inside it, and before it for the pending cases, from the
// month roll-ups; only the days of its two edge months from the day rows.
// Per owner (team, handler): the owners' months (team_month) and the days
// of case_stats; per court, lane or case type: the courts' months and
// days. Every branch is one index range per court (the tables' keys start
// court_id, then grain and day, or day), so the cost follows the months of
// history and the owners, not the cases.
func periodSource(cond string, args []any, from, to legal.Date, owners bool) source {
	fromMonth := monthStart(from)
	m1 := fromMonth // the first whole month of the period
	if from.Day() != 1 {
		m1 = fromMonth.AddMonths(1)
	}
	m2 := monthStart(to.AddDays(1)) // the first month after the whole ones
	src := source{pending: `((s.grain = 'month' AND s.day < ?) OR (s.grain = 'day' AND s.day < ?))`, pendingArgs: []any{fromMonth, from}}
	type span struct {
		grain    string
		from, to legal.Date // from included (zero: unbounded), to excluded
	}
	spans := []span{{"month", legal.Date{}, m2}, {"day", fromMonth, m1}, {"day", m2, to.AddDays(1)}}
	if m1.Before(m2) {
		src.period = `((s.grain = 'month' AND s.day >= ?) OR (s.grain = 'day' AND s.day >= ?))`
		src.periodArgs = []any{m1, from}
	} else { // no whole month: days only
		src.period = `(s.grain = 'day' AND s.day >= ?)`
		src.periodArgs = []any{from}
		spans = []span{{"month", legal.Date{}, fromMonth}, {"day", fromMonth, to.AddDays(1)}}
	}
	const figures = `s.court_id, s.team_id, s.handler_id, s.case_type, s.lane, s.day, ` + countColumnsS
	var branches []string
	for _, sp := range spans {
		if !sp.from.IsZero() && !sp.from.Before(sp.to) {
			continue
		}
		var b string
		switch {
		case sp.grain == "month" && owners:
			b = `SELECT 'month' AS grain, ` + figures + ` FROM case_stats_rollup s WHERE ` + cond + ` AND s.grain = 'team_month' AND s.day < ?`
		case sp.grain == "month":
			b = `SELECT 'month' AS grain, ` + figures + ` FROM case_stats_rollup s WHERE ` + cond + ` AND s.grain = 'month' AND s.day < ?`
		case owners:
			b = `SELECT 'day' AS grain, ` + figures + ` FROM case_stats s WHERE ` + cond + ` AND s.day < ?`
		default:
			b = `SELECT 'day' AS grain, ` + figures + ` FROM case_stats_rollup s WHERE ` + cond + ` AND s.grain = 'day' AND s.day < ?`
		}
		src.fromArgs = append(append(src.fromArgs, args...), sp.to)
		if !sp.from.IsZero() {
			b += ` AND s.day >= ?`
			src.fromArgs = append(src.fromArgs, sp.from)
		}
		branches = append(branches, b)
	}
	src.from = `(` + strings.Join(branches, " UNION ALL ") + `) s`
	return src
}

// postJudges counts MET-9's denominator now: the active users with the
// role post_judge of each court (and team) in scope. Users keep no history
// of their roles, so a past period is divided by today's judges.
func (c *collector) postJudges(ctx context.Context, q store.Querier) error {
	cond, args := c.scope.cond("u.court_id")
	rows, err := q.Query(ctx, `SELECT u.court_id, u.team_id, COUNT(*) FROM users u WHERE u.role = ? AND u.disabled_at IS NULL AND `+cond+`
		GROUP BY u.court_id, u.team_id`, append([]any{access.RolePostJudge}, args...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var court uuid.UUID
		var team uuid.NullUUID
		var n int64
		if err := rows.Scan(&court, &team, &n); err != nil {
			return err
		}
		c.judgesTotal += n
		switch c.in.GroupBy {
		case ByCourt:
			c.judges[court.String()] += n
		case ByTeam:
			if team.Valid {
				c.judges[team.UUID.String()] += n
			}
		}
	}
	return rows.Err()
}

// The group columns of payouts (o, with their case c) and of supervision
// items (i, with their case c).
var (
	payoutGroup = map[GroupBy]string{ByCourt: "o.court_id", ByTeam: "c.team_id", ByHandler: "c.handler_id", ByLane: "c.lane",
		ByCaseType: "c.case_type"}
	itemGroup = map[GroupBy]string{ByCourt: "i.court_id", ByTeam: "i.team_id", ByHandler: "i.handler_id", ByLane: "c.lane",
		ByCaseType: "c.case_type"}
)

// payouts reads MET-11 from the payouts of the period: two indexed range
// reads per court (the deadlines in the period; the settlements in it) and,
// for the accounts of the payouts settled, their payables and settled
// payouts, matched oldest money first (FUND-4: a payout pays the oldest
// money on the account), which gives each payout its money's arrival.
// The cost follows the payouts of the period, not the cases.
func (c *collector) payouts(ctx context.Context, q store.Querier, now time.Time) error {
	col := payoutGroup[c.in.GroupBy]
	cond, args := c.scope.cond("o.court_id")
	today := legal.Today(now)
	rows, err := q.Query(ctx, `SELECT `+col+`, o.court_id, c.case_type, o.status, o.due_on, o.ended_at
		FROM payouts o JOIN cases c ON c.id = o.case_id
		WHERE `+cond+` AND o.due_on IS NOT NULL AND o.due_on >= ? AND o.due_on <= ? AND o.status IN ('pending', 'approved', 'sent', 'settled')`,
		append(args, c.in.From, c.in.To)...)
	if err != nil {
		return err
	}
	k := newGroupKey(c.in.GroupBy)
	for rows.Next() {
		var court uuid.UUID
		var caseType, status string
		var due legal.Date
		var ended *time.Time
		if err := rows.Scan(k.dest(), &court, &caseType, &status, &due, &ended); err != nil {
			rows.Close()
			return err
		}
		if !c.defs.For(court).Counts(MetPayout, caseType) {
			continue
		}
		settled := status == "settled" && ended != nil
		if !settled && !due.Before(today) {
			continue // not paid yet, still in time: not decided
		}
		tr := c.group(k.get())
		c.define(tr, court)
		tr.Payouts.Due++
		if settled && !legal.Today(*ended).After(due) {
			tr.Payouts.OnTime++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	type settledPayout struct {
		key     string
		unowned bool
		court   uuid.UUID
		account uuid.UUID
		id      uuid.UUID
		on      legal.Date
	}
	rows, err = q.Query(ctx, `SELECT `+col+`, o.court_id, c.case_type, o.account_id, o.id, o.ended_at
		FROM payouts o JOIN cases c ON c.id = o.case_id
		WHERE `+cond+` AND o.status = 'settled' AND o.ended_at >= ? AND o.ended_at < ?`,
		append(args, c.in.From.Start(), c.in.To.AddDays(1).Start())...)
	if err != nil {
		return err
	}
	var list []settledPayout
	var accounts []uuid.UUID
	for rows.Next() {
		var s settledPayout
		var caseType string
		var ended time.Time
		if err := rows.Scan(k.dest(), &s.court, &caseType, &s.account, &s.id, &ended); err != nil {
			rows.Close()
			return err
		}
		if !c.defs.For(s.court).Counts(MetPayout, caseType) {
			continue
		}
		s.key, s.unowned = k.get()
		s.on = legal.Today(ended)
		list = append(list, s)
		if !slices.Contains(accounts, s.account) {
			accounts = append(accounts, s.account)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	arrived, err := arrivals(ctx, q, accounts)
	if err != nil {
		return err
	}
	for _, s := range list {
		on, ok := arrived[s.id]
		if !ok {
			continue // not a creditor's money (a refund of the surplus)
		}
		tr := c.group(s.key, s.unowned)
		c.define(tr, s.court)
		tr.Payouts.Settled++
		tr.Payouts.Days += int64(max(s.on.Sub(on), 0))
	}
	return nil
}

// arrivals returns, for every settled payout of the accounts, the day the
// oldest money it paid arrived: an account's payables and settled payouts
// matched in order, oldest money first, as FUND-4 takes them.
func arrivals(ctx context.Context, q store.Querier, accounts []uuid.UUID) (map[uuid.UUID]legal.Date, error) {
	out := map[uuid.UUID]legal.Date{}
	type payable struct {
		amount int64
		on     legal.Date
	}
	for from := 0; from < len(accounts); from += 500 {
		chunk := make([]any, 0, 500)
		for _, a := range accounts[from:min(from+500, len(accounts))] {
			chunk = append(chunk, a)
		}
		in := `(` + store.Placeholders(len(chunk)) + `)`
		rows, err := q.Query(ctx, `SELECT account_id, amount_fen, arrived_on FROM payables WHERE account_id IN `+in+`
			ORDER BY account_id, arrived_on, id`, chunk...)
		if err != nil {
			return nil, err
		}
		money := map[uuid.UUID][]payable{}
		for rows.Next() {
			var a uuid.UUID
			var p payable
			if err := rows.Scan(&a, &p.amount, &p.on); err != nil {
				rows.Close()
				return nil, err
			}
			money[a] = append(money[a], p)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		rows, err = q.Query(ctx, `SELECT account_id, id, amount_fen FROM payouts WHERE account_id IN `+in+` AND status = 'settled'
			ORDER BY account_id, ended_at, id`, chunk...)
		if err != nil {
			return nil, err
		}
		paid := map[uuid.UUID]int64{} // settled before, per account
		for rows.Next() {
			var a, id uuid.UUID
			var amount int64
			if err := rows.Scan(&a, &id, &amount); err != nil {
				rows.Close()
				return nil, err
			}
			var cum int64
			for _, p := range money[a] {
				if cum += p.amount; cum > paid[a] {
					out[id] = p.on
					break
				}
			}
			paid[a] += amount
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// supervision reads MET-13 from the supervision items raised in the
// period, summed in one indexed read per court.
func (c *collector) supervision(ctx context.Context, q store.Querier) error {
	col := itemGroup[c.in.GroupBy]
	cond, args := c.scope.cond("i.court_id")
	join := ""
	if strings.HasPrefix(col, "c.") {
		join = " JOIN cases c ON c.id = i.case_id"
	}
	rows, err := q.Query(ctx, `SELECT `+col+`, COUNT(*),
			SUM(CASE WHEN i.status = 'closed' THEN 1 ELSE 0 END),
			COALESCE(SUM(CASE WHEN i.status = 'closed' THEN i.handling_days ELSE 0 END), 0),
			SUM(CASE WHEN i.on_time IS NOT NULL THEN 1 ELSE 0 END),
			SUM(CASE WHEN i.on_time = FALSE THEN 1 ELSE 0 END)
		FROM supervision_items i`+join+` WHERE `+cond+` AND i.raised_on IS NOT NULL AND i.raised_on >= ? AND i.raised_on <= ?
		GROUP BY `+col, append(args, c.in.From, c.in.To)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	k := newGroupKey(c.in.GroupBy)
	for rows.Next() {
		var f SupervisionFigures
		if err := rows.Scan(k.dest(), &f.Raised, &f.Closed, &f.HandlingDays, &f.Answered, &f.Late); err != nil {
			return err
		}
		tr := c.group(k.get())
		tr.Supervision = tr.Supervision.add(f)
	}
	return rows.Err()
}

// The group columns of entrusted matters (m): the receiving court, its team
// and person; the case type of the entrusting case. Lanes are the
// entrusting court's and count no matter.
var matterGroup = map[GroupBy]string{ByCourt: "m.to_court_id", ByTeam: "m.team_id", ByHandler: "m.assignee_id", ByCaseType: "m.case_type"}

// entrusted reads MET-10 from the entrusted matters of the period, for the
// receiving courts in scope: two indexed range reads (the due days in the
// period; the reports done in it), summed per group in Go (days between
// two dates are not portable SQL). The cost follows the matters of the
// period, not the cases.
func (c *collector) entrusted(ctx context.Context, q store.Querier, now time.Time) error {
	col, ok := matterGroup[c.in.GroupBy]
	if !ok {
		return nil
	}
	cond, args := c.scope.cond("m.to_court_id")
	today := legal.Today(now)
	rows, err := q.Query(ctx, `SELECT `+col+`, m.status, m.due_on, m.done_on FROM entrusted_matters m
		WHERE `+cond+` AND m.status <> 'returned' AND m.due_on >= ? AND m.due_on <= ?`, append(args, c.in.From, c.in.To)...)
	if err != nil {
		return err
	}
	k := newGroupKey(c.in.GroupBy)
	for rows.Next() {
		var status string
		var due, done legal.Date
		if err := rows.Scan(k.dest(), &status, &due, &done); err != nil {
			rows.Close()
			return err
		}
		reported := status == "reported"
		if !reported && !due.Before(today) {
			continue // still open and in time: not decided
		}
		tr := c.group(k.get())
		tr.Entrusted.Due++
		if reported && legal.EntrustedMatterOnTime(done, due) {
			tr.Entrusted.OnTime++
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT `+col+`, m.sent_on, m.done_on FROM entrusted_matters m
		WHERE `+cond+` AND m.status = 'reported' AND m.done_on >= ? AND m.done_on <= ?`, append(args, c.in.From, c.in.To)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var sent, done legal.Date
		if err := rows.Scan(k.dest(), &sent, &done); err != nil {
			return err
		}
		tr := c.group(k.get())
		tr.Entrusted.Done++
		tr.Entrusted.Days += int64(max(done.Sub(sent), 0))
	}
	return rows.Err()
}

// Total sums rows: the figures of every group together.
func Total(rows []Row) Row {
	var t Row
	for _, r := range rows {
		t.All.PendingStart += r.All.PendingStart
		t.First.PendingStart += r.First.PendingStart
		t.All.Counts = t.All.Add(r.All.Counts)
		t.First.Counts = t.First.Add(r.First.Counts)
	}
	return t
}

// Labels names the keys of rows grouped by court, team or handler (their
// names; "未分配" for the zero team or handler); other groupings are named
// by the caller.
func Labels(ctx context.Context, q store.Querier, by GroupBy, rows []Row) (map[string]string, error) {
	table := map[GroupBy]string{ByCourt: "SELECT id, name FROM courts", ByTeam: "SELECT id, name FROM teams",
		ByHandler: "SELECT id, display_name FROM users"}[by]
	out := map[string]string{}
	var ids []any
	for _, r := range rows {
		if r.Unowned {
			out[r.Key] = "未分配"
		} else if table != "" {
			ids = append(ids, uuid.MustParse(r.Key))
		}
	}
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		rs, err := q.Query(ctx, table+` WHERE id IN (`+store.Placeholders(len(chunk))+`)`, chunk...)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			var id uuid.UUID
			var name string
			if err := rs.Scan(&id, &name); err != nil {
				rs.Close()
				return nil, err
			}
			out[id.String()] = name
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Drill is the case-list filter that lists the cases behind a figure of a
// row, besides the row's own group and the period: filed in the period
// (Closed false) or closed in it, of the case types, by one of the
// closures (none: any).
type Drill struct {
	Closed    bool
	CaseTypes []string
	Closures  []string
}

// drills says which side of each metric the case list can list exactly:
// the closed cases (with a closure when given) or the received ones.
var drills = map[MetricID]struct{ num, den *Drill }{
	MetClosureRate:  {num: &Drill{Closed: true}},
	MetCloseReceive: {num: &Drill{Closed: true}, den: &Drill{}},
	MetFirstClosure: {num: &Drill{Closed: true}},
	MetActual:       {num: &Drill{Closed: true, Closures: ActualClosures}, den: &Drill{Closed: true}},
	MetPerformed:    {num: &Drill{Closed: true, Closures: []string{"performed"}}, den: &Drill{Closed: true}},
	MetRecovery:     {num: &Drill{Closed: true}, den: &Drill{Closed: true}},
	MetInTerm:       {den: &Drill{Closed: true}},
	MetMeanDays:     {num: &Drill{Closed: true}, den: &Drill{Closed: true}},
	MetPerJudge:     {num: &Drill{Closed: true}},
	MetZhongben:     {num: &Drill{Closed: true, Closures: []string{"zhongben"}}, den: &Drill{Closed: true}},
}

// DrillDown returns the filter listing exactly the cases behind metric m's
// numerator (or denominator) in the row, grouped by by: ok is false when
// no case-list filter does (pending cases, cases within their term,
// payouts, items, the cases of courts counting different case types, a
// row of a case type the metric does not count).
func (r *TableRow) DrillDown(m MetricID, numerator bool, by GroupBy) (Drill, bool) {
	side := drills[m].den
	if numerator {
		side = drills[m].num
	}
	if side == nil {
		return Drill{}, false
	}
	types, ok := r.CaseTypes(m)
	if !ok {
		return Drill{}, false
	}
	if by == ByCaseType {
		if !slices.Contains(types, r.Key) {
			return Drill{}, false
		}
		types = []string{r.Key}
	}
	return Drill{Closed: side.Closed, CaseTypes: types, Closures: side.Closures}, true
}
