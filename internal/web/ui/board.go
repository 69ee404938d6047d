package ui

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
)

// The command-center board (/board, 指挥大屏, S6): today's, this month's
// and this year's headline figures like a market ticker, each with its
// change against the period before, the last 30 days' trend and this
// year's rankings as ECharts charts (static/board.js reads their numbers
// from a JSON element; each chart has its table), every figure a link to
// the cases or KPIs behind it. /board?wall=1 is the wall screen: the page
// alone, dark, large, refreshing its figures every minute through htmx.

func (u *UI) registerBoard(mux *http.ServeMux) {
	mux.Handle("GET /board", u.page(u.boardPage))
}

// BoardRefreshSeconds is how often the wall screen refreshes its figures.
const BoardRefreshSeconds = 60

type boardView struct {
	Wall                bool
	On, Updated         string
	CourtID, CourtName  string
	Courts              []caseOption
	Order, OrderLabel   string
	Orders              []kpiGroup
	Periods             []boardPeriod
	Trend               []boardTrendRow
	TrendFrom, TrendTo  string
	RankFrom, RankTo    string
	Rankings            []boardRanking
	Data                boardData
	SelfURL, RefreshURL string
	WallURL, NormalURL  string
	RefreshSeconds      int
	RefreshTrigger      string
}

// boardPeriod is one row of tiles: a period's headline figures.
type boardPeriod struct {
	Key, Label, Compare string
	From, To            string
	Tiles               []boardTile
}

// boardTile is one headline figure with its change: the direction is
// carried by the arrow and by the words, never by colour alone.
type boardTile struct {
	ID, Label, Title string
	Value, Unit      string
	Href             string
	Dir              string // up, down, flat or none (no comparison)
	Arrow            string // ▲, ▼, ＝ or –
	Change           string // "较昨日增加 3 件"
}

type boardTrendRow struct {
	Day                      string
	Received, Closed, InTerm int64
	Recovered                string
	ReceivedURL, ClosedURL   string
}

type boardRanking struct {
	ID, Title string
	Rows      []boardRankRow
}

type boardRankRow struct {
	Rank                           int
	Label, Value, Href             string
	Received, Closed               int64
	ClosureRate, MeanDays, Recover string
}

// boardData is what board.js draws, as JSON in the page: numbers already
// counted and their texts already written here, so the script formats
// nothing but the money axis.
type boardData struct {
	Wall     bool           `json:"wall"`
	Trend    boardTrendData `json:"trend"`
	Rankings []boardBars    `json:"rankings"`
}

type boardTrendData struct {
	Days         []string `json:"days"`
	Received     []int64  `json:"received"`
	Closed       []int64  `json:"closed"`
	InTerm       []int64  `json:"in_term"`
	RecoveredFen []int64  `json:"recovered_fen"`
	ReceivedURLs []string `json:"received_urls"`
	ClosedURLs   []string `json:"closed_urls"`
}

type boardBars struct {
	ID     string   `json:"id"`
	Labels []string `json:"labels"`
	Values []int64  `json:"values"` // in the order's unit: cases, 0.01 %, 0.1 day or fen
	Texts  []string `json:"texts"`
	Links  []string `json:"links"`
}

var boardGroupNames = map[metrics.GroupBy]string{metrics.ByCourt: "法院", metrics.ByTeam: "团队", metrics.ByHandler: "承办人"}

func (u *UI) boardPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.CasesRead); err != nil {
		return err
	}
	q := r.URL.Query()
	ctx := r.Context()
	now := u.Now()
	v := &boardView{Wall: q.Get("wall") == "1", On: legal.Today(now).String(), Updated: now.In(shanghai).Format("2006-01-02 15:04:05"),
		Order: q.Get("order"), RefreshSeconds: BoardRefreshSeconds}
	if v.Order == "" {
		v.Order = string(metrics.OrderClosed)
	}
	if v.OrderLabel = metrics.OrderLabel(metrics.Order(v.Order)); v.OrderLabel == "" {
		return apperr.InvalidField("invalid_order", "query.order", "排名指标应为 closed、closure_rate、mean_days 或 recovered")
	}
	for _, o := range metrics.Orders {
		v.Orders = append(v.Orders, kpiGroup{string(o.Order), o.Label})
	}
	var court uuid.UUID
	if raw := q.Get("court_id"); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return apperr.NotFoundf("法院")
		}
		court, v.CourtID = id, id.String()
	}
	b, err := metrics.BoardOf(ctx, u.DB, metrics.BoardQuery{On: legal.Today(now), CourtID: court, Order: metrics.Order(v.Order)})
	if err != nil {
		return err
	}
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	for _, c := range courts {
		if len(courts) > 1 {
			v.Courts = append(v.Courts, caseOption{c.ID.String(), c.ShortName})
		}
		if c.ID == court || court == uuid.Nil && len(courts) == 1 {
			v.CourtName = c.ShortName
		}
	}
	if v.CourtName == "" {
		v.CourtName = "全部可见法院"
	}
	self := func(wall string) string {
		return queryURL("/board", "wall", wall, "court_id", v.CourtID, "order", v.Order)
	}
	v.SelfURL, v.WallURL, v.NormalURL = self(map[bool]string{true: "1"}[v.Wall]), self("1"), self("")
	if v.Wall {
		v.RefreshURL = v.WallURL
		v.RefreshTrigger = "every " + strconv.Itoa(BoardRefreshSeconds) + "s, board-refresh"
	}
	v.fill(b)
	if v.Wall && r.Header.Get("HX-Request") == "true" {
		return u.writeFragment(w, "board", "board_live", v)
	}
	if v.Wall {
		return u.writeBoardWall(w, r, v)
	}
	return u.render(w, r, http.StatusOK, "board", "指挥大屏", "board", v)
}

