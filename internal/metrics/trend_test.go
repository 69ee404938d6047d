package metrics_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// d0 is a Monday: the first day of the test data.
var d0 = legal.NewDate(2026, time.March, 2)

// trendData is what the tests put into case_stats, one snapshot per case,
// through metrics.Apply as the case hooks do.
type trendData struct {
	sanshui, chancheng, hefei uuid.UUID // 粤0607, 粤0604 (both under 粤06), 皖01
	teamA1, teamA2, teamB     uuid.UUID
	judgeA1, judgeA2, judgeB  uuid.UUID
	city, basic, outsider     context.Context // 粤06 (sees both basic courts), 粤0607, 皖01
	noRead                    context.Context // 粤0607 without cases.read
}

func principal(scope access.Scope, perms []access.Permission, courts ...uuid.UUID) context.Context {
	p := access.NewPrincipal(access.Principal{Username: "t", DisplayName: "测试", Role: "t", Scope: scope, CourtID: courts[0]}, perms, courts)
	return access.With(context.Background(), p)
}

func closedCase(court, team, judge uuid.UUID, caseType string, filed, closed legal.Date, closure string, deadline legal.Date,
	claim, recovered int64) *metrics.Snapshot {
	s := &metrics.Snapshot{CourtID: court, TeamID: team, HandlerID: judge, CaseType: caseType, Lane: "fast", FiledOn: filed,
		Deadline: deadline, ClaimFen: claim}
	if !closed.IsZero() {
		s.Closed, s.ClosedOn, s.Closure, s.RecoveredFen = true, closed, closure, recovered
	}
	return s
}

