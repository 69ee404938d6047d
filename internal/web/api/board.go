package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
)

// The command-center board (S6): the daily trend, the rankings by court,
// team and handler, and the board itself in one answer for a wall screen
// to poll.

// TrendPointOut is what was received and closed in one day or week.
type TrendPointOut struct {
	From         string `json:"from" doc:"该点的起始日期（按日时与 to 相同）"`
	To           string `json:"to"`
	Received     int64  `json:"received" doc:"收案（执、执恢、执保）"`
	Closed       int64  `json:"closed" doc:"结案"`
	ClosedInTerm int64  `json:"closed_in_term" doc:"法定期限内结案"`
	RecoveredFen int64  `json:"recovered_fen" doc:"当日（周）结案案件的执行到位金额（分）"`
}

// TrendOut is a period's trend.
type TrendOut struct {
	From     string          `json:"from"`
	To       string          `json:"to"`
	CourtID  *string         `json:"court_id,omitempty"`
	Interval string          `json:"interval" enum:"day,week" doc:"day：逐日（期间不超过 92 天）；week：逐周（周一至周日，首尾按期间截断）"`
	Points   []TrendPointOut `json:"points" nullable:"false" doc:"期间内每一天（周）依次一个点，没有收结案的为 0"`
}

func trendOut(t *metrics.TrendSeries, court uuid.UUID) TrendOut {
	out := TrendOut{From: t.From.String(), To: t.To.String(), CourtID: optionalID(court), Interval: string(t.Interval),
		Points: make([]TrendPointOut, 0, len(t.Points))}
	for _, p := range t.Points {
		out.Points = append(out.Points, TrendPointOut{From: p.From.String(), To: p.To.String(), Received: p.Received, Closed: p.Closed,
			ClosedInTerm: p.ClosedInTerm, RecoveredFen: p.RecoveredFen})
	}
	return out
}

// RankedOut is one place of a ranking: the group's figures (as /kpis
// answers them) with its rank.
type RankedOut struct {
	Rank int `json:"rank" doc:"名次，从 1 起"`
	KPIRowOut
}

// RankingOut is a ranking.
type RankingOut struct {
	From    string      `json:"from"`
	To      string      `json:"to"`
	CourtID *string     `json:"court_id,omitempty"`
	By      string      `json:"by" enum:"court,team,handler"`
	Order   string      `json:"order" enum:"closed,closure_rate,mean_days,recovered"`
	Rows    []RankedOut `json:"rows" nullable:"false"`
}

func rankingOut(from, to legal.Date, court uuid.UUID, by metrics.GroupBy, order metrics.Order, rows []metrics.Row,
	labels map[string]string) RankingOut {
	out := RankingOut{From: from.String(), To: to.String(), CourtID: optionalID(court), By: string(by), Order: string(order),
		Rows: make([]RankedOut, 0, len(rows))}
	for i, r := range rows {
		out.Rows = append(out.Rows, RankedOut{Rank: i + 1, KPIRowOut: kpiRow(r.Key, labels[r.Key], r)})
	}
	return out
}

// HeadlineFiguresOut are a period's headline figures.
type HeadlineFiguresOut struct {
	Received     int64    `json:"received" doc:"收案（执、执恢、执保）"`
	Closed       int64    `json:"closed" doc:"结案"`
	ClosureRate  *float64 `json:"closure_rate,omitempty" doc:"MET-1 结案率 = 结案 ÷ (期初未结 + 收案)"`
	CloseReceive *float64 `json:"close_receive_ratio,omitempty" doc:"MET-2 结收比 = 结案 ÷ 收案"`
	InTermRate   *float64 `json:"in_term_rate,omitempty" doc:"MET-7 法定期限内结案率"`
	RecoveredFen int64    `json:"recovered_fen" doc:"执行到位金额（分，期间内结案案件）"`
}

func headlineFigures(a metrics.Period) HeadlineFiguresOut {
	return HeadlineFiguresOut{Received: a.Received, Closed: a.Closed, ClosureRate: ratio(a.Closed, a.PendingStart+a.Received),
		CloseReceive: ratio(a.Closed, a.Received), InTermRate: ratio(a.ClosedInTerm, a.Closed), RecoveredFen: a.ClosedRecoveredFen}
}

// HeadlineOut is a period up to the board's day with the period before.
type HeadlineOut struct {
	Period       string             `json:"period" enum:"today,month,year"`
	Label        string             `json:"label" doc:"今日、本月、本年"`
	Compare      string             `json:"compare" doc:"较昨日、较上月同期、较去年同期"`
	From         string             `json:"from"`
	To           string             `json:"to"`
	Current      HeadlineFiguresOut `json:"current"`
	PreviousFrom string             `json:"previous_from"`
	PreviousTo   string             `json:"previous_to"`
	Previous     HeadlineFiguresOut `json:"previous"`
}

// BoardOut is what the command-center board shows.
type BoardOut struct {
	On          string        `json:"on" doc:"看板日期"`
	CourtID     *string       `json:"court_id,omitempty"`
	GeneratedAt time.Time     `json:"generated_at"`
	Headlines   []HeadlineOut `json:"headlines" nullable:"false" doc:"今日、本月、本年的头条数字及其上一期间"`
	Trend       TrendOut      `json:"trend" doc:"最近 30 天的逐日趋势"`
	Rankings    []RankingOut  `json:"rankings" nullable:"false" doc:"本年排名：法院（可见多个法院且未指定法院时）、团队、承办人"`
}

