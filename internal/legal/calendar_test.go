package legal_test

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

var d = legal.MustDate

func TestNewCalendar(t *testing.T) {
	t.Parallel()
	hol := func(s string) legal.CalendarDay {
		return legal.CalendarDay{Date: d(s), Kind: legal.Holiday, Name: "测试"}
	}
	mk := func(s string) legal.CalendarDay {
		return legal.CalendarDay{Date: d(s), Kind: legal.MakeupWorkday, Name: "调休上班"}
	}
	tests := []struct {
		rule   string
		days   []legal.CalendarDay
		detail string // "" = accepted
	}{
		{"CAL-1", []legal.CalendarDay{hol("2024-10-01"), mk("2024-10-12")}, ""},
		{"CAL-1 a holiday may fall on a weekend", []legal.CalendarDay{hol("2024-10-05")}, ""},
		{"CAL-1 empty", nil, ""},
		{"CAL-1 duplicate date", []legal.CalendarDay{hol("2024-10-01"), hol("2024-10-01")}, "重复"},
		{"CAL-1 holiday and workday on one date", []legal.CalendarDay{hol("2024-10-12"), mk("2024-10-12")}, "重复"},
		{"CAL-1 make-up workday on a weekday", []legal.CalendarDay{mk("2024-10-11")}, "星期五"},
		{"CAL-1 unknown kind", []legal.CalendarDay{{Date: d("2024-10-01"), Kind: "bridge"}}, "bridge"},
		{"CAL-1 zero date", []legal.CalendarDay{{Kind: legal.Holiday}}, "缺少日期"},
	}
	for _, tt := range tests {
		cal, err := legal.NewCalendar(tt.days)
		if tt.detail == "" {
			if err != nil || cal == nil {
				t.Errorf("%s: NewCalendar = %v", tt.rule, err)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_calendar" || !contains(e.Detail, tt.detail) {
			t.Errorf("%s: NewCalendar error = %v; want invalid_calendar containing %q", tt.rule, err, tt.detail)
		}
	}
}

func TestDefaultCalendarData(t *testing.T) {
	t.Parallel()
	// CAL-1: the embedded table is exactly DOMAIN §3.
	cal := legal.DefaultCalendar()
	if got := cal.Years(); !slices.Equal(got, []int{2024, 2025, 2026}) {
		t.Errorf("CAL-1: Years() = %v", got)
	}
	for _, y := range []int{2024, 2025, 2026} {
		if !cal.Covers(y) {
			t.Errorf("CAL-1: Covers(%d) = false", y)
		}
	}
	if cal.Covers(2023) || cal.Covers(2027) {
		t.Error("CAL-1: covers a year without a notice")
	}
	days := legal.DefaultCalendarDays()
	if len(days) != 108 {
		t.Errorf("CAL-1: %d entries, want 108", len(days))
	}
	if !slices.IsSortedFunc(days, func(a, b legal.CalendarDay) int { return a.Date.Compare(b.Date) }) {
		t.Error("CAL-1: DefaultCalendarDays not in date order")
	}
	for _, day := range days {
		if day.Name == "" || day.Notice == "" {
			t.Errorf("CAL-1: %s lacks a name or notice", day.Date)
		}
	}
	days[0].Name = "changed"
	if legal.DefaultCalendarDays()[0].Name == "changed" {
		t.Error("CAL-1: DefaultCalendarDays returns shared data")
	}
	if got := cal.Days(); len(got) != 108 || got[0].Date != d("2024-01-01") {
		t.Errorf("CAL-1: Days() = %d entries starting %v", len(got), got[0].Date)
	}

	want := []legal.CalendarNotice{
		{Year: 2024, Notice: "国办发明电〔2023〕7号"},
		{Year: 2025, Notice: "国办发明电〔2024〕12号"},
		{Year: 2026, Notice: "2025-11-04 通知（文号待核）"},
	}
	if got := legal.DefaultCalendarNotices(); !slices.Equal(got, want) {
		t.Errorf("CAL-1: DefaultCalendarNotices() = %v", got)
	}

	holidays := map[int][]string{
		2024: {"01-01", "02-10…02-17", "04-04…04-06", "05-01…05-05", "06-10", "09-15…09-17", "10-01…10-07"},
		2025: {"01-01", "01-28…02-04", "04-04…04-06", "05-01…05-05", "05-31…06-02", "10-01…10-08"},
		2026: {"01-01…01-03", "02-15…02-23", "04-04…04-06", "05-01…05-05", "06-19…06-21", "09-25…09-27", "10-01…10-07"},
	}
	makeups := map[int][]string{
		2024: {"02-04", "02-18", "04-07", "04-28", "05-11", "09-14", "09-29", "10-12"},
		2025: {"01-26", "02-08", "04-27", "09-28", "10-11"},
		2026: {"01-04", "02-14", "02-28", "05-09", "09-20", "10-10"},
	}
	var wantDays []legal.Date
	for y, spans := range holidays {
		for _, s := range spans {
			from, to := s, s
			if i := strings.Index(s, "…"); i >= 0 {
				from, to = s[:i], s[i+len("…"):]
			}
			for x := d(itoa(y) + "-" + from); !x.After(d(itoa(y) + "-" + to)); x = x.AddDays(1) {
				wantDays = append(wantDays, x)
				if day, ok := cal.Day(x); !ok || day.Kind != legal.Holiday || !cal.IsRestDay(x) {
					t.Errorf("CAL-1: %s should be a holiday, got %+v", x, day)
				}
			}
		}
	}
	for y, ds := range makeups {
		for _, s := range ds {
			x := d(itoa(y) + "-" + s)
			wantDays = append(wantDays, x)
			if day, ok := cal.Day(x); !ok || day.Kind != legal.MakeupWorkday || day.Name != "调休上班" || !cal.IsWorkday(x) {
				t.Errorf("CAL-1: %s should be a make-up workday, got %+v", x, day)
			}
		}
	}
	if len(wantDays) != len(days) {
		t.Errorf("CAL-1: table lists %d days, DOMAIN §3 %d", len(days), len(wantDays))
	}
}

func itoa(y int) string { return strconv.Itoa(y) }

func TestWorkdaysInYear(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		year int
		want int
	}{
		{"CAL-1", 2024, 251},
		{"CAL-1", 2025, 248},
		{"CAL-1", 2026, 248},
		{"CAL-1 uncovered year: weekends only", 2027, 261},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.WorkdaysInYear(tt.year); got != tt.want {
			t.Errorf("%s: WorkdaysInYear(%d) = %d, want %d", tt.rule, tt.year, got, tt.want)
		}
	}
}

