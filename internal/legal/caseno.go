package legal

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/zhixing-court/zhixing/internal/apperr"
)

// CaseNo is a case number (案号) of the 2016 standard (CASENO-1):
// （year）法院代字 类型代字 sequence 号, optionally followed by a document
// suffix (CASENO-4).
type CaseNo struct {
	Year   int
	Court  string // 法院代字 (CODE-1): 粤0607, 粤06, 粤, 最高法
	Type   string // 类型代字 (CODE-2): 执, 执恢, 执异 …
	Seq    int    // from 1 per (court, type, year) (CASENO-2)
	Suffix string // "之一", "之二" … or ""
}

// String returns the canonical form (CASENO-3): full-width parentheses, ASCII
// digits, no spaces, suffix appended: （2016）浙0783执4424号之四.
func (c CaseNo) String() string {
	return fmt.Sprintf("（%d）%s%s%d号%s", c.Year, c.Court, c.Type, c.Seq, c.Suffix)
}

// Key returns the case number without its document suffix: the case key
// (CASENO-4).
func (c CaseNo) Key() CaseNo {
	c.Suffix = ""
	return c
}

// IsZero reports whether c is the zero CaseNo.
func (c CaseNo) IsZero() bool { return c == CaseNo{} }

// caseNoRE is the CASENO-1 sketch of DOMAIN §2.1, applied after normalising.
// The court code is 最高法 or one Han character followed by 0, 2 or 4 digits
// (CODE-1: high, intermediate, basic and special courts; 内, 军 and 兵 are single
// characters too); the type code is 1–3 Han characters.
var caseNoRE = regexp.MustCompile(`^([(〔\[])(\d{4})([)〕\]])(最高法|\p{Han}(?:\d{4}|\d{2})?)(\p{Han}{1,3}?)(\d+)号(之[一二三四五六七八九十百千〇零]+)?$`)

// legacyCaseNoRE is the pre-2016 form (CASENO-5): court alias, type, 字第,
// number.
var legacyCaseNoRE = regexp.MustCompile(`^([(〔\[])(\d{4})([)〕\]])(\p{Han}+?)(执\p{Han}{0,2}?)字第(\d+)号$`)

// closing maps each accepted opening bracket to its closing one.
var closing = map[string]string{"(": ")", "〔": "〕", "[": "]"}

// normalizeCaseNo deletes all white space (including U+3000) and applies NFKC,
// which turns full-width digits and brackets into ASCII (CASENO-3).
func normalizeCaseNo(s string) string { return compact(s) }

func caseNoError(detail string) error {
	return apperr.InvalidField("invalid_case_no", "", detail)
}

// ParseCaseNo parses a case number of the 2016 standard (CASENO-1, CASENO-3,
// CASENO-4). It accepts （）, (), 〔〕 and [] (matched), full-width digits and
// stray spaces; leading zeros of the sequence are dropped. Only the syntax is
// checked: whether the court and type codes exist is for the code tables
// (CODE-1, CODE-2; org.CheckCourtCode). Errors carry code "invalid_case_no".
func ParseCaseNo(s string) (CaseNo, error) {
	n := normalizeCaseNo(s)
	if n == "" {
		return CaseNo{}, caseNoError("案号不能为空")
	}
	m := caseNoRE.FindStringSubmatch(n)
	if m == nil || closing[m[1]] != m[3] || strings.ContainsAny(m[5], "字第") {
		return CaseNo{}, caseNoError(fmt.Sprintf("案号格式应为“（年份）法院代字类型代字序号号”，如（2024）粤0607执1234号：%s", strings.TrimSpace(s)))
	}
	year, err := caseYear(m[2])
	if err != nil {
		return CaseNo{}, err
	}
	seq, err := caseSeq(m[6])
	if err != nil {
		return CaseNo{}, err
	}
	return CaseNo{Year: year, Court: m[4], Type: m[5], Seq: seq, Suffix: m[7]}, nil
}

func caseYear(s string) (int, error) {
	y, _ := strconv.Atoi(s)
	if y < 1949 {
		return 0, caseNoError(fmt.Sprintf("案号年份 %s 无效", s))
	}
	return y, nil
}

func caseSeq(s string) (int, error) {
	t := strings.TrimLeft(s, "0")
	if t == "" {
		return 0, caseNoError("案号序号应从 1 开始，不能为 0")
	}
	if len(t) > 9 {
		return 0, caseNoError(fmt.Sprintf("案号序号 %s 过长", s))
	}
	n, _ := strconv.Atoi(t)
	return n, nil
}

// LegacyCaseNo is a pre-2016 case number (CASENO-5) such as
// (2014)佛三法执字第123号. The court alias is free text resolved through a
// per-court alias table.
type LegacyCaseNo struct {
	Year       int
	CourtAlias string // e.g. 佛三法
	Type       string // without 字: 执, 执恢
	Seq        int
}

// String returns the legacy number with full-width parentheses:
// （2014）佛三法执字第123号.
func (l LegacyCaseNo) String() string {
	return fmt.Sprintf("（%d）%s%s字第%d号", l.Year, l.CourtAlias, l.Type, l.Seq)
}

// ParseLegacyCaseNo parses a pre-2016 enforcement case number (CASENO-5),
// normalised like ParseCaseNo. Errors carry code "invalid_case_no".
func ParseLegacyCaseNo(s string) (LegacyCaseNo, error) {
	n := normalizeCaseNo(s)
	if n == "" {
		return LegacyCaseNo{}, caseNoError("案号不能为空")
	}
	m := legacyCaseNoRE.FindStringSubmatch(n)
	if m == nil || closing[m[1]] != m[3] {
		return LegacyCaseNo{}, caseNoError(fmt.Sprintf("旧案号格式应为“（年份）法院简称执字第序号号”，如（2014）佛三法执字第123号：%s", strings.TrimSpace(s)))
	}
	year, err := caseYear(m[2])
	if err != nil {
		return LegacyCaseNo{}, err
	}
	seq, err := caseSeq(m[6])
	if err != nil {
		return LegacyCaseNo{}, err
	}
	return LegacyCaseNo{Year: year, CourtAlias: m[4], Type: m[5], Seq: seq}, nil
}

// ParseAnyCaseNo parses a current (CASENO-1) or else a legacy (CASENO-5) case
// number; exactly one result is non-nil on success. The error, if both fail,
// is the current-format one, with code "invalid_case_no".
func ParseAnyCaseNo(s string) (current *CaseNo, legacy *LegacyCaseNo, err error) {
	c, err := ParseCaseNo(s)
	if err == nil {
		return &c, nil, nil
	}
	if l, lerr := ParseLegacyCaseNo(s); lerr == nil {
		return nil, &l, nil
	}
	return nil, nil, err
}
