package legal

import (
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"golang.org/x/text/unicode/norm"
)

// ResidentID is a parsed resident identity number (GB 11643-1999; IDC-1..4).
type ResidentID struct {
	Number     string // normalised: 18 characters, X upper-case
	Division   string // the 6-digit division code of issue (unknown codes are the caller's warning, IDC-2)
	Birth      Date
	Male       bool // odd sequence digit
	Converted  bool // converted from a 15-digit number (IDC-3)
	FormatOnly bool // foreigner's permanent-residence number (leading 9): format checked only (IDC-4); Division, Birth and Male unset
}

// idWeights are the IDC-1 weights 2^(17−i) mod 11.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// idCheck computes the IDC-1 check character of 17 digits.
func idCheck(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(s[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// compact deletes white space and applies NFKC (full-width → ASCII).
func compact(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
}

func idError(format string, args ...any) error {
	return apperr.InvalidField("invalid_id_number", "", fmt.Sprintf(format, args...))
}

// ParseResidentID parses and checks a resident identity number:
//
//   - IDC-1: 18 characters, 17 digits and a check digit or X (lowercase x is
//     accepted and stored as X); the check character must match;
//   - IDC-2: the birth date must exist and not be after today (a zero today
//     skips the future check); the division code is not looked up;
//   - IDC-3: a 15-digit number is converted (19 inserted, check computed);
//   - IDC-4: HK/Macao/Taiwan residence permits (810000/820000/830000) share the
//     layout and are checked alike; a number starting with 9 (foreigner's
//     permanent residence, 2023) gets a format check only (FormatOnly).
//
// White space anywhere and full-width digits are tolerated; any other
// separator is an error. Errors carry code "invalid_id_number" and a precise
// Chinese detail. ID-OVR-1: a failing checksum is never a hard rejection —
// callers may save the number with an override (reason, user, time, evidence)
// and hold the party for review.
func ParseResidentID(s string, today Date) (ResidentID, error) {
	n := strings.ToUpper(compact(s))
	if n == "" {
		return ResidentID{}, idError("身份证号码不能为空")
	}
	if len([]rune(n)) != len(n) {
		for i, r := range []rune(n) {
			if r >= 0x80 {
				return ResidentID{}, idError("身份证号码第 %d 位“%c”不是数字", i+1, r)
			}
		}
	}
	switch len(n) {
	case 18:
	case 15:
		for i := 0; i < 15; i++ {
			if n[i] < '0' || n[i] > '9' {
				return ResidentID{}, idError("15位旧身份证号码应全为数字，第 %d 位为“%c”", i+1, n[i])
			}
		}
		n17 := n[:6] + "19" + n[6:]
		id, err := parseID18(n17+string(idCheck(n17)), today)
		id.Converted = err == nil
		return id, err
	default:
		return ResidentID{}, idError("身份证号码应为18位（旧号码15位），实为 %d 位", len(n))
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return ResidentID{}, idError("身份证号码前17位应为数字，第 %d 位为“%c”", i+1, n[i])
		}
	}
	if c := n[17]; (c < '0' || c > '9') && c != 'X' {
		return ResidentID{}, idError("身份证号码第18位应为数字或 X，实为“%c”", c)
	}
	if n[0] == '9' {
		return ResidentID{Number: n, FormatOnly: true}, nil
	}
	return parseID18(n, today)
}

// parseID18 checks a well-formed 18-character number (digits, last X allowed).
func parseID18(n string, today Date) (ResidentID, error) {
	y, _ := atoiDigits(n[6:10])
	m, _ := atoiDigits(n[10:12])
	d, _ := atoiDigits(n[12:14])
	raw := n[6:10] + "-" + n[10:12] + "-" + n[12:14]
	if !validYMD(y, m, d) {
		return ResidentID{}, idError("出生日期 %s 不存在", raw)
	}
	birth := Date{y: y, m: time.Month(m), d: d}
	if !today.IsZero() && birth.After(today) {
		return ResidentID{}, idError("出生日期 %s 晚于今天（%s）", raw, today)
	}
	if want := idCheck(n); n[17] != want {
		return ResidentID{}, idError("校验码应为 %c，实为 %c；请核对是否录入有误", want, n[17])
	}
	return ResidentID{
		Number:   n,
		Division: n[:6],
		Birth:    birth,
		Male:     (n[16]-'0')%2 == 1,
	}, nil
}

// CreditCode is a parsed unified social credit code (GB 32100-2015;
// USCC-1..3).
type CreditCode struct {
	Code      string // normalised: 18 characters, upper-case
	Authority byte   // registration authority (USCC-3)
	Category  byte   // organisation category within the authority
	Division  string // 6-digit division code
	OrgCode   string // the 9-character GB 11714 organisation code (USCC-2)
}

// CreditCodeCharset is the USCC-1 character set (no I, O, S, V, Z).
const CreditCodeCharset = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// usccWeights are the USCC-1 weights 3^i mod 31.
var usccWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// orgWeights are the GB 11714 weights (USCC-2).
var orgWeights = [8]int{3, 7, 9, 10, 5, 8, 4, 2}

// orgCheck computes the GB 11714 check character of the first 8 characters
// of an organisation code (digits, A=10 … Z=35).
func orgCheck(s string) byte {
	sum := 0
	for i := 0; i < 8; i++ {
		c := s[i]
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * orgWeights[i]
	}
	switch r := 11 - sum%11; r {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + r)
	}
}

// usccCheck computes the USCC-1 check character of 17 charset characters.
func usccCheck(s string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(CreditCodeCharset, s[i]) * usccWeights[i]
	}
	return CreditCodeCharset[(31-sum%31)%31]
}

