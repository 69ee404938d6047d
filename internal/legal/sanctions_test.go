package legal_test

import (
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestCheckNotMinor(t *testing.T) {
	t.Parallel()
	born := func(s string) string { return legal.MakeResidentID("440604", d(s), 123) }
	tests := []struct {
		rule   string
		id     string
		on     string
		detail string // "" = may be listed
	}{
		{"SX-2 adult", born("1990-03-07"), "2026-02-12", ""},
		{"SX-2 minor aged 17", born("2008-06-01"), "2026-02-12", "未满 18 周岁（17 岁）"},
		{"SX-2 eighteenth birthday is adult", born("2008-02-12"), "2026-02-12", ""},
		{"SX-2 day before the eighteenth birthday", born("2008-02-13"), "2026-02-12", "未满 18 周岁"},
		{"SX-2 born on 29 February, 1 March of a common year", born("2008-02-29"), "2026-03-01", ""},
		{"SX-2 born on 29 February, 28 February of a common year", born("2008-02-29"), "2026-02-28", "未满 18 周岁"},
		{"SX-2 15-digit legacy number (IDC-3)", "440604900307123", "2026-02-12", ""},
		{"SX-2 no ID number", "", "2026-02-12", "没有登记身份证号码"},
		{"SX-2 unreadable ID number", "440604199003071230", "2026-02-12", "无法从被执行人的证件号码读出出生日期"},
	}
	for _, tt := range tests {
		err := legal.CheckNotMinor(tt.id, d(tt.on))
		switch {
		case tt.detail == "" && err != nil:
			t.Errorf("%s: %v", tt.rule, err)
		case tt.detail != "" && (err == nil || !strings.Contains(err.Error(), tt.detail)):
			t.Errorf("%s: got %v, want %q", tt.rule, err, tt.detail)
		}
	}
}

func TestComputeDishonestTerm(t *testing.T) {
	t.Parallel()
	r := legal.DefaultSanctionRules
	g := func(s string) []legal.DishonestGround {
		gs, err := legal.ParseGrounds(s)
		if err != nil {
			t.Fatal(err)
		}
		return gs
	}
	tests := []struct {
		rule    string
		grounds string
		serious bool
		extra   int
		years   int
		fixed   bool
		detail  string
	}{
		{"SX-3 ground (1) alone: no fixed term", "1", false, 0, 0, false, ""},
		{"SX-3 ground (1) alone cannot be extended", "1", true, 1, 0, false, "不设固定期限"},
		{"SX-3 ground (4): 2 years", "4", false, 0, 2, true, ""},
		{"SX-3 grounds (1) and (2): 2 years", "1 2", false, 0, 2, true, ""},
		{"SX-3 several grounds +1", "2 4", false, 1, 3, true, ""},
		{"SX-3 serious case +3", "3", true, 3, 5, true, ""},
		{"SX-3 extension above 3 years", "3", true, 4, 0, false, "1 至 3 年"},
		{"SX-3 extension without serious case or several grounds", "5", false, 1, 0, false, "情节严重或具有多项"},
		{"SX-3 negative extension", "5", true, -1, 0, false, "负数"},
	}
	for _, tt := range tests {
		term, err := legal.ComputeDishonestTerm(g(tt.grounds), tt.serious, tt.extra, r)
		if tt.detail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("%s: got %v, want %q", tt.rule, err, tt.detail)
			}
			continue
		}
		if err != nil || term.Years != tt.years || term.Fixed != tt.fixed {
			t.Errorf("%s: got %+v %v, want %d years fixed=%v", tt.rule, term, err, tt.years, tt.fixed)
		}
	}
	term := legal.DishonestTerm{Years: 2, Fixed: true}
	if got := term.EndsOn(d("2026-03-01")); got != d("2028-02-29") {
		t.Errorf("SX-3 2 years from 2026-03-01 end on %s, want 2028-02-29", got)
	}
	if got := (legal.DishonestTerm{}).EndsOn(d("2026-03-01")); !got.IsZero() {
		t.Errorf("SX-3 no fixed term has no end, got %s", got)
	}
}

func TestParseGrounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, in, want, detail string
	}{
		{"SX-1 one ground", "4", "4", ""},
		{"SX-1 sorted without repeats", "6,1，4 4", "1 4 6", ""},
		{"SX-1 none", " ", "", "至少选择一项"},
		{"SX-1 ground 7 does not exist", "7", "", "不存在"},
		{"SX-1 not a number", "x", "", "不存在"},
	}
	for _, tt := range tests {
		gs, err := legal.ParseGrounds(tt.in)
		if tt.detail != "" {
			if err == nil || !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("%s: got %v, want %q", tt.rule, err, tt.detail)
			}
			continue
		}
		if err != nil || legal.FormatGrounds(gs) != tt.want {
			t.Errorf("%s: got %v %v, want %s", tt.rule, gs, err, tt.want)
		}
	}
	for _, g := range legal.DishonestGrounds() {
		if g.Label() == "" {
			t.Errorf("SX-1 ground %d has no label", g)
		}
	}
}

