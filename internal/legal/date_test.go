package legal_test

import (
	"database/sql/driver"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// Rule "§0": DOMAIN §0 — legal dates are calendar dates in Asia/Shanghai,
// never n×24 h.

func TestNewDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		y       int
		m       time.Month
		d       int
		want    string
		wantDay time.Weekday
	}{
		{"§0", 2024, time.October, 8, "2024-10-08", time.Tuesday},
		{"§0", 2024, time.February, 29, "2024-02-29", time.Thursday},
		{"§0 normalised like time.Date", 2024, time.February, 30, "2024-03-01", time.Friday},
		{"§0 normalised like time.Date", 2024, time.December, 32, "2025-01-01", time.Wednesday},
	}
	for _, tt := range tests {
		got := legal.NewDate(tt.y, tt.m, tt.d)
		if got.String() != tt.want || got.Weekday() != tt.wantDay || got.IsZero() {
			t.Errorf("%s: NewDate(%d,%d,%d) = %s %v zero=%v, want %s %v", tt.rule, tt.y, tt.m, tt.d, got, got.Weekday(), got.IsZero(), tt.want, tt.wantDay)
		}
	}
}

func TestParseDate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule   string
		in     string
		want   string // "" = error
		detail string
	}{
		{"§0", "2024-10-08", "2024-10-08", ""},
		{"§0", "2024-02-29", "2024-02-29", ""},
		{"§0", " 2025-01-01 ", "2025-01-01", ""},
		{"§0", "0001-01-01", "0001-01-01", ""},
		{"§0 impossible date", "2024-02-30", "", "日期 2024-02-30 不存在"},
		{"§0 impossible date", "2023-02-29", "", "日期 2023-02-29 不存在"},
		{"§0 impossible date", "2024-13-01", "", "不存在"},
		{"§0 impossible date", "2024-04-31", "", "不存在"},
		{"§0 impossible date", "0000-01-01", "", "不存在"},
		{"§0 format", "", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "2024-1-1", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "2024/01/01", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "20240101", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "2024-01-01T00:00:00Z", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "+024-01-01", "", "日期格式应为 YYYY-MM-DD"},
		{"§0 format", "２０２４-01-01", "", "日期格式应为 YYYY-MM-DD"},
	}
	for _, tt := range tests {
		got, err := legal.ParseDate(tt.in)
		if tt.want != "" {
			if err != nil || got.String() != tt.want {
				t.Errorf("%s: ParseDate(%q) = %s, %v; want %s", tt.rule, tt.in, got, err, tt.want)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_date" || e.Kind != apperr.Invalid || !contains(e.Detail, tt.detail) {
			t.Errorf("%s: ParseDate(%q) error = %v; want invalid_date containing %q", tt.rule, tt.in, err, tt.detail)
		}
		if !got.IsZero() {
			t.Errorf("%s: ParseDate(%q) returned %s with an error", tt.rule, tt.in, got)
		}
	}
}

func TestMustDate(t *testing.T) {
	t.Parallel()
	// §0
	if got := legal.MustDate("2024-10-08"); got != legal.NewDate(2024, time.October, 8) {
		t.Errorf("MustDate = %s", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("MustDate(2024-02-30) did not panic")
		}
	}()
	legal.MustDate("2024-02-30")
}

func TestDateOfAndToday(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		at   time.Time
		want string
	}{
		{"§0 16:00 UTC is midnight in Shanghai", time.Date(2024, 9, 30, 16, 0, 0, 0, time.UTC), "2024-10-01"},
		{"§0", time.Date(2024, 9, 30, 15, 59, 59, 0, time.UTC), "2024-09-30"},
		{"§0 other zones convert", time.Date(2024, 9, 30, 12, 0, 0, 0, time.FixedZone("PDT", -7*3600)), "2024-10-01"},
		{"§0 zero instant", time.Time{}, ""},
	}
	for _, tt := range tests {
		if got := legal.DateOf(tt.at); got.String() != tt.want {
			t.Errorf("%s: DateOf(%v) = %s, want %s", tt.rule, tt.at, got, tt.want)
		}
		if got := legal.Today(tt.at); got.String() != tt.want {
			t.Errorf("%s: Today(%v) = %s, want %s", tt.rule, tt.at, got, tt.want)
		}
	}
}

