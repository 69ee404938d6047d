package legal_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestEntrustedMatterDue(t *testing.T) {
	t.Parallel()
	noRoll := legal.DefaultPeriodRules()
	noRoll.RollInternal = false
	tests := []struct {
		rule    string
		sent    string
		days    int
		working bool
		rules   legal.PeriodRules
		want    string
	}{
		{"CLOCK-12 default 10 days, PER-1 start day excluded", "2024-03-04", 10, false, legal.DefaultPeriodRules(), "2024-03-14"},
		{"CLOCK-12 PER-6 last day on National Day rolls", "2025-09-26", 10, false, legal.DefaultPeriodRules(), "2025-10-09"},
		{"CLOCK-12 PER-6 roll off", "2025-09-26", 10, false, noRoll, "2025-10-06"},
		{"CLOCK-12 last day on a Saturday rolls to Monday", "2024-03-06", 10, false, legal.DefaultPeriodRules(), "2024-03-18"},
		{"CLOCK-12 court sets 1 day", "2024-03-04", 1, false, legal.DefaultPeriodRules(), "2024-03-05"},
		{"CLOCK-12 PER-5 as working days over Spring Festival", "2026-02-12", 3, true, legal.DefaultPeriodRules(), "2026-02-24"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := legal.EntrustedMatterDue(cal, d(tt.sent), tt.days, tt.working, tt.rules); got != d(tt.want) {
			t.Errorf("%s: EntrustedMatterDue(%s, %d) = %s, want %s", tt.rule, tt.sent, tt.days, got, tt.want)
		}
	}
}

func TestEntrustedMatterOnTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule            string
		done, due       string
		onTime, overdue bool // overdue: still open on "done"
	}{
		{"MET-10 done the same day", "2024-03-04", "2024-03-14", true, false},
		{"MET-10 done on the due day is in time", "2024-03-14", "2024-03-14", true, false},
		{"MET-10 done a day late", "2024-03-15", "2024-03-14", false, true},
	}
	for _, tt := range tests {
		if got := legal.EntrustedMatterOnTime(d(tt.done), d(tt.due)); got != tt.onTime {
			t.Errorf("%s: OnTime(%s, %s) = %v", tt.rule, tt.done, tt.due, got)
		}
		if got := legal.EntrustedMatterOverdue(d(tt.due), d(tt.done)); got != tt.overdue {
			t.Errorf("%s: Overdue(%s, %s) = %v", tt.rule, tt.due, tt.done, got)
		}
	}
	if legal.EntrustedMatterOnTime(legal.Date{}, d("2024-03-14")) {
		t.Error("MET-10: a matter not done is not done in time")
	}
}
