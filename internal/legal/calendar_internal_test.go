package legal

import (
	"strings"
	"testing"
)

func TestParseCalendarCSV(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, data, err string // err "" = accepted
	}{
		{"CAL-1", "date,kind,name,notice\n2024-10-01,holiday,国庆节,国办发明电〔2023〕7号\n", ""},
		{"CAL-1 header only", "date,kind,name,notice\n", ""},
		{"CAL-1 wrong header", "date,kind,name\n2024-10-01,holiday,国庆节\n", "header"},
		{"CAL-1 empty file", "", "header"},
		{"CAL-1 bad date", "date,kind,name,notice\n2024-02-30,holiday,x,y\n", "line 2"},
		{"CAL-1 ragged row", "date,kind,name,notice\n2024-10-01,holiday\n", "holidays.csv"},
	}
	for _, tt := range tests {
		_, err := parseCalendarCSV([]byte(tt.data))
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: parseCalendarCSV(%q) = %v, want error containing %q", tt.rule, tt.data, err, tt.err)
		}
	}
}
