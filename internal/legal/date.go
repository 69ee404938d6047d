// Package legal holds zhixing's pure legal rules: calendar dates in
// Asia/Shanghai, the holiday calendar and period counting (CAL-1, PER-1..6),
// the case clock (CLOCK-1..3, -8, -9 and the milestone nodes), case numbers
// (CASENO-1..5, CODE-1/2) and identity numbers (IDC-1..4, USCC-1..3, ID-OVR-1).
//
// The package does no I/O: its only data is the embedded default holiday table.
// Rule IDs refer to ../shared/design/DOMAIN.md (relative to the repository).
package legal

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// shanghai is the zone legal dates live in. China has had no DST since 1991,
// so a fixed +08:00 zone is an exact fallback when tzdata is missing.
var shanghai = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*60*60)
}()

// Shanghai returns the Asia/Shanghai location legal dates are reckoned in.
func Shanghai() *time.Location { return shanghai }

// Date is a calendar date in Asia/Shanghai: legal dates are dates, never
// "n×24 h" (DOMAIN §0). The zero value is "no date" (IsZero); every Date made by
// NewDate, ParseDate or DateOf is non-zero. Dates are comparable with == and
// usable as map keys.
type Date struct {
	y int
	m time.Month
	d int
}

// NewDate returns the date y-m-d. Out-of-range months and days are normalised
// as time.Date does (2024-02-30 becomes 2024-03-01); use ParseDate to reject
// them.
func NewDate(y int, m time.Month, d int) Date {
	return fromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
}

func fromTime(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y: y, m: m, d: d}
}

// utc is the date as midnight UTC, for arithmetic only.
func (d Date) utc() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC) }

// ParseDate parses "YYYY-MM-DD" (surrounding spaces ignored) and rejects
// impossible dates such as 2024-02-30. Errors carry code "invalid_date" and
// no field name: the caller sets it.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	bad := func() (Date, error) {
		return Date{}, apperr.InvalidField("invalid_date", "", fmt.Sprintf("日期格式应为 YYYY-MM-DD：%q", s))
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return bad()
	}
	y, ok1 := atoiDigits(s[0:4])
	m, ok2 := atoiDigits(s[5:7])
	d, ok3 := atoiDigits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return bad()
	}
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, time.Month(m)) {
		return Date{}, apperr.InvalidField("invalid_date", "", fmt.Sprintf("日期 %s 不存在", s))
	}
	return Date{y: y, m: time.Month(m), d: d}, nil
}

// validYMD reports whether y-m-d is a real date (year 1..9999).
func validYMD(y, m, d int) bool {
	return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysIn(y, time.Month(m))
}

// atoiDigits parses a string of ASCII digits only (no sign).
func atoiDigits(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// daysIn is the number of days in month m of year y.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// MustDate is ParseDate that panics; for tests, seeds and constants.
func MustDate(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

// DateOf returns the Asia/Shanghai calendar date of the instant t; the zero
// time gives the zero Date.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	return fromTime(t.In(shanghai))
}

// Today returns the Asia/Shanghai date at the instant now (inject the clock).
func Today(now time.Time) Date { return DateOf(now) }

// IsZero reports whether d is the zero Date ("no date").
func (d Date) IsZero() bool { return d == Date{} }

// Year returns the year.
func (d Date) Year() int { return d.y }

// Month returns the month.
func (d Date) Month() time.Month { return d.m }

// Day returns the day of the month.
func (d Date) Day() int { return d.d }

// String returns "YYYY-MM-DD", or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.y, int(d.m), d.d)
}

// Chinese returns the date as written in documents: "2024年10月8日" ("" for zero).
func (d Date) Chinese() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%d年%d月%d日", d.y, int(d.m), d.d)
}

// Weekday returns the day of the week.
func (d Date) Weekday() time.Weekday { return d.utc().Weekday() }

// AddDays returns d plus n calendar days (n may be negative).
func (d Date) AddDays(n int) Date {
	return NewDate(d.y, d.m, d.d+n)
}

// AddMonths returns d plus n months (n may be negative). PER-3: the result is
// the same-numbered day, else the last day of the month:
// 2024-08-31 + 6 months = 2025-02-28.
func (d Date) AddMonths(n int) Date {
	total := d.y*12 + int(d.m-1) + n
	y := floorDiv(total, 12)
	m := time.Month(total-y*12) + 1
	return Date{y: y, m: m, d: min(d.d, daysIn(y, m))}
}

// AddYears returns d plus n years with the PER-3 clamp:
// 2024-02-29 + 1 year = 2025-02-28.
func (d Date) AddYears(n int) Date { return d.AddMonths(12 * n) }

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Sub returns the number of days d − o.
func (d Date) Sub(o Date) int {
	return int(d.utc().Sub(o.utc()).Hours()) / 24
}

// Compare returns −1, 0 or +1 as d is before, equal to or after o.
func (d Date) Compare(o Date) int {
	switch {
	case d.y != o.y:
		return cmpInt(d.y, o.y)
	case d.m != o.m:
		return cmpInt(int(d.m), int(o.m))
	default:
		return cmpInt(d.d, o.d)
	}
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before o.
func (d Date) Before(o Date) bool { return d.Compare(o) < 0 }

// After reports whether d is after o.
func (d Date) After(o Date) bool { return d.Compare(o) > 0 }

// Equal reports whether d and o are the same date.
func (d Date) Equal(o Date) bool { return d == o }

// Start returns midnight at the start of d in Asia/Shanghai as an instant; the
// zero time for the zero Date.
func (d Date) Start() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, shanghai)
}

// MarshalText implements encoding.TextMarshaler: "YYYY-MM-DD", empty for zero.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: "YYYY-MM-DD", or empty
// for the zero Date.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Scan implements sql.Scanner. It accepts nil (zero), a time.Time whose
// year-month-day is taken as is (PostgreSQL DATE columns arrive as UTC
// midnight), and a string or []byte "YYYY-MM-DD", optionally followed by a
// time part after 'T' or ' ' (SQLite drivers may add one), which is ignored.
func (d *Date) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*d = Date{}
		return nil
	case time.Time:
		if v.IsZero() {
			*d = Date{}
			return nil
		}
		*d = fromTime(v)
		return nil
	case []byte:
		return d.scanString(string(v))
	case string:
		return d.scanString(v)
	}
	return fmt.Errorf("legal.Date: cannot scan %T", src)
}

func (d *Date) scanString(s string) error {
	if len(s) > 10 && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	return d.UnmarshalText([]byte(s))
}

// Value implements driver.Valuer: "YYYY-MM-DD", or nil for the zero Date.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}
