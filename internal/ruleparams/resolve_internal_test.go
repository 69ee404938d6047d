package ruleparams

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// The catalogue's seeds are the values DOMAIN.md §3 shows, which the legal
// package's defaults also hold (CLOCK-2, CLOCK-3, CLOCK-9, PER-5, PER-6 and
// the node limits of CLOCK-4 to CLOCK-7, CLOCK-12).
func TestCatalogueSeedsMatchLegalDefaults(t *testing.T) {
	t.Parallel()
	s, err := newSnapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	v := s.resolve(uuid.Nil, legal.MustDate("2026-01-01"))
	if diff := cmp.Diff(legal.DefaultClockRules(), v.ClockRules()); diff != "" {
		t.Errorf("clock rules (-legal +catalogue):\n%s", diff)
	}
	if diff := cmp.Diff(legal.Milestones(), v.Milestones()); diff != "" {
		t.Errorf("milestones (-legal +catalogue):\n%s", diff)
	}
	if v.DecisionDays() != 7 {
		t.Errorf("CLOCK-4: %d days, want 7", v.DecisionDays())
	}
	seen := map[string]bool{}
	for _, m := range legal.Milestones() {
		seen[m.Code] = true
	}
	for _, p := range Catalogue() {
		if p.Citation == "" || p.Label == "" || p.Unit == "" || p.Since < 1 {
			t.Errorf("%s: incomplete %+v", p.Key, p)
		}
		if p.Milestone != "" && !seen[p.Milestone] {
			t.Errorf("%s: no milestone %q", p.Key, p.Milestone)
		}
		if val := v.Get(p.Key); val.Source != SourceBuiltin || val.Value != p.Seed {
			t.Errorf("%s without rows: %+v", p.Key, val)
		}
	}
}

func row(court uuid.UUID, k Key, value, from string) Row {
	return Row{ID: uuid.New(), CourtID: court, Key: k, Value: value, EffectiveFrom: legal.MustDate(from), Citation: "测试依据"}
}

// The value in force on a day is the latest row of the court on or before
// it, else the platform's, else the seed (DOMAIN.md §0; CLOCK-2 as the
// example).
func TestResolve(t *testing.T) {
	t.Parallel()
	court, other := uuid.New(), uuid.New()
	rows := []Row{ // ascending effective_from, as readRows returns them
		row(uuid.Nil, KeyTermMonths, "6", "2000-01-01"),
		row(court, KeyTermMonths, "5", "2024-01-01"),
		row(uuid.Nil, KeyTermMonths, "8", "2025-01-01"),
		row(court, KeyTermMonths, "4", "2025-07-01"),
		row(uuid.Nil, KeyRollInternal, "false", "2025-03-01"),
		row(court, KeyTermMonths, "9", "2026-01-01"), // future, relative to the days below
	}
	s, err := newSnapshot(rows)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		court  uuid.UUID
		on     string
		months int
		source Source
		roll   bool
	}{
		{"CLOCK-2 platform seed row before any change", uuid.Nil, "2023-05-01", 6, SourcePlatform, true},
		{"CLOCK-2 platform change on its first day", uuid.Nil, "2025-01-01", 8, SourcePlatform, true},
		{"CLOCK-2 platform change not yet in force the day before", uuid.Nil, "2024-12-31", 6, SourcePlatform, true},
		{"CLOCK-2 court row overrides the platform", court, "2024-06-01", 5, SourceCourt, true},
		{"CLOCK-2 court row overrides a later platform row", court, "2025-02-01", 5, SourceCourt, true},
		{"CLOCK-2 latest court row on or before the day", court, "2025-07-01", 4, SourceCourt, false},
		{"CLOCK-2 future court row not applied before its day", court, "2025-12-31", 4, SourceCourt, false},
		{"CLOCK-2 future court row applied from its day", court, "2026-01-01", 9, SourceCourt, false},
		{"CLOCK-2 another court gets the platform's", other, "2025-07-01", 8, SourcePlatform, false},
		{"CLOCK-2 before every row: the seed", court, "1999-12-31", 6, SourceBuiltin, true},
		{"PER-6 platform change reaches a court without its own", court, "2025-03-01", 5, SourceCourt, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := s.resolve(tc.court, legal.MustDate(tc.on))
			got := v.Get(KeyTermMonths)
			if got.n != tc.months || got.Source != tc.source || v.ClockRules().TermMonths != tc.months {
				t.Errorf("term %d from %s, want %d from %s", got.n, got.Source, tc.months, tc.source)
			}
			if v.ClockRules().Periods.RollInternal != tc.roll {
				t.Errorf("PER-6 roll = %v, want %v", v.ClockRules().Periods.RollInternal, tc.roll)
			}
		})
	}
}