func TestIsWorkday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		day     string
		workday bool
		name    string // listed entry name, "" if not listed
	}{
		{"CAL-1 除夕 2024 was only encouraged rest", "2024-02-09", true, ""},
		{"CAL-1", "2024-02-10", false, "春节"},
		{"CAL-1 make-up Sunday", "2024-02-04", true, "调休上班"},
		{"CAL-1 make-up Saturday", "2024-10-12", true, "调休上班"},
		{"CAL-1", "2024-10-01", false, "国庆节"},
		{"CAL-1 ordinary Saturday", "2024-10-19", false, ""},
		{"CAL-1 ordinary Monday", "2024-10-21", true, ""},
		{"CAL-1 除夕 2025 is a holiday", "2025-01-28", false, "春节"},
		{"CAL-1 2 May 2025", "2025-05-02", false, "劳动节"},
		{"CAL-1", "2025-10-08", false, "国庆节、中秋节"},
		{"CAL-1", "2026-02-28", true, "调休上班"},
		{"CAL-1", "2026-09-25", false, "中秋节"},
		{"CAL-1 uncovered year", "2027-01-01", true, ""},
		{"CAL-1 uncovered year", "2027-01-02", false, ""},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		x := d(tt.day)
		if got := cal.IsWorkday(x); got != tt.workday {
			t.Errorf("%s: IsWorkday(%s) = %v", tt.rule, x, got)
		}
		if got := cal.IsRestDay(x); got == tt.workday {
			t.Errorf("%s: IsRestDay(%s) = %v", tt.rule, x, got)
		}
		day, ok := cal.Day(x)
		if ok != (tt.name != "") || day.Name != tt.name {
			t.Errorf("%s: Day(%s) = %+v, %v; want name %q", tt.rule, x, day, ok, tt.name)
		}
	}
}

