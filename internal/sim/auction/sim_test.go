package auction_test

import (
	"context"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/sim/auction"
)

var t0 = time.Date(2026, 4, 1, 2, 0, 0, 0, time.UTC)

func listing(id, kind string) disposal.Listing {
	return disposal.Listing{ID: id, Kind: kind, ReserveFen: 100_000, DepositFen: 10_000, IncrementFen: 1_000, StartsAt: t0,
		EndsAt: t0.Add(24 * time.Hour), ExtensionMinutes: 5, SaleBiddingHours: 24, Barred: []string{"x"}}
}

func code(err error) string { return apperr.CodeOf(err) }

// TestAuctionRules: AUCT-7 on the platform — registration with the deposit
// and the defaulter's bar (AUCT-8), ascending bids from the reserve, a
// priority purchaser taking the lead at the same price, the 5-minute
// extension, no bid after the close, the result with the full log; listing
// twice changes nothing.
func TestAuctionRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := auction.New(auction.Options{})
	s.SetNow(t0.Add(-time.Hour))
	if err := s.List(ctx, listing("a", "auction")); err != nil {
		t.Fatal(err)
	}
	if err := s.List(ctx, listing("a", "auction")); err != nil {
		t.Fatal("listing again:", err)
	}
	if got := code(s.Register("a", disposal.Bidder{Ref: "x", Name: "悔拍人", DepositFen: 10_000})); got != "bidder_barred" {
		t.Errorf("barred bidder: %q", got)
	}
	if got := code(s.Register("a", disposal.Bidder{Ref: "b", Name: "乙", DepositFen: 9_999})); got != "deposit_short" {
		t.Errorf("short deposit: %q", got)
	}
	for _, b := range []disposal.Bidder{{Ref: "b", Name: "乙", DepositFen: 10_000}, {Ref: "p", Name: "承租人", Priority: true, DepositFen: 10_000}} {
		if err := s.Register("a", b); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.PlaceBid("a", "b", 100_000); code(err) != "not_started" {
		t.Errorf("before the start: %v", err)
	}
	s.SetNow(t0.Add(time.Hour))
	if _, err := s.PlaceBid("a", "b", 99_999); code(err) != "bid_too_low" {
		t.Errorf("below the reserve: %v", err)
	}
	if _, err := s.PlaceBid("a", "nobody", 100_000); code(err) != "not_registered" {
		t.Errorf("unregistered: %v", err)
	}
	if _, err := s.PlaceBid("a", "b", 100_000); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PlaceBid("a", "b", 101_000); code(err) != "already_leading" {
		t.Errorf("outbidding oneself: %v", err)
	}
	// The priority purchaser matches the price and leads (AUCT-7, Art.21).
	if _, err := s.PlaceBid("a", "p", 100_000); err != nil {
		t.Fatalf("priority purchaser at the same price: %v", err)
	}
	if _, err := s.PlaceBid("a", "b", 100_500); code(err) != "bid_too_low" {
		t.Errorf("below the increment: %v", err)
	}
	// A bid 3 minutes before the close moves it to 5 minutes after the bid.
	s.SetNow(t0.Add(24*time.Hour - 3*time.Minute))
	b, err := s.PlaceBid("a", "b", 101_000)
	if err != nil || !b.ClosesAt.Equal(t0.Add(24*time.Hour+2*time.Minute)) {
		t.Fatalf("extension: %+v %v", b, err)
	}
	s.SetNow(t0.Add(24*time.Hour + time.Minute))
	if r, _ := s.Result(ctx, "a"); r.Closed {
		t.Fatal("closed before the extended close")
	}
	s.SetNow(t0.Add(24*time.Hour + 2*time.Minute))
	if _, err := s.PlaceBid("a", "p", 101_000); code(err) != "auction_closed" {
		t.Errorf("after the close: %v", err)
	}
	r, err := s.Result(ctx, "a")
	if err != nil || !r.Closed || !r.Sold || r.Winner.Ref != "b" || r.PriceFen != 101_000 || len(r.Bids) != 3 {
		t.Fatalf("result %+v %v", r, err)
	}
	if _, err := s.Result(ctx, "nope"); code(err) != "not_found" {
		t.Errorf("unknown listing: %v", err)
	}
}

// TestSaleWindow: a 变卖 (AUCT-10) waits for a first offer at the price,
// which opens 24 h of bidding; without one it closes unsold at the window's
// end.
func TestSaleWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := auction.New(auction.Options{})
	s.SetNow(t0)
	sale := listing("s", "sale")
	sale.EndsAt = t0.AddDate(0, 0, 60)
	empty := listing("e", "sale")
	empty.EndsAt = t0.AddDate(0, 0, 60)
	for _, l := range []disposal.Listing{sale, empty} {
		if err := s.List(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Register("s", disposal.Bidder{Ref: "b", Name: "乙", DepositFen: 10_000}); err != nil {
		t.Fatal(err)
	}
	s.SetNow(t0.AddDate(0, 0, 10))
	b, err := s.PlaceBid("s", "b", 100_000)
	if err != nil || !b.ClosesAt.Equal(s.Now().Add(24*time.Hour)) {
		t.Fatalf("first offer: %+v %v", b, err)
	}
	s.SetNow(b.ClosesAt)
	if r, _ := s.Result(ctx, "s"); !r.Sold || r.PriceFen != 100_000 {
		t.Errorf("sale result %+v", r)
	}
	if r, _ := s.Result(ctx, "e"); r.Closed {
		t.Error("an empty 变卖 closed before its window ended")
	}
	s.SetNow(t0.AddDate(0, 0, 60))
	if r, _ := s.Result(ctx, "e"); !r.Closed || r.Sold {
		t.Errorf("empty sale after its window %+v", r)
	}
}
