package metrics

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The trend and the rankings of the command-center board (S6): how the
// figures moved day by day, and who closed most. Both read case_stats only,
// under the same court scope as Figures.

// Interval is the width of one point of a trend.
type Interval string

const (
	Daily  Interval = "day"
	Weekly Interval = "week" // Monday to Sunday, clipped to the period
)

const (
	// DailyTrendDays is the longest period a trend answers day by day;
	// a longer one is answered week by week.
	DailyTrendDays = 92
	// MaxTrendDays bounds a trend's period (about ten years, 523 weeks).
	MaxTrendDays = 3660
)

// TrendQuery asks for the trend of a period.
type TrendQuery struct {
	From, To legal.Date // both included
	CourtID  uuid.UUID  // one court; uuid.Nil: every court the caller sees
}

// TrendPoint is what was received and closed in one day or week, over the
// enforcement case types (执, 执恢, 执保) as Row.All counts them.
type TrendPoint struct {
	From, To     legal.Date // the point's days, both included
	Received     int64
	Closed       int64
	ClosedInTerm int64 // MET-7's numerator
	RecoveredFen int64 // recovered on the cases closed (MET-6's numerator)
}

// TrendSeries is a period's trend: every day (or week) of the period in
// order, those without any figure as zeros.
type TrendSeries struct {
	From, To legal.Date
	Interval Interval
	Points   []TrendPoint
}

// scopeFilter checks what Figures checks (cases.read, a period in order, a
// court the caller sees) and returns the condition limiting s.court_id.
func scopeFilter(ctx context.Context, from, to legal.Date, court uuid.UUID) (*scoped, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() {
		return nil, apperr.InvalidField("invalid_date", "query.from", "请给出起止日期（YYYY-MM-DD）")
	}
	if to.Before(from) {
		return nil, apperr.InvalidField("invalid_date_order", "query.to", "截止日期不能早于起始日期")
	}
	s := &scoped{}
	s.cond, s.args = p.CourtFilter("s.court_id")
	s.courts, s.all = p.VisibleCourts()
	if court != uuid.Nil {
		if !p.Sees(court) {
			return nil, apperr.NotFoundf("法院")
		}
		s.cond += " AND s.court_id = ?"
		s.args = append(s.args, court)
		s.courts, s.all = []uuid.UUID{court}, false
	}
	return s, nil
}

// scoped is the courts a trend or a board reads: the condition on
// s.court_id, and the courts themselves (all: every court).
type scoped struct {
	cond   string
	args   []any
	courts []uuid.UUID
	all    bool
}

// Trend answers the daily (or, beyond DailyTrendDays, weekly) figures of a
// period for the caller's courts or one of them, in one GROUP BY day over
// case_stats.
func Trend(ctx context.Context, q store.Querier, in TrendQuery) (*TrendSeries, error) {
	sc, err := scopeFilter(ctx, in.From, in.To, in.CourtID)
	if err != nil {
		return nil, err
	}
	span := in.To.Sub(in.From) + 1
	if span > MaxTrendDays {
		return nil, apperr.InvalidField("period_too_long", "query.from", "趋势的期间不能超过 10 年")
	}
	days, err := dailyCounts(ctx, q, sc, in.From, in.To)
	if err != nil {
		return nil, err
	}
	return series(in.From, in.To, days), nil
}

// dayCounts is what the case types MET-1 counts (Row.All) received and
// closed on one day.
type dayCounts struct {
	Day legal.Date
	Counts
}

