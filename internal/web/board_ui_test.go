package web_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestBoardPage (S6): /board shows the headline tiles with their change in
// words and arrows, each linked to the cases behind it, the charts' numbers
// as JSON for the script and as tables; the wall screen is the page alone
// (no navigation) refreshing through htmx, which gets the live part only;
// the navigation names the board for those who read cases; a court
// chooser for a 中院's chief; refusals.
func TestBoardPage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		other := intaketest.NewStaff(t, db, "粤0604")
		boardCases(t, s, 300, 4, 2_500_00)
		boardCases(t, other, 350, 2, 100_00)
		today := legal.Today(time.Now()).String()
		b := staffBrowser(t, env, s.Judge)

		pg := b.get("/board")
		pg.must(t, http.StatusOK, `<a href="/board" aria-current="page">指挥大屏</a>`, `id="tile-today-received"`, "今日", "本月", "本年",
			"执行到位金额", "2,500.00", "法定期限内结案率", `id="chart-trend"`, `id="chart-rank-team"`, `id="chart-rank-handler"`,
			`<script src="/static/echarts.min.js" defer></script>`, `<script src="/static/board.js" defer></script>`,
			`<summary>趋势数据表</summary>`, `<summary>排名数据表</summary>`, `id="board-wall-link"`)
		pg.lacks(t, `id="chart-rank-court"`, `hx-trigger`, "onclick", `id="board-court"`)
		// The tiles: today 4 received against none yesterday, in words.
		for _, want := range []string{
			`<span class="tile-value">4<small> 件</small></span>`,
			`<span class="tile-change up"><span aria-hidden="true">▲</span> 较昨日增加 4 件</span>`,
			`<span class="tile-value">50.00%</span>`, // 结案率 2 of 4
			`较昨日无可比数据`,
			"/cases?closed_from=" + today + "&amp;closed_to=" + today,
			"/cases?filed_from=" + today + "&amp;filed_to=" + today,
			"/kpis?from=" + today + "&amp;group_by=court&amp;to=" + today,
		} {
			pg.must(t, http.StatusOK, want)
		}
		// The charts' numbers: JSON the script reads, with today's point last.
		start := strings.Index(pg.body, `<script type="application/json" id="board-data">`)
		end := strings.Index(pg.body[start:], "</script>")
		if start < 0 || end < 0 {
			t.Fatalf("no board data")
		}
		var data struct {
			Wall  bool
			Trend struct {
				Days             []string
				Received, Closed []int64
				RecoveredFen     []int64  `json:"recovered_fen"`
				ReceivedURLs     []string `json:"received_urls"`
			}
			Rankings []struct {
				ID            string
				Labels, Texts []string
				Values        []int64
				Links         []string
			}
		}
		raw := pg.body[start+len(`<script type="application/json" id="board-data">`) : start+end]
		if err := json.Unmarshal([]byte(raw), &data); err != nil {
			t.Fatalf("board data %q: %v", raw, err)
		}
		n := len(data.Trend.Days)
		if data.Wall || n != 30 || data.Trend.Days[n-1] != today[5:] || data.Trend.Received[n-1] != 4 || data.Trend.Closed[n-1] != 2 ||
			data.Trend.RecoveredFen[n-1] != 2_500_00 || !strings.Contains(data.Trend.ReceivedURLs[n-1], "filed_from="+today) {
			t.Errorf("trend data: %+v", data.Trend)
		}
		if len(data.Rankings) != 2 || data.Rankings[1].ID != "rank-handler" || len(data.Rankings[1].Labels) == 0 ||
			!strings.HasSuffix(data.Rankings[1].Texts[0], " 件") || !strings.Contains(data.Rankings[1].Links[0], "handler=") {
			t.Errorf("ranking data: %+v", data.Rankings)
		}

		// Ordered by money: the texts in 元.
		b.get("/board?order=recovered").must(t, http.StatusOK, "按执行到位金额", "2,500.00 元")

		// The wall screen: no navigation, dark, refreshing itself.
		wall := b.get("/board?wall=1")
		wall.must(t, http.StatusOK, `<body class="wall">`, `hx-get="/board?order=closed&amp;wall=1"`, `hx-trigger="every 60s, board-refresh"`,
			`id="tile-year-closed"`, `"wall":true`, "每 60 秒自动刷新", `<script src="/static/board.js" defer></script>`)
		wall.lacks(t, "<nav", `class="top"`, "onclick")
		// htmx asks for the live part alone.
		live := b.do(http.MethodGet, "/board?wall=1", nil, map[string]string{"HX-Request": "true"})
		live.must(t, http.StatusOK, `<div id="board-live"`, `id="tile-month-received"`)
		live.lacks(t, "<html", "<body")

		// The 中院's chief chooses a court; courts are ranked.
		chief := userBrowser(t, env, "board.page.chief", access.RoleBureauChief, "粤06")
		chief.get("/board").must(t, http.StatusOK, `id="board-court"`, `id="chart-rank-court"`, "禅城法院", "三水法院")
		one := chief.get("/board?court_id=" + other.CourtID.String())
		one.must(t, http.StatusOK, "禅城法院 · ", "/cases?closed_from="+today+"&amp;closed_to="+today+"&amp;court="+other.CourtID.String())
		one.lacks(t, `id="chart-rank-court"`)

		// Refusals: no cases.read, a court outside, a bad order.
		userBrowser(t, env, "board.page.admin", access.RoleCourtAdmin, "粤0607").get("/board").must(t, http.StatusForbidden)
		b.get("/board?court_id="+other.CourtID.String()).must(t, http.StatusNotFound)
		b.get("/board?court_id=x").must(t, http.StatusNotFound)
		b.get("/board?order=moon").must(t, http.StatusUnprocessableEntity, "排名指标应为")
		if pg := newBrowser(t, env).get("/board?wall=1"); pg.status != http.StatusSeeOther || !strings.HasPrefix(pg.location, "/login?next=") {
			t.Errorf("signed out: %d %q", pg.status, pg.location)
		}
		// The vendored script is served, with its licence.
		b.get("/static/echarts.min.js").must(t, http.StatusOK, "Apache")
		b.get("/static/echarts.LICENSE").must(t, http.StatusOK, "Apache License")
	})
}
