package legal

import (
	"cmp"
	"math/bits"
	"slices"
)

// ProRata shares totalFen among claims in proportion to their weights, exact
// to the fen (DIST-2 pro rata, MASS-6). Each share is first floored; the fen
// left over go one each to the largest remainders, ties to the earlier
// claim (the remainder rule). Shares sum to totalFen exactly when any weight
// is positive; no share exceeds its weight when totalFen does not exceed
// their sum. Negative weights count as zero.
func ProRata(totalFen int64, weights []int64) []int64 {
	out := make([]int64, len(weights))
	var sum int64
	for _, w := range weights {
		sum += max(w, 0)
	}
	if sum == 0 || totalFen <= 0 {
		return out
	}
	type rem struct {
		i int
		r int64 // remainder numerator, out of sum
	}
	rems := make([]rem, 0, len(weights))
	var given int64
	for i, w := range weights {
		w = max(w, 0)
		q, r := mulDiv(totalFen, w, sum)
		out[i] = q
		given += q
		rems = append(rems, rem{i, r})
	}
	slices.SortStableFunc(rems, func(a, b rem) int { return cmp.Compare(b.r, a.r) })
	for k := int64(0); k < totalFen-given; k++ {
		out[rems[k].i]++
	}
	return out
}

// mulDiv returns a×b/c and its remainder for non-negative operands, exact
// through a 128-bit product; the quotient must fit in int64 (it does in
// ProRata, where b ≤ c).
func mulDiv(a, b, c int64) (q, r int64) {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	uq, ur := bits.Div64(hi, lo, uint64(c))
	return int64(uq), int64(ur)
}

// MassShares is one payout round of a mass-claim campaign (MASS-6): the
// ratio is everything paid so far plus availableFen over all confirmed
// losses (at most 1); each claimant is owed their loss × that ratio,
// floored to the fen, less what earlier rounds paid them. What the floors
// leave is carried to the next round (remainder), not handed out here.
// losses and paid are per claimant, in the same order.
func MassShares(availableFen int64, losses, paid []int64) (shares []int64, remainder int64) {
	shares = make([]int64, len(losses))
	var sumLoss, sumPaid int64
	for i, l := range losses {
		sumLoss += max(l, 0)
		if i < len(paid) {
			sumPaid += max(paid[i], 0)
		}
	}
	if sumLoss == 0 || availableFen <= 0 {
		return shares, max(availableFen, 0)
	}
	total := min(sumPaid+availableFen, sumLoss)
	var given int64
	for i, l := range losses {
		l = max(l, 0)
		target, _ := mulDiv(l, total, sumLoss)
		before := int64(0)
		if i < len(paid) {
			before = max(paid[i], 0)
		}
		shares[i] = max(min(target, l)-before, 0)
		given += shares[i]
	}
	return shares, availableFen - given
}
