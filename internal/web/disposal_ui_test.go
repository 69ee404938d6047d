package web_test

import (
	"net/url"
	"strings"
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
)

// TestDisposalPages: the case page links to its disposals; a seized flat is
// opened, priced by online inquiry, auctioned through the forms (a reserve
// below 70 % comes back with the reason and the form as typed; a double
// submission changes nothing), sold on the simulator, confirmed; the bid
// log and the proceeds show; the board lists it. A clerk may look but has
// no forms; another court's judge gets "not found".
func TestDisposalPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		sim := simauction.New(simauction.Options{})
		t0 := time.Now().UTC()
		sim.SetNow(t0)
		disposal.Use(db, sim)
		ag := env.Agencies(t)
		staff := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Person(9303)
		const ref = "粤(2024)佛山市不动产权第0093030号"
		ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 100_000_000}})
		in := intaketest.Application(staff.CourtID, 9303)
		in.Respondents = []intake.PartyInput{debtor}
		c := uiFile(t, staff, in)
		ag.Settle(t)
		flat := assetByRefIn(t, staff.Judge, db, c.ID, ref)
		uiSeize(t, staff.Judge, db, ag, c, flat)

		j := staffBrowser(t, env, staff.Judge)
		j.get("/cases/"+c.ID.String()).must(t, 200, `id="case-disposals-link"`)
		p := j.get("/disposals?case_id=" + c.ID.String())
		p.must(t, 200, `id="disposal-open-form"`, ref)
		r := j.post("/cases/"+c.ID.String()+"/disposals", url.Values{"form_token": {p.token(t)}, "asset_id": {flat.String()}})
		if r.status != 303 || !strings.HasPrefix(r.location, "/disposals/") {
			t.Fatalf("open: %d %q", r.status, r.location)
		}
		path := strings.TrimSuffix(r.location, "?done=disposal_opened")
		p = j.get(path)
		p.must(t, 200, "启动确定参考价（VAL-2）", "确定参考价")
		j.post(path+"/valuation", url.Values{"form_token": {p.token(t)}, "method": {"online"}}).redirected(t, path+"?done=disposal_valuation")
		for i := 0; i < 3; i++ {
			p = j.get(path)
			id := between(p.body, `id="report-form-`, `"`)
			j.post(path+"/report", url.Values{"form_token": {p.token(t)}, "report_id": {id}, "amount": {[]string{"3000000", "3100000", "3200000"}[i]}}).
				redirected(t, path+"?done=disposal_report")
		}
		p = j.get(path)
		j.post(path+"/price", url.Values{"form_token": {p.token(t)}}).redirected(t, path+"?done=disposal_price")
		j.get(path).must(t, 200, "3,100,000.00 元", "起拍价不得低于 2,170,000.00 元", `id="auction-form"`)

		sim.SetNow(t0.AddDate(0, 0, 20)) // past the objection window, however holidays roll it
		pub := legal.Today(sim.Now())
		starts := pub.AddDays(30)
		form := func(token, reserve string) url.Values {
			return url.Values{"form_token": {token}, "reserve": {reserve}, "deposit": {"217000"}, "increment": {"1000"},
				"parties_told_on": {pub.AddDays(-3).String()}, "published_on": {pub.String()}, "starts_at": {starts.String() + "T10:00"},
				"ends_at": {starts.AddDays(1).String() + "T10:00"}, "ruling_no": {"（2026）粤0607执1号之二"}, "rules": {"增价拍卖"}, "media": {"照片 12 张"},
				"no_priority": {"1"}, "deposit_account": {"平台冻结"}, "taxes": {"各自承担"}, "contact": {"0757-87000000"}, "defects": {"无"}}
		}
		p = j.get(path)
		j.post(path+"/auction", form(p.token(t), "2000000")).must(t, 422, "不得低于参考价", `value="2000000"`, `id="auction-form"`)
		tok := j.get(path).token(t)
		j.post(path+"/auction", form(tok, "2170000")).redirected(t, path+"?done=disposal_auction")
		j.post(path+"/auction", form(tok, "2170000")).redirected(t, path+"?done=duplicate")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM auctions`); n != 1 {
			t.Fatalf("auctions after a double submission: %d", n)
		}
		p = j.get(path)
		aid := between(p.body, `name="auction_id" value="`, `"`)
		j.post(path+"/result", url.Values{"form_token": {p.token(t)}, "auction_id": {aid}}).must(t, 409, "竞价尚未结束")

		open := at10(starts)
		sim.SetNow(open)
		if err := sim.Register(aid, disposal.Bidder{Ref: "b1", Name: "竞买人甲", DepositFen: 217_000_00}); err != nil {
			t.Fatal(err)
		}
		if _, err := sim.PlaceBid(aid, "b1", 217_000_000); err != nil {
			t.Fatal(err)
		}
		sim.SetNow(open.Add(25 * time.Hour))
		p = j.get(path)
		j.post(path+"/result", url.Values{"form_token": {p.token(t)}, "auction_id": {aid}}).redirected(t, path+"?done=disposal_result")
		p = j.get(path)
		p.must(t, 200, `id="bids-`+aid+`"`, "竞买人甲", "成交价 2,170,000.00 元", `id="confirm-form-`+aid+`"`)
		j.post(path+"/confirm", url.Values{"form_token": {p.token(t)}, "auction_id": {aid}, "receipt_ref": {"HD1"}}).redirected(t, path+"?done=disposal_confirm")
		j.get(path).must(t, 200, `id="proceeds"`, "2,170,000.00 元已记入案款")
		j.get("/disposals?stage=completed").must(t, 200, `id="disposal-board"`, ref)

		clerk := userBrowser(t, env, "dui.clerk", access.RoleClerk, "粤0607")
		cp := clerk.get(path)
		cp.must(t, 200, "财产处置")
		cp.lacks(t, `id="auction-form"`)
		outsider := userBrowser(t, env, "dui.outsider", access.RolePostJudge, "皖01")
		if o := outsider.get(path); o.status != 404 {
			t.Errorf("outsider: %d", o.status)
		}
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	return s[:strings.Index(s, to)]
}