func TestNilCalendar(t *testing.T) {
	t.Parallel()
	// CAL-1: without entries only weekends are rest days.
	var cal *legal.Calendar
	if !cal.IsWorkday(d("2024-10-01")) || cal.IsWorkday(d("2024-10-05")) || cal.Covers(2024) || cal.Years() != nil || cal.Days() != nil {
		t.Error("CAL-1: nil calendar is not weekends-only")
	}
	if _, ok := cal.Day(d("2024-10-01")); ok {
		t.Error("CAL-1: nil calendar has an entry")
	}
	if got := cal.DaysPeriodEnd(d("2024-09-27"), 10); got != d("2024-10-07") {
		t.Errorf("PER-2: nil calendar DaysPeriodEnd = %s", got)
	}
}

func TestNextWorkday(t *testing.T) {
	t.Parallel()
	tests := []struct{ rule, in, want string }{
		{"PER-2 a working day is itself", "2024-09-30", "2024-09-30"},
		{"PER-2 holiday", "2024-10-01", "2024-10-08"},
		{"PER-2 weekend", "2024-10-19", "2024-10-21"},
		{"PER-2 make-up workday", "2024-10-12", "2024-10-12"},
		{"PER-2 last day of Spring Festival 2025", "2025-02-04", "2025-02-05"},
		{"PER-2", "2026-02-15", "2026-02-24"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.NextWorkday(d(tt.in)); got != d(tt.want) {
			t.Errorf("%s: NextWorkday(%s) = %s, want %s", tt.rule, tt.in, got, tt.want)
		}
	}
}

func TestDaysPeriodEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, start string
		n           int
		want        string
	}{
		{"PER-1 PER-2 worked example 1 (复议 10 days)", "2024-09-27", 10, "2024-10-08"},
		{"PER-1 PER-2 worked example 2 (objection 15 days)", "2025-01-20", 15, "2025-02-05"},
		{"PER-1 no roll on a working day", "2024-03-01", 10, "2024-03-11"},
		{"PER-2 weekend roll", "2024-03-06", 10, "2024-03-18"},
		{"PER-2 holidays inside the period count", "2024-09-30", 10, "2024-10-10"},
		{"PER-2 make-up last day is a working day", "2024-10-02", 10, "2024-10-12"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.DaysPeriodEnd(d(tt.start), tt.n); got != d(tt.want) {
			t.Errorf("%s: DaysPeriodEnd(%s, %d) = %s, want %s", tt.rule, tt.start, tt.n, got, tt.want)
		}
	}
}

func TestMonthsPeriodEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, start string
		n           int
		roll        bool
		want        string
	}{
		{"PER-3 PER-6 worked example 4 (case clock)", "2024-04-01", 6, true, "2024-10-08"},
		{"PER-3 without roll", "2024-04-01", 6, false, "2024-10-01"},
		{"PER-3 month end", "2024-08-31", 6, false, "2025-02-28"},
		{"PER-3 month end, working day", "2024-08-31", 6, true, "2025-02-28"},
		{"PER-2 holiday roll", "2024-03-15", 6, true, "2024-09-18"},
		{"PER-2 make-up Saturday is not rolled", "2024-03-14", 6, true, "2024-09-14"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.MonthsPeriodEnd(d(tt.start), tt.n, tt.roll); got != d(tt.want) {
			t.Errorf("%s: MonthsPeriodEnd(%s, %d, %v) = %s, want %s", tt.rule, tt.start, tt.n, tt.roll, got, tt.want)
		}
	}
}

