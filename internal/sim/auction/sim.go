// Package auction simulates an online judicial auction platform (网络司法拍卖
// 平台, AUCT-1) on the far side of disposal.Platform: the court lists an
// auction or a 变卖; bidders register with their deposits and bid; the
// platform applies AUCT-7 and AUCT-10 and keeps the full bid log. It is
// in-process and deterministic: its clock is injected (Options.Now), so
// tests and demos move time by SetNow/Advance, never by sleeping.
//
// What it enforces:
//
//   - registration needs at least the listing's deposit; a bidder barred
//     from the asset after a default (AUCT-8) is refused;
//   - bids are ascending: the first at least the 起拍价, each later one at
//     least the current price plus the increment — except that a priority
//     purchaser may match the current price and so takes the lead (AUCT-7,
//     Art.21: priority purchasers win ties);
//   - no bid before the start or at or after the close;
//   - a bid in the last ExtensionMinutes moves the close to ExtensionMinutes
//     after it (AUCT-7);
//   - a 变卖 (AUCT-10) is open for offers from its start to its window end;
//     the first offer at or above the price opens SaleBiddingHours of
//     bidding with the same extensions;
//   - a listing closes when its close has passed: sold to the highest bid,
//     or unsold without one.
//
// The state lives in memory: a restarted simulator has forgotten its
// listings (the court keeps its own record of each closed one).
package auction

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// Options configure a simulator.
type Options struct {
	// Now is the platform's clock; nil is the wall clock. A test passes a
	// clock it moves with SetNow or Advance.
	Now func() time.Time
}

// Sim is the simulated platform.
type Sim struct {
	mu       sync.Mutex
	now      func() time.Time
	offset   time.Duration
	fixed    time.Time
	listings map[string]*listing
}

type listing struct {
	disposal.Listing
	bidders  map[string]disposal.Bidder
	bids     []disposal.Bid
	closesAt time.Time // zero for a 变卖 without an offer
}

// New returns an empty platform.
func New(o Options) *Sim {
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Sim{now: now, listings: map[string]*listing{}}
}

// Now is the platform's time: the clock, or the time set by SetNow, moved
// by Advance.
func (s *Sim) Now() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nowLocked()
}

func (s *Sim) nowLocked() time.Time {
	base := s.now()
	if !s.fixed.IsZero() {
		base = s.fixed
	}
	return base.Add(s.offset).UTC()
}

// SetNow fixes the platform's time at t (tests, demos).
func (s *Sim) SetNow(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fixed, s.offset = t, 0
}

// Advance moves the platform's time on by d.
func (s *Sim) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// List publishes a listing (disposal.Platform).
func (s *Sim) List(_ context.Context, l disposal.Listing) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.listings[l.ID]; ok {
		return nil
	}
	if l.ReserveFen <= 0 || l.IncrementFen <= 0 || !l.EndsAt.After(l.StartsAt) {
		return apperr.New(apperr.Invalid, "invalid_listing", "拍卖平台：挂拍信息不完整")
	}
	ls := &listing{Listing: l, bidders: map[string]disposal.Bidder{}}
	ls.Barred = slices.Clone(l.Barred)
	if l.Kind != "sale" {
		ls.closesAt = l.EndsAt
	}
	s.listings[l.ID] = ls
	return nil
}

func (s *Sim) get(id string) (*listing, error) {
	l, ok := s.listings[id]
	if !ok {
		return nil, apperr.NotFoundf("拍卖平台上的标的")
	}
	return l, nil
}

// closed reports whether the listing has closed at now.
func (l *listing) closed(now time.Time) bool {
	if l.closesAt.IsZero() { // a 变卖 without an offer: open until its window ends
		return !now.Before(l.EndsAt)
	}
	return !now.Before(l.closesAt)
}

