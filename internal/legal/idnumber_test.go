package legal_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestParseResidentID(t *testing.T) {
	t.Parallel()
	today := d("2025-06-01")
	tests := []struct {
		rule   string
		in     string
		today  legal.Date
		want   legal.ResidentID // Number "" = error expected
		detail string
	}{
		// DOMAIN §2.2 test vectors.
		{"IDC-1 vector: valid, check 6", "440604199003071236", today,
			legal.ResidentID{Number: "440604199003071236", Division: "440604", Birth: d("1990-03-07"), Male: true}, ""},
		{"IDC-1 vector: valid, check X", "52010219950817103X", today,
			legal.ResidentID{Number: "52010219950817103X", Division: "520102", Birth: d("1995-08-17"), Male: true}, ""},
		{"IDC-1 vector: lowercase x normalised", "52010219950817103x", today,
			legal.ResidentID{Number: "52010219950817103X", Division: "520102", Birth: d("1995-08-17"), Male: true}, ""},
		{"IDC-1 vector: check must be 6", "440604199003071230", today, legal.ResidentID{}, "校验码应为 6，实为 0；请核对是否录入有误"},
		{"IDC-2 vector: 30 February", "440604199002301230", today, legal.ResidentID{}, "出生日期 1990-02-30 不存在"},
		{"IDC-3 vector: 15-digit conversion", "440604900307123", today,
			legal.ResidentID{Number: "440604199003071236", Division: "440604", Birth: d("1990-03-07"), Male: true, Converted: true}, ""},
		// Further cases.
		{"IDC-1 female", "440604199003071244", today,
			legal.ResidentID{Number: "440604199003071244", Division: "440604", Birth: d("1990-03-07")}, ""},
		{"IDC-1 X check on a 1949 birth", "11010519491231002X", today,
			legal.ResidentID{Number: "11010519491231002X", Division: "110105", Birth: d("1949-12-31")}, ""},
		{"IDC-1 surrounding and inner spaces", " 440604 19900307 1236 ", today,
			legal.ResidentID{Number: "440604199003071236", Division: "440604", Birth: d("1990-03-07"), Male: true}, ""},
		{"IDC-1 full-width digits", "４４０６０４１９９００３０７１２３６", today,
			legal.ResidentID{Number: "440604199003071236", Division: "440604", Birth: d("1990-03-07"), Male: true}, ""},
		{"IDC-1 hyphens are not accepted", "440604-19900307-1236", today, legal.ResidentID{}, "应为18位"},
		{"IDC-1 letter inside", "4406041990030712A6", today, legal.ResidentID{}, "第 17 位为“A”"},
		{"IDC-1 bad last character", "44060419900307123Y", today, legal.ResidentID{}, "第18位应为数字或 X"},
		{"IDC-1 Chinese character", "44060419900307123号", today, legal.ResidentID{}, "第 18 位“号”"},
		{"IDC-1 17 characters", "44060419900307123", today, legal.ResidentID{}, "应为18位（旧号码15位），实为 17 位"},
		{"IDC-1 19 characters", "4406041990030712360", today, legal.ResidentID{}, "实为 19 位"},
		{"IDC-1 16 characters", "4406041990030712", today, legal.ResidentID{}, "实为 16 位"},
		{"IDC-1 empty", "", today, legal.ResidentID{}, "不能为空"},
		{"IDC-2 future birth date", "440604203001011236", today, legal.ResidentID{}, "出生日期 2030-01-01 晚于今天"},
		{"IDC-2 born today is fine", "440604202506011238", today, legal.ResidentID{}, "校验码"},
		{"IDC-2 born tomorrow", "440604202506021234", today, legal.ResidentID{}, "晚于今天"},
		{"IDC-2 zero today skips the future check", "440604202406011232", legal.Date{},
			legal.ResidentID{Number: "440604202406011232", Division: "440604", Birth: d("2024-06-01"), Male: true}, ""},
		{"IDC-2 month 13", "440604199013071236", today, legal.ResidentID{}, "出生日期 1990-13-07 不存在"},
		{"IDC-2 unknown division is the caller's warning, not an error", "000000199003071236", today,
			legal.ResidentID{Number: "000000199003071236", Division: "000000", Birth: d("1990-03-07"), Male: true}, ""},
		{"IDC-3 15 digits with a letter", "44060490030712X", today, legal.ResidentID{}, "应全为数字"},
		{"IDC-3 15 digits, impossible date", "440604900230123", today, legal.ResidentID{}, "出生日期 1990-02-30 不存在"},
		{"IDC-4 Hong Kong residence permit", "810000199003071237", today,
			legal.ResidentID{Number: "810000199003071237", Division: "810000", Birth: d("1990-03-07"), Male: true}, ""},
		{"IDC-4 Macao residence permit", "820000200002290021", today,
			legal.ResidentID{Number: "820000200002290021", Division: "820000", Birth: d("2000-02-29"), Male: false}, ""},
		{"IDC-4 foreigner, format only, check not verified", "911234199003071230", today,
			legal.ResidentID{Number: "911234199003071230", FormatOnly: true}, ""},
		{"IDC-4 foreigner, lowercase x", "91123419900307123x", today,
			legal.ResidentID{Number: "91123419900307123X", FormatOnly: true}, ""},
		{"IDC-4 foreigner, bad format", "9112341990030712A0", today, legal.ResidentID{}, "前17位应为数字"},
	}
	for _, tt := range tests {
		got, err := legal.ParseResidentID(tt.in, tt.today)
		if tt.want.Number != "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: ParseResidentID(%q) = %+v, %v; want %+v", tt.rule, tt.in, got, err, tt.want)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_id_number" || e.Kind != apperr.Invalid || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: ParseResidentID(%q) = %+v, %v; want invalid_id_number containing %q", tt.rule, tt.in, got, err, tt.detail)
		}
	}
}

func TestParseCreditCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule   string
		in     string
		want   legal.CreditCode // Code "" = error expected
		detail string
	}{
		// DOMAIN §2.2 test vectors.
		{"USCC-1 USCC-2 vector: valid (org 1, check L)", "91440604MA4W1XY21L",
			legal.CreditCode{Code: "91440604MA4W1XY21L", Authority: '9', Category: '1', Division: "440604", OrgCode: "MA4W1XY21"}, ""},
		{"USCC-1 USCC-2 vector: valid (org 8, check X)", "12340100485001238X",
			legal.CreditCode{Code: "12340100485001238X", Authority: '1', Category: '2', Division: "340100", OrgCode: "485001238"}, ""},
		{"USCC-2 vector: transposition", "91440604MA4W1YX21L", legal.CreditCode{}, "组织机构代码校验位应为 8，实为 1"},
		{"USCC-1 vector: I not in the charset", "91440604MA4W1XY21I", legal.CreditCode{}, "第 18 位字符 I 不在统一社会信用代码字符集内"},
		// ID-OVR-1: the pilot code fails the check; callers save it with an override.
		{"ID-OVR-1 pilot code fails", "91350100M0001TGQXM", legal.CreditCode{}, "校验码应为 1，实为 M"},
		// Further cases.
		{"USCC-2 last two characters swapped", "91440604MA4W1XY2L1", legal.CreditCode{}, "组织机构代码校验位应为 1，实为 L"},
		{"USCC-1 last character changed", "91440604MA4W1XY21K", legal.CreditCode{}, "校验码应为 L，实为 K"},
		{"USCC-1 lowercase and spaces", " 9144 0604 ma4w 1xy2 1l ",
			legal.CreditCode{Code: "91440604MA4W1XY21L", Authority: '9', Category: '1', Division: "440604", OrgCode: "MA4W1XY21"}, ""},
		{"USCC-1 full-width", "９１４４０６０４ＭＡ４Ｗ１ＸＹ２１Ｌ",
			legal.CreditCode{Code: "91440604MA4W1XY21L", Authority: '9', Category: '1', Division: "440604", OrgCode: "MA4W1XY21"}, ""},
		{"USCC-1 O not in the charset", "91440604MA4W1XO21L", legal.CreditCode{}, "第 15 位字符 O 不在统一社会信用代码字符集内"},
		{"USCC-1 hyphen", "91440604-MA4W1XY21", legal.CreditCode{}, "第 9 位字符 - 不在"},
		{"USCC-1 Chinese character", "91440604MA4W1XY21号", legal.CreditCode{}, "第 18 位字符 号 不在"},
		{"USCC-1 17 characters", "91440604MA4W1XY21", legal.CreditCode{}, "应为18位，实为 17 位"},
		{"USCC-1 19 characters", "91440604MA4W1XY21LL", legal.CreditCode{}, "实为 19 位"},
		{"USCC-1 empty", "", legal.CreditCode{}, "不能为空"},
		{"USCC-1 letter in the division", "9144060AMA4W1XY21L", legal.CreditCode{}, "行政区划码"},
	}
	for _, tt := range tests {
		got, err := legal.ParseCreditCode(tt.in)
		if tt.want.Code != "" {
			if err != nil || got != tt.want {
				t.Errorf("%s: ParseCreditCode(%q) = %+v, %v; want %+v", tt.rule, tt.in, got, err, tt.want)
			}
			continue
		}
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_credit_code" || e.Kind != apperr.Invalid || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: ParseCreditCode(%q) = %+v, %v; want invalid_credit_code containing %q", tt.rule, tt.in, got, err, tt.detail)
		}
	}
}