func newTrendData(t *testing.T, db *store.DB) *trendData {
	t.Helper()
	sys := access.With(context.Background(), access.System("测试"))
	court := func(code string) uuid.UUID {
		c, err := org.CourtByCode(sys, db, code)
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	d := &trendData{sanshui: court("粤0607"), chancheng: court("粤0604"), hefei: court("皖01"), teamA1: uuid.New(), teamA2: uuid.New(),
		teamB: uuid.New(), judgeA1: uuid.New(), judgeA2: uuid.New(), judgeB: uuid.New()}
	read := []access.Permission{access.CasesRead}
	d.city = principal(access.ScopeSubtree, read, court("粤06"), d.sanshui, d.chancheng)
	d.basic = principal(access.ScopeCourt, read, d.sanshui)
	d.outsider = principal(access.ScopeCourt, read, d.hefei)
	d.noRead = principal(access.ScopeCourt, nil, d.sanshui)
	term := d0.AddMonths(6)
	none := legal.Date{}
	cases := []*metrics.Snapshot{
		// 三水: A1's judge closes one 执行完毕 in 3 days (in term, all recovered) and has one open.
		closedCase(d.sanshui, d.teamA1, d.judgeA1, "first_enforcement", d0, d0.AddDays(3), "performed", term, 1_000_00, 1_000_00),
		closedCase(d.sanshui, d.teamA1, d.judgeA1, "first_enforcement", d0.AddDays(1), none, "", term, 2_000_00, 0),
		// A2's judge: 终本 after 9 days with some money, and a 执恢 case closed in 20 days.
		closedCase(d.sanshui, d.teamA2, d.judgeA2, "first_enforcement", d0.AddDays(1), d0.AddDays(10), "zhongben", term, 5_000_00, 300_00),
		closedCase(d.sanshui, d.teamA2, d.judgeA2, "restored_enforcement", d0.AddDays(2), d0.AddDays(22), "performed", term, 800_00, 800_00),
		// Not assigned: cancelled on its filing day (counted, never ranked).
		closedCase(d.sanshui, uuid.Nil, uuid.Nil, "first_enforcement", d0.AddDays(2), d0.AddDays(2), "cancelled", term, 100_00, 0),
		// A 执异 case: outside the enforcement types, in no figure.
		closedCase(d.sanshui, d.teamA1, d.judgeA1, "objection", d0.AddDays(4), d0.AddDays(5), "performed", term, 0, 0),
		// 禅城: filed before the period and closed in it (pending at the start), and one closed late with much money.
		closedCase(d.chancheng, d.teamB, d.judgeB, "first_enforcement", d0.AddDays(-40), d0.AddDays(4), "performed", term, 700_00, 700_00),
		closedCase(d.chancheng, d.teamB, d.judgeB, "first_enforcement", d0.AddDays(5), d0.AddDays(12), "performed", d0.AddDays(10),
			9_000_00, 9_000_00),
		// 合肥: another city's court.
		closedCase(d.hefei, uuid.New(), uuid.New(), "first_enforcement", d0.AddDays(3), d0.AddDays(6), "performed", term, 50_00, 50_00),
	}
	if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
		for _, s := range cases {
			if err := metrics.Apply(ctx, tx, nil, s); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return d
}

func wantErr(t *testing.T, what string, err error, kind apperr.Kind, code string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || (code != "" && e.Code != code) {
		t.Errorf("%s: %v, want kind %d code %q", what, err, kind, code)
		return
	}
	if kind == apperr.Invalid && !strings.ContainsFunc(e.Detail, func(r rune) bool { return r >= 0x4e00 && r <= 0x9fff }) {
		t.Errorf("%s: detail %q is not Chinese", what, e.Detail)
	}
}

// TestTrend: the daily series sums case_stats by day over the enforcement
// types for the caller's courts or one of them, with every day present;
// a long period goes by week (Monday to Sunday, clipped); the figures of a
// period agree with Figures; the scope and the period are checked as
// Figures checks them.
func TestTrend(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		d := newTrendData(t, db)
		from, to := d0, d0.AddDays(13)
		tr, err := metrics.Trend(d.city, db, metrics.TrendQuery{From: from, To: to})
		if err != nil {
			t.Fatal(err)
		}
		if tr.Interval != metrics.Daily || len(tr.Points) != 14 || tr.Points[0].From != d0 || tr.Points[13].To != to {
			t.Fatalf("daily: %+v", tr)
		}
		want := map[int]metrics.TrendPoint{
			0:  {Received: 1},
			1:  {Received: 2},
			2:  {Received: 2, Closed: 1, ClosedInTerm: 1}, // 执恢 filed; the unassigned one filed and cancelled
			3:  {Closed: 1, ClosedInTerm: 1, RecoveredFen: 1_000_00},
			4:  {Closed: 1, ClosedInTerm: 1, RecoveredFen: 700_00}, // 禅城's old case; not the 执异 filed that day
			5:  {Received: 1},
			10: {Closed: 1, ClosedInTerm: 1, RecoveredFen: 300_00},
			12: {Closed: 1, RecoveredFen: 9_000_00}, // after its deadline
		}
		for i, p := range tr.Points {
			w := want[i]
			w.From, w.To = d0.AddDays(i), d0.AddDays(i)
			if p != w {
				t.Errorf("day %d: %+v, want %+v", i, p, w)
			}
		}
		// The sums agree with Figures over the same period.
		rows, err := metrics.Figures(d.city, db, metrics.Query{From: from, To: to, GroupBy: metrics.ByCourt})
		if err != nil {
			t.Fatal(err)
		}
		total := metrics.Total(rows)
		var sum metrics.TrendPoint
		for _, p := range tr.Points {
			sum.Received, sum.Closed, sum.ClosedInTerm, sum.RecoveredFen = sum.Received+p.Received, sum.Closed+p.Closed,
				sum.ClosedInTerm+p.ClosedInTerm, sum.RecoveredFen+p.RecoveredFen
		}
		if a := total.All; sum.Received != a.Received || sum.Closed != a.Closed || sum.ClosedInTerm != a.ClosedInTerm ||
			sum.RecoveredFen != a.ClosedRecoveredFen || sum.Received != 6 || sum.Closed != 5 {
			t.Errorf("trend sums %+v, figures %+v", sum, a)
		}

		// One court; the basic court's judge sees only their own.
		for _, tc := range []struct {
			name  string
			ctx   context.Context
			court uuid.UUID
		}{{"粤06 asking for 三水", d.city, d.sanshui}, {"三水's own", d.basic, uuid.Nil}} {
			one, err := metrics.Trend(tc.ctx, db, metrics.TrendQuery{From: from, To: to, CourtID: tc.court})
			if err != nil {
				t.Fatal(err)
			}
			if p := one.Points[4]; p.Closed != 0 || p.Received != 0 {
				t.Errorf("%s: 禅城's closure counted: %+v", tc.name, p)
			}
			if p := one.Points[3]; p.Closed != 1 || p.RecoveredFen != 1_000_00 {
				t.Errorf("%s: day 3 %+v", tc.name, p)
			}
		}

		// A long period: weeks, the first and last clipped.
		long, err := metrics.Trend(d.city, db, metrics.TrendQuery{From: d0.AddDays(-3), To: d0.AddDays(120)})
		if err != nil {
			t.Fatal(err)
		}
		if long.Interval != metrics.Weekly || long.Points[0].From != d0.AddDays(-3) || long.Points[0].To != d0.AddDays(-1) ||
			long.Points[1].From != d0 || long.Points[1].To != d0.AddDays(6) || long.Points[len(long.Points)-1].To != d0.AddDays(120) {
			t.Fatalf("weekly: %+v", long.Points[:2])
		}
		for i, p := range long.Points[1:] {
			if p.From.Weekday() != time.Monday || (i+2 < len(long.Points) && p.To.Weekday() != time.Sunday) {
				t.Errorf("week %d: %s – %s", i+1, p.From, p.To)
			}
		}
		w1, w2 := long.Points[1], long.Points[2]
		if w1.Received != 6 || w1.Closed != 3 || w1.RecoveredFen != 1_700_00 || w2.Closed != 2 || w2.RecoveredFen != 9_300_00 ||
			long.Points[4].Closed != 1 || long.Points[4].RecoveredFen != 800_00 {
			t.Errorf("weeks: %+v %+v %+v", w1, w2, long.Points[4])
		}
		if tr, err := metrics.Trend(d.city, db, metrics.TrendQuery{From: d0, To: d0.AddDays(metrics.DailyTrendDays - 1)}); err != nil ||
			tr.Interval != metrics.Daily || len(tr.Points) != metrics.DailyTrendDays {
			t.Errorf("the longest daily trend: %v %d points", err, len(tr.Points))
		}

		// Refused as Figures refuses.
		_, err = metrics.Trend(d.basic, db, metrics.TrendQuery{From: from, To: to, CourtID: d.chancheng})
		wantErr(t, "a court outside the caller's", err, apperr.NotFound, "not_found")
		_, err = metrics.Trend(d.outsider, db, metrics.TrendQuery{From: from, To: to, CourtID: d.sanshui})
		wantErr(t, "another city's court", err, apperr.NotFound, "not_found")
		_, err = metrics.Trend(d.city, db, metrics.TrendQuery{From: to, To: from})
		wantErr(t, "a reversed period", err, apperr.Invalid, "invalid_date_order")
		_, err = metrics.Trend(d.city, db, metrics.TrendQuery{To: to})
		wantErr(t, "no start", err, apperr.Invalid, "invalid_date")
		_, err = metrics.Trend(d.city, db, metrics.TrendQuery{From: d0.AddYears(-11), To: d0})
		wantErr(t, "eleven years", err, apperr.Invalid, "period_too_long")
		_, err = metrics.Trend(d.noRead, db, metrics.TrendQuery{From: from, To: to})
		wantErr(t, "without cases.read", err, apperr.Forbidden, "")
		_, err = metrics.Trend(context.Background(), db, metrics.TrendQuery{From: from, To: to})
		wantErr(t, "nobody", err, apperr.Unauthenticated, "")

		// The other city's judge sees only 合肥's case.
		hf, err := metrics.Trend(d.outsider, db, metrics.TrendQuery{From: from, To: to})
		if err != nil || hf.Points[3].Received != 1 || hf.Points[0].Received != 0 || hf.Points[6].Closed != 1 {
			t.Errorf("合肥: %v %+v", err, hf)
		}
	})
}