// BoardOutOf converts a board for the answer.
func BoardOutOf(b *metrics.Board, now time.Time) BoardOut {
	out := BoardOut{On: b.On.String(), CourtID: optionalID(b.CourtID), GeneratedAt: now.UTC(), Headlines: []HeadlineOut{},
		Trend: trendOut(b.Trend, b.CourtID), Rankings: []RankingOut{}}
	for _, h := range b.Headlines {
		out.Headlines = append(out.Headlines, HeadlineOut{Period: h.Period, Label: h.Label, Compare: h.Compare, From: h.From.String(),
			To: h.To.String(), Current: headlineFigures(h.Now), PreviousFrom: h.PrevFrom.String(), PreviousTo: h.PrevTo.String(),
			Previous: headlineFigures(h.Prev)})
	}
	for _, r := range b.Rankings {
		out.Rankings = append(out.Rankings, rankingOut(b.RankFrom, b.RankTo, b.CourtID, r.By, b.Order, r.Rows, r.Labels))
	}
	return out
}

// period reads a from and to pair.
func period(from, to string) (legal.Date, legal.Date, error) {
	f, err := date(from, "query.from")
	if err != nil {
		return f, f, err
	}
	t, err := date(to, "query.to")
	return f, t, err
}

func (h *handlers) board(a huma.API) {
	type trendInput struct {
		From    string `query:"from" doc:"起始日期 YYYY-MM-DD（含）"`
		To      string `query:"to" doc:"截止日期 YYYY-MM-DD（含）"`
		CourtID string `query:"court_id" doc:"只看一个法院；不填为可见的全部法院"`
	}
	to := op(http.MethodGet, "/kpis/trend", "getKPITrend",
		"收结案趋势：期间内逐日（超过 92 天逐周）的收案、结案、法定期限内结案和执行到位金额（执、执恢、执保）", kpiTag)
	huma.Register(a, to, func(ctx context.Context, in *trendInput) (*Body[TrendOut], error) {
		from, to, err := period(in.From, in.To)
		if err != nil {
			return nil, err
		}
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		t, err := metrics.Trend(ctx, h.DB, metrics.TrendQuery{From: from, To: to, CourtID: court})
		if err != nil {
			return nil, err
		}
		return body(trendOut(t, court)), nil
	})

	type rankingInput struct {
		From    string `query:"from" doc:"起始日期 YYYY-MM-DD（含）"`
		To      string `query:"to" doc:"截止日期 YYYY-MM-DD（含）"`
		CourtID string `query:"court_id" doc:"只看一个法院；不填为可见的全部法院"`
		By      string `query:"by" enum:"court,team,handler" default:"handler" doc:"按法院、团队或承办人排名"`
		Order   string `query:"order" enum:"closed,closure_rate,mean_days,recovered" default:"closed" doc:"closed 结案数（多者先）；closure_rate 结案率（高者先）；mean_days 结案平均用时（短者先）；recovered 执行到位金额（多者先）"`
		Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"10" doc:"前几名，默认 10，最多 100"`
	}
	ro := op(http.MethodGet, "/kpis/ranking", "getKPIRanking",
		"排名：期间内按法院、团队或承办人的指标，按所选指标排序取前 N 名；未分配的案件和指标无从计算的组不参加排名", kpiTag)
	huma.Register(a, ro, func(ctx context.Context, in *rankingInput) (*Body[RankingOut], error) {
		from, to, err := period(in.From, in.To)
		if err != nil {
			return nil, err
		}
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		by, order := metrics.GroupBy(in.By), metrics.Order(in.Order)
		rows, err := metrics.Ranking(ctx, h.DB, metrics.RankQuery{Query: metrics.Query{From: from, To: to, GroupBy: by, CourtID: court},
			Order: order, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		labels, err := metrics.Labels(ctx, h.DB, by, rows)
		if err != nil {
			return nil, err
		}
		return body(rankingOut(from, to, court, by, order, rows, labels)), nil
	})

	type boardInput struct {
		On      string `query:"on" doc:"看板日期 YYYY-MM-DD，默认今天（北京时间）"`
		CourtID string `query:"court_id" doc:"只看一个法院；不填为可见的全部法院"`
		Order   string `query:"order" enum:"closed,closure_rate,mean_days,recovered" default:"closed" doc:"排名所依的指标"`
		Limit   int    `query:"limit" minimum:"1" maximum:"100" default:"10" doc:"每个排名的名次数"`
	}
	bo := op(http.MethodGet, "/board", "getBoard",
		"指挥中心大屏：今日、本月、本年的收案、结案、结案率、结收比、法定期限内结案率、执行到位金额（各与上一期间相比），最近 30 天趋势和本年排名，一次答复，供大屏轮询", kpiTag)
	huma.Register(a, bo, func(ctx context.Context, in *boardInput) (*Body[BoardOut], error) {
		now := time.Now()
		on, err := date(in.On, "query.on")
		if err != nil {
			return nil, err
		}
		if on.IsZero() {
			on = legal.Today(now)
		}
		court, err := parseOptionalID(in.CourtID, "query.court_id")
		if err != nil {
			return nil, err
		}
		b, err := metrics.BoardOf(ctx, h.DB, metrics.BoardQuery{On: on, CourtID: court, Order: metrics.Order(in.Order), Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		return body(BoardOutOf(b, now)), nil
	})
}
