package ui

import "testing"

// TestBoardFormats: the tiles' amounts in 元, 万元 or 亿元 cut to two
// decimals, and the change of a rate in percentage points.
func TestBoardFormats(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		fen         int64
		value, unit string
	}{
		{0, "0.00", "元"},
		{2_500_00, "2,500.00", "元"},
		{9_999_99, "9,999.99", "元"},
		{10_000_00, "1.00", "万元"},
		{1_234_567_89, "123.45", "万元"},
		{99_999_999_99, "9,999.99", "万元"},
		{100_000_000_00, "1.00", "亿元"},
		{3_090_000_000_00, "30.90", "亿元"}, // 合肥's H1 2020
	} {
		if v, u := compactYuan(tc.fen); v != tc.value || u != tc.unit {
			t.Errorf("compactYuan(%d) = %s %s, want %s %s", tc.fen, v, u, tc.value, tc.unit)
		}
	}
	for n, want := range map[int64]string{0: "0.00", 5: "0.05", 125: "1.25", 10000: "100.00"} {
		if got := points(n); got != want {
			t.Errorf("points(%d) = %s, want %s", n, got, want)
		}
	}
}