// TestRanking: the groups of a period ordered by each measure, the
// unassigned and the undefined left out, the first N; bad asks refused.
func TestRanking(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		d := newTrendData(t, db)
		period := metrics.Query{From: d0, To: d0.AddDays(30)}
		rank := func(ctx context.Context, by metrics.GroupBy, order metrics.Order, limit int) []string {
			t.Helper()
			q := period
			q.GroupBy = by
			rows, err := metrics.Ranking(ctx, db, metrics.RankQuery{Query: q, Order: order, Limit: limit})
			if err != nil {
				t.Fatalf("%s by %s: %v", by, order, err)
			}
			var keys []string
			for _, r := range rows {
				keys = append(keys, r.Key)
			}
			return keys
		}
		eq := func(what string, got []string, want ...uuid.UUID) {
			t.Helper()
			var w []string
			for _, id := range want {
				w = append(w, id.String())
			}
			if strings.Join(got, ",") != strings.Join(w, ",") {
				t.Errorf("%s: %v, want %v", what, got, w)
			}
		}
		// Judges: A2 closed 2 (9 and 20 days, ¥1,100 of ¥5,800), B closed 2
		// (44 and 7 days, ¥9,700), A1 closed 1 (3 days, ¥1,000) of 2 received.
		// A2 and B tie on closures: by key.
		first, second := d.judgeA2, d.judgeB
		if strings.Compare(d.judgeB.String(), d.judgeA2.String()) < 0 {
			first, second = d.judgeB, d.judgeA2
		}
		eq("judges by closures", rank(d.city, metrics.ByHandler, metrics.OrderClosed, 0), first, second, d.judgeA1)
		eq("judges by closures, default order", rank(d.city, metrics.ByHandler, "", 0), first, second, d.judgeA1)
		eq("the top judge", rank(d.city, metrics.ByHandler, metrics.OrderClosed, 1), first)
		// Mean days: A1 3, A2 14.5, B 25.5.
		eq("judges by mean days", rank(d.city, metrics.ByHandler, metrics.OrderMeanDays, 0), d.judgeA1, d.judgeA2, d.judgeB)
		eq("judges by money", rank(d.city, metrics.ByHandler, metrics.OrderRecovered, 0), d.judgeB, d.judgeA2, d.judgeA1)
		// 结案率: B 2/(1+1) = 100%, A2 2/2 = 100% (tie: by key), A1 1/2.
		eq("judges by closure rate", rank(d.city, metrics.ByHandler, metrics.OrderClosureRate, 0), first, second, d.judgeA1)
		eq("teams by mean days", rank(d.city, metrics.ByTeam, metrics.OrderMeanDays, 0), d.teamA1, d.teamA2, d.teamB)
		// Courts: 三水 closed 4 (with the unassigned one), 禅城 2.
		eq("courts by closures", rank(d.city, metrics.ByCourt, metrics.OrderClosed, 0), d.sanshui, d.chancheng)
		eq("courts by money", rank(d.city, metrics.ByCourt, metrics.OrderRecovered, 0), d.chancheng, d.sanshui)
		eq("三水's judge sees 三水", rank(d.basic, metrics.ByCourt, metrics.OrderClosed, 0), d.sanshui)

		// A day without closures (A1 and A2 received, B had one pending): no
		// mean days to rank; by closures all three.
		q := metrics.Query{From: d0.AddDays(1), To: d0.AddDays(1), GroupBy: metrics.ByHandler}
		rows, err := metrics.Ranking(d.city, db, metrics.RankQuery{Query: q, Order: metrics.OrderMeanDays})
		if err != nil || len(rows) != 0 {
			t.Errorf("no closures, no mean days: %+v %v", rows, err)
		}
		if rows, err := metrics.Ranking(d.city, db, metrics.RankQuery{Query: q, Order: metrics.OrderClosed}); err != nil || len(rows) != 3 {
			t.Errorf("received only, by closures: %+v %v", rows, err)
		}

		for _, bad := range []struct {
			name string
			ctx  context.Context
			in   metrics.RankQuery
			kind apperr.Kind
			code string
		}{
			{"by lane", d.city, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0, GroupBy: metrics.ByLane}}, apperr.Invalid, "invalid_group_by"},
			{"an unknown order", d.city, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0, GroupBy: metrics.ByTeam}, Order: "moon"},
				apperr.Invalid, "invalid_order"},
			{"101", d.city, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0, GroupBy: metrics.ByTeam}, Limit: 101}, apperr.Invalid,
				"invalid_limit"},
			{"reversed", d.city, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0.AddDays(-1), GroupBy: metrics.ByTeam}}, apperr.Invalid,
				"invalid_date_order"},
			{"another city's court", d.city, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0, GroupBy: metrics.ByTeam, CourtID: d.hefei}},
				apperr.NotFound, "not_found"},
			{"without cases.read", d.noRead, metrics.RankQuery{Query: metrics.Query{From: d0, To: d0, GroupBy: metrics.ByTeam}}, apperr.Forbidden, ""},
		} {
			_, err := metrics.Ranking(bad.ctx, db, bad.in)
			wantErr(t, bad.name, err, bad.kind, bad.code)
		}
	})
}

