package legal_test

import (
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestParseCaseNo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		in   string
		want legal.CaseNo
		out  string // canonical String()
	}{
		{"CASENO-1", "（2024）粤0607执1234号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 ASCII parentheses", "(2024)粤0607执1234号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 〔〕", "〔2024〕粤0607执1234号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 []", "[2024]粤0607执1234号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 full-width []", "［2024］粤0607执1234号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 full-width digits", "（２０２４）粤０６０７执１２３４号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 stray spaces incl. U+3000", " （2024） 粤0607　执 1234 号\t", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 1234}, "（2024）粤0607执1234号"},
		{"CASENO-3 leading zeros dropped", "（2024）粤0607执0012号", legal.CaseNo{Year: 2024, Court: "粤0607", Type: "执", Seq: 12}, "（2024）粤0607执12号"},
		{"CASENO-4 suffix", "（2016）浙0783执4424号之四", legal.CaseNo{Year: 2016, Court: "浙0783", Type: "执", Seq: 4424, Suffix: "之四"}, "（2016）浙0783执4424号之四"},
		{"CASENO-4 suffix 之十二", "(2016)浙0783执4424号之十二", legal.CaseNo{Year: 2016, Court: "浙0783", Type: "执", Seq: 4424, Suffix: "之十二"}, "（2016）浙0783执4424号之十二"},
		{"CODE-1 intermediate court", "（2023）粤06执1号", legal.CaseNo{Year: 2023, Court: "粤06", Type: "执", Seq: 1}, "（2023）粤06执1号"},
		{"CODE-1 high court", "（2023）粤执复5号", legal.CaseNo{Year: 2023, Court: "粤", Type: "执复", Seq: 5}, "（2023）粤执复5号"},
		{"CODE-1 SPC", "（2023）最高法执监1号", legal.CaseNo{Year: 2023, Court: "最高法", Type: "执监", Seq: 1}, "（2023）最高法执监1号"},
		{"CODE-1 SPC, three-character type", "（2019）最高法知民终1号", legal.CaseNo{Year: 2019, Court: "最高法", Type: "知民终", Seq: 1}, "（2019）最高法知民终1号"},
		{"CODE-1 内蒙古 is 内", "（2024）内0102执3号", legal.CaseNo{Year: 2024, Court: "内0102", Type: "执", Seq: 3}, "（2024）内0102执3号"},
		{"CODE-1 兵团", "（2024）兵08执恢2号", legal.CaseNo{Year: 2024, Court: "兵08", Type: "执恢", Seq: 2}, "（2024）兵08执恢2号"},
		{"CODE-1 special court", "（2024）粤0491执保7号", legal.CaseNo{Year: 2024, Court: "粤0491", Type: "执保", Seq: 7}, "（2024）粤0491执保7号"},
		{"CODE-2 执异", "（2024）赣0502执异88号", legal.CaseNo{Year: 2024, Court: "赣0502", Type: "执异", Seq: 88}, "（2024）赣0502执异88号"},
		{"CODE-2 local 执前调", "（2024）粤0605执前调9号", legal.CaseNo{Year: 2024, Court: "粤0605", Type: "执前调", Seq: 9}, "（2024）粤0605执前调9号"},
	}
	for _, tt := range tests {
		got, err := legal.ParseCaseNo(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseCaseNo(%q) = %+v, %v; want %+v", tt.rule, tt.in, got, err, tt.want)
			continue
		}
		if got.String() != tt.out {
			t.Errorf("%s: String() = %q, want %q", tt.rule, got.String(), tt.out)
		}
		// CASENO-3: the canonical form round-trips.
		back, err := legal.ParseCaseNo(got.String())
		if err != nil || back != got {
			t.Errorf("%s: round trip of %q = %+v, %v", tt.rule, got.String(), back, err)
		}
	}
}

func TestParseCaseNoRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule, in, detail string
	}{
		{"CASENO-1 empty", "", "不能为空"},
		{"CASENO-1 only spaces", " 　", "不能为空"},
		{"CASENO-1 no 号", "（2024）粤0607执1234", "案号格式"},
		{"CASENO-1 three-digit year", "（202）粤0607执1234号", "案号格式"},
		{"CASENO-1 five-digit year", "（20245）粤0607执1234号", "案号格式"},
		{"CASENO-1 implausible year", "（0024）粤0607执1号", "年份"},
		{"CASENO-2 sequence 0", "（2024）粤0607执0号", "从 1 开始"},
		{"CASENO-2 sequence 000", "（2024）粤0607执000号", "从 1 开始"},
		{"CASENO-2 sequence too long", "（2024）粤0607执12345678901号", "过长"},
		{"CASENO-1 no sequence", "（2024）粤0607执号", "案号格式"},
		{"CASENO-1 no type", "（2024）粤06071号", "案号格式"},
		{"CASENO-1 type of 4 characters", "（2024）粤0607执行恢复1号", "案号格式"},
		{"CODE-1 3-digit court code", "（2024）粤060执1号", "案号格式"},
		{"CODE-1 5-digit court code", "（2024）粤06071执1号", "案号格式"},
		{"CASENO-3 mismatched brackets", "（2024〕粤0607执1号", "案号格式"},
		{"CASENO-3 no brackets", "2024粤0607执1号", "案号格式"},
		{"CASENO-5 legacy form is not current", "(2014)佛三法执字第123号", "案号格式"},
		{"CASENO-5 legacy 字第 with a current court code", "（2024）粤0607执字第1号", "案号格式"},
		{"CASENO-5 short legacy alias", "(2014)佛执字第1号", "案号格式"},
		{"CASENO-4 bad suffix", "（2024）粤0607执1号之A", "案号格式"},
		{"CASENO-4 empty suffix", "（2024）粤0607执1号之", "案号格式"},
		{"CASENO-1 garbage", "abc", "案号格式"},
		{"CASENO-1 trailing text", "（2024）粤0607执1号附件", "案号格式"},
	}
	for _, tt := range tests {
		got, err := legal.ParseCaseNo(tt.in)
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_case_no" || e.Kind != apperr.Invalid || !strings.Contains(e.Detail, tt.detail) || !got.IsZero() {
			t.Errorf("%s: ParseCaseNo(%q) = %+v, %v; want invalid_case_no containing %q", tt.rule, tt.in, got, err, tt.detail)
		}
	}
}

