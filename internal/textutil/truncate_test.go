package textutil

import "testing"

func TestTruncateAndAbbrev(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in           string
		n            int
		trunc, abbrv string
	}{
		{"", 3, "", ""},
		{"abc", 3, "abc", "abc"},
		{"abcd", 3, "abc", "abc…"},
		{"执行款到账", 5, "执行款到账", "执行款到账"},
		{"执行款到账", 2, "执行", "执行…"},
		{"a执行", 2, "a执", "a执…"},
	} {
		if got := Truncate(tc.in, tc.n); got != tc.trunc {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.trunc)
		}
		if got := Abbrev(tc.in, tc.n); got != tc.abbrv {
			t.Errorf("Abbrev(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.abbrv)
		}
	}
}