// TestBoard: the headline figures of the day, the month and the year with
// the periods before, the last 30 days' trend and this year's rankings (by
// court only for a caller who sees several).
func TestBoard(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		d := newTrendData(t, db)
		on := d0.AddDays(12) // 2026-03-14
		b, err := metrics.BoardOf(d.city, db, metrics.BoardQuery{On: on})
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Headlines) != 3 || b.Order != metrics.OrderClosed {
			t.Fatalf("board: %+v", b)
		}
		today, month, year := b.Headlines[0], b.Headlines[1], b.Headlines[2]
		if today.Period != "today" || today.From != on || today.PrevFrom != on.AddDays(-1) || today.Now.Closed != 1 ||
			today.Now.ClosedRecoveredFen != 9_000_00 || today.Prev.Closed != 0 {
			t.Errorf("today: %+v", today)
		}
		if month.From != legal.NewDate(2026, time.March, 1) || month.PrevFrom != legal.NewDate(2026, time.February, 1) ||
			month.PrevTo != legal.NewDate(2026, time.February, 14) || month.Now.Received != 6 || month.Now.Closed != 5 ||
			month.Now.ClosedInTerm != 4 || month.Now.PendingStart != 1 || month.Prev.Received != 0 {
			t.Errorf("month: %+v", month)
		}
		// The year: 禅城's old case was filed in January.
		if year.From != legal.NewDate(2026, time.January, 1) || year.Now.Received != 7 || year.Now.Closed != 5 ||
			year.PrevTo != legal.NewDate(2025, time.March, 14) {
			t.Errorf("year: %+v", year)
		}
		if b.Trend.Interval != metrics.Daily || len(b.Trend.Points) != metrics.BoardTrendDays || b.Trend.To != on ||
			b.Trend.Points[metrics.BoardTrendDays-1].Closed != 1 {
			t.Errorf("trend: %+v", b.Trend)
		}
		var by []string
		for _, r := range b.Rankings {
			by = append(by, string(r.By))
		}
		if strings.Join(by, ",") != "court,team,handler" || len(b.Rankings[0].Rows) != 2 || b.Rankings[0].Labels[d.sanshui.String()] != "佛山市三水区人民法院" {
			t.Errorf("rankings: %v %+v", by, b.Rankings[0])
		}
		// The board agrees with Figures, Trend and Ranking asked one by one.
		for _, ctx := range []context.Context{d.city, d.basic, d.outsider} {
			for _, order := range []metrics.Order{metrics.OrderClosed, metrics.OrderClosureRate, metrics.OrderMeanDays, metrics.OrderRecovered} {
				for _, day := range []legal.Date{on, d0.AddDays(3), d0.AddDays(40), d0.AddYears(1)} {
					boardAgrees(t, ctx, db, metrics.BoardQuery{On: day, Order: order, Limit: 2})
				}
			}
		}
		boardAgrees(t, d.city, db, metrics.BoardQuery{On: on, CourtID: d.sanshui})

		// 三水's judge: no ranking of courts; only 三水's figures (A2's 执恢
		// case closes after the board's day).
		bs, err := metrics.BoardOf(d.basic, db, metrics.BoardQuery{On: on, Order: metrics.OrderRecovered, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(bs.Rankings) != 2 || bs.Rankings[0].By != metrics.ByTeam || len(bs.Rankings[1].Rows) != 1 ||
			bs.Rankings[1].Rows[0].Key != d.judgeA1.String() || bs.Headlines[1].Now.Closed != 3 || bs.Headlines[0].Now.Closed != 0 {
			t.Errorf("三水's board: %+v", bs)
		}
		// One court chosen by the city: no ranking of courts either.
		if bc, err := metrics.BoardOf(d.city, db, metrics.BoardQuery{On: on, CourtID: d.chancheng}); err != nil || len(bc.Rankings) != 2 ||
			bc.Headlines[0].Now.Closed != 1 {
			t.Errorf("禅城 chosen: %+v %v", bc, err)
		}
		// MET-0: 三水 counts only 执 in MET-1 from 2025 on; the board and
		// the trend follow the court's definition as Figures does (its
		// 执恢 case closed on d0+22 leaves the figures), 禅城 keeps the
		// built-in one.
		sys := access.With(context.Background(), access.System("测试"))
		if err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := metrics.SaveDefinition(ctx, tx, metrics.DefinitionInput{CourtID: d.sanshui, EffectiveFrom: legal.NewDate(2025, time.January, 1),
				Scopes: []metrics.Scope{{Metric: metrics.MetClosureRate, CaseTypes: []string{"first_enforcement"}}}, Citation: "本院口径"})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		later := d0.AddDays(25) // 2026-03-27: March's closures counted
		for _, ctx := range []context.Context{d.city, d.basic} {
			for _, order := range []metrics.Order{metrics.OrderClosed, metrics.OrderClosureRate} {
				boardAgrees(t, ctx, db, metrics.BoardQuery{On: later, Order: order, Limit: 5})
			}
		}
		if bs, err := metrics.BoardOf(d.basic, db, metrics.BoardQuery{On: later}); err != nil || bs.Headlines[1].Now.Closed != 3 || bs.Headlines[1].Now.Received != 4 {
			t.Errorf("三水 under its definition: closed this month %+v %v (want 3: the 执恢 case not counted)", bs.Headlines[1].Now, err)
		}

		_, err = metrics.BoardOf(d.basic, db, metrics.BoardQuery{On: on, CourtID: d.chancheng})
		wantErr(t, "a court outside", err, apperr.NotFound, "not_found")
		_, err = metrics.BoardOf(d.noRead, db, metrics.BoardQuery{On: on})
		wantErr(t, "without cases.read", err, apperr.Forbidden, "")
		_, err = metrics.BoardOf(d.city, db, metrics.BoardQuery{On: on, Order: "moon"})
		wantErr(t, "an unknown order", err, apperr.Invalid, "invalid_order")
	})
}

