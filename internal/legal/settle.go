package legal

import (
	"slices"
)

// The statement of account of a money judgment (DOMAIN.md §9): what the
// money received so far has paid, what is still owed and what is over.
// Money received is applied in date order: first to the costs of
// enforcement — the application fee (FEE-1; DIST-2 puts costs first) —,
// then to the principal, and only when the principal is paid to the doubled
// interest (INT-3). Interest runs on each part of the principal from the
// day after the last day to perform to the day that part was paid, and on
// what is still unpaid to the day of the statement (INT-1, INT-2, INT-4),
// rounded to the fen once, on the total.

// Payment is money received for a case on a day.
type Payment struct {
	On        Date
	AmountFen int64
}

// Claim is what the statement is drawn against.
type Claim struct {
	PrincipalFen int64 // the money debt, ordinary interest excluded (INT-1)
	FeeFen       int64 // the application fee the debtor bears (FEE-1)
	LastDay      Date  // the last day to perform; zero: no late interest
}

// SettlementLine is what one payment paid.
type SettlementLine struct {
	Payment
	FeeFen, PrincipalFen, InterestFen, SurplusFen int64
}

// Settlement is a statement of account on a day.
type Settlement struct {
	AsOf                                          Date
	ReceivedFen                                   int64
	FeePaidFen, PrincipalPaidFen, InterestPaidFen int64
	// InterestFen is all the doubled interest accrued through AsOf.
	InterestFen                                   int64
	FeeOwedFen, PrincipalOwedFen, InterestOwedFen int64
	SurplusFen                                    int64 // received beyond everything owed: the debtor's
	Lines                                         []SettlementLine
}

// OwedFen is everything still owed.
func (s Settlement) OwedFen() int64 { return s.FeeOwedFen + s.PrincipalOwedFen + s.InterestOwedFen }

// Settle draws the statement of account of a claim on asOf from the
// payments received (in any order; those after asOf are ignored).
func Settle(c Claim, payments []Payment, asOf Date) Settlement {
	ps := slices.Clone(payments)
	slices.SortStableFunc(ps, func(a, b Payment) int { return a.On.Compare(b.On) })
	s := Settlement{AsOf: asOf, FeeOwedFen: max(c.FeeFen, 0), PrincipalOwedFen: max(c.PrincipalFen, 0)}
	// interest accrues in fen·days of principal; rounded once (INT-4).
	var fenDays int64
	lateDays := func(on Date) int64 {
		if c.LastDay.IsZero() {
			return 0
		}
		return int64(max(on.Sub(c.LastDay), 0))
	}
	interest := func(fenDays int64) int64 { return (fenDays*LateInterestPerMillionPerDay + 500_000) / 1_000_000 }
	for _, p := range ps {
		if p.AmountFen <= 0 || p.On.After(asOf) {
			continue
		}
		l := SettlementLine{Payment: p}
		rest := p.AmountFen
		l.FeeFen = min(rest, s.FeeOwedFen)
		rest -= l.FeeFen
		l.PrincipalFen = min(rest, s.PrincipalOwedFen)
		rest -= l.PrincipalFen
		fenDays += l.PrincipalFen * lateDays(p.On)
		s.FeeOwedFen -= l.FeeFen
		s.PrincipalOwedFen -= l.PrincipalFen
		if s.PrincipalOwedFen == 0 {
			l.InterestFen = min(rest, interest(fenDays)-s.InterestPaidFen)
			rest -= l.InterestFen
		}
		l.SurplusFen = rest
		s.ReceivedFen += p.AmountFen
		s.FeePaidFen += l.FeeFen
		s.PrincipalPaidFen += l.PrincipalFen
		s.InterestPaidFen += l.InterestFen
		s.SurplusFen += l.SurplusFen
		s.Lines = append(s.Lines, l)
	}
	fenDays += s.PrincipalOwedFen * lateDays(asOf)
	s.InterestFen = interest(fenDays)
	s.InterestOwedFen = s.InterestFen - s.InterestPaidFen
	return s
}
