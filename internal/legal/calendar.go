package legal

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// DayKind says how a listed calendar day departs from the weekly rhythm (CAL-1).
type DayKind string

const (
	// Holiday is a statutory day off (法定节假日 or a day of its bridge), even if
	// it falls on a weekday.
	Holiday DayKind = "holiday"
	// MakeupWorkday is a Saturday or Sunday worked in exchange (调休上班).
	MakeupWorkday DayKind = "workday"
)

// Label returns the Chinese name of the kind.
func (k DayKind) Label() string {
	switch k {
	case Holiday:
		return "法定节假日"
	case MakeupWorkday:
		return "调休上班日"
	}
	return string(k)
}

// CalendarDay is one entry of the sparse holiday table (CAL-1): a date listed
// in a State Council General Office notice.
type CalendarDay struct {
	Date   Date
	Kind   DayKind
	Name   string // "国庆节", "春节", "调休上班"
	Notice string // the notice that fixed it, e.g. "国办发明电〔2023〕7号"
}

// Calendar is the holiday calendar (CAL-1): weekends are rest days unless
// listed as make-up workdays, weekdays are working days unless listed as
// holidays. It is immutable after construction and safe for concurrent use.
// A nil *Calendar is a calendar without entries (weekends only).
type Calendar struct {
	days  map[Date]CalendarDay
	years []int
}

// NewCalendar builds a calendar from its entries. It rejects a zero date, a
// date listed twice, an unknown kind and a make-up workday that is not a
// Saturday or Sunday. Errors carry code "invalid_calendar".
func NewCalendar(days []CalendarDay) (*Calendar, error) {
	c := &Calendar{days: make(map[Date]CalendarDay, len(days))}
	for _, day := range days {
		bad := func(format string, args ...any) (*Calendar, error) {
			return nil, apperr.New(apperr.Invalid, "invalid_calendar", fmt.Sprintf(format, args...))
		}
		switch {
		case day.Date.IsZero():
			return bad("节假日表中有一项缺少日期")
		case day.Kind != Holiday && day.Kind != MakeupWorkday:
			return bad("%s 的类型 %q 无效，应为 holiday 或 workday", day.Date, string(day.Kind))
		case day.Kind == MakeupWorkday && !isWeekend(day.Date):
			return bad("%s 是%s，不能列为调休上班日（调休上班日只能是周六或周日）", day.Date, weekdayName(day.Date.Weekday()))
		}
		if _, dup := c.days[day.Date]; dup {
			return bad("%s 在节假日表中重复出现", day.Date)
		}
		c.days[day.Date] = day
		if !slices.Contains(c.years, day.Date.Year()) {
			c.years = append(c.years, day.Date.Year())
		}
	}
	slices.Sort(c.years)
	return c, nil
}

func isWeekend(d Date) bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}

func weekdayName(wd time.Weekday) string {
	return [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}[wd]
}

// Years returns, ascending, the years with at least one entry.
func (c *Calendar) Years() []int {
	if c == nil {
		return nil
	}
	return slices.Clone(c.years)
}

// Covers reports whether year has entries, i.e. its notice has been loaded
// (CAL-1). Counting across an uncovered year treats only weekends as rest
// days; callers should warn.
func (c *Calendar) Covers(year int) bool {
	return c != nil && slices.Contains(c.years, year)
}

// Days returns all entries in date order.
func (c *Calendar) Days() []CalendarDay {
	if c == nil {
		return nil
	}
	out := make([]CalendarDay, 0, len(c.days))
	for _, d := range c.days {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b CalendarDay) int { return a.Date.Compare(b.Date) })
	return out
}

// Day returns the entry for d, if d is listed.
func (c *Calendar) Day(d Date) (CalendarDay, bool) {
	if c == nil {
		return CalendarDay{}, false
	}
	day, ok := c.days[d]
	return day, ok
}

// IsWorkday reports whether d is a working day (CAL-1, PER-2): a weekday not
// listed as a holiday, or a weekend day listed as a make-up workday.
func (c *Calendar) IsWorkday(d Date) bool {
	if day, ok := c.Day(d); ok {
		return day.Kind == MakeupWorkday
	}
	return !isWeekend(d)
}

// IsRestDay reports whether d is a rest day: a holiday or an ordinary weekend.
func (c *Calendar) IsRestDay(d Date) bool { return !c.IsWorkday(d) }

// NextWorkday returns d if it is a working day, else the next working day
// (PER-2).
func (c *Calendar) NextWorkday(d Date) Date {
	for !c.IsWorkday(d) {
		d = d.AddDays(1)
	}
	return d
}

