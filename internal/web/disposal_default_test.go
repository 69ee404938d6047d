package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
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

// TestDisposalDefaultAndSale: an appraiser drawn by lot (reproducibly);
// an objection to the only report sends the price back; an agreed price
// instead, objected to too late; an auction may not open after the price's
// validity (VAL-4); sold, the buyer defaults (AUCT-8): the deposit is
// forfeited into the ledger, the buyer barred, a second default refused;
// two auctions without a bid lead to 变卖 at the second reserve (AUCT-10),
// where the first offer opens 24 h of bidding and sells.
func TestDisposalDefaultAndSale(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sim := simauction.New(simauction.Options{})
		t0 := time.Now().UTC()
		sim.SetNow(t0)
		disposal.Use(db, sim)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		_, judge := env.Token(t, "dd.judge", access.RoleJudgeAssistant, "粤0607")

		debtor := intaketest.Person(9202)
		const ref = "粤(2024)佛山市不动产权第0092020号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 100_000_000}})
		in := intaketest.Application(staff.CourtID, 9202)
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
		do := func(path string, body any) api.DisposalOut {
			t.Helper()
			r := env.Do(t, http.MethodPost, path, judge, body)
			if r.Status != 200 && r.Status != 201 {
				t.Fatalf("%s: %d %s", path, r.Status, r.Body)
			}
			var o api.DisposalOut
			r.JSON(t, &o)
			return o
		}
		d := do("/api/v1/cases/"+c.ID.String()+"/disposals", map[string]any{"asset_id": flat.String()})
		base := "/api/v1/disposals/" + d.ID

		// Appraisal: no appraiser named → refused; drawn by lot.
		check(env.Do(t, http.MethodPost, base+"/valuation", judge, map[string]any{"method": "appraisal"}), 422, "required")
		check(env.Do(t, http.MethodPost, base+"/valuation", judge, map[string]any{"method": "appraisal", "appraiser_code": "apr-hf-01"}), 422, "unknown_appraiser")
		check(env.Do(t, http.MethodPost, base+"/valuation", judge, map[string]any{"method": "guess"}), 422, "")
		d = do(base+"/valuation", map[string]any{"method": "appraisal", "draw": true})
		_, pick, err := disposal.DrawAppraiser(uuid.MustParse(d.ID), "粤0607")
		if err != nil || len(d.Reports) != 1 || d.Reports[0].ProviderCode != pick.Code || d.AppraiserDraw == "" {
			t.Fatalf("draw: %+v %v, reproduced %s", d.Reports, err, pick.Code)
		}
		check(env.Do(t, http.MethodPost, base+"/valuation", judge, map[string]any{"method": "online"}), 409, "valuation_started")
		d = do(base+"/reports/"+d.Reports[0].ID, map[string]any{"amount_fen": 1_000_000_00})
		d = do(base+"/reports/"+d.Reports[0].ID+"/objection", map[string]any{"reason": "评估机构未到现场勘验"})
		if d.Stage != "valuation" || d.Method != "" || d.Reports[0].Counts {
			t.Fatalf("after the objection %+v", d)
		}
		d = do(base+"/valuation", map[string]any{"method": "agreed", "amount_fen": 900_000_00, "basis": "双方当事人书面议价"})
		d = do(base+"/price", map[string]any{})
		if d.ReferenceFen != 900_000_00 {
			t.Fatalf("agreed price %+v", d)
		}
		var agreed string
		for _, r := range d.Reports {
			if r.ProviderCode == "agreed" {
				agreed = r.ID
			}
		}
		sim.SetNow(t0.AddDate(0, 0, 20)) // past the objection window, however holidays roll it (VAL-4, PER-2)
		check(env.Do(t, http.MethodPost, base+"/reports/"+agreed+"/objection", judge, map[string]any{"reason": "价格过低"}), 409, "objection_too_late")

		pub := legal.Today(sim.Now())
		body := func(reserve int64, starts time.Time) map[string]any {
			return map[string]any{"reserve_fen": reserve, "deposit_fen": reserve / 10, "increment_fen": 1_000_00, "parties_told_on": pub.AddDays(-3).String(),
				"published_on": pub.String(), "starts_at": starts, "ends_at": starts.Add(24 * time.Hour), "disclosures": disclosures()}
		}
		expired := legal.MustDate(d.ValidUntil).AddDays(1)
		check(env.Do(t, http.MethodPost, base+"/auctions", judge, body(630_000_00, at10(expired))), 409, "reference_price_expired")
		starts := at10(pub.AddDays(30))
		d = do(base+"/auctions", body(630_000_00, starts))
		a1 := d.Auctions[0].ID
		sim.SetNow(starts)
		for _, who := range []string{"b1", "b2"} {
			if err := sim.Register(a1, disposal.Bidder{Ref: who, Name: "竞买人" + who, DepositFen: 63_000_00}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := sim.PlaceBid(a1, "b1", 630_000_00); err != nil {
			t.Fatal(err)
		}
		sim.SetNow(starts.Add(25 * time.Hour))
		d = do("/api/v1/auctions/"+a1+"/result", nil)
		if d.Stage != "sold" {
			t.Fatalf("sold? %+v", d)
		}

		// The buyer defaults.
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a1+"/default", judge, map[string]any{"reason": " "}), 422, "required")
		d = do("/api/v1/auctions/"+a1+"/default", map[string]any{"reason": "逾期未缴纳余款"})
		if d.Stage != "failed" || d.ForfeitedFen != 63_000_00 || len(d.Barred) != 1 || d.Barred[0] != "b1" || d.NoBidCount != 0 {
			t.Fatalf("after the default %+v", d)
		}
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a1+"/default", judge, map[string]any{"reason": "再次"}), 409, "invalid_state")
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+a1+"/confirmation", judge, map[string]any{}), 409, "invalid_state")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM fund_transfers WHERE case_id = ? AND ref = ?`, c.ID, "forfeit:"+a1); n != 1 {
			t.Errorf("forfeited deposit receipts: %d, want 1", n)
		}

		// Re-auctioned: the defaulter may not register; nobody bids, twice.
		relist := func(reserve int64) string {
			t.Helper()
			pub = legal.MustDate(d.FailedOn).AddDays(1)
			s := at10(pub.AddDays(15))
			d = do(base+"/auctions", body(reserve, s))
			id := d.Current()
			if err := sim.Register(id, disposal.Bidder{Ref: "b1", Name: "竞买人b1", DepositFen: reserve}); apperr.CodeOf(err) != "bidder_barred" {
				t.Fatalf("the defaulter registers again: %v", err)
			}
			sim.SetNow(s.Add(25 * time.Hour))
			d = do("/api/v1/auctions/"+id+"/result", nil)
			return id
		}
		relist(504_000_00)
		relist(403_200_00)
		if d.Stage != "failed" || d.NoBidCount != 2 {
			t.Fatalf("after two auctions without a bid %+v", d)
		}
		check(env.Do(t, http.MethodPost, base+"/auctions", judge, body(403_200_00, at10(pub.AddDays(15)))), 409, "invalid_stage")

		// 变卖 at the second reserve.
		pub = legal.MustDate(d.FailedOn).AddDays(1)
		sale := body(403_200_00, at10(pub.AddDays(1)))
		sale["sale"] = true
		sale["reserve_fen"] = int64(400_000_00)
		check(env.Do(t, http.MethodPost, base+"/auctions", judge, sale), 422, "invalid_sale_price")
		sale["reserve_fen"] = int64(403_200_00)
		d = do(base+"/auctions", sale)
		s := d.Current()
		if a := d.Auctions[len(d.Auctions)-1]; a.Kind != "sale" || a.EndsAt.Sub(a.StartsAt) < 59*24*time.Hour {
			t.Fatalf("变卖 %+v", a)
		}
		sim.SetNow(at10(pub.AddDays(20)))
		if err := sim.Register(s, disposal.Bidder{Ref: "b3", Name: "竞买人丙", DepositFen: 40_320_00}); err != nil {
			t.Fatal(err)
		}
		offer, err := sim.PlaceBid(s, "b3", 403_200_00)
		if err != nil || !offer.ClosesAt.Equal(sim.Now().Add(24*time.Hour)) {
			t.Fatalf("first offer: %+v %v", offer, err)
		}
		check(env.Do(t, http.MethodPost, "/api/v1/auctions/"+s+"/result", judge, nil), 409, "auction_not_closed")
		sim.SetNow(offer.ClosesAt)
		d = do("/api/v1/auctions/"+s+"/result", nil)
		d = do("/api/v1/auctions/"+s+"/confirmation", map[string]any{})
		if d.Stage != "completed" || d.ProceedsFen != 403_200_00 {
			t.Fatalf("completed? %+v", d)
		}
		if n := bulkCount(t, db, `SELECT recovered_amount_fen FROM cases WHERE id = ?`, c.ID); int64(n) != 403_200_00+63_000_00 {
			t.Errorf("recovered %d, want the sale and the forfeited deposit", n)
		}
	})
}