func creditError(format string, args ...any) error {
	return apperr.InvalidField("invalid_credit_code", "", fmt.Sprintf(format, args...))
}

// ParseCreditCode parses and checks a unified social credit code: 18
// characters of CreditCodeCharset (USCC-1; lowercase and white space are
// tolerated), a 6-digit division, a valid GB 11714 organisation code in
// characters 9–17 (USCC-2) and the check character (USCC-1). An unknown
// authority code is not an error (USCC-3 is data: see AuthorityName). Errors
// carry code "invalid_credit_code" and a precise Chinese detail. ID-OVR-1:
// early pilot codes fail the checks yet are legal (91350100M0001TGQXM);
// callers never hard-reject them but save them with an override.
func ParseCreditCode(s string) (CreditCode, error) {
	n := strings.ToUpper(compact(s))
	if n == "" {
		return CreditCode{}, creditError("统一社会信用代码不能为空")
	}
	if rs := []rune(n); len(rs) != 18 {
		return CreditCode{}, creditError("统一社会信用代码应为18位，实为 %d 位", len(rs))
	}
	for i, r := range []rune(n) {
		if r >= 0x80 || !strings.ContainsRune(CreditCodeCharset, r) {
			return CreditCode{}, creditError("第 %d 位字符 %c 不在统一社会信用代码字符集内", i+1, r)
		}
	}
	for i := 2; i < 8; i++ {
		if n[i] < '0' || n[i] > '9' {
			return CreditCode{}, creditError("第 3–8 位应为行政区划码（数字），第 %d 位为 %c", i+1, n[i])
		}
	}
	if want := orgCheck(n[8:16]); n[16] != want {
		return CreditCode{}, creditError("组织机构代码校验位应为 %c，实为 %c", want, n[16])
	}
	if want := usccCheck(n); n[17] != want {
		return CreditCode{}, creditError("校验码应为 %c，实为 %c", want, n[17])
	}
	return CreditCode{Code: n, Authority: n[0], Category: n[1], Division: n[2:8], OrgCode: n[8:17]}, nil
}

// CreditCodeAuthority is a registration authority of USCC-3 with the
// organisation categories known for it.
type CreditCodeAuthority struct {
	Code       byte
	Name       string
	Categories []CreditCodeCategory
}

// CreditCodeCategory is an organisation category under an authority (USCC-3).
type CreditCodeCategory struct {
	Code byte
	Name string
}

// CreditCodeAuthorities returns the USCC-3 authority table (a check rule: seed
// data, to be confirmed and made editable by the caller).
func CreditCodeAuthorities() []CreditCodeAuthority {
	return []CreditCodeAuthority{
		{Code: '1', Name: "机构编制"},
		{Code: '5', Name: "民政"},
		{Code: '9', Name: "市场监管", Categories: []CreditCodeCategory{
			{Code: '1', Name: "企业"},
			{Code: '2', Name: "个体工商户"},
			{Code: '3', Name: "农民专业合作社"},
		}},
		{Code: 'Y', Name: "其他"},
	}
}