func TestDateAccessors(t *testing.T) {
	t.Parallel()
	// §0
	d := legal.MustDate("2024-10-08")
	if d.Year() != 2024 || d.Month() != time.October || d.Day() != 8 || d.Weekday() != time.Tuesday {
		t.Errorf("accessors of %s: %d %v %d %v", d, d.Year(), d.Month(), d.Day(), d.Weekday())
	}
	if d.Chinese() != "2024年10月8日" {
		t.Errorf("Chinese() = %q", d.Chinese())
	}
	var z legal.Date
	if !z.IsZero() || z.String() != "" || z.Chinese() != "" || !z.Start().IsZero() {
		t.Errorf("zero Date: IsZero=%v String=%q Chinese=%q Start=%v", z.IsZero(), z.String(), z.Chinese(), z.Start())
	}
	if legal.Shanghai() == nil {
		t.Error("Shanghai() is nil")
	}
}

func TestAddDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, from string
		n          int
		want       string
	}{
		{"PER-1", "2024-09-27", 10, "2024-10-07"},
		{"PER-1", "2024-02-28", 1, "2024-02-29"},
		{"PER-1", "2024-12-31", 1, "2025-01-01"},
		{"PER-1", "2025-03-01", -1, "2025-02-28"},
		{"PER-1", "2024-01-01", 0, "2024-01-01"},
		{"PER-1", "2024-01-01", 366, "2025-01-01"},
	}
	for _, tt := range tests {
		if got := legal.MustDate(tt.from).AddDays(tt.n); got.String() != tt.want {
			t.Errorf("%s: %s + %d days = %s, want %s", tt.rule, tt.from, tt.n, got, tt.want)
		}
	}
}

func TestAddMonths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, from string
		n          int
		want       string
	}{
		{"PER-3", "2024-08-31", 6, "2025-02-28"},
		{"PER-3", "2024-04-01", 6, "2024-10-01"},
		{"PER-3", "2024-01-31", 1, "2024-02-29"},
		{"PER-3", "2023-01-31", 1, "2023-02-28"},
		{"PER-3", "2024-11-30", 3, "2025-02-28"},
		{"PER-3", "2024-03-31", -1, "2024-02-29"},
		{"PER-3", "2024-01-15", -13, "2022-12-15"},
		{"PER-3", "2024-05-31", 0, "2024-05-31"},
		{"PER-3", "2022-10-01", 24, "2024-10-01"},
	}
	for _, tt := range tests {
		if got := legal.MustDate(tt.from).AddMonths(tt.n); got.String() != tt.want {
			t.Errorf("%s: %s + %d months = %s, want %s", tt.rule, tt.from, tt.n, got, tt.want)
		}
	}
}

func TestAddYears(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, from string
		n          int
		want       string
	}{
		{"PER-3", "2024-02-29", 1, "2025-02-28"},
		{"PER-3", "2024-02-29", 4, "2028-02-29"},
		{"PER-3", "2022-10-01", 2, "2024-10-01"},
		{"PER-3", "2024-02-29", -1, "2023-02-28"},
	}
	for _, tt := range tests {
		if got := legal.MustDate(tt.from).AddYears(tt.n); got.String() != tt.want {
			t.Errorf("%s: %s + %d years = %s, want %s", tt.rule, tt.from, tt.n, got, tt.want)
		}
	}
}

func TestSubAndCompare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		a, b string
		sub  int
		cmp  int
	}{
		{"§0", "2024-10-08", "2024-04-01", 190, 1},
		{"§0", "2024-04-01", "2024-10-08", -190, -1},
		{"§0", "2024-03-10", "2024-03-10", 0, 0},
		{"§0 across DST-free spring", "2025-03-31", "2025-03-01", 30, 1},
		{"§0", "2025-01-01", "2024-12-31", 1, 1},
		{"§0", "2024-12-31", "2024-11-30", 31, 1},
	}
	for _, tt := range tests {
		a, b := legal.MustDate(tt.a), legal.MustDate(tt.b)
		if got := a.Sub(b); got != tt.sub {
			t.Errorf("%s: %s − %s = %d, want %d", tt.rule, a, b, got, tt.sub)
		}
		if a.Compare(b) != tt.cmp || a.Before(b) != (tt.cmp < 0) || a.After(b) != (tt.cmp > 0) || a.Equal(b) != (tt.cmp == 0) {
			t.Errorf("%s: comparisons of %s and %s wrong (Compare=%d)", tt.rule, a, b, a.Compare(b))
		}
	}
}

func TestStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		d    string
		want time.Time
	}{
		{"§0", "2024-10-01", time.Date(2024, 9, 30, 16, 0, 0, 0, time.UTC)},
		{"§0", "2025-01-01", time.Date(2024, 12, 31, 16, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		got := legal.MustDate(tt.d).Start()
		if !got.Equal(tt.want) || legal.DateOf(got).String() != tt.d {
			t.Errorf("%s: Start(%s) = %v, want %v", tt.rule, tt.d, got, tt.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	type doc struct {
		Due legal.Date `json:"due"`
	}
	tests := []struct {
		rule string
		in   legal.Date
		json string
	}{
		{"§0", legal.MustDate("2024-10-08"), `{"due":"2024-10-08"}`},
		{"§0 zero marshals empty", legal.Date{}, `{"due":""}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(doc{tt.in})
		if err != nil || string(b) != tt.json {
			t.Errorf("%s: Marshal(%s) = %s, %v; want %s", tt.rule, tt.in, b, err, tt.json)
		}
		var back doc
		if err := json.Unmarshal(b, &back); err != nil || back.Due != tt.in {
			t.Errorf("%s: Unmarshal(%s) = %s, %v", tt.rule, b, back.Due, err)
		}
	}
	var d doc
	if err := json.Unmarshal([]byte(`{"due":"2024-02-30"}`), &d); apperr.CodeOf(err) != "invalid_date" {
		t.Errorf("§0: Unmarshal of 2024-02-30: %v, want invalid_date", err)
	}
	if err := d.Due.UnmarshalText([]byte("2024-1-1")); err == nil {
		t.Error("§0: UnmarshalText(2024-1-1) accepted")
	}
}

func TestDateScanValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		src     any
		want    string
		wantErr bool
	}{
		{"§0 string", "2024-10-08", "2024-10-08", false},
		{"§0 bytes", []byte("2024-10-08"), "2024-10-08", false},
		{"§0 PostgreSQL DATE at UTC midnight", time.Date(2024, 10, 8, 0, 0, 0, 0, time.UTC), "2024-10-08", false},
		{"§0 time.Time Y-M-D taken as is", time.Date(2024, 10, 8, 23, 0, 0, 0, time.UTC), "2024-10-08", false},
		{"§0 SQLite timestamp text", "2024-10-08 00:00:00+00:00", "2024-10-08", false},
		{"§0 RFC 3339 text", "2024-10-08T00:00:00Z", "2024-10-08", false},
		{"§0 nil", nil, "", false},
		{"§0 empty", "", "", false},
		{"§0 zero time", time.Time{}, "", false},
		{"§0 bad text", "2024-02-30", "", true},
		{"§0 bad type", int64(20241008), "", true},
	}
	for _, tt := range tests {
		d := legal.MustDate("2000-01-01") // Scan must overwrite
		err := d.Scan(tt.src)
		if (err != nil) != tt.wantErr || (!tt.wantErr && d.String() != tt.want) {
			t.Errorf("%s: Scan(%#v) = %s, %v", tt.rule, tt.src, d, err)
		}
	}

	values := []struct {
		rule string
		d    legal.Date
		want driver.Value
	}{
		{"§0", legal.MustDate("2024-10-08"), "2024-10-08"},
		{"§0 zero is NULL", legal.Date{}, nil},
	}
	for _, tt := range values {
		if got, err := tt.d.Value(); err != nil || got != tt.want {
			t.Errorf("%s: Value(%s) = %#v, %v; want %#v", tt.rule, tt.d, got, err, tt.want)
		}
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