func TestCreditCodeAuthorities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule      string
		authority byte
		name      string
	}{
		{"USCC-3", '1', "机构编制"},
		{"USCC-3", '5', "民政"},
		{"USCC-3", '9', "市场监管"},
		{"USCC-3", 'Y', "其他"},
		{"USCC-3 unknown", '7', ""},
	}
	for _, tt := range tests {
		name, ok := legal.AuthorityName(tt.authority)
		if name != tt.name || ok != (tt.name != "") {
			t.Errorf("%s: AuthorityName(%c) = %q, %v", tt.rule, tt.authority, name, ok)
		}
	}
	if got := legal.CreditCodeAuthorities(); len(got) != 4 {
		t.Errorf("USCC-3: %d authorities", len(got))
	}
	categories := []struct {
		rule                string
		authority, category byte
		name                string
	}{
		{"USCC-3", '9', '1', "企业"},
		{"USCC-3", '9', '2', "个体工商户"},
		{"USCC-3", '9', '3', "农民专业合作社"},
		{"USCC-3 unknown category", '9', '4', ""},
		{"USCC-3 unknown authority", '7', '1', ""},
	}
	for _, tt := range categories {
		name, ok := legal.CategoryName(tt.authority, tt.category)
		if name != tt.name || ok != (tt.name != "") {
			t.Errorf("%s: CategoryName(%c, %c) = %q, %v", tt.rule, tt.authority, tt.category, name, ok)
		}
	}
}

func TestMaskID(t *testing.T) {
	t.Parallel()
	tests := []struct{ rule, in, want string }{
		{"IDC-1", "440604199003071236", "440604********1236"},
		{"IDC-1 lowercase x", "52010219950817103x", "520102********103X"},
		{"IDC-1 spaces", " 440604 19900307 1236", "440604********1236"},
		{"IDC-3 15 digits", "440604900307123", "440604*****7123"},
		{"IDC-4 foreigner", "911234199003071230", "911234********1230"},
		{"USCC-1 credit codes are public", "91440604MA4W1XY21L", "91440604MA4W1XY21L"},
		{"USCC-1 an all-digit credit code looks like an ID: masked", "12340100485001238X", "123401********238X"},
		{"IDC-1 malformed long input still masked", "4406041990030712", "440604******0712"},
		{"IDC-1 short input", "12345", "1***5"},
		{"IDC-1 two characters", "12", "**"},
		{"IDC-1 empty", "", ""},
	}
	for _, tt := range tests {
		if got := legal.MaskID(tt.in); got != tt.want {
			t.Errorf("%s: MaskID(%q) = %q, want %q", tt.rule, tt.in, got, tt.want)
		}
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	// No DOMAIN rule number: personal-data masking for logs and public output (§2.2 context).
	tests := []struct{ rule, in, want string }{
		{"§2.2", "13812345678", "138****5678"},
		{"§2.2 separators", "138-1234-5678", "138****5678"},
		{"§2.2 +86", "+86 138 1234 5678", "+86138****5678"},
		{"§2.2 86", "8613812345678", "86138****5678"},
		{"§2.2 landline", "0757-12345678", "075*****5678"},
		{"§2.2 short", "12345", "1***5"},
		{"§2.2 empty", "", ""},
	}
	for _, tt := range tests {
		if got := legal.MaskPhone(tt.in); got != tt.want {
			t.Errorf("%s: MaskPhone(%q) = %q, want %q", tt.rule, tt.in, got, tt.want)
		}
	}
}

// IDC-1, USCC-1, USCC-2: the generators make numbers the parsers accept.
func TestMakeIDs(t *testing.T) {
	t.Parallel()
	today := legal.MustDate("2026-11-22")
	for seq := 0; seq < 1000; seq += 37 {
		n := legal.MakeResidentID("440607", legal.MustDate("1985-03-09").AddDays(seq), seq)
		if _, err := legal.ParseResidentID(n, today); err != nil {
			t.Errorf("MakeResidentID → %s: %v", n, err)
		}
	}
	if got := legal.MakeResidentID("440604", legal.MustDate("1990-03-07"), 123); got != "440604199003071236" {
		t.Errorf("MakeResidentID = %s, want the DOMAIN vector 440604199003071236", got)
	}
	if got := legal.MakeCreditCode('9', '1', "440604", "MA4W1XY2"); got != "91440604MA4W1XY21L" {
		t.Errorf("MakeCreditCode = %s, want the DOMAIN vector 91440604MA4W1XY21L", got)
	}
	for i := 0; i < 200; i++ {
		c := legal.MakeCreditCode('9', '1', "440607", fmt.Sprintf("MA%06d", i*7919%1000000))
		if _, err := legal.ParseCreditCode(c); err != nil {
			t.Errorf("MakeCreditCode → %s: %v", c, err)
		}
	}
}
