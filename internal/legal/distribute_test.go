package legal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestDistribute(t *testing.T) {
	t.Parallel()
	type share = legal.DistShare
	for _, tc := range []struct {
		name        string
		total       int64
		claims      []legal.DistClaim
		legalPerson bool
		want        []share
		left        int64
	}{
		{"DIST-2 enough for all: everyone in full, the rest back to the debtor", 1_000,
			[]legal.DistClaim{{CostsFen: 50, OrdinaryFen: 300}, {CostsFen: 50, OrdinaryFen: 400}}, false,
			[]share{{CostsFen: 50, OrdinaryFen: 300}, {CostsFen: 50, OrdinaryFen: 400}}, 200},
		{"DIST-2 costs first, then priority, then ordinary pro rata (natural person)", 1_000,
			[]legal.DistClaim{{CostsFen: 100, OrdinaryFen: 1_000}, {CostsFen: 100, PriorityFen: 300, OrdinaryFen: 1_000}, {OrdinaryFen: 2_000}}, false,
			[]share{{CostsFen: 100, OrdinaryFen: 125}, {CostsFen: 100, PriorityFen: 300, OrdinaryFen: 125}, {OrdinaryFen: 250}}, 0},
		{"DIST-2 pro rata to the fen: the remainder to the largest remainders", 100,
			[]legal.DistClaim{{OrdinaryFen: 50}, {OrdinaryFen: 50}, {OrdinaryFen: 50}}, false,
			[]share{{OrdinaryFen: 34}, {OrdinaryFen: 33}, {OrdinaryFen: 33}}, 0},
		{"DIST-2 costs alone exceed the money: costs shared pro rata, nothing else", 90,
			[]legal.DistClaim{{CostsFen: 100, OrdinaryFen: 500}, {CostsFen: 50, OrdinaryFen: 500}}, false,
			[]share{{CostsFen: 60}, {CostsFen: 30}}, 0},
		{"DIST-3 legal person: 首封 first, then the waiting ones in order", 1_500,
			[]legal.DistClaim{{OrdinaryFen: 1_000, Rank: 2}, {OrdinaryFen: 1_000, Rank: 1}, {OrdinaryFen: 1_000, Rank: 3}}, true,
			[]share{{OrdinaryFen: 500}, {OrdinaryFen: 1_000}, {}}, 0},
		{"DIST-3 ties share pro rata, the unranked come last", 1_600,
			[]legal.DistClaim{{OrdinaryFen: 1_000, Rank: 1}, {OrdinaryFen: 1_000}, {OrdinaryFen: 500, Rank: 2}, {OrdinaryFen: 500, Rank: 2}}, true,
			[]share{{OrdinaryFen: 1_000}, {}, {OrdinaryFen: 300}, {OrdinaryFen: 300}}, 0},
		{"DIST-3 costs and priority still come first for a legal person", 300,
			[]legal.DistClaim{{OrdinaryFen: 1_000, Rank: 1}, {CostsFen: 100, PriorityFen: 150, OrdinaryFen: 1_000, Rank: 2}}, true,
			[]share{{OrdinaryFen: 50}, {CostsFen: 100, PriorityFen: 150}}, 0},
		{"nothing to share", 0, []legal.DistClaim{{OrdinaryFen: 10}}, false, []share{{}}, 0},
	} {
		got, left := legal.Distribute(tc.total, tc.claims, tc.legalPerson)
		if diff := cmp.Diff(tc.want, got); diff != "" || left != tc.left {
			t.Errorf("%s: left %d (want %d) (-want +got):\n%s", tc.name, left, tc.left, diff)
		}
		sum := left
		for _, s := range got {
			sum += s.Total()
		}
		if sum != max(tc.total, 0) {
			t.Errorf("%s: shares and rest sum to %d, want %d", tc.name, sum, tc.total)
		}
	}
}
