package disposal

import (
	"context"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Listing is what the court sends the auction platform (AUCT-1): an
// auction, or a 变卖 (AUCT-10), with the limits the platform enforces.
type Listing struct {
	ID           string // the auction's id: listing it again changes nothing
	Kind         string // auction or sale
	Title        string
	ReserveFen   int64 // 起拍价 (a 变卖's price)
	DepositFen   int64
	IncrementFen int64
	StartsAt     time.Time
	EndsAt       time.Time // an auction's close; a 变卖's window end
	// ExtensionMinutes is AUCT-7's extension; SaleBiddingHours the bidding
	// a 变卖's first offer opens (AUCT-10).
	ExtensionMinutes int
	SaleBiddingHours int
	// Barred are bidders who defaulted on this asset (AUCT-8): they may not
	// register.
	Barred []string
}

// Bidder is a registered bidder.
type Bidder struct {
	Ref        string // the platform's real-name id of the bidder
	Name       string
	Priority   bool // a priority purchaser (AUCT-7: wins ties)
	DepositFen int64
}

// Bid is one entry of the bid log (AUCT-7).
type Bid struct {
	Seq        int
	BidderRef  string
	BidderName string
	Priority   bool
	AmountFen  int64
	At         time.Time
	ClosesAt   time.Time // the close after this bid
}

// Result is a listing as the platform has it.
type Result struct {
	ListingID string
	Closed    bool
	ClosesAt  time.Time // the current close (after extensions)
	ClosedAt  time.Time
	Sold      bool
	Winner    Bidder
	PriceFen  int64
	Bids      []Bid
}

// Platform is an online auction platform (AUCT-1) as the court uses it.
type Platform interface {
	// List publishes a listing; listing the same ID again is a no-op.
	List(ctx context.Context, l Listing) error
	// Result answers the listing's state and bid log.
	Result(ctx context.Context, id string) (Result, error)
	// Now is the platform's clock.
	Now() time.Time
}

var platforms sync.Map // *store.DB → Platform

// Use makes p the auction platform of the disposals kept in db.
func Use(db *store.DB, p Platform) { platforms.Store(db, p) }

// UseIfUnset is Use unless db has a platform already (a test's).
func UseIfUnset(db *store.DB, p Platform) { platforms.LoadOrStore(db, p) }

// PlatformOf returns db's auction platform.
func PlatformOf(db *store.DB) (Platform, error) {
	if p, ok := platforms.Load(db); ok {
		return p.(Platform), nil
	}
	return nil, apperr.New(apperr.Unavailable, "auction_platform_unavailable", "未连接网络司法拍卖平台")
}

func errorCode(err error) string { return apperr.CodeOf(err) }
