package legal_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// TestApplicationFee: FEE-1's worked examples and checks (DOMAIN.md §9).
func TestApplicationFee(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name            string
		amount, wantFen int64
	}{
		{"FEE-1 no amount", 0, 5_000},
		{"FEE-1 8,000 → 50", 800_000, 5_000},
		{"FEE-1 10,000 → 50", 1_000_000, 5_000},
		{"FEE-1 120,000 → 1,700", 12_000_000, 170_000},
		{"FEE-1 500,000 → 7,400", 50_000_000, 740_000},
		{"FEE-1 8,000,000 → 67,400", 800_000_000, 6_740_000},
		{"FEE-1 15,000,000 → 82,400", 1_500_000_000, 8_240_000},
		{"FEE-1 10,000.01 rounds to the fen", 1_000_001, 5_000},
		{"FEE-1 10,000.34: 0.34 × 1.5 % = 0.51 fen rounds up", 1_000_034, 5_001},
	} {
		if got := legal.ApplicationFee(tc.amount, legal.DefaultFeeBands); got != tc.wantFen {
			t.Errorf("%s: ApplicationFee(%d) = %d, want %d", tc.name, tc.amount, got, tc.wantFen)
		}
	}
}

// TestLateInterest: INT-1 and INT-4 with DOMAIN.md's example.
func TestLateInterest(t *testing.T) {
	t.Parallel()
	due := legal.NewDate(2024, 3, 1)
	for _, tc := range []struct {
		name      string
		principal int64
		until     legal.Date
		want      int64
	}{
		{"INT-1 120,000 to 06-30 (121 days) = 2,541.00", 12_000_000, legal.NewDate(2024, 6, 30), 254_100},
		{"INT-1 80,000 to 09-30 (213 days) = 2,982.00", 8_000_000, legal.NewDate(2024, 9, 30), 298_200},
		{"INT-4 nothing on the last day itself", 8_000_000, due, 0},
		{"INT-4 one day from the day after", 8_000_000, legal.NewDate(2024, 3, 2), 1_400},
		{"INT-4 rounds half up at the end", 1_000, legal.NewDate(2024, 3, 4), 1}, // 1000 × 175e-6 × 3 = 0.525
		{"INT-1 no principal", 0, legal.NewDate(2024, 9, 30), 0},
	} {
		if got := legal.LateInterest(tc.principal, due, tc.until); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
	if got := legal.LateInterest(1_000_000, legal.Date{}, legal.NewDate(2024, 3, 4)); got != 0 {
		t.Errorf("no performance day: %d", got)
	}
}