// WorkdaysInYear counts the working days of year (CAL-1; 251 in 2024, 248 in
// 2025 and 2026).
func (c *Calendar) WorkdaysInYear(year int) int {
	n := 0
	for d := NewDate(year, time.January, 1); d.Year() == year; d = d.AddDays(1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

// PeriodRules are the configurable counting options (C values).
type PeriodRules struct {
	// MakeupCounts: a make-up workday counts as a working day in working-day
	// periods (PER-5, default true).
	MakeupCounts bool
	// RollInternal: internal clocks (case clock, 督办, milestone nodes) also
	// roll a last day on a rest day to the next working day (PER-6, default
	// true).
	RollInternal bool
}

// DefaultPeriodRules returns the seeded values of PER-5 and PER-6.
func DefaultPeriodRules() PeriodRules {
	return PeriodRules{MakeupCounts: true, RollInternal: true}
}

// DaysPeriodEnd returns the last day of a period of n calendar days starting
// on start: the start day is excluded (PER-1), holidays inside the period count
// and a last day on a rest day rolls to the next working day (PER-2). Postal
// transit time (PER-4) is the caller's to exclude, by passing the day of
// receipt as start.
func (c *Calendar) DaysPeriodEnd(start Date, n int) Date {
	return c.NextWorkday(start.AddDays(n))
}

// MonthsPeriodEnd returns the last day of a period of n months starting on
// start: the same-numbered day n months on, else that month's last day (PER-1,
// PER-3), rolled to the next working day when roll is set (PER-2).
func (c *Calendar) MonthsPeriodEnd(start Date, n int, roll bool) Date {
	end := start.AddMonths(n)
	if roll {
		end = c.NextWorkday(end)
	}
	return end
}

// countsAsWorkday is IsWorkday under PER-5: with MakeupCounts false a make-up
// workday is a rest day for counting.
func (c *Calendar) countsAsWorkday(d Date, rules PeriodRules) bool {
	if day, ok := c.Day(d); ok {
		return day.Kind == MakeupWorkday && rules.MakeupCounts
	}
	return !isWeekend(d)
}

// WorkingDaysEnd returns the day on which a period of n working days starting
// on start ends: working days after start are counted (PER-1, PER-5), skipping
// weekends and holidays; make-up workdays count only if rules.MakeupCounts.
// n ≤ 0 returns start.
func (c *Calendar) WorkingDaysEnd(start Date, n int, rules PeriodRules) Date {
	d := start
	for counted := 0; counted < n; {
		d = d.AddDays(1)
		if c.countsAsWorkday(d, rules) {
			counted++
		}
	}
	return d
}

// WorkingDaysBetween counts the working days in (from, to] (PER-1, PER-5 with
// make-up workdays counted); 0 when to is not after from.
func (c *Calendar) WorkingDaysBetween(from, to Date) int {
	n := 0
	for d := from.AddDays(1); !d.After(to); d = d.AddDays(1) {
		if c.IsWorkday(d) {
			n++
		}
	}
	return n
}

//go:embed data/holidays.csv
var holidaysCSV []byte

// CalendarNotice is one State Council General Office holiday notice (CAL-1).
type CalendarNotice struct {
	Year   int
	Notice string
}

var defaultCalendar = sync.OnceValues(func() ([]CalendarDay, *Calendar) {
	days, err := parseCalendarCSV(holidaysCSV)
	if err != nil {
		panic(err) // embedded data; the tests keep it valid
	}
	cal, err := NewCalendar(days)
	if err != nil {
		panic(err)
	}
	return days, cal
})

// parseCalendarCSV reads the table "date,kind,name,notice".
func parseCalendarCSV(data []byte) ([]CalendarDay, error) {
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("holidays.csv: %w", err)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], []string{"date", "kind", "name", "notice"}) {
		return nil, fmt.Errorf("holidays.csv: header must be date,kind,name,notice")
	}
	days := make([]CalendarDay, 0, len(recs)-1)
	for i, r := range recs[1:] {
		d, err := ParseDate(r[0])
		if err != nil {
			return nil, fmt.Errorf("holidays.csv line %d: %w", i+2, err)
		}
		days = append(days, CalendarDay{Date: d, Kind: DayKind(r[1]), Name: r[2], Notice: r[3]})
	}
	return days, nil
}

// DefaultCalendarDays returns the embedded CAL-1 entries (2024–2026, from
// data/holidays.csv) in date order; the caller may modify the copy.
func DefaultCalendarDays() []CalendarDay {
	days, _ := defaultCalendar()
	return slices.Clone(days)
}

// DefaultCalendarNotices returns, by year, the notices the embedded entries
// come from (CAL-1). The 2026 notice number is still to be checked.
func DefaultCalendarNotices() []CalendarNotice {
	var out []CalendarNotice
	for _, d := range DefaultCalendarDays() {
		if n := len(out); n == 0 || out[n-1].Year != d.Date.Year() {
			out = append(out, CalendarNotice{Year: d.Date.Year(), Notice: d.Notice})
		}
	}
	return out
}

// DefaultCalendar returns the calendar of the embedded CAL-1 data, parsed
// once. Production code should prefer the administrator-edited table; this
// is its seed and the tests' reference.
func DefaultCalendar() *Calendar {
	_, cal := defaultCalendar()
	return cal
}
