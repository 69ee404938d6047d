package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestKPIAggregates (DOMAIN §13, S6): the figures follow every change in
// its own transaction — filing, closing, reassignment, money after closing
// — and agree with a recomputation from the cases; the API answers them by
// court, lane and handler with the rates; a drifted aggregate is found by
// Verify and repaired by Rebuild; bad queries are refused.
func TestKPIAggregates(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		_, outsider := env.Token(t, "kpi.outsider", access.RolePostJudge, "皖01")
		ctx := context.Background()
		var list []*cases.Case
		for i := range 6 {
			list = append(list, uiFile(t, s, intaketest.Application(s.CourtID, 700+i)))
		}
		move := func(c *cases.Case, in cases.TransitionInput) {
			t.Helper()
			if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
				return cases.Transition(ctx, tx, c.ID, in)
			}); err != nil {
				t.Fatalf("%s → %s: %v", c.CaseNo, in.To, err)
			}
		}
		move(list[0], cases.TransitionInput{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true})
		move(list[1], cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})
		// Money after closing counts for the closed case (MET-6).
		fundsReceive(t, s, list[0], 3_000_00)
		// A reassignment moves the case's figures to its new owner.
		other := "ordinary"
		if list[2].Lane == "ordinary" {
			other = "fast"
		}
		if _, err := store.TransactValue(s.Leader, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Assign(ctx, tx, list[2].ID, cases.AssignmentInput{Lane: other, Reason: "案情复杂程度变化"})
		}); err != nil {
			t.Fatal(err)
		}
		rep, err := metrics.Verify(ctx, db)
		if err != nil || !rep.OK() || rep.Cases != 6 {
			t.Fatalf("verify: %+v %v", rep, err)
		}

		today := legal.Today(time.Now())
		get := func(query string) api.KPIsOut {
			t.Helper()
			var out api.KPIsOut
			r := env.Do(t, http.MethodGet, "/api/v1/kpis?from="+today.AddDays(-30).String()+"&to="+today.String()+query, judge, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("kpis%s: %d %s", query, r.Status, r.Body)
			}
			r.JSON(t, &out)
			return out
		}
		byCourt := get("&group_by=court")
		if len(byCourt.Rows) != 1 {
			t.Fatalf("by court: %+v", byCourt.Rows)
		}
		k := byCourt.Rows[0]
		if k.Received != 6 || k.Closed != 2 || k.FirstReceived != 6 || k.FirstClosed != 2 || k.FirstPerformed != 1 || k.FirstActual != 1 ||
			k.Label == "" || k.RecoveredFen != 3_000_00 || k.ClosureRate == nil || *k.ClosureRate != 0.3333 || *k.CloseReceive != 0.3333 ||
			*k.PerformedRate != 0.5 || *k.InTermRate != 1 || *k.MeanDays != 0 {
			t.Errorf("by court: %+v", k)
		}
		byLane := get("&group_by=lane")
		var received, closed int64
		for _, r := range byLane.Rows {
			received, closed = received+r.Received, closed+r.Closed
			if r.Label == "" {
				t.Errorf("a lane without its name: %+v", r)
			}
		}
		if received != 6 || closed != 2 || byLane.Total.Received != 6 || byLane.Total.ClosureRate == nil {
			t.Errorf("by lane: %+v", byLane)
		}
		// Drill-down: the cases behind a lane's received and closed figures.
		for _, r := range byLane.Rows {
			span := "&lane=" + r.Key + "&court_id=" + s.CourtID.String()
			var got api.List[api.CaseOut]
			env.Do(t, http.MethodGet, "/api/v1/cases?filed_from="+today.AddDays(-30).String()+"&filed_to="+today.String()+span, judge, nil).JSON(t, &got)
			if int64(len(got.Items)) != r.Received {
				t.Errorf("lane %s: %d cases behind %d received", r.Key, len(got.Items), r.Received)
			}
			env.Do(t, http.MethodGet, "/api/v1/cases?closed_from="+today.AddDays(-30).String()+"&closed_to="+today.String()+span, judge, nil).JSON(t, &got)
			if int64(len(got.Items)) != r.Closed {
				t.Errorf("lane %s: %d cases behind %d closed", r.Key, len(got.Items), r.Closed)
			}
		}
		var performed api.List[api.CaseOut]
		env.Do(t, http.MethodGet, "/api/v1/cases?closure=performed&closed_from="+today.String(), judge, nil).JSON(t, &performed)
		if len(performed.Items) != 1 || performed.Items[0].ID != list[0].ID.String() {
			t.Errorf("the 执行完毕 case behind MET-5: %+v", performed.Items)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/cases?closed_from=2026-02-30", judge, nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("a bad drill-down date: %d", r.Status)
		}
		if byHandler := get("&group_by=handler"); len(byHandler.Rows) == 0 || byHandler.Rows[0].Label == "" {
			t.Errorf("by handler: %+v", byHandler.Rows)
		}
		// Before the cases were filed: nothing.
		var none api.KPIsOut
		env.Do(t, http.MethodGet, "/api/v1/kpis?from=2020-01-01&to=2020-12-31", judge, nil).JSON(t, &none)
		if len(none.Rows) != 0 || none.Total.ClosureRate != nil {
			t.Errorf("an empty period: %+v", none)
		}
		// Next month: the open cases are pending at its start.
		var next api.KPIsOut
		env.Do(t, http.MethodGet, "/api/v1/kpis?from="+today.AddDays(1).String()+"&to="+today.AddDays(40).String(), judge, nil).JSON(t, &next)
		if len(next.Rows) != 1 || next.Rows[0].PendingStart != 4 || next.Rows[0].Received != 0 {
			t.Errorf("the next period: %+v", next.Rows)
		}

		// The page: the figures by lane, each count a link to its cases.
		b := staffBrowser(t, env, s.Judge)
		from, to := today.AddDays(-30).String(), today.String()
		pg := b.get("/kpis?from=" + from + "&to=" + to + "&group_by=lane")
		pg.must(t, 200, `id="kpis"`, "结案率", "合计")
		for _, r := range byLane.Rows {
			// The link names the case types MET-1 counts (MET-0).
			link := "/cases?case_type=first_enforcement%2Cpreservation_enforcement%2Crestored_enforcement&amp;filed_from=" + from +
				"&amp;filed_to=" + to + "&amp;lane=" + r.Key
			pg.must(t, 200, link)
			cl := b.get("/cases?filed_from=" + from + "&filed_to=" + to + "&lane=" + r.Key)
			cl.must(t, 200, "指标下钻：立案不早于 "+from)
			for _, c := range list {
				if now := getCase(t, s, c.ID); now.Lane == r.Key {
					cl.must(t, 200, c.CaseNo)
				}
			}
		}
		b.get("/kpis?from=2026-02-30&to="+to).must(t, 200, "应为 YYYY-MM-DD")
		b.get("/kpis?from="+to+"&to=2020-01-01").must(t, 422, "截止日期不能早于起始日期")
		b.get("/cases?closed_from=bad").must(t, 200, "已忽略该条件")

		// Bad queries.
		for _, bad := range []struct {
			name, query, token string
			status             int
		}{
			{"reversed dates", "?from=2026-05-01&to=2026-04-01", judge, http.StatusUnprocessableEntity},
			{"a bad date", "?from=2026-13-01&to=2026-04-01", judge, http.StatusUnprocessableEntity},
			{"no dates", "", judge, http.StatusUnprocessableEntity},
			{"an unknown grouping", "?from=2026-01-01&to=2026-04-01&group_by=moon", judge, http.StatusUnprocessableEntity},
			{"a court outside the caller's", "?from=2026-01-01&to=2026-04-01&court_id=" + s.CourtID.String(), outsider, http.StatusNotFound},
			{"a malformed court", "?from=2026-01-01&to=2026-04-01&court_id=x", judge, http.StatusBadRequest},
			{"no sign-in", "?from=2026-01-01&to=2026-04-01", "", http.StatusUnauthorized},
		} {
			if r := env.Do(t, http.MethodGet, "/api/v1/kpis"+bad.query, bad.token, nil); r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}

		// A drifted aggregate: found, then rebuilt from the cases.
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE case_stats SET received = received + 5 WHERE received > 0`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rep, err := metrics.Verify(ctx, db); err != nil || rep.OK() || len(rep.First) == 0 {
			t.Fatalf("verify after drift: %+v %v", rep, err)
		}
		// The courts' roll-up drifted alone: found too, and rebuilt.
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE case_stats SET received = received - 5 WHERE received > 5`); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `UPDATE case_stats_rollup SET closed = closed + 1 WHERE grain = 'month'`)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if rep, err := metrics.Verify(ctx, db); err != nil || rep.OK() || rep.First[0].Bucket.Grain == metrics.GrainFull {
			t.Fatalf("verify after the roll-up drifted: %+v %v", rep, err)
		}
		if rep, err := metrics.Rebuild(ctx, db); err != nil || rep.Mismatches == 0 {
			t.Fatalf("rebuild: %+v %v", rep, err)
		}
		if rep, err := metrics.Verify(ctx, db); err != nil || !rep.OK() {
			t.Fatalf("verify after rebuild: %+v %v", rep, err)
		}
		if got := get("&group_by=court"); got.Rows[0].Received != 6 {
			t.Errorf("after rebuild: %+v", got.Rows[0])
		}
	})
}