func TestCaseNoKey(t *testing.T) {
	t.Parallel()
	tests := []struct{ rule, in, key string }{
		{"CASENO-4 suffix is not part of the key", "（2016）浙0783执4424号之四", "（2016）浙0783执4424号"},
		{"CASENO-4", "（2016）浙0783执4424号", "（2016）浙0783执4424号"},
	}
	for _, tt := range tests {
		c, err := legal.ParseCaseNo(tt.in)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Key(); got.String() != tt.key || got.Suffix != "" {
			t.Errorf("%s: Key(%s) = %s", tt.rule, tt.in, got)
		}
	}
	if !(legal.CaseNo{}).IsZero() {
		t.Error("CASENO-1: zero CaseNo is not zero")
	}
}

func TestParseLegacyCaseNo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule string
		in   string
		want legal.LegacyCaseNo
		out  string
	}{
		{"CASENO-5", "(2014)佛三法执字第123号", legal.LegacyCaseNo{Year: 2014, CourtAlias: "佛三法", Type: "执", Seq: 123}, "（2014）佛三法执字第123号"},
		{"CASENO-5 restored", "（2013）佛三法执恢字第12号", legal.LegacyCaseNo{Year: 2013, CourtAlias: "佛三法", Type: "执恢", Seq: 12}, "（2013）佛三法执恢字第12号"},
		{"CASENO-5 spaces and full-width digits", "（２０１３） 佛中法 执异字第 ００５号", legal.LegacyCaseNo{Year: 2013, CourtAlias: "佛中法", Type: "执异", Seq: 5}, "（2013）佛中法执异字第5号"},
		{"CASENO-5 〔〕", "〔2015〕东法执字第7号", legal.LegacyCaseNo{Year: 2015, CourtAlias: "东法", Type: "执", Seq: 7}, "（2015）东法执字第7号"},
	}
	for _, tt := range tests {
		got, err := legal.ParseLegacyCaseNo(tt.in)
		if err != nil || got != tt.want || got.String() != tt.out {
			t.Errorf("%s: ParseLegacyCaseNo(%q) = %+v (%s), %v; want %+v", tt.rule, tt.in, got, got, err, tt.want)
		}
	}
	rejects := []struct{ rule, in, detail string }{
		{"CASENO-5 empty", "", "不能为空"},
		{"CASENO-5 current form", "（2024）粤0607执1234号", "旧案号格式"},
		{"CASENO-5 not enforcement", "(2014)佛三法民初字第1号", "旧案号格式"},
		{"CASENO-5 no 字第", "(2014)佛三法执第1号", "旧案号格式"},
		{"CASENO-5 sequence 0", "(2014)佛三法执字第0号", "从 1 开始"},
		{"CASENO-5 mismatched brackets", "(2014〕佛三法执字第1号", "旧案号格式"},
	}
	for _, tt := range rejects {
		_, err := legal.ParseLegacyCaseNo(tt.in)
		e, ok := apperr.As(err)
		if !ok || e.Code != "invalid_case_no" || !strings.Contains(e.Detail, tt.detail) {
			t.Errorf("%s: ParseLegacyCaseNo(%q) = %v; want invalid_case_no containing %q", tt.rule, tt.in, err, tt.detail)
		}
	}
}

func TestParseAnyCaseNo(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rule    string
		in      string
		current string // canonical, "" if not current
		legacy  string // canonical, "" if not legacy
	}{
		{"CASENO-1", "(2024)粤0607执1234号", "（2024）粤0607执1234号", ""},
		{"CASENO-4", "(2016)浙0783执4424号之四", "（2016）浙0783执4424号之四", ""},
		{"CASENO-5", "(2014)佛三法执字第123号", "", "（2014）佛三法执字第123号"},
		{"CASENO-5", "（2013）佛三法执恢字第12号", "", "（2013）佛三法执恢字第12号"},
		{"CASENO-1 neither", "佛三法执123", "", ""},
	}
	for _, tt := range tests {
		cur, leg, err := legal.ParseAnyCaseNo(tt.in)
		switch {
		case tt.current != "":
			if err != nil || cur == nil || leg != nil || cur.String() != tt.current {
				t.Errorf("%s: ParseAnyCaseNo(%q) = %v, %v, %v", tt.rule, tt.in, cur, leg, err)
			}
		case tt.legacy != "":
			if err != nil || cur != nil || leg == nil || leg.String() != tt.legacy {
				t.Errorf("%s: ParseAnyCaseNo(%q) = %v, %v, %v", tt.rule, tt.in, cur, leg, err)
			}
		default:
			if apperr.CodeOf(err) != "invalid_case_no" || cur != nil || leg != nil {
				t.Errorf("%s: ParseAnyCaseNo(%q) = %v, %v, %v; want invalid_case_no", tt.rule, tt.in, cur, leg, err)
			}
		}
	}
}
