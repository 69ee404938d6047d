package legal_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// TERM-4: "自查封之日起已超过60日": the 60 days run from the day after the
// seizure (PER-1) and the request may be made once they have passed.
func TestTransferOpensOn(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		seized string
		wait   int
		want   string
	}{
		{"TERM-4 60 days: seized 1 March, day 60 is 30 April, asked from 1 May", "2026-03-01", 60, "2026-05-01"},
		{"TERM-4 across a year end", "2026-11-15", 60, "2027-01-15"},
		{"TERM-4 leap February", "2028-01-01", 60, "2028-03-02"},
		{"TERM-4 configured 30 days", "2026-03-01", 30, "2026-04-01"},
	} {
		if got := legal.TransferOpensOn(legal.MustDate(tc.seized), tc.wait); got != legal.MustDate(tc.want) {
			t.Errorf("%s: TransferOpensOn(%s, %d) = %s, want %s", tc.name, tc.seized, tc.wait, got, tc.want)
		}
	}
}