// AuthorityName returns the USCC-3 name of a registration authority code.
func AuthorityName(b byte) (string, bool) {
	for _, a := range CreditCodeAuthorities() {
		if a.Code == b {
			return a.Name, true
		}
	}
	return "", false
}

// CategoryName returns the USCC-3 name of an organisation category under an
// authority, where known.
func CategoryName(authority, category byte) (string, bool) {
	for _, a := range CreditCodeAuthorities() {
		if a.Code != authority {
			continue
		}
		for _, c := range a.Categories {
			if c.Code == category {
				return c.Name, true
			}
		}
	}
	return "", false
}

// idShaped reports whether s looks like a resident ID number: 15 digits, or
// 17 digits and a digit or X.
func idShaped(s string) bool {
	switch len(s) {
	case 15:
		return strings.Trim(s, "0123456789") == ""
	case 18:
		return strings.Trim(s[:17], "0123456789") == "" && strings.Trim(s[17:], "0123456789X") == ""
	}
	return false
}

// maskMiddle keeps the first head and last tail runes of s and stars the rest.
func maskMiddle(s string, head, tail int) string {
	rs := []rune(s)
	if len(rs) <= head+tail {
		if len(rs) <= 2 {
			return strings.Repeat("*", len(rs))
		}
		head, tail = 1, 1
	}
	return string(rs[:head]) + strings.Repeat("*", len(rs)-head-tail) + string(rs[len(rs)-tail:])
}

// MaskID masks an identity number for logs and public output: anything that
// looks like a resident ID (IDC-1, IDC-3) keeps its first 6 and last 4
// characters (440604********1236). A unified social credit code is public and
// returned as is — except an all-digit one, which is indistinguishable from a
// resident ID and is masked too (privacy wins). Anything else longer than 10
// characters keeps 6 and 4, shorter strings their first and last character.
// The input is normalised (spaces removed, upper-case) first.
func MaskID(s string) string {
	n := strings.ToUpper(compact(s))
	switch {
	case n == "":
		return ""
	case idShaped(n):
		return maskMiddle(n, 6, 4)
	case len(n) == 18 && strings.Trim(n, CreditCodeCharset) == "":
		return n
	}
	return maskMiddle(n, 6, 4)
}

// MaskPhone masks a telephone number for logs and public output: the first 3
// and last 4 digits are kept (13812345678 → 138****5678); a +86 or 86 prefix is
// kept as well. Spaces and hyphens are removed first.
func MaskPhone(s string) string {
	n := strings.NewReplacer("-", "", " ", "").Replace(compact(s))
	prefix := ""
	if len(n) > 11 {
		for _, p := range []string{"+86", "0086", "86"} {
			if strings.HasPrefix(n, p) && len(n)-len(p) == 11 {
				prefix, n = p, n[len(p):]
				break
			}
		}
	}
	if len([]rune(n)) < 8 {
		return prefix + maskMiddle(n, 1, 1)
	}
	return prefix + maskMiddle(n, 3, 4)
}

// MakeResidentID builds a valid resident identity number (IDC-1) from a
// 6-digit division code, a birth date and a 3-digit sequence (odd = male),
// computing the check character. Demo data and tests use it; it panics on a
// malformed division or a sequence outside 0–999.
func MakeResidentID(division string, birth Date, seq int) string {
	if len(division) != 6 || seq < 0 || seq > 999 || birth.IsZero() {
		panic("legal.MakeResidentID: bad input")
	}
	s := fmt.Sprintf("%s%04d%02d%02d%03d", division, birth.Year(), int(birth.Month()), birth.Day(), seq)
	return s + string(idCheck(s))
}

// MakeCreditCode builds a valid 统一社会信用代码 (USCC-1, USCC-2) from the
// authority and category characters, a 6-digit division code and an 8-character
// organisation-code body, computing both check characters. It panics on
// malformed input.
func MakeCreditCode(authority, category byte, division, org8 string) string {
	s := string([]byte{authority, category}) + division + org8
	if len(division) != 6 || len(org8) != 8 {
		panic("legal.MakeCreditCode: bad input")
	}
	s += string(orgCheck(org8))
	return s + string(usccCheck(s))
}