func TestCheckGrace(t *testing.T) {
	t.Parallel()
	r := legal.DefaultSanctionRules
	for _, tt := range []struct {
		rule   string
		months int
		ok     bool
	}{
		{"SX-4 no grace period", 0, true},
		{"SX-4 1 month", 1, true},
		{"SX-4 3 months", 3, true},
		{"SX-4 4 months is too long", 4, false},
		{"SX-4 negative", -1, false},
	} {
		if err := legal.CheckGrace(tt.months, r); (err == nil) != tt.ok {
			t.Errorf("%s: got %v", tt.rule, err)
		}
	}
	if got := legal.PublishOn(d("2025-11-30"), 3); got != d("2026-02-28") {
		t.Errorf("SX-4 3 months from 2025-11-30 is %s, want 2026-02-28 (PER-3)", got)
	}
}

func TestDeletionDue(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	on := legal.DefaultPeriodRules()
	off := on
	off.MakeupCounts = false
	tests := []struct {
		rule    string
		trigger string
		rules   legal.PeriodRules
		want    string
	}{
		// DOMAIN.md §3 worked example 3.
		{"SX-5 worked example 3: trigger Thu 2026-02-12, make-up Sat 02-14 counts", "2026-02-12", on, "2026-02-24"},
		{"SX-5 worked example 3 with makeup_counts false (PER-5)", "2026-02-12", off, "2026-02-25"},
		{"SX-5 plain week: Mon → Thu", "2026-03-02", on, "2026-03-05"},
		{"SX-5 over a weekend: Fri → Wed", "2026-03-06", on, "2026-03-11"},
		{"SX-5 trigger on a holiday: 2026-10-01 → 10-09 (make-up Sat 10-10 counts)", "2026-10-01", on, "2026-10-10"},
	}
	for _, tt := range tests {
		if got := legal.DeletionDue(cal, d(tt.trigger), tt.rules); got != d(tt.want) {
			t.Errorf("%s: got %s, want %s", tt.rule, got, tt.want)
		}
	}
}

func TestCheckRestrictionBeforeClosure(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		rule          string
		start, closed string
		ok            bool
	}{
		{"XG-5 start before 结案", "2026-01-05", "2026-03-02", true},
		{"XG-5 start on the 结案 day", "2026-03-02", "2026-03-02", false},
		{"XG-5 start after 结案 (grace period ran past it)", "2026-04-02", "2026-03-02", false},
	} {
		if err := legal.CheckRestrictionBeforeClosure(d(tt.start), d(tt.closed)); (err == nil) != tt.ok {
			t.Errorf("%s: got %v", tt.rule, err)
		}
	}
}

func TestCorrectionClocks(t *testing.T) {
	t.Parallel()
	cal, r, p := legal.DefaultCalendar(), legal.DefaultSanctionRules, legal.DefaultPeriodRules()
	// SX-6: decided within 15 days; 2025-01-20 + 15 = 02-04, last Spring
	// Festival day → 02-05 (as OBJ-2's worked example 2).
	if got := legal.CorrectionDecideBy(cal, d("2025-01-20"), r); got != d("2025-02-05") {
		t.Errorf("SX-6 decided by %s, want 2025-02-05", got)
	}
	if got := legal.CorrectBy(cal, d("2026-02-12"), r, p); got != d("2026-02-24") {
		t.Errorf("SX-6 corrected by %s, want 2026-02-24", got)
	}
	// SX-6 复议 within 10 days: as worked example 1.
	if got := legal.ReviewFileBy(cal, d("2024-09-27"), r); got != d("2024-10-08") {
		t.Errorf("SX-6 复议 by %s, want 2024-10-08", got)
	}
	if got := legal.ReviewDecideBy(cal, d("2026-03-02"), r); got != d("2026-03-17") {
		t.Errorf("SX-6 复议 decided by %s, want 2026-03-17", got)
	}
	if got := legal.AgeOn(d("2008-02-12"), legal.Today(time.Date(2026, 2, 11, 16, 0, 0, 0, time.UTC))); got != 18 {
		t.Errorf("AgeOn on the Shanghai date: got %d", got)
	}
}