// writeBoardWall writes the wall screen: a whole page of its own, without
// the navigation, with the headers every page gets.
func (u *UI) writeBoardWall(w http.ResponseWriter, r *http.Request, v *boardView) error {
	var buf bytes.Buffer
	if err := u.pages["board"].ExecuteTemplate(&buf, "board_wall", view{Title: "指挥大屏", Active: "board", P: access.From(r.Context()),
		Version: u.Version, Data: v}); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

// fill writes the board's figures for the page.
func (v *boardView) fill(b *metrics.Board) {
	court := v.CourtID
	for _, h := range b.Headlines {
		from, to := h.From.String(), h.To.String()
		n, pr := h.Now, h.Prev
		kpis := queryURL("/kpis", "from", from, "to", to, "group_by", "court")
		closed := queryURL("/cases", "court", court, "closed_from", from, "closed_to", to)
		per := boardPeriod{Key: h.Period, Label: h.Label, Compare: h.Compare, From: from, To: to}
		tile := func(id, label, title, value, unit, href string, dir int, change string, comparable bool) {
			t := boardTile{ID: "tile-" + h.Period + "-" + id, Label: label, Title: title, Value: value, Unit: unit, Href: href}
			switch {
			case !comparable:
				t.Dir, t.Arrow, t.Change = "none", "–", h.Compare+"无可比数据"
			case dir > 0:
				t.Dir, t.Arrow, t.Change = "up", "▲", h.Compare+change
			case dir < 0:
				t.Dir, t.Arrow, t.Change = "down", "▼", h.Compare+change
			default:
				t.Dir, t.Arrow, t.Change = "flat", "＝", h.Compare+"持平"
			}
			per.Tiles = append(per.Tiles, t)
		}
		count := func(id, label, title string, now, prev int64, href string) {
			d := now - prev
			tile(id, label, title, strconv.FormatInt(now, 10), "件", href, sign(d), moreOrLess(d)+" "+strconv.FormatInt(abs(d), 10)+" 件", true)
		}
		rate := func(id, label, title string, num, den, pnum, pden int64) {
			ok := den > 0 && pden > 0
			var d int64
			if ok {
				d = num*10000/den - pnum*10000/pden // hundredths of a percentage point
			}
			words := "上升"
			if d < 0 {
				words = "下降"
			}
			tile(id, label, title, percent(num, den), "", kpis, sign(d), words+" "+points(abs(d))+" 个百分点", ok)
		}
		count("received", "收案", "执、执恢、执保立案数；点击查看这些案件", n.Received, pr.Received,
			queryURL("/cases", "court", court, "filed_from", from, "filed_to", to))
		count("closed", "结案", "执、执恢、执保结案数；点击查看这些案件", n.Closed, pr.Closed, closed)
		rate("closure-rate", "结案率", "MET-1 结案 ÷ (期初未结 + 收案)", n.Closed, n.PendingStart+n.Received, pr.Closed, pr.PendingStart+pr.Received)
		rate("close-receive", "结收比", "MET-2 结案 ÷ 收案", n.Closed, n.Received, pr.Closed, pr.Received)
		rate("in-term", "法定期限内结案率", "MET-7 法定期限（含延长、扣除）内结案 ÷ 结案", n.ClosedInTerm, n.Closed, pr.ClosedInTerm, pr.Closed)
		d := n.ClosedRecoveredFen - pr.ClosedRecoveredFen
		value, unit := compactYuan(n.ClosedRecoveredFen)
		dv, du := compactYuan(abs(d))
		tile("recovered", "执行到位金额", "期间内结案案件的执行到位金额 "+yuanText(n.ClosedRecoveredFen)+" 元；点击查看这些案件", value, unit, closed,
			sign(d), moreOrLess(d)+" "+dv+" "+du, true)
		v.Periods = append(v.Periods, per)
	}

	t := b.Trend
	v.TrendFrom, v.TrendTo = t.From.String(), t.To.String()
	v.Data = boardData{Wall: v.Wall}
	td := &v.Data.Trend
	for _, p := range t.Points {
		from, to := p.From.String(), p.To.String()
		day := from
		if t.Interval == metrics.Weekly {
			day = from + " 至 " + to
		}
		row := boardTrendRow{Day: day, Received: p.Received, Closed: p.Closed, InTerm: p.ClosedInTerm, Recovered: yuanText(p.RecoveredFen),
			ReceivedURL: queryURL("/cases", "court", court, "filed_from", from, "filed_to", to),
			ClosedURL:   queryURL("/cases", "court", court, "closed_from", from, "closed_to", to)}
		v.Trend = append(v.Trend, row)
		td.Days = append(td.Days, from[5:])
		td.Received, td.Closed, td.InTerm = append(td.Received, p.Received), append(td.Closed, p.Closed), append(td.InTerm, p.ClosedInTerm)
		td.RecoveredFen = append(td.RecoveredFen, p.RecoveredFen)
		td.ReceivedURLs, td.ClosedURLs = append(td.ReceivedURLs, row.ReceivedURL), append(td.ClosedURLs, row.ClosedURL)
	}

	v.RankFrom, v.RankTo = b.RankFrom.String(), b.RankTo.String()
	v.Data.Rankings = []boardBars{}
	for _, rk := range b.Rankings {
		id := "rank-" + string(rk.By)
		out := boardRanking{ID: id, Title: boardGroupNames[rk.By] + "排名"}
		bars := boardBars{ID: id, Labels: []string{}, Values: []int64{}, Texts: []string{}, Links: []string{}}
		for i, row := range rk.Rows {
			a := row.All
			var value int64
			var text string
			switch metrics.Order(v.Order) {
			case metrics.OrderClosureRate:
				value, text = a.Closed*10000/(a.PendingStart+a.Received), percent(a.Closed, a.PendingStart+a.Received)
			case metrics.OrderMeanDays:
				value, text = a.ClosedDays*10/a.Closed, days(a.ClosedDays, a.Closed)+" 日"
			case metrics.OrderRecovered:
				value, text = a.ClosedRecoveredFen, yuanText(a.ClosedRecoveredFen)+" 元"
			default:
				value, text = a.Closed, strconv.FormatInt(a.Closed, 10)+" 件"
			}
			label := rk.Labels[row.Key]
			href := queryURL("/cases", string(rk.By), row.Key, "closed_from", v.RankFrom, "closed_to", v.RankTo)
			out.Rows = append(out.Rows, boardRankRow{Rank: i + 1, Label: label, Value: text, Href: href, Received: a.Received, Closed: a.Closed,
				ClosureRate: percent(a.Closed, a.PendingStart+a.Received), MeanDays: days(a.ClosedDays, a.Closed),
				Recover: yuanText(a.ClosedRecoveredFen)})
			bars.Labels, bars.Values = append(bars.Labels, label), append(bars.Values, value)
			bars.Texts, bars.Links = append(bars.Texts, text), append(bars.Links, href)
		}
		v.Rankings = append(v.Rankings, out)
		v.Data.Rankings = append(v.Data.Rankings, bars)
	}
}

func sign(n int64) int {
	switch {
	case n > 0:
		return 1
	case n < 0:
		return -1
	}
	return 0
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func moreOrLess(d int64) string {
	if d < 0 {
		return "减少"
	}
	return "增加"
}

// compactYuan writes an amount for a tile: in 元 under 1 万元, else in 万元
// or 亿元 with two decimals (cut, not rounded: the tile's title has the
// exact amount).
func compactYuan(fen int64) (string, string) {
	switch a := abs(fen); {
	case a < 1_000_000:
		return yuanText(fen), "元"
	case a < 10_000_000_000:
		return yuanText(fen / 10_000), "万元" // hundredths of 万元, written as yuanText writes fen
	default:
		return yuanText(fen / 100_000_000), "亿元" // hundredths of 亿元
	}
}

// points writes hundredths of a percentage point: 125 → "1.25".
func points(n int64) string { return strconv.FormatInt(n/100, 10) + "." + twoDigits(n%100) }