// A hand-edited value that is not of its parameter's type stops resolution
// instead of being guessed; rows of retired parameters are ignored.
func TestSnapshotRefusesMalformedValues(t *testing.T) {
	t.Parallel()
	if _, err := newSnapshot([]Row{row(uuid.Nil, Key{"CLOCK-99", "gone"}, "x", "2020-01-01")}); err != nil {
		t.Errorf("retired parameter: %v", err)
	}
	for _, bad := range []Row{row(uuid.Nil, KeyTermMonths, "six", "2020-01-01"), row(uuid.Nil, KeyTermMonths, "06", "2020-01-01"),
		row(uuid.Nil, KeyMakeupCounts, "yes", "2020-01-01")} {
		if _, err := newSnapshot([]Row{bad}); err == nil {
			t.Errorf("%s = %q accepted", bad.Key, bad.Value)
		}
	}
}

// Parse checks values against the catalogue's type and bounds.
func TestParse(t *testing.T) {
	t.Parallel()
	term, _ := Lookup(KeyTermMonths)
	notice, _ := Lookup(KeyExtensionMinNoticeDays)
	makeup, _ := Lookup(KeyMakeupCounts)
	for _, tc := range []struct {
		name  string
		p     Param
		in    string
		want  string
		valid bool
	}{
		{"CLOCK-2 plain", term, "6", "6", true},
		{"CLOCK-2 spaces and sign", term, " +12 ", "12", true},
		{"CLOCK-2 upper bound", term, "36", "36", true},
		{"CLOCK-2 zero", term, "0", "", false},
		{"CLOCK-2 negative", term, "-3", "", false},
		{"CLOCK-2 absurd", term, "1200", "", false},
		{"CLOCK-2 overflow", term, "99999999999999999999999", "", false},
		{"CLOCK-2 not a number", term, "六", "", false},
		{"CLOCK-2 fraction", term, "6.5", "", false},
		{"CLOCK-2 empty", term, "", "", false},
		{"CLOCK-3 zero days allowed", notice, "0", "0", true},
		{"PER-5 true", makeup, "true", "true", true},
		{"PER-5 是", makeup, "是", "true", true},
		{"PER-5 FALSE", makeup, "FALSE", "false", true},
		{"PER-5 否", makeup, "否", "false", true},
		{"PER-5 number", makeup, "1", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.p.Parse(tc.in)
			if tc.valid != (err == nil) || got != tc.want {
				t.Fatalf("Parse(%q) = %q, %v", tc.in, got, err)
			}
			if err != nil && apperr.CodeOf(err) != "invalid_value" {
				t.Errorf("code %q", apperr.CodeOf(err))
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	if k, ok := ParseKey(KeyTermMonths.String()); !ok || k != KeyTermMonths {
		t.Errorf("round trip: %v %v", k, ok)
	}
	for _, s := range []string{"", "CLOCK-2", "/term_months", "CLOCK-2/"} {
		if _, ok := ParseKey(s); ok {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}

// TestDisposalSeeds: the seeded disposal values are DOMAIN.md §8's
// (legal.DefaultDisposalRules).
func TestDisposalSeeds(t *testing.T) {
	t.Parallel()
	s, err := newSnapshot(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.resolve(uuid.Nil, legal.MustDate("2026-01-01")).DisposalRules(), legal.DefaultDisposalRules(); got != want {
		t.Errorf("seeded disposal rules %+v, want %+v", got, want)
	}
}
