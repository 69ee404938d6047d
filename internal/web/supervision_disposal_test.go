package web_test

import (
	"net/http"
	"net/url"
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

// TestSupervisionDisposal (SUP-1 disposal module; VAL-1, NODE-6): a seized
// flat put to disposal is watched through its case — the default rules
// raise "no reference price started" after VAL-1's 30 days and "stalled"
// after 30 days without any action; starting the valuation clears both in
// its own transaction; 30 more idle days raise "stalled" again.
func TestSupervisionDisposal(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sim := simauction.New(simauction.Options{})
		start := time.Now().UTC()
		sim.SetNow(start)
		disposal.Use(db, sim)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		_, judge := env.Token(t, "supd.judge", access.RolePostJudge, "粤0607")
		_, center := env.Token(t, "supd.center", access.RoleCommandCenter, "粤0607")

		debtor := intaketest.Person(9151)
		const ref = "粤(2024)佛山市不动产权第0091510号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 200_000_000,
			Attributes: map[string]string{"address": "佛山市三水区西南街道广海大道2号1201"}}})
		in := intaketest.Application(staff.CourtID, 9151)
		in.Respondents = []intake.PartyInput{debtor}
		c := uiFile(t, staff, in)
		ag.Settle(t)
		flat := assetByRefIn(t, staff.Judge, db, c.ID, ref)
		uiSeize(t, staff.Judge, db, ag, c, flat)

		r := env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", judge, map[string]any{"asset_id": flat.String()})
		if r.Status != http.StatusCreated {
			t.Fatalf("open: %d %s", r.Status, r.Body)
		}
		var d api.DisposalOut
		r.JSON(t, &d)
		due := legal.MustDate(d.ValuationDue)
		items := func() map[string]api.SupItemOut {
			return liveRules(supItems(t, env, center, url.Values{"case_id": {c.ID.String()}}))
		}
		if _, ok := items()["disposal_valuation"]; ok {
			t.Fatal("raised before VAL-1's day")
		}

		// VAL-1: nothing started by the 30th day after the seizure; and the
		// disposal idle as long: stalled too.
		day := due.AddDays(3)
		scanOn(t, db, day)
		live := items()
		if it, ok := live["disposal_valuation"]; !ok || it.Module != "disposal" {
			t.Fatalf("VAL-1 not raised: %+v", live)
		}
		if _, ok := live["disposal_stalled"]; !ok {
			t.Fatalf("stalled not raised: %+v", live)
		}
		// Starting the valuation that day clears both, in its transaction:
		// VAL-1 is met, and the disposal's last action is today.
		sim.SetNow(at10(day))
		if r := env.Do(t, http.MethodPost, "/api/v1/disposals/"+d.ID+"/valuation", judge, map[string]any{"method": "online"}); r.Status != http.StatusOK {
			t.Fatalf("valuation: %d %s", r.Status, r.Body)
		}
		live = items()
		if _, ok := live["disposal_valuation"]; ok {
			t.Errorf("VAL-1 item still open after the valuation started: %+v", live)
		}
		if _, ok := live["disposal_stalled"]; ok {
			t.Errorf("stalled item still open after an action: %+v", live)
		}
		// Nothing done since: stalled again 30 days later.
		scanOn(t, db, day.AddDays(45))
		if it, ok := items()["disposal_stalled"]; !ok || it.Module != "disposal" || it.DueOn == "" {
			t.Fatalf("stalled not raised again: %+v", items())
		}
	})
}

// TestDisposalStoppedByOutsiderObjection (OBJ-4): once an outsider's
// objection to a seized flat is upheld, disposing of it is refused — it
// cannot be put to disposal, and a disposal under way cannot be listed.
func TestDisposalStoppedByOutsiderObjection(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sim := simauction.New(simauction.Options{})
		sim.SetNow(time.Now().UTC())
		disposal.Use(db, sim)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		_, judge := env.Token(t, "stop.judge", access.RolePostJudge, "粤0607")

		debtor := intaketest.Person(9161)
		const ref = "粤(2024)佛山市不动产权第0091610号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 150_000_000,
			Attributes: map[string]string{"address": "佛山市三水区西南街道广海大道3号801"}}})
		in := intaketest.Application(staff.CourtID, 9161)
		in.Respondents = []intake.PartyInput{debtor}
		c := uiFile(t, staff, in)
		ag.Settle(t)
		flat := assetByRefIn(t, staff.Judge, db, c.ID, ref)
		uiSeize(t, staff.Judge, db, ag, c, flat)
		open := func() *apptest.Response {
			return env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/disposals", judge, map[string]any{"asset_id": flat.String()})
		}
		r := open()
		if r.Status != http.StatusCreated {
			t.Fatalf("open: %d %s", r.Status, r.Body)
		}
		var d api.DisposalOut
		r.JSON(t, &d)

		today := legal.Today(time.Now())
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID.String()+"/remedies", judge, map[string]any{"kind": "outsider",
			"applicant_name": "王五", "request": "该房屋系本人所有，请求停止执行", "asset_id": flat.String(), "received_on": today.String()})
		var x api.RemedyOut
		r.JSON(t, &x)
		if r.Status != http.StatusCreated {
			t.Fatalf("outsider objection: %d %s", r.Status, r.Body)
		}
		remedyStep(t, env, judge, x.ID, "registration", map[string]any{"on": today.String()})
		remedyStep(t, env, judge, x.ID, "examination", map[string]any{"on": today.String(), "notes": "查明权属"})
		if x = remedyStep(t, env, judge, x.ID, "decision", map[string]any{"on": today.String(), "outcome": "upheld",
			"decision": "中止对该房屋的执行"}); !x.AssetStopped {
			t.Fatalf("upheld without the stop: %+v", x)
		}

		// The disposal under way cannot go to auction; another cannot be opened.
		announce := map[string]any{"reserve_fen": 100_000_00, "deposit_fen": 10_000_00, "increment_fen": 1_000_00,
			"parties_told_on": today.String(), "published_on": today.AddDays(3).String(), "starts_at": at10(today.AddDays(40)),
			"ends_at": at10(today.AddDays(41)), "disclosures": disclosures()}
		if r := env.Do(t, http.MethodPost, "/api/v1/disposals/"+d.ID+"/auctions", judge, announce); r.Status != http.StatusConflict ||
			r.Problem(t).Code != "asset_stopped" {
			t.Errorf("listing a stopped asset: %d %s", r.Status, r.Body)
		}
		if r := open(); r.Status != http.StatusConflict || r.Problem(t).Code != "asset_stopped" {
			t.Errorf("opening a stopped asset: %d %s", r.Status, r.Body)
		}
	})
}
