package legal

import (
	"errors"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxAmountFen bounds an amount of money the system accepts as typed:
// ¥100,000,000,000 (一千亿元), far above any enforcement claim, and far below
// where int64 fen could overflow.
const MaxAmountFen int64 = 10_000_000_000_000

// ParseYuan reads an amount written in 元 as fen, with integer arithmetic
// only: "12,345.67", "¥300", "５０元", "RMB 1 000". Thousands separators,
// when used, must group by three; more than two decimals is refused, except
// the binary noise of a number Excel stored (1234.0999999999999 is 1234.10)
// when fromExcel. "" is zero. Errors are Chinese, for the person.
func ParseYuan(s string, fromExcel bool) (int64, error) {
	s = norm.NFKC.String(strings.TrimSpace(s))
	for _, p := range []string{"¥", "RMB", "人民币"} {
		s = strings.TrimPrefix(s, p)
	}
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, strings.TrimSuffix(s, "元"))
	if s == "" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") || strings.HasPrefix(s, "−") {
		return 0, errors.New("金额不能为负数")
	}
	s = strings.TrimPrefix(s, "+")
	bad := errors.New("金额“" + s + "”格式不正确，应为以元为单位的数字，最多两位小数，如 12,345.67")
	whole, frac, dot := strings.Cut(s, ".")
	if whole == "" && dot {
		whole = "0"
	}
	if whole == "" || dot && frac == "" || !digits(frac) {
		return 0, bad
	}
	if strings.Contains(whole, ",") {
		groups := strings.Split(whole, ",")
		if len(groups[0]) < 1 || len(groups[0]) > 3 {
			return 0, bad
		}
		for _, g := range groups[1:] {
			if len(g) != 3 {
				return 0, bad
			}
		}
		whole = strings.Join(groups, "")
	}
	if !digits(whole) {
		return 0, bad
	}
	tooLarge := errors.New("金额超过一千亿元，请核对")
	if whole = strings.TrimLeft(whole, "0"); len(whole) > 12 {
		return 0, tooLarge
	}
	round := int64(0)
	if len(frac) > 2 {
		rest := frac[2:]
		body := rest[:len(rest)-1]
		switch {
		case strings.Trim(rest, "0") == "":
		case fromExcel && len(rest) >= 6 && strings.Trim(body, "0") == "":
		case fromExcel && len(rest) >= 6 && strings.Trim(body, "9") == "":
			round = 1
		default:
			return 0, errors.New("金额最多保留两位小数（精确到分）：“" + s + "”")
		}
		frac = frac[:2]
	}
	var fen int64
	for _, c := range whole + (frac + "00")[:2] {
		fen = fen*10 + int64(c-'0')
	}
	if fen += round; fen > MaxAmountFen {
		return 0, tooLarge
	}
	return fen, nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
