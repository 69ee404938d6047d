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

// Headline is the total of a period up to the board's day with the total
// of the period before it, for the change.
type Headline struct {
	Period           string // "today", "month" or "year"
	Label, Compare   string // "今日", "较昨日"
	From, To         legal.Date
	PrevFrom, PrevTo legal.Date
	Now, Prev        Row
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

// BoardOf answers the board of in.On, under the scope rules of Figures.
func BoardOf(ctx context.Context, q store.Querier, in BoardQuery) (*Board, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	on := in.On
	if _, _, err := scopeFilter(ctx, on, on, in.CourtID); err != nil {
		return nil, err
	}
	if in.Order == "" {
		in.Order = OrderClosed
	}
	b := &Board{On: on, CourtID: in.CourtID, Order: in.Order}
	month, year := legal.NewDate(on.Year(), on.Month(), 1), legal.NewDate(on.Year(), time.January, 1)
	for _, h := range []Headline{
		{Period: "today", Label: "今日", Compare: "较昨日", From: on, To: on, PrevFrom: on.AddDays(-1), PrevTo: on.AddDays(-1)},
		{Period: "month", Label: "本月", Compare: "较上月同期", From: month, To: on, PrevFrom: month.AddMonths(-1), PrevTo: on.AddMonths(-1)},
		{Period: "year", Label: "本年", Compare: "较去年同期", From: year, To: on, PrevFrom: year.AddYears(-1), PrevTo: on.AddYears(-1)},
	} {
		for _, x := range []struct {
			from, to legal.Date
			into     *Row
		}{{h.From, h.To, &h.Now}, {h.PrevFrom, h.PrevTo, &h.Prev}} {
			rows, err := Figures(ctx, q, Query{From: x.from, To: x.to, GroupBy: ByCourt, CourtID: in.CourtID})
			if err != nil {
				return nil, err
			}
			*x.into = Total(rows)
		}
		b.Headlines = append(b.Headlines, h)
	}
	if b.Trend, err = Trend(ctx, q, TrendQuery{From: on.AddDays(1 - BoardTrendDays), To: on, CourtID: in.CourtID}); err != nil {
		return nil, err
	}
	b.RankFrom, b.RankTo = year, on
	groups := []GroupBy{ByTeam, ByHandler}
	if courts, all := p.VisibleCourts(); in.CourtID == uuid.Nil && (all || len(courts) > 1) {
		groups = append([]GroupBy{ByCourt}, groups...)
	}
	for _, by := range groups {
		rows, err := Ranking(ctx, q, RankQuery{Query: Query{From: year, To: on, GroupBy: by, CourtID: in.CourtID}, Order: in.Order, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		labels, err := Labels(ctx, q, by, rows)
		if err != nil {
			return nil, err
		}
		b.Rankings = append(b.Rankings, Ranked{By: by, Rows: rows, Labels: labels})
	}
	return b, nil
}