// boardAgrees checks a board against Figures, Trend and Ranking.
func boardAgrees(t *testing.T, ctx context.Context, db *store.DB, in metrics.BoardQuery) {
	t.Helper()
	b, err := metrics.BoardOf(ctx, db, in)
	if err != nil {
		t.Fatal(err)
	}
	total := func(from, to legal.Date) metrics.Period {
		rows, err := metrics.Figures(ctx, db, metrics.Query{From: from, To: to, GroupBy: metrics.ByCourt, CourtID: in.CourtID})
		if err != nil {
			t.Fatal(err)
		}
		return metrics.Total(rows).All
	}
	for _, h := range b.Headlines {
		if now, prev := total(h.From, h.To), total(h.PrevFrom, h.PrevTo); h.Now != now || h.Prev != prev {
			t.Errorf("%s %s: board %+v %+v, Figures %+v %+v", in.On, h.Period, h.Now, h.Prev, now, prev)
		}
	}
	tr, err := metrics.Trend(ctx, db, metrics.TrendQuery{From: b.Trend.From, To: b.Trend.To, CourtID: in.CourtID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(tr.Points, b.Trend.Points) {
		t.Errorf("%s: the board's trend differs from Trend", in.On)
	}
	for _, r := range b.Rankings {
		want, err := metrics.Ranking(ctx, db, metrics.RankQuery{Query: metrics.Query{From: b.RankFrom, To: b.RankTo, GroupBy: r.By,
			CourtID: in.CourtID}, Order: in.Order, Limit: in.Limit})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(r.Rows, want) {
			t.Errorf("%s by %s ordered by %s: board %+v, Ranking %+v", in.On, r.By, in.Order, r.Rows, want)
		}
	}
}
