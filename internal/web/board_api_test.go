package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// boardCases files n cases in s's court, closes the first as 执行完毕 (with
// money received after) and the second as withdrawn, and returns them.
func boardCases(t *testing.T, s *intaketest.Staff, seed, n int, recoveredFen int64) []*cases.Case {
	t.Helper()
	var list []*cases.Case
	for i := range n {
		list = append(list, uiFile(t, s, intaketest.Application(s.CourtID, seed+i)))
	}
	for i, in := range []cases.TransitionInput{{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true},
		{To: "cancelled", Reason: "申请人撤回申请"}} {
		if _, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, list[i].ID, in)
		}); err != nil {
			t.Fatalf("%s → %s: %v", list[i].CaseNo, in.To, err)
		}
	}
	fundsReceive(t, s, list[0], recoveredFen)
	return list
}

func rateIs(r *float64, want float64) bool { return r != nil && *r == want }

// TestBoardAPI (S6): /api/v1/board, /kpis/trend and /kpis/ranking answer
// what was filed and closed through the real case functions — the
// headline figures of today, the month and the year, the trend's last
// day, the rankings — for the caller's courts; a 中院 chief sees and ranks
// both basic courts; the page session works for a wall screen; another
// city's court is not found, a user without cases.read is refused, bad
// dates and parameters are refused in Chinese.
func TestBoardAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sanshui := intaketest.NewStaff(t, db, "")
		chancheng := intaketest.NewStaff(t, db, "粤0604")
		boardCases(t, sanshui, 900, 5, 4_000_00)
		boardCases(t, chancheng, 950, 3, 1_500_00)
		judge := env.Login(t, access.From(sanshui.Judge).Username, apptest.Password)
		_, chief := env.Token(t, "board.chief", access.RoleBureauChief, "粤06")
		_, outsider := env.Token(t, "board.outsider", access.RolePostJudge, "皖01")
		_, admin := env.Token(t, "board.admin", access.RoleCourtAdmin, "粤0607")
		today := legal.Today(time.Now())

		board := func(token, query string) api.BoardOut {
			t.Helper()
			r := env.Do(t, http.MethodGet, "/api/v1/board"+query, token, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("board%s: %d %s", query, r.Status, r.Body)
			}
			var out api.BoardOut
			r.JSON(t, &out)
			return out
		}
		// 三水's judge: 5 received, 2 closed, ¥4,000 recovered, today, this
		// month and this year alike; nothing the day before.
		b := board(judge, "")
		if b.On != today.String() || len(b.Headlines) != 3 {
			t.Fatalf("board: %+v", b)
		}
		for _, h := range b.Headlines {
			c := h.Current
			if c.Received != 5 || c.Closed != 2 || c.RecoveredFen != 4_000_00 || !rateIs(c.ClosureRate, 0.4) || !rateIs(c.CloseReceive, 0.4) ||
				!rateIs(c.InTermRate, 1) {
				t.Errorf("%s: %+v", h.Period, c)
			}
			if h.Period == "today" && (h.Previous.Received != 0 || h.Previous.ClosureRate != nil || h.PreviousTo != today.AddDays(-1).String() ||
				h.Compare != "较昨日") {
				t.Errorf("yesterday: %+v", h)
			}
		}
		if n := len(b.Trend.Points); n != 30 || b.Trend.Interval != "day" || b.Trend.Points[n-1].From != today.String() ||
			b.Trend.Points[n-1].Received != 5 || b.Trend.Points[n-1].Closed != 2 || b.Trend.Points[n-1].RecoveredFen != 4_000_00 {
			t.Errorf("trend: %+v", b.Trend)
		}
		var by []string
		for _, r := range b.Rankings {
			by = append(by, r.By)
		}
		if strings.Join(by, ",") != "team,handler" {
			t.Errorf("a basic court's judge ranks %v", by)
		}
		var rankedClosed int64
		for _, r := range b.Rankings[1].Rows {
			rankedClosed += r.Closed
			if r.Label == "" || r.Rank == 0 {
				t.Errorf("a ranked judge without name or rank: %+v", r)
			}
		}
		if rankedClosed != 2 {
			t.Errorf("the judges ranked closed %d of 2", rankedClosed)
		}

		// The 中院's chief: both courts, and a ranking of courts.
		c := board(chief, "?order=recovered&limit=1")
		if y := c.Headlines[2].Current; y.Received != 8 || y.Closed != 4 || y.RecoveredFen != 5_500_00 {
			t.Errorf("the city's year: %+v", y)
		}
		if len(c.Rankings) != 3 || c.Rankings[0].By != "court" || c.Rankings[0].Order != "recovered" || len(c.Rankings[0].Rows) != 1 ||
			c.Rankings[0].Rows[0].Key != sanshui.CourtID.String() || c.Rankings[0].Rows[0].RecoveredFen != 4_000_00 {
			t.Errorf("the city's rankings: %+v", c.Rankings)
		}
		one := board(chief, "?court_id="+chancheng.CourtID.String())
		if one.Headlines[0].Current.Received != 3 || len(one.Rankings) != 2 || one.CourtID == nil {
			t.Errorf("禅城 chosen: %+v", one)
		}
		if past := board(judge, "?on="+today.AddDays(-1).String()); past.Headlines[0].Current.Received != 0 {
			t.Errorf("yesterday's board: %+v", past.Headlines[0])
		}

		// The trend and the ranking on their own.
		var tr api.TrendOut
		env.Do(t, http.MethodGet, "/api/v1/kpis/trend?from="+today.AddDays(-6).String()+"&to="+today.String(), chief, nil).JSON(t, &tr)
		var received, closed, recovered int64
		for _, p := range tr.Points {
			received, closed, recovered = received+p.Received, closed+p.Closed, recovered+p.RecoveredFen
		}
		if len(tr.Points) != 7 || received != 8 || closed != 4 || recovered != 5_500_00 || tr.Interval != "day" {
			t.Errorf("the week's trend: %+v", tr)
		}
		env.Do(t, http.MethodGet, "/api/v1/kpis/trend?from="+today.AddYears(-1).String()+"&to="+today.String()+"&court_id="+
			sanshui.CourtID.String(), chief, nil).JSON(t, &tr)
		if tr.Interval != "week" || tr.Points[len(tr.Points)-1].Received != 5 || tr.CourtID == nil {
			t.Errorf("the year's trend of 三水: %s, last %+v", tr.Interval, tr.Points[len(tr.Points)-1])
		}
		var rk api.RankingOut
		env.Do(t, http.MethodGet, "/api/v1/kpis/ranking?by=court&order=closure_rate&from="+today.String()+"&to="+today.String(), chief, nil).JSON(t, &rk)
		// 禅城 2 of 3 before 三水 2 of 5.
		if len(rk.Rows) != 2 || rk.Rows[0].Key != chancheng.CourtID.String() || rk.Rows[0].Rank != 1 || !rateIs(rk.Rows[0].ClosureRate, 0.6667) ||
			rk.Rows[1].Rank != 2 || rk.Rows[0].Label != "佛山市禅城区人民法院" || rk.By != "court" || rk.Order != "closure_rate" {
			t.Errorf("courts by 结案率: %+v", rk)
		}
		env.Do(t, http.MethodGet, "/api/v1/kpis/ranking?from="+today.String()+"&to="+today.String(), judge, nil).JSON(t, &rk)
		if rk.By != "handler" || rk.Order != "closed" || len(rk.Rows) == 0 || rk.Rows[0].Closed == 0 {
			t.Errorf("the default ranking: %+v", rk)
		}

		// A wall screen signed in through the pages polls with its cookie.
		wall := staffBrowser(t, env, sanshui.Judge)
		if pg := wall.get("/api/v1/board"); pg.status != http.StatusOK || !strings.Contains(pg.body, `"headlines"`) {
			t.Errorf("the board with the page session: %d %.300s", pg.status, pg.body)
		}

		span := "from=" + today.AddDays(-6).String() + "&to=" + today.String()
		for _, bad := range []struct {
			name, path, token string
			status            int
			code              string
		}{
			{"a court outside the caller's (board)", "/api/v1/board?court_id=" + sanshui.CourtID.String(), outsider, 404, "not_found"},
			{"a court outside the caller's (trend)", "/api/v1/kpis/trend?" + span + "&court_id=" + chancheng.CourtID.String(), judge, 404, "not_found"},
			{"a court outside the caller's (ranking)", "/api/v1/kpis/ranking?" + span + "&court_id=" + sanshui.CourtID.String(), outsider, 404,
				"not_found"},
			{"without cases.read (board)", "/api/v1/board", admin, 403, "forbidden"},
			{"without cases.read (trend)", "/api/v1/kpis/trend?" + span, admin, 403, "forbidden"},
			{"without cases.read (ranking)", "/api/v1/kpis/ranking?" + span, admin, 403, "forbidden"},
			{"reversed dates (trend)", "/api/v1/kpis/trend?from=2026-05-01&to=2026-04-01", judge, 422, "invalid_date_order"},
			{"reversed dates (ranking)", "/api/v1/kpis/ranking?from=2026-05-01&to=2026-04-01", judge, 422, "invalid_date_order"},
			{"a malformed date (trend)", "/api/v1/kpis/trend?from=2026-02-30&to=2026-04-01", judge, 422, "invalid_date"},
			{"a malformed date (ranking)", "/api/v1/kpis/ranking?from=2026-04-01&to=yesterday", judge, 422, "invalid_date"},
			{"a malformed day (board)", "/api/v1/board?on=2026-13-01", judge, 422, "invalid_date"},
			{"no dates", "/api/v1/kpis/trend", judge, 422, "invalid_date"},
			{"eleven years", "/api/v1/kpis/trend?from=2015-01-01&to=2026-01-01", judge, 422, "period_too_long"},
			{"a malformed court", "/api/v1/kpis/trend?" + span + "&court_id=x", judge, 400, "invalid_id"},
			{"ranked by lane", "/api/v1/kpis/ranking?" + span + "&by=lane", judge, 422, ""},
			{"ordered by the moon", "/api/v1/board?order=moon", judge, 422, ""},
			{"1000 places", "/api/v1/kpis/ranking?" + span + "&limit=1000", judge, 422, ""},
			{"no sign-in", "/api/v1/board", "", 401, ""},
		} {
			r := env.Do(t, http.MethodGet, bad.path, bad.token, nil)
			if r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
				continue
			}
			p := r.Problem(t)
			if bad.code != "" && p.Code != bad.code {
				t.Errorf("%s: code %q, want %q", bad.name, p.Code, bad.code)
			}
			if !strings.ContainsFunc(p.Detail, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
				t.Errorf("%s: detail %q is not Chinese", bad.name, p.Detail)
			}
		}
	})
}
