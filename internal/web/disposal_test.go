package web_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	simauction "github.com/zhixing-court/zhixing/internal/sim/auction"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// disclosures are a complete AUCT-5 checklist.
func disclosures() map[string]any {
	return map[string]any{"ruling_no": "（2026）粤0607执1号之二", "rules": "增价拍卖，最后 5 分钟内出价的延时 5 分钟", "media": "现场照片 12 张、视频 1 段",
		"no_priority": true, "deposit_account": "平台冻结", "taxes": "双方各自承担", "contact": "0757-87000000", "defects": "无抵押；需自行腾退"}
}

// at10 is 10:00 Beijing time on d.
func at10(d legal.Date) time.Time { return d.Start().Add(10 * time.Hour) }

// TestS10HouseToMoney (SCENARIOS.md S10) through the API, on both engines:
// a seized flat; the reference price from all three online platforms (their
// mean); a first auction at 70 % after a 30-day notice; no bid; a
// re-auction within 30 days 20 % lower after a 15-day notice; the
// simulator's bidders drive it to a sale with a last-minute extension;
// confirmed, the price lands in the case's ledger; both auction periods are
// deducted from the case clock. Bad input on the way: a reserve below 70 %,
// a cut above 20 %, notices too short, a deposit out of range, missing
// disclosures, bids below the price or after the close, a result pulled
// early, repeated and wrong-state submissions, malformed ids, an outsider
// and a user without the permission.
func TestS10HouseToMoney(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sim := simauction.New(simauction.Options{})
		start := time.Now().UTC()
		sim.SetNow(start)
		disposal.Use(db, sim)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		_, judge := env.Token(t, "s10.judge", access.RolePostJudge, "粤0607")
		_, clerk := env.Token(t, "s10.clerk", access.RoleClerk, "粤0607")
		_, outsider := env.Token(t, "s10.outsider", access.RolePostJudge, "皖01")

		debtor := intaketest.Person(9101)
		const ref = "粤(2024)佛山市不动产权第0091010号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 300_000_000,
			Attributes: map[string]string{"address": "佛山市三水区西南街道广海大道1号3座1201"}}})
		in := intaketest.Application(staff.CourtID, 9101)
		in.Respondents = []intake.PartyInput{debtor}
		c := uiFile(t, staff, in)
		ag.Settle(t)
		flat := assetByRefIn(t, staff.Judge, db, c.ID, ref)
		uiSeize(t, staff.Judge, db, ag, c, flat)

		check := func(r *apptest.Response, status int, code string) {
			t.Helper()
			if r.Status != status || code != "" && r.Problem(t).Code != code {
				t.Fatalf("%d %s, want %d %s", r.Status, r.Body, status, code)
			}
		}
		var d api.DisposalOut
		do := func(path string, body any, status int) api.DisposalOut {
			t.Helper()
			r := env.Do(t, http.MethodPost, path, judge, body)
			check(r, status, "")
			var o api.DisposalOut
			r.JSON(t, &o)
			return o
		}

		// Opened on the seized flat; malformed, outsider, no permission.
		check(env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", judge, map[string]any{"asset_id": "x"}), 400, "invalid_id")
		check(env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", outsider, map[string]any{"asset_id": flat.String()}), 404, "")
		check(env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", clerk, map[string]any{"asset_id": flat.String()}), 403, "")
		d = do("/api/v1/cases/"+c.ID.String()+"/disposals", map[string]any{"asset_id": flat.String()}, 201)
		today := legal.Today(start)
		if d.Stage != "valuation" || d.Movable || d.ValuationDue < today.AddDays(30).String() {
			t.Fatalf("opened %+v", d)
		}
		check(env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", judge, map[string]any{"asset_id": flat.String()}), 409, "disposal_exists")
		check(env.Do(t, http.MethodGet, "/api/v1/disposals/"+d.ID, outsider, nil), 404, "")
		base := "/api/v1/disposals/" + d.ID

		// Online inquiry to every listed platform; their mean.
		d = do(base+"/valuation", map[string]any{"method": "online"}, 200)
		if len(d.Reports) != len(disposal.OnlinePlatforms()) || len(d.Reports) != 3 || d.StartedLate {
			t.Fatalf("online inquiry %+v", d.Reports)
		}
		check(env.Do(t, http.MethodPost, base+"/price", judge, map[string]any{}), 409, "reports_pending")
		check(env.Do(t, http.MethodPost, base+"/reports/"+d.Reports[0].ID, judge, map[string]any{"amount_fen": -5}), 422, "invalid_amount")
		for i, rep := range d.Reports {
			d = do(base+"/reports/"+rep.ID, map[string]any{"amount_fen": int64(3_000_000_00 + i*100_000_00)}, 200)
		}
		check(env.Do(t, http.MethodPost, base+"/reports/"+d.Reports[0].ID, judge, map[string]any{"amount_fen": 1}), 409, "already_reported")
		d = do(base+"/price", map[string]any{}, 200)
		if d.Stage != "priced" || d.ReferenceFen != 3_100_000_00 || d.ObjectionDue == "" || d.ValidUntil != today.AddMonths(12).String() {
			t.Fatalf("priced %+v", d)
		}
		reference := d.ReferenceFen

		// The first auction: 30-day notice, reserve ≥ 70 %.
		sim.SetNow(start.AddDate(0, 0, 20)) // past the objection window, however holidays roll it (VAL-4, PER-2)
		pub := legal.Today(sim.Now())
		first := func(reserve, deposit int64, starts time.Time, disc map[string]any) map[string]any {
			return map[string]any{"reserve_fen": reserve, "deposit_fen": deposit, "increment_fen": 1_000_00, "parties_told_on": pub.AddDays(-3).String(),
				"published_on": pub.String(), "starts_at": starts, "ends_at": starts.Add(24 * time.Hour), "disclosures": disc}
		}
		minReserve := reference * 70 / 100
		auctions := base + "/auctions"
		check(env.Do(t, http.MethodPost, auctions, judge, first(minReserve-1, minReserve/10, at10(pub.AddDays(30)), disclosures())), 422, "reserve_too_low")
		check(env.Do(t, http.MethodPost, auctions, judge, first(minReserve, minReserve/10, at10(pub.AddDays(29)), disclosures())), 422, "notice_too_short")
		check(env.Do(t, http.MethodPost, auctions, judge, first(minReserve, minReserve/4, at10(pub.AddDays(30)), disclosures())), 422, "invalid_deposit")
		incomplete := disclosures()
		delete(incomplete, "defects")
		check(env.Do(t, http.MethodPost, auctions, judge, first(minReserve, minReserve/10, at10(pub.AddDays(30)), incomplete)), 422, "disclosures_incomplete")
		late := first(minReserve, minReserve/10, at10(pub.AddDays(30)), disclosures())
		late["parties_told_on"] = pub.AddDays(-2).String()
		check(env.Do(t, http.MethodPost, auctions, judge, late), 409, "parties_told_late")
		starts1 := at10(pub.AddDays(30))
		d = do(auctions, first(minReserve, minReserve/10, starts1, disclosures()), 201)
		a1 := d.Auctions[0]
		if d.Stage != "listed" || a1.ReserveFen != 2_170_000_00 {
			t.Fatalf("first auction %+v", d)
		}
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a1.ID+"/result", judge, nil), 409, "auction_not_closed")

		// Nobody bids: failed.
		sim.SetNow(starts1.Add(25 * time.Hour))
		if n, err := disposal.PullDue(context.Background(), db); err != nil || n != 1 {
			t.Fatalf("the results job pulled %d (%v), want 1", n, err)
		}
		r := env.Do(t, http.MethodGet, base, judge, nil)
		check(r, 200, "")
		d = api.DisposalOut{}
		r.JSON(t, &d)
		if d.Stage != "failed" || d.NoBidCount != 1 || d.Auctions[0].Status != "failed" {
			t.Fatalf("after the first auction %+v", d)
		}
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a1.ID+"/result", judge, nil), 409, "invalid_state")

		// The re-auction: within 30 days, at most 20 % lower, 15-day notice.
		failed := legal.MustDate(d.FailedOn)
		pub = failed.AddDays(1)
		cut := minReserve * 80 / 100
		check(env.Do(t, http.MethodPost, auctions, judge, first(cut-1, cut/10, at10(pub.AddDays(15)), disclosures())), 422, "cut_too_deep")
		check(env.Do(t, http.MethodPost, auctions, judge, first(cut, cut/10, at10(pub.AddDays(14)), disclosures())), 422, "notice_too_short")
		check(env.Do(t, http.MethodPost, auctions, judge, first(cut, cut/10, at10(failed.AddDays(31)), disclosures())), 422, "relist_too_late")
		starts2 := at10(pub.AddDays(15))
		d = do(auctions, first(cut, cut/10, starts2, disclosures()), 201)
		a2 := d.Auctions[1]

		// The simulator's bidders.
		sim.SetNow(starts2.Add(-time.Hour))
		if err := sim.Register(a2.ID, disposal.Bidder{Ref: "b1", Name: "竞买人甲", DepositFen: cut / 20}); err == nil {
			t.Fatal("a deposit below the listing's was accepted")
		}
		for _, b := range []disposal.Bidder{{Ref: "b1", Name: "竞买人甲", DepositFen: cut / 10}, {Ref: "b2", Name: "竞买人乙", DepositFen: cut / 10}} {
			if err := sim.Register(a2.ID, b); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sim.PlaceBid(a2.ID, "b1", cut); err == nil {
			t.Fatal("a bid before the start was accepted")
		}
		sim.SetNow(starts2.Add(time.Hour))
		if _, err := sim.PlaceBid(a2.ID, "b1", cut-1); err == nil {
			t.Fatal("a bid below the reserve was accepted")
		}
		mustBid := func(who string, fen int64) disposal.Bid {
			t.Helper()
			b, err := sim.PlaceBid(a2.ID, who, fen)
			if err != nil {
				t.Fatalf("bid %s %d: %v", who, fen, err)
			}
			return b
		}
		mustBid("b1", cut)
		if _, err := sim.PlaceBid(a2.ID, "b2", cut+500_00); err == nil {
			t.Fatal("a bid below the current price plus the increment was accepted")
		}
		mustBid("b2", cut+1_000_00)
		closes := starts2.Add(24 * time.Hour)
		sim.SetNow(closes.Add(-2 * time.Minute))
		last := mustBid("b1", cut+2_000_00)
		if !last.ClosesAt.Equal(closes.Add(3 * time.Minute)) {
			t.Errorf("a bid 2 minutes before the close: close %s, want 5 minutes after the bid", last.ClosesAt)
		}
		sim.SetNow(closes.Add(time.Minute)) // past the original close, before the extended one
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a2.ID+"/result", judge, nil), 409, "auction_not_closed")
		if n, err := disposal.PullDue(context.Background(), db); err != nil || n != 0 {
			t.Fatalf("the results job pulled %d (%v) from an extended auction", n, err)
		}
		sim.SetNow(last.ClosesAt)
		if _, err := sim.PlaceBid(a2.ID, "b2", cut+3_000_00); err == nil {
			t.Fatal("a bid after the close was accepted")
		}
		d = do("/api/v1/auctions/"+a2.ID+"/result", nil, 200)
		a2 = d.Auctions[1]
		if d.Stage != "sold" || a2.WinnerName != "竞买人甲" || a2.PriceFen != cut+2_000_00 || len(a2.Bids) != 3 {
			t.Fatalf("sold %+v", a2)
		}

		// Confirmed once (a retry with its key is the same answer; another
		// is refused); the price is in the ledger.
		confirm := func(key string) *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/auctions/" + a2.ID + "/confirmation", Token: judge,
				Body: map[string]any{"receipt_ref": "HD20260001"}, Header: map[string]string{"Idempotency-Key": key}})
		}
		one, again := confirm("s10-confirm"), confirm("s10-confirm")
		if one.Status != 200 || string(one.Body) != string(again.Body) {
			t.Fatalf("confirmation: %d %s / %s", one.Status, one.Body, again.Body)
		}
		check(confirm("s10-confirm-2"), 409, "invalid_state")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM fund_transfers WHERE case_id = ? AND kind = 'receipt' AND ref = ?`, c.ID, "auction:"+a2.ID); n != 1 {
			t.Errorf("receipts of the sale: %d, want 1", n)
		}
		if n := bulkCount(t, db, `SELECT recovered_amount_fen FROM cases WHERE id = ?`, c.ID); int64(n) != cut+2_000_00 {
			t.Errorf("recovered %d, want %d", n, cut+2_000_00)
		}

		// Both auction periods are deducted from the case clock.
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM case_clock_entries WHERE case_id = ? AND deduction_kind = 'auction' AND status = 'approved'
			AND to_date IS NOT NULL`, c.ID); n != 2 {
			t.Errorf("closed auction deductions: %d, want 2", n)
		}
		want := legal.DateOf(starts1.Add(24*time.Hour)).Sub(legal.MustDate(a1.PublishedOn)) + 1 +
			legal.DateOf(last.ClosesAt).Sub(legal.MustDate(a2.PublishedOn)) + 1
		if n := bulkCount(t, db, `SELECT deducted_days FROM cases WHERE id = ?`, c.ID); n != want {
			t.Errorf("deducted days %d, want %d", n, want)
		}

		// The board lists it, completed.
		var board api.List[api.DisposalOut]
		r = env.Do(t, http.MethodGet, "/api/v1/disposals?stage=completed", judge, nil)
		r.JSON(t, &board)
		if r.Status != 200 || len(board.Items) != 1 || board.Items[0].ProceedsFen != cut+2_000_00 {
			t.Errorf("board: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodGet, "/api/v1/disposals", outsider, nil)
		board = api.List[api.DisposalOut]{}
		r.JSON(t, &board)
		if len(board.Items) != 0 {
			t.Errorf("an outsider's board lists %d", len(board.Items))
		}
		check(env.Do(t, http.MethodGet, "/api/v1/disposals?stage=bogus", judge, nil), 422, "")
	})
}
