package legal

// Money owed besides the principal: the application fee (FEE-1) and the
// doubled interest for late performance (INT-1, INT-2, INT-4). Pure
// functions over int64 fen; rounding to the fen happens once, at the end.

// FeeBand is one marginal band of the application fee: the part of the
// amount above From (fen) and up to the next band's From pays PerTenThousand
// (万分之…) of itself.
type FeeBand struct {
	From           int64
	PerTenThousand int64
}

// DefaultFeeBands are FEE-1's bands (《诉讼费用交纳办法》 Art.14(1)): up to
// 10,000 yuan a flat 50 yuan; 1.5 % to 500,000; 1 % to 5 m; 0.5 % to 10 m;
// 0.1 % above.
var DefaultFeeBands = []FeeBand{
	{From: 1_000_000, PerTenThousand: 150},
	{From: 50_000_000, PerTenThousand: 100},
	{From: 500_000_000, PerTenThousand: 50},
	{From: 1_000_000_000, PerTenThousand: 10},
}

// FeeFlatFen is FEE-1's flat fee for amounts up to the first band: 50 yuan.
const FeeFlatFen = 5_000

// ApplicationFee is the 申请执行费 for an amount (FEE-1): the flat fee plus
// each band's rate on the part of the amount inside it, rounded half up to
// the fen. A zero or negative amount pays the flat fee.
func ApplicationFee(amountFen int64, bands []FeeBand) int64 {
	// Sum in units of fen/10,000 so that the rounding happens once.
	var parts int64
	for i, b := range bands {
		if amountFen <= b.From {
			break
		}
		top := amountFen
		if i+1 < len(bands) && bands[i+1].From < top {
			top = bands[i+1].From
		}
		parts += (top - b.From) * b.PerTenThousand
	}
	return FeeFlatFen + (parts+5_000)/10_000
}

// LateInterestPerMillionPerDay is INT-1's rate: 0.0175 % a day = 175 per
// million.
const LateInterestPerMillionPerDay = 175

// LateInterest is the doubled interest on principalFen unpaid from the day
// after lastDay (the last day to perform, INT-4) through until, inclusive
// (INT-2), rounded half up to the fen. Nothing is due before the day after
// lastDay.
func LateInterest(principalFen int64, lastDay, until Date) int64 {
	days := int64(until.Sub(lastDay))
	if principalFen <= 0 || days <= 0 || lastDay.IsZero() {
		return 0
	}
	return (principalFen*LateInterestPerMillionPerDay*days + 500_000) / 1_000_000
}
