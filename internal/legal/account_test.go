package legal_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// FUND-1: one account per party per case, its number checkable.
func TestVirtualAccountNo(t *testing.T) {
	t.Parallel()
	// The check digits below were computed by an independent Luhn
	// implementation (which gives 3 for the textbook 7992739871).
	for _, tc := range []struct {
		name                     string
		division                 string
		year, typeNo, seq, party int
		want                     string
	}{
		{"FUND-1 （2026）粤0607执1234号, first party", "440607", 2026, 1, 1234, 1, "440607202601001234013"},
		{"FUND-1 same case, second party", "440607", 2026, 1, 1234, 2, "440607202601001234021"},
		{"FUND-1 执恢 of the same number differs", "440607", 2026, 2, 1234, 1, "440607202602001234011"},
	} {
		got := legal.VirtualAccountNo(tc.division, tc.year, tc.typeNo, tc.seq, tc.party)
		if got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
		if !legal.CheckVirtualAccountNo(got) {
			t.Errorf("%s: %s does not check", tc.name, got)
		}
	}
	good := "440607202601001234013"
	for _, bad := range []string{
		"", "4406072026", good[:20], good[:20] + "x", "44060720260100123401３",
		"440607202601001235013", // one digit changed
		"440607202601002134013", // neighbours swapped
	} {
		if legal.CheckVirtualAccountNo(bad) {
			t.Errorf("CheckVirtualAccountNo(%q) = true", bad)
		}
	}
}
