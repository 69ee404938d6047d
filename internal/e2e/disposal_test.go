package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	simauction "github.com/zhixing-court/zhixing/internal/sim/auction"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestAuctionThroughThePages (S10 in the browser): a seized flat; the judge
// follows the case page's link to its disposals, opens one, starts an online
// inquiry, records the three platforms' reports and fixes the reference
// price (their mean); announces the auction with a reserve below 70 % first
// (the reason comes back with the form as typed), then at 70 %. The test
// moves the auction platform's clock (the simulator the app uses) and its
// bidders bid; the judge pulls the result, sees the bid log with the
// winner, confirms the sale and the page shows the price in the case funds.
func TestAuctionThroughThePages(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	sim := simauction.New(simauction.Options{})
	t0 := time.Now().UTC()
	sim.SetNow(t0)
	disposal.Use(db, sim)
	ag := env.Agencies(t)
	staff := intaketest.NewStaff(t, db, "")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	debtor := intaketest.Person(9404)
	const ref = "粤(2024)佛山市不动产权第0094040号"
	ag.Sim.SetHoldings(agency.RealEstate, "mnr", debtor.IDNumber, []agency.Holding{{Ref: ref, Kind: agency.RealEstate, ValueFen: 300_000_000}})
	c := fileCase(t, db, staff, 9404, debtor, 0)
	ag.Settle(t)
	v, err := assets.ForCase(staff.Judge, db, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Assets {
		if a.Ref == ref {
			if _, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
				return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: a.ID, Reason: "查封房产", RulingNo: c.CaseNo + "之一"})
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	ag.Settle(t)

	run := func(actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatal(err)
		}
	}
	run(
		chromedp.Navigate(env.URL+"/login"),
		signIn(access.From(staff.Judge).Username),
		chromedp.Navigate(env.URL+"/cases/"+c.ID.String()),
		chromedp.Click(chromedp.CSS(`#case-disposals-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#disposal-open-form`)),
		chromedp.Click(chromedp.CSS(`#disposal-open-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#valuation-form`)),
		chromedp.Click(chromedp.CSS(`#valuation-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-list`)),
	)
	opened, err := disposal.Board(staff.Judge, db, disposal.Filter{CaseID: c.ID}, page.Request{})
	if err != nil || len(opened.Items) != 1 || len(opened.Items[0].Reports) != 3 {
		t.Fatalf("after the inquiry: %+v %v", opened, err)
	}
	for i, rep := range opened.Items[0].Reports {
		id := rep.ID.String()
		run(
			chromedp.WaitVisible(chromedp.CSS(`#amount-`+id)),
			chromedp.SendKeys(chromedp.CSS(`#amount-`+id), []string{"3000000", "3100000", "3200000"}[i]),
			chromedp.Click(chromedp.CSS(`#report-form-`+id+` button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`#objection-form-`+id)), // recorded: it may now be objected to
		)
	}
	run(
		chromedp.WaitVisible(chromedp.CSS(`#price-form`)),
		chromedp.Click(chromedp.CSS(`#price-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#reference-price`)),
	)
	waitText(t, ctx, `#reference-price`, "3,100,000.00 元")

	sim.SetNow(t0.AddDate(0, 0, 20)) // past the objection window, however holidays roll it
	pub := legal.Today(sim.Now())
	starts := pub.AddDays(30)
	fill := func(reserve string) {
		t.Helper()
		run(chromedp.WaitVisible(chromedp.CSS(`#auction-form`)))
		for id, val := range map[string]string{"reserve": reserve, "deposit": "217000", "increment": "1000",
			"parties_told_on": pub.AddDays(-3).String(), "published_on": pub.String(), "starts_at": starts.String() + "T10:00",
			"ends_at": starts.AddDays(1).String() + "T10:00", "ruling_no": "（2026）粤0607执1号之二", "rules": "增价拍卖", "media": "照片 12 张",
			"deposit_account": "平台冻结", "taxes": "各自承担", "contact": "0757-87000000", "defects": "无"} {
			run(chromedp.SetValue(chromedp.CSS(`#`+id), val))
		}
		run(chromedp.SetAttributeValue(chromedp.CSS(`#auction-form input[name=no_priority]`), "checked", "checked"))
		run(chromedp.Click(chromedp.CSS(`#auction-form button[type=submit]`)))
	}
	fill("2000000")
	run(chromedp.WaitVisible(chromedp.CSS(`#form-error`)))
	waitText(t, ctx, `#form-error`, "不得低于参考价")
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#reserve`))); err != nil || got != "2000000" {
		t.Fatalf("reserve after the refusal %q (%v)", got, err)
	}
	fill("2170000")
	run(chromedp.WaitVisible(chromedp.CSS(`form[id^=result-form-]`)))

	var d *disposal.Disposal
	list, err := disposal.Board(staff.Judge, db, disposal.Filter{CaseID: c.ID}, page.Request{})
	if err != nil || len(list.Items) != 1 {
		t.Fatalf("board %v %v", list, err)
	}
	d = list.Items[0].Disposal
	aid := d.Auctions[0].ID.String()
	open := starts.Start().Add(10 * time.Hour)
	sim.SetNow(open)
	for _, who := range []string{"b1", "b2"} {
		if err := sim.Register(aid, disposal.Bidder{Ref: who, Name: "竞买人" + who, DepositFen: 217_000_00}); err != nil {
			t.Fatal(err)
		}
	}
	for i, who := range []string{"b1", "b2", "b1"} {
		if _, err := sim.PlaceBid(aid, who, 217_000_000+int64(i)*100_000); err != nil {
			t.Fatal(err)
		}
	}
	sim.SetNow(open.Add(25 * time.Hour))
	run(
		chromedp.Click(chromedp.CSS(`#result-form-`+aid+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#bids-`+aid)),
	)
	if got := text(t, ctx, `#bids-`+aid); strings.Count(got, "竞买人b") != 3 {
		t.Fatalf("bid log %q", got)
	}
	waitText(t, ctx, `#auction-`+aid+` .winner`, "竞买人b1，成交价 2,172,000.00 元")
	run(
		chromedp.SendKeys(chromedp.CSS(`#receipt-`+aid), "HD20260009"),
		chromedp.Click(chromedp.CSS(`#confirm-form-`+aid+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#proceeds`)),
	)
	waitText(t, ctx, `#proceeds`, "2,172,000.00 元已记入案款")
	waitText(t, ctx, `#disposal-stage`, "已成交确认")
}
