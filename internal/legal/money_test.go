package legal_test

import (
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// Money is int64 fen, never a float: amounts typed or read from a file.
func TestParseYuan(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in    string
		excel bool
		fen   int64
		err   string
	}{
		{"", false, 0, ""},
		{"12,345.67", false, 1234567, ""},
		{"¥300", false, 30000, ""},
		{"５０元", false, 5000, ""},
		{"RMB 1 000.5", false, 100050, ""},
		{".5", false, 50, ""},
		{"0.10", false, 10, ""},
		{"12.340", false, 1234, ""},
		{"1234.0999999999999", true, 123410, ""},
		{"1234.1000000000001", true, 123410, ""},
		{"1234.0999999999999", false, 0, "两位小数"},
		{"12.345", false, 0, "两位小数"},
		{"-5", false, 0, "负数"},
		{"12元3角", false, 0, "格式不正确"},
		{"1,23.00", false, 0, "格式不正确"},
		{"1,2345", false, 0, "格式不正确"},
		{"12.", false, 0, "格式不正确"},
		{"1.2.3", false, 0, "格式不正确"},
		{"abc", false, 0, "abc"},
		{"100,000,000,000", false, 10_000_000_000_000, ""},
		{"100000000000.01", false, 0, "一千亿"},
		{"999,999,999,999", false, 0, "一千亿"},
		{"99999999999999999999999", false, 0, "一千亿"},
	} {
		fen, err := legal.ParseYuan(tc.in, tc.excel)
		switch {
		case tc.err == "" && (err != nil || fen != tc.fen):
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", tc.in, fen, err, tc.fen)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseYuan(%q) = %d, %v; want an error about %s", tc.in, fen, err, tc.err)
		}
	}
}
