package legal_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestProRata(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		total   int64
		weights []int64
		want    []int64
	}{
		{"DIST-2 even split", 300, []int64{1, 1, 1}, []int64{100, 100, 100}},
		{"DIST-2 remainder to the largest remainders, ties to the earlier claim", 100, []int64{1, 1, 1}, []int64{34, 33, 33}},
		{"DIST-2 proportional", 1_000_00, []int64{600_00, 300_00, 100_00}, []int64{600_00, 300_00, 100_00}},
		{"MASS-6 ratio below one", 500_00, []int64{600_00, 300_00, 100_00}, []int64{300_00, 150_00, 50_00}},
		{"MASS-6 odd fen go to the largest remainder", 10, []int64{3, 3, 4}, []int64{3, 3, 4}},
		{"MASS-6 7 fen among 3 equal claims", 7, []int64{5, 5, 5}, []int64{3, 2, 2}},
		{"zero and negative weights get nothing", 99, []int64{0, -5, 10}, []int64{0, 0, 99}},
		{"nothing to share", 0, []int64{1, 2}, []int64{0, 0}},
		{"no weight", 50, []int64{0, 0}, []int64{0, 0}},
		{"large amounts stay exact", 9_000_000_000_000_000, []int64{3_000_000_000_000_000, 6_000_000_000_000_000},
			[]int64{3_000_000_000_000_000, 6_000_000_000_000_000}},
	} {
		got := legal.ProRata(tc.total, tc.weights)
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
		var sum int64
		for _, s := range got {
			sum += s
		}
		if any := slicesAnyPositive(tc.weights); any && tc.total > 0 && sum != tc.total {
			t.Errorf("%s: shares sum to %d, want %d", tc.name, sum, tc.total)
		}
	}
}

func slicesAnyPositive(ws []int64) bool {
	for _, w := range ws {
		if w > 0 {
			return true
		}
	}
	return false
}

// The product of a share and a weight may pass int64; shares stay exact.
func TestProRataOverflow(t *testing.T) {
	t.Parallel()
	got := legal.ProRata(9_000_000_000_000_000, []int64{1, 4_000_000_000_000_000_000, 5_000_000_000_000_000_000})
	var sum int64
	for _, s := range got {
		sum += s
	}
	if sum != 9_000_000_000_000_000 || got[1] != 4_000_000_000_000_000 || got[2] != 5_000_000_000_000_000 {
		t.Errorf("shares %v sum %d", got, sum)
	}
}

func TestMassShares(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name         string
		available    int64
		losses, paid []int64
		want         []int64
		remainder    int64
	}{
		{"MASS-6 one round at 50 %", 500, []int64{600, 300, 100}, nil, []int64{300, 150, 50}, 0},
		{"MASS-6 floors to the fen, the remainder carried", 100, []int64{1, 1, 1}, nil, []int64{1, 1, 1}, 97},
		{"MASS-6 ratio 1/3: floors, 1 fen carried", 10, []int64{10, 10, 10}, nil, []int64{3, 3, 3}, 1},
		{"MASS-6 second round tops everyone up to the new ratio", 301, []int64{10, 10, 10}, []int64{3, 3, 3}, []int64{7, 7, 7}, 280},
		{"MASS-6 more than the losses: everyone in full, the rest carried", 1_000, []int64{100, 200}, nil, []int64{100, 200}, 700},
		{"nothing available", 0, []int64{100}, nil, []int64{0}, 0},
	} {
		got, rem := legal.MassShares(tc.available, tc.losses, tc.paid)
		if diff := cmp.Diff(tc.want, got); diff != "" || rem != tc.remainder {
			t.Errorf("%s: remainder %d (want %d) (-want +got):\n%s", tc.name, rem, tc.remainder, diff)
		}
	}
}
