package legal

import (
	"cmp"
	"slices"
)

// Distribution among the creditors of one debtor (DOMAIN.md §10): the
// money is shared in an order of classes — the costs of enforcement
// (DIST-2), then priority and secured claims, then the ordinary claims —
// each class paid in full before the next gets anything. Within the
// ordinary class, a natural person's creditors share pro rata (DIST-2,
// 参与分配); a legal person's are paid in the order their measures were
// taken on the debtor's property, 首封 first (DIST-3). Claims that tie —
// within costs, within priority, within one rank — share pro rata, exact to
// the fen by ProRata's remainder rule. What is over goes back to the
// debtor.

// DistClaim is one creditor's claim in a distribution.
type DistClaim struct {
	CostsFen    int64 // costs of enforcement: the application fee, expenses
	PriorityFen int64 // the part with priority (mortgage, wages before …)
	OrdinaryFen int64 // the rest
	// Rank is the order of the creditor's first control on the debtor's
	// property (1 = 首封); 0 for none, after every ranked claim. Used for a
	// legal-person debtor only.
	Rank int
}

// DistShare is what one claim gets.
type DistShare struct {
	CostsFen, PriorityFen, OrdinaryFen int64
}

// Total is the share's sum.
func (s DistShare) Total() int64 { return s.CostsFen + s.PriorityFen + s.OrdinaryFen }

// Distribute shares totalFen among claims (in the caller's order) and
// returns the shares and what is left for the debtor.
func Distribute(totalFen int64, claims []DistClaim, legalPerson bool) ([]DistShare, int64) {
	shares := make([]DistShare, len(claims))
	left := max(totalFen, 0)
	// pay shares left among the claims in idx by their weights, capped at
	// the weights (a class paid in full takes exactly its claims).
	pay := func(idx []int, weight func(DistClaim) int64, set func(*DistShare, int64)) {
		var sum int64
		ws := make([]int64, len(idx))
		for k, i := range idx {
			ws[k] = max(weight(claims[i]), 0)
			sum += ws[k]
		}
		if sum == 0 || left == 0 {
			return
		}
		if left >= sum {
			for k, i := range idx {
				set(&shares[i], ws[k])
			}
			left -= sum
			return
		}
		parts := ProRata(left, ws)
		for k, i := range idx {
			set(&shares[i], parts[k])
		}
		left = 0
	}
	all := make([]int, len(claims))
	for i := range all {
		all[i] = i
	}
	pay(all, func(c DistClaim) int64 { return c.CostsFen }, func(s *DistShare, v int64) { s.CostsFen = v })
	pay(all, func(c DistClaim) int64 { return c.PriorityFen }, func(s *DistShare, v int64) { s.PriorityFen = v })
	ordinary := func(c DistClaim) int64 { return c.OrdinaryFen }
	setOrdinary := func(s *DistShare, v int64) { s.OrdinaryFen = v }
	if !legalPerson {
		pay(all, ordinary, setOrdinary)
		return shares, left
	}
	// Legal person: by rank, ties together, the unranked last.
	order := slices.Clone(all)
	rank := func(i int) int {
		if claims[i].Rank <= 0 {
			return int(^uint(0) >> 1)
		}
		return claims[i].Rank
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(rank(a), rank(b)) })
	for from := 0; from < len(order); {
		to := from + 1
		for to < len(order) && rank(order[to]) == rank(order[from]) {
			to++
		}
		pay(order[from:to], ordinary, setOrdinary)
		from = to
	}
	return shares, left
}