func TestWorkingDaysEnd(t *testing.T) {
	t.Parallel()
	noMakeup := legal.DefaultPeriodRules()
	noMakeup.MakeupCounts = false
	tests := []struct {
		rule, start string
		n           int
		rules       legal.PeriodRules
		want        string
	}{
		{"PER-5 worked example 3 (失信 deletion)", "2026-02-12", 3, legal.DefaultPeriodRules(), "2026-02-24"},
		{"PER-5 worked example 3, makeup_counts = false", "2026-02-12", 3, noMakeup, "2026-02-25"},
		{"PER-5 plain week", "2024-03-04", 5, legal.DefaultPeriodRules(), "2024-03-11"},
		{"PER-5 over a weekend", "2024-03-08", 1, legal.DefaultPeriodRules(), "2024-03-11"},
		{"PER-5 make-up Saturday counts", "2024-10-11", 1, legal.DefaultPeriodRules(), "2024-10-12"},
		{"PER-5 make-up Saturday skipped", "2024-10-11", 1, noMakeup, "2024-10-14"},
		{"PER-1 start day excluded even if a working day", "2024-03-04", 1, legal.DefaultPeriodRules(), "2024-03-05"},
		{"PER-5 n = 0", "2024-03-04", 0, legal.DefaultPeriodRules(), "2024-03-04"},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.WorkingDaysEnd(d(tt.start), tt.n, tt.rules); got != d(tt.want) {
			t.Errorf("%s: WorkingDaysEnd(%s, %d, %+v) = %s, want %s", tt.rule, tt.start, tt.n, tt.rules, got, tt.want)
		}
	}
}

func TestWorkingDaysBetween(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, from, to string
		want           int
	}{
		{"PER-5 worked example 3", "2026-02-12", "2026-02-24", 3},
		{"PER-1 from excluded, to included", "2024-03-04", "2024-03-08", 4},
		{"PER-5 National Day week", "2024-09-30", "2024-10-13", 5},
		{"PER-5 empty", "2024-03-08", "2024-03-08", 0},
		{"PER-5 reversed", "2024-03-08", "2024-03-01", 0},
		{"CAL-1 whole year 2024", "2023-12-31", "2024-12-31", 251},
	}
	cal := legal.DefaultCalendar()
	for _, tt := range tests {
		if got := cal.WorkingDaysBetween(d(tt.from), d(tt.to)); got != tt.want {
			t.Errorf("%s: WorkingDaysBetween(%s, %s) = %d, want %d", tt.rule, tt.from, tt.to, got, tt.want)
		}
	}
}

func TestDefaultPeriodRules(t *testing.T) {
	t.Parallel()
	// PER-5, PER-6: both default true.
	if got := legal.DefaultPeriodRules(); !got.MakeupCounts || !got.RollInternal {
		t.Errorf("DefaultPeriodRules() = %+v", got)
	}
}

func TestDayKindLabel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		kind legal.DayKind
		want string
	}{
		{"CAL-1", legal.Holiday, "法定节假日"},
		{"CAL-1", legal.MakeupWorkday, "调休上班日"},
		{"CAL-1", legal.DayKind("x"), "x"},
	}
	for _, tt := range tests {
		if got := tt.kind.Label(); got != tt.want {
			t.Errorf("%s: %q.Label() = %q", tt.rule, tt.kind, got)
		}
	}
}

func TestCalendarConcurrentUse(t *testing.T) {
	t.Parallel()
	// CAL-1: the calendar is immutable and safe for concurrent use (run with -race).
	cal := legal.DefaultCalendar()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			start := legal.NewDate(2024, time.January, 1+i)
			_ = cal.DaysPeriodEnd(start, 30)
			_ = cal.WorkdaysInYear(2025)
			_ = legal.DefaultCalendar().Years()
		})
	}
	wg.Wait()
}
