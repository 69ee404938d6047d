package legal_test

import (
	"testing"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestRemedyDeadlines(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	rules := legal.DefaultRemedyRules()
	tests := []struct {
		rule  string
		kind  legal.RemedyKind
		dates legal.RemedyDates
		want  legal.RemedyClock
	}{
		// DOMAIN.md §3 worked example 2: received 2025-01-20 → day 15 = 02-04, the last Spring Festival day → 02-05.
		{"OBJ-2 worked example 2, PER-2 Spring Festival; OBJ-1 3 days; OBJ-5 1 month", legal.RemedyObjection,
			legal.RemedyDates{Received: d("2025-01-20")},
			legal.RemedyClock{RegisterBy: d("2025-01-23"), DecideBy: d("2025-02-05"), OverallBy: d("2025-02-20"), ExtendAskBy: d("2025-02-17")}},
		{"OBJ-1 last day Saturday rolls to Monday (PER-2)", legal.RemedyObjection,
			legal.RemedyDates{Received: d("2024-06-05")},
			legal.RemedyClock{RegisterBy: d("2024-06-11"), DecideBy: d("2024-06-20"), OverallBy: d("2024-07-05"), ExtendAskBy: d("2024-07-02")}},
		{"OBJ-5 extended by one month, no further ask", legal.RemedyObjection,
			legal.RemedyDates{Received: d("2025-01-20"), Extended: true},
			legal.RemedyClock{RegisterBy: d("2025-01-23"), DecideBy: d("2025-02-05"), OverallBy: d("2025-03-20")}},
		{"OBJ-5 PER-3 month end; OBJ-1 rolls over Spring Festival", legal.RemedyObjection,
			legal.RemedyDates{Received: d("2025-01-31")},
			legal.RemedyClock{RegisterBy: d("2025-02-05"), DecideBy: d("2025-02-17"), OverallBy: d("2025-02-28"), ExtendAskBy: d("2025-02-25")}},
		{"OBJ-3 remand restarts the examination, no new registration clock", legal.RemedyObjection,
			legal.RemedyDates{Received: d("2025-01-20"), Restarted: d("2025-03-03")},
			legal.RemedyClock{DecideBy: d("2025-03-18"), OverallBy: d("2025-04-03"), ExtendAskBy: d("2025-03-31")}},
		{"OBJ-4 outsider objection 15 days", legal.RemedyOutsider,
			legal.RemedyDates{Received: d("2024-09-20")},
			legal.RemedyClock{RegisterBy: d("2024-09-23"), DecideBy: d("2024-10-08"), OverallBy: d("2024-10-21"), ExtendAskBy: d("2024-10-18")}},
		{"OBJ-3 forward within 5 days; not yet registered", legal.RemedyReview,
			legal.RemedyDates{Received: d("2024-09-27")},
			legal.RemedyClock{ForwardBy: d("2024-10-08")}},
		{"OBJ-3 decided within 30 days of registration", legal.RemedyReview,
			legal.RemedyDates{Received: d("2024-09-27"), Registered: d("2024-10-09")},
			legal.RemedyClock{ForwardBy: d("2024-10-08"), DecideBy: d("2024-11-08")}},
		{"OBJ-3 +30 days with 院长 approval", legal.RemedyReview,
			legal.RemedyDates{Received: d("2024-09-27"), Registered: d("2024-10-09"), Extended: true},
			legal.RemedyClock{ForwardBy: d("2024-10-08"), DecideBy: d("2024-12-09")}},
		{"XF-1 log 5 working days, close 30 working days (National Day skipped, make-up 09-29 and 10-12 count)", legal.RemedyComplaint,
			legal.RemedyDates{Received: d("2024-09-27")},
			legal.RemedyClock{RegisterBy: d("2024-10-10"), DecideBy: d("2024-11-13")}},
		{"no clock before receipt", legal.RemedyObjection, legal.RemedyDates{}, legal.RemedyClock{}},
	}
	for _, tt := range tests {
		got := cal.RemedyDeadlines(tt.kind, tt.dates, rules)
		if got != tt.want {
			t.Errorf("%s: got %+v, want %+v", tt.rule, got, tt.want)
		}
	}
}

func TestReviewWindow(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	rules := legal.DefaultRemedyRules()
	tests := []struct {
		rule, served, filed, end, code string
	}{
		// DOMAIN.md §3 worked example 1: served Fri 2024-09-27 → day 10 = 10-07, holiday → 2024-10-08.
		{"OBJ-3 worked example 1, PER-2 National Day", "2024-09-27", "2024-10-08", "2024-10-08", ""},
		{"OBJ-3 one day late", "2024-09-27", "2024-10-09", "2024-10-08", "review_late"},
		{"OBJ-3 on the day of service", "2025-03-03", "2025-03-03", "2025-03-13", ""},
		{"OBJ-3 before service", "2025-03-03", "2025-03-02", "2025-03-13", "review_early"},
		{"OBJ-3 PER-2 weekend", "2025-03-05", "2025-03-17", "2025-03-17", ""},
	}
	for _, tt := range tests {
		if got := cal.ReviewWindowEnd(d(tt.served), rules); got != d(tt.end) {
			t.Errorf("%s: ReviewWindowEnd(%s) = %s, want %s", tt.rule, tt.served, got, tt.end)
		}
		err := cal.CheckReviewFiled(d(tt.served), d(tt.filed), rules)
		if apperr.CodeOf(err) != tt.code && !(tt.code == "" && err == nil) {
			t.Errorf("%s: CheckReviewFiled(%s, %s) = %v, want %q", tt.rule, tt.served, tt.filed, err, tt.code)
		}
	}
}

func TestSuitWindowEnd(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	tests := []struct{ rule, served, want string }{
		{"OBJ-4 15 days", "2025-03-03", "2025-03-18"},
		{"OBJ-4 PER-2 Labour Day", "2025-04-16", "2025-05-06"},
	}
	for _, tt := range tests {
		if got := cal.SuitWindowEnd(d(tt.served)); got != d(tt.want) {
			t.Errorf("%s: SuitWindowEnd(%s) = %s, want %s", tt.rule, tt.served, got, tt.want)
		}
	}
}

func TestCheckRemedyExtension(t *testing.T) {
	t.Parallel()
	cal := legal.DefaultCalendar()
	rules := legal.DefaultRemedyRules()
	obj := cal.RemedyDeadlines(legal.RemedyObjection, legal.RemedyDates{Received: d("2025-01-20")}, rules)
	rev := cal.RemedyDeadlines(legal.RemedyReview, legal.RemedyDates{Received: d("2024-09-27"), Registered: d("2024-10-09")}, rules)
	tests := []struct {
		rule     string
		kind     legal.RemedyKind
		clock    legal.RemedyClock
		extended bool
		asked    string
		code     string
	}{
		{"OBJ-5 asked 3 days before expiry", legal.RemedyObjection, obj, false, "2025-02-17", ""},
		{"OBJ-5 asked 2 days before expiry", legal.RemedyObjection, obj, false, "2025-02-18", "extension_too_late"},
		{"OBJ-5 once", legal.RemedyObjection, obj, true, "2025-02-01", "already_extended"},
		{"OBJ-3 +30 within the 30 days", legal.RemedyReview, rev, false, "2024-11-08", ""},
		{"OBJ-3 after the 30 days", legal.RemedyReview, rev, false, "2024-11-09", "extension_too_late"},
		{"OBJ-3 once", legal.RemedyReview, rev, true, "2024-10-20", "already_extended"},
		{"XF-1 not extendable", legal.RemedyComplaint, legal.RemedyClock{}, false, "2024-10-20", "not_extendable"},
	}
	for _, tt := range tests {
		err := legal.CheckRemedyExtension(tt.kind, tt.clock, tt.extended, d(tt.asked))
		if apperr.CodeOf(err) != tt.code && !(tt.code == "" && err == nil) {
			t.Errorf("%s: got %v, want %q", tt.rule, err, tt.code)
		}
	}
}

func TestDefaultRemedyRules(t *testing.T) {
	t.Parallel()
	r := legal.DefaultRemedyRules()
	tests := []struct {
		rule      string
		got, want int
	}{
		{"OBJ-1", r.RegisterDays, 3},
		{"OBJ-3", r.ReviewFileDays, 10},
		{"OBJ-3", r.ReviewForwardDays, 5},
		{"OBJ-3", r.ReviewDecideDays, 30},
		{"OBJ-3", r.ReviewExtendDays, 30},
		{"OBJ-5", r.OverallMonths, 1},
		{"OBJ-5", r.ExtensionNoticeDays, 3},
		{"XF-1", r.ComplaintLogWorkdays, 5},
		{"XF-1", r.ComplaintCloseWorkdays, 30},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: default %d, want %d", tt.rule, tt.got, tt.want)
		}
	}
}