// dailyCounts sums the courts' day roll-ups (case_stats_rollup) by day for
// the courts of sc, from (unbounded when zero) to to, over the case types
// MET-1 counts under each court's definition in force on to (MET-0): at
// most one row a day, in order. When the courts count alike, one GROUP BY
// day over those types; else by day, court and case type, folded here.
func dailyCounts(ctx context.Context, q store.Querier, sc *scoped, from, to legal.Date) ([]dayCounts, error) {
	defs, err := InForce(ctx, q, to)
	if err != nil {
		return nil, err
	}
	cond, args := sc.cond, slices.Clone(sc.args)
	if !from.IsZero() {
		cond += " AND s.day >= ?"
		args = append(args, from)
	}
	types, uniform := defs.uniform(MetClosureRate, sc.courts, sc.all)
	keys := "s.day, s.court_id, s.case_type"
	if uniform {
		if len(types) == 0 {
			return nil, nil
		}
		cond += ` AND s.case_type IN (` + typeList(types) + `)`
		keys = "s.day"
	}
	rows, err := q.Query(ctx, `SELECT `+keys+`, SUM(s.received), SUM(s.closed), SUM(s.closed_performed), SUM(s.closed_actual),
		SUM(s.closed_zhongben), SUM(s.closed_in_term), SUM(s.closed_days), SUM(s.closed_claim_fen), SUM(s.closed_recovered_fen)
		FROM case_stats_rollup s WHERE `+cond+` AND s.grain = 'day' AND s.day <= ?
		GROUP BY `+keys+` ORDER BY s.day`, append(args, to)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []dayCounts
	for rows.Next() {
		var d dayCounts
		var court uuid.UUID
		var caseType string
		c := &d.Counts
		dest := []any{&d.Day}
		if !uniform {
			dest = append(dest, &court, &caseType)
		}
		dest = append(dest, &c.Received, &c.Closed, &c.ClosedPerformed, &c.ClosedActual, &c.ClosedZhongben, &c.ClosedInTerm,
			&c.ClosedDays, &c.ClosedClaimFen, &c.ClosedRecoveredFen)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		switch n := len(out); {
		case !uniform && !defs.For(court).Counts(MetClosureRate, caseType):
		case n > 0 && out[n-1].Day == d.Day:
			out[n-1].Counts = out[n-1].Add(d.Counts)
		default:
			out = append(out, d)
		}
	}
	return out, rows.Err()
}

// series makes the trend of from … to out of daily counts: every day (or,
// beyond DailyTrendDays, every week) present, in order.
func series(from, to legal.Date, days []dayCounts) *TrendSeries {
	out := &TrendSeries{From: from, To: to, Interval: Daily}
	if to.Sub(from)+1 > DailyTrendDays {
		out.Interval = Weekly
	}
	// The points first, all zero; the days then add to their point.
	index := map[legal.Date]int{}
	for d := from; !d.After(to); {
		end := d
		if out.Interval == Weekly {
			sinceMonday := (int(d.Weekday()) + 6) % 7
			end = d.AddDays(6 - sinceMonday) // the Sunday of d's week
			if end.After(to) {
				end = to
			}
		}
		for x := d; !x.After(end); x = x.AddDays(1) {
			index[x] = len(out.Points)
		}
		out.Points = append(out.Points, TrendPoint{From: d, To: end})
		d = end.AddDays(1)
	}
	for _, d := range days {
		i, ok := index[d.Day]
		if !ok {
			continue
		}
		pt := &out.Points[i]
		pt.Received += d.Received
		pt.Closed += d.Closed
		pt.ClosedInTerm += d.ClosedInTerm
		pt.RecoveredFen += d.ClosedRecoveredFen
	}
	return out
}

func typeList(types []string) string { return `'` + strings.Join(types, `', '`) + `'` }

// Order is the measure a ranking orders by.
type Order string

const (
	OrderClosed      Order = "closed"       // most closed first
	OrderClosureRate Order = "closure_rate" // highest MET-1 结案率 first
	OrderMeanDays    Order = "mean_days"    // shortest MET-8 结案平均用时 first
	OrderRecovered   Order = "recovered"    // most 执行到位金额 first
)

// Orders are the measures a ranking can order by, with their names.
var Orders = []struct {
	Order Order
	Label string
}{{OrderClosed, "结案数"}, {OrderClosureRate, "结案率"}, {OrderMeanDays, "结案平均用时"}, {OrderRecovered, "执行到位金额"}}

// OrderLabel names an order; "" for an unknown one.
func OrderLabel(o Order) string {
	for _, x := range Orders {
		if x.Order == o {
			return x.Label
		}
	}
	return ""
}

const (
	// DefaultRankLimit is a ranking's length unless asked otherwise.
	DefaultRankLimit = 10
	// MaxRankLimit is the longest ranking answered.
	MaxRankLimit = 100
)

// RankQuery asks for a ranking: the figures of a period grouped by court,
// team or handler, ordered by a measure, the first Limit.
type RankQuery struct {
	Query       // GroupBy: ByCourt, ByTeam or ByHandler
	Order Order // default OrderClosed
	Limit int   // default DefaultRankLimit, at most MaxRankLimit
}

// Ranking answers a ranking. Groups whose measure is undefined (a rate
// without a denominator, mean days without a closure) and the cases with
// no team or handler (未分配) are not ranked; ties go to the group that
// closed more, then by key.
func Ranking(ctx context.Context, q store.Querier, in RankQuery) ([]Row, error) {
	var err error
	if in.Order, in.Limit, err = rankParams(in.Order, in.Limit); err != nil {
		return nil, err
	}
	switch in.GroupBy {
	case ByCourt, ByTeam, ByHandler:
	default:
		return nil, apperr.InvalidField("invalid_group_by", "query.by", "排名对象应为 court、team 或 handler")
	}
	rows, err := Figures(ctx, q, in.Query)
	if err != nil {
		return nil, err
	}
	return rank(rows, in.Order, in.Limit), nil
}

// rankParams checks a ranking's order and length, with their defaults.
func rankParams(order Order, limit int) (Order, int, error) {
	if order == "" {
		order = OrderClosed
	}
	if OrderLabel(order) == "" {
		return "", 0, apperr.InvalidField("invalid_order", "query.order", "排名指标应为 closed、closure_rate、mean_days 或 recovered")
	}
	if limit == 0 {
		limit = DefaultRankLimit
	}
	if limit < 0 || limit > MaxRankLimit {
		return "", 0, apperr.InvalidField("invalid_limit", "query.limit", "排名条数应在 1 到 100 之间")
	}
	return order, limit, nil
}

// rank orders rows by a measure and keeps the first limit, as Ranking
// tells.
func rank(rows []Row, order Order, limit int) []Row {
	ranked := make([]Row, 0, len(rows))
	for _, r := range rows {
		a := r.All
		switch {
		case r.Unowned:
		case order == OrderClosureRate && a.PendingStart+a.Received == 0:
		case order == OrderMeanDays && a.Closed == 0:
		default:
			ranked = append(ranked, r)
		}
	}
	slices.SortFunc(ranked, func(x, y Row) int {
		a, b := x.All, y.All
		var c int
		switch order {
		case OrderClosureRate: // a.Closed/(a.PendingStart+a.Received), higher first, compared without division
			c = cmp.Compare(b.Closed*(a.PendingStart+a.Received), a.Closed*(b.PendingStart+b.Received))
		case OrderMeanDays: // a.ClosedDays/a.Closed, lower first
			c = cmp.Compare(a.ClosedDays*b.Closed, b.ClosedDays*a.Closed)
		case OrderRecovered:
			c = cmp.Compare(b.ClosedRecoveredFen, a.ClosedRecoveredFen)
		}
		if c == 0 {
			c = cmp.Compare(b.Closed, a.Closed)
		}
		if c == 0 {
			c = strings.Compare(x.Key, y.Key)
		}
		return c
	})
	return ranked[:min(len(ranked), limit)]
}