// Register enrols a bidder with the deposit paid (AUCT-6, AUCT-8).
func (s *Sim) Register(id string, b disposal.Bidder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.get(id)
	if err != nil {
		return err
	}
	if l.closed(s.nowLocked()) {
		return apperr.New(apperr.Conflict, "auction_closed", "拍卖已结束，不能报名")
	}
	if b.Ref == "" {
		return apperr.InvalidField("invalid_bidder", "bidder", "竞买人身份不能为空")
	}
	if slices.Contains(l.Barred, b.Ref) {
		return apperr.New(apperr.Conflict, "bidder_barred", "该竞买人曾对本标的悔拍，不得再次参加竞买（AUCT-8）")
	}
	if b.DepositFen < l.DepositFen {
		return apperr.InvalidField("deposit_short", "deposit_fen", fmt.Sprintf("保证金不足：应交 %s", legal.FormatFen(l.DepositFen)))
	}
	if _, ok := l.bidders[b.Ref]; ok {
		return nil
	}
	l.bidders[b.Ref] = b
	return nil
}

// PlaceBid places a bid now (AUCT-7, AUCT-10) and returns the log entry.
func (s *Sim) PlaceBid(id, bidderRef string, amountFen int64) (disposal.Bid, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.get(id)
	if err != nil {
		return disposal.Bid{}, err
	}
	now := s.nowLocked()
	b, ok := l.bidders[bidderRef]
	switch {
	case !ok:
		return disposal.Bid{}, apperr.New(apperr.Conflict, "not_registered", "未报名交纳保证金的，不能出价")
	case now.Before(l.StartsAt):
		return disposal.Bid{}, apperr.New(apperr.Conflict, "not_started", "竞价尚未开始")
	case l.closed(now):
		return disposal.Bid{}, apperr.New(apperr.Conflict, "auction_closed", "竞价已结束，不能再出价")
	}
	min := l.ReserveFen
	if n := len(l.bids); n > 0 {
		top := l.bids[n-1]
		min = top.AmountFen + l.IncrementFen
		if b.Priority && !top.Priority && amountFen == top.AmountFen {
			min = top.AmountFen // a priority purchaser takes the lead at the same price (AUCT-7)
		}
		if top.BidderRef == bidderRef {
			return disposal.Bid{}, apperr.New(apperr.Conflict, "already_leading", "您已是最高出价人")
		}
	}
	if amountFen < min {
		return disposal.Bid{}, apperr.InvalidField("bid_too_low", "amount_fen", fmt.Sprintf("出价不得低于 %s", legal.FormatFen(min)))
	}
	ext := time.Duration(l.ExtensionMinutes) * time.Minute
	if l.closesAt.IsZero() { // a 变卖's first offer opens the bidding (AUCT-10)
		l.closesAt = now.Add(time.Duration(l.SaleBiddingHours) * time.Hour)
	} else if l.closesAt.Sub(now) <= ext {
		l.closesAt = now.Add(ext) // AUCT-7
	}
	bid := disposal.Bid{Seq: len(l.bids) + 1, BidderRef: b.Ref, BidderName: b.Name, Priority: b.Priority, AmountFen: amountFen, At: now,
		ClosesAt: l.closesAt}
	l.bids = append(l.bids, bid)
	return bid, nil
}

// Result answers a listing's state and bid log (disposal.Platform).
func (s *Sim) Result(_ context.Context, id string) (disposal.Result, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l, err := s.get(id)
	if err != nil {
		return disposal.Result{}, err
	}
	now := s.nowLocked()
	r := disposal.Result{ListingID: id, ClosesAt: l.closesAt, Bids: slices.Clone(l.bids)}
	if r.ClosesAt.IsZero() {
		r.ClosesAt = l.EndsAt
	}
	if !l.closed(now) {
		return r, nil
	}
	r.Closed, r.ClosedAt = true, r.ClosesAt
	if n := len(l.bids); n > 0 {
		top := l.bids[n-1]
		r.Sold, r.PriceFen, r.Winner = true, top.AmountFen, l.bidders[top.BidderRef]
	}
	return r, nil
}
