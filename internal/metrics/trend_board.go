package metrics

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// BoardTrendDays is how many days, up to the board's day, its trend shows.
const BoardTrendDays = 30

// BoardQuery asks for the command-center board of a day.
type BoardQuery struct {
	On      legal.Date // the board's day ("today")
	CourtID uuid.UUID  // one court; uuid.Nil: every court the caller sees
	Order   Order      // the rankings' measure; default OrderClosed
	Limit   int        // each ranking's length; default DefaultRankLimit
}

// Headline is a period up to the board's day with the period before it,
// for the change: their figures over the enforcement case types (Row.All).
type Headline struct {
	Period           string // "today", "month" or "year"
	Label, Compare   string // "今日", "较昨日"
	From, To         legal.Date
	PrevFrom, PrevTo legal.Date
	Now, Prev        Period
}

// Ranked is one ranking of the board with the names of its groups.
type Ranked struct {
	By     GroupBy
	Rows   []Row
	Labels map[string]string
}

// Board is what the command-center board shows (S6): today's, this
// month's and this year's headline figures, each with the period before
// (yesterday, the same days of last month and of last year), the daily
// trend of the last BoardTrendDays days, and this year's rankings by court
// (when the caller sees several and no court is chosen), team and handler.
type Board struct {
	On               legal.Date
	CourtID          uuid.UUID
	Order            Order
	Headlines        []Headline
	Trend            *TrendSeries
	RankFrom, RankTo legal.Date
	Rankings         []Ranked
}

// BoardOf answers the board of in.On, under the scope rules of Figures, in
// two reads of the aggregates: the courts' days up to in.On (the headlines and the
// trend) and this year's figures by court, team and handler together (the
// rankings); each agrees with what Figures, Trend and Ranking answer.
func BoardOf(ctx context.Context, q store.Querier, in BoardQuery) (*Board, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	on := in.On
	sc, err := scopeFilter(ctx, on, on, in.CourtID)
	if err != nil {
		return nil, err
	}
	order, limit, err := rankParams(in.Order, in.Limit)
	if err != nil {
		return nil, err
	}
	b := &Board{On: on, CourtID: in.CourtID, Order: order}
	days, err := dailyCounts(ctx, q, sc, legal.Date{}, on)
	if err != nil {
		return nil, err
	}
	period := func(from, to legal.Date) Period {
		var out Period
		for _, d := range days {
			if d.Day.Before(from) {
				out.PendingStart += d.Received - d.Closed
			} else if !d.Day.After(to) {
				out.Counts = out.Add(d.Counts)
			}
		}
		return out
	}
	month, year := legal.NewDate(on.Year(), on.Month(), 1), legal.NewDate(on.Year(), time.January, 1)
	for _, h := range []Headline{
		{Period: "today", Label: "今日", Compare: "较昨日", From: on, To: on, PrevFrom: on.AddDays(-1), PrevTo: on.AddDays(-1)},
		{Period: "month", Label: "本月", Compare: "较上月同期", From: month, To: on, PrevFrom: month.AddMonths(-1), PrevTo: on.AddMonths(-1)},
		{Period: "year", Label: "本年", Compare: "较去年同期", From: year, To: on, PrevFrom: year.AddYears(-1), PrevTo: on.AddYears(-1)},
	} {
		h.Now, h.Prev = period(h.From, h.To), period(h.PrevFrom, h.PrevTo)
		b.Headlines = append(b.Headlines, h)
	}
	b.Trend = series(on.AddDays(1-BoardTrendDays), on, days)

	b.RankFrom, b.RankTo = year, on
	groups := []GroupBy{ByTeam, ByHandler}
	if courts, all := p.VisibleCourts(); in.CourtID == uuid.Nil && (all || len(courts) > 1) {
		groups = append([]GroupBy{ByCourt}, groups...)
	}
	grouped, err := figuresByOwner(ctx, q, sc.cond, sc.args, year, on)
	if err != nil {
		return nil, err
	}
	for _, by := range groups {
		rows := rank(grouped[by], order, limit)
		labels, err := Labels(ctx, q, by, rows)
		if err != nil {
			return nil, err
		}
		b.Rankings = append(b.Rankings, Ranked{By: by, Rows: rows, Labels: labels})
	}
	return b, nil
}

// figuresByOwner answers what Figures answers grouped by court, by team and
// by handler, in one read grouped by all three and the case type, each
// line added to All and First as the court's definition in force on to
// counts its case type (MET-0).
func figuresByOwner(ctx context.Context, q store.Querier, cond string, args []any, from, to legal.Date) (map[GroupBy][]Row, error) {
	defs, err := InForce(ctx, q, to)
	if err != nil {
		return nil, err
	}
	src := periodSource(cond, args, from, to, true)
	sel, selArgs := src.sums()
	rs, err := q.Query(ctx, `SELECT s.court_id, s.team_id, s.handler_id, s.case_type, `+sel+` FROM `+src.from+`
		GROUP BY s.court_id, s.team_id, s.handler_id, s.case_type`, append(selArgs, src.fromArgs...)...)
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	sums := map[GroupBy]map[uuid.UUID]*Row{ByCourt: {}, ByTeam: {}, ByHandler: {}}
	for rs.Next() {
		var court, team, handler uuid.UUID
		var caseType string
		var per Period
		if err := rs.Scan(append([]any{&court, &team, &handler, &caseType}, per.dest()...)...); err != nil {
			return nil, err
		}
		var r Row
		d := defs.For(court)
		if d.Counts(MetClosureRate, caseType) {
			r.All = per
		}
		if d.Counts(MetFirstClosure, caseType) {
			r.First = per
		}
		for by, id := range map[GroupBy]uuid.UUID{ByCourt: court, ByTeam: team, ByHandler: handler} {
			t := sums[by][id]
			if t == nil {
				t = &Row{Key: id.String(), Unowned: id == uuid.Nil}
				sums[by][id] = t
			}
			t.All.PendingStart += r.All.PendingStart
			t.First.PendingStart += r.First.PendingStart
			t.All.Counts, t.First.Counts = t.All.Add(r.All.Counts), t.First.Add(r.First.Counts)
		}
	}
	if err := rs.Err(); err != nil {
		return nil, err
	}
	out := map[GroupBy][]Row{}
	for by, m := range sums {
		for _, r := range m {
			if r.All.PendingStart != 0 || r.All.Counts != (Counts{}) { // as Figures leaves out a group with nothing
				out[by] = append(out[by], *r)
			}
		}
	}
	return out, nil
}
