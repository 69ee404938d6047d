// Package triage implements FLOW-5 (繁简分流): versioned rule sets, written as
// expr-lang/expr expressions over a case's facts, that send a newly filed
// case to a lane — the kind of team that will handle it (速执, 普执, 金融,
// 执保, 恢复异议审查). See DOMAIN §1.2, §1.3 and SCENARIOS S5.
//
// The package is pure: no database, no I/O. Compile validates a RuleSet and
// returns every problem at once as an *apperr.Error whose Fields point at the
// rule and field at fault, with line and column for expression errors.
// (*Compiled).Evaluate picks the first matching rule and explains, in
// Chinese, which facts decided it. DryRun compares two rule sets over a batch
// of facts before a new version is published.
package triage

import (
	"strconv"
)

// Facts are what a triage rule may read. The expr tag is the name used in
// rule expressions; the json tag is the same name. Money is int64 fen.
//
// Facts deliberately has no methods: methods of the environment would be
// callable from rule expressions.
type Facts struct {
	// CaseType is the case type code (org seed case_types.csv), e.g.
	// "first_enforcement", "restored_enforcement", "preservation_enforcement".
	CaseType string `expr:"case_type" json:"case_type"`
	// ClaimAmountFen is the amount applied for (标的额) in fen.
	ClaimAmountFen int64 `expr:"claim_amount_fen" json:"claim_amount_fen"`
	// NonMoney is true when there are non-money claims (hand over a house,
	// remove an obstruction …).
	NonMoney bool `expr:"non_money" json:"non_money"`
	// DebtorKind is "person", "organization", or "mixed" when the
	// respondents are of both kinds.
	DebtorKind string `expr:"debtor_kind" json:"debtor_kind"`
	// RespondentCount is the number of respondents (被执行人).
	RespondentCount int `expr:"respondent_count" json:"respondent_count"`
	// ApplicantCount is the number of applicants (申请执行人).
	ApplicantCount int `expr:"applicant_count" json:"applicant_count"`
	// ApplicantIsFinancial is true when an applicant is a bank or other
	// financial institution.
	ApplicantIsFinancial bool `expr:"applicant_is_financial" json:"applicant_is_financial"`
	// BasisKind is the kind of 执行依据: judgment, mediation, arbitration,
	// notarized_debt, other.
	BasisKind string `expr:"basis_kind" json:"basis_kind"`
	// AssetsFoundFen is the deposits found by online inquiry so far, in fen.
	AssetsFoundFen int64 `expr:"assets_found_fen" json:"assets_found_fen"`
	// AssetsFound is true when any asset has been found so far.
	AssetsFound bool `expr:"assets_found" json:"assets_found"`
	// RelatedCases is the number of other open cases against the same
	// respondents.
	RelatedCases int `expr:"related_cases" json:"related_cases"`
	// MediationOutcome is "" or "failed" (pre-enforcement mediation, FLOW-2,
	// that failed).
	MediationOutcome string `expr:"mediation_outcome" json:"mediation_outcome"`
	// CourtLevel is supreme, high, intermediate or basic.
	CourtLevel string `expr:"court_level" json:"court_level"`
}

// Fact types as reported by FactInfo.Type.
const (
	TypeString = "string" // text; when Values is set, one of those codes
	TypeInt    = "int"    // a count
	TypeMoney  = "money"  // int64 fen (1 yuan = 100 fen); compare with fen literals, e.g. 50_000_000 for ¥500,000
	TypeBool   = "bool"   // true or false
)

// FactInfo describes one fact for the rule editor's help.
type FactInfo struct {
	Name   string   // the name used in expressions, e.g. "claim_amount_fen"
	Type   string   // TypeString, TypeInt, TypeMoney or TypeBool
	Label  string   // Chinese
	Values []string // allowed codes for enumerations; nil otherwise
}

type enumValue struct{ code, label string }

// fact is the internal description of one fact with typed accessors, so the
// explanation never needs reflection.
type fact struct {
	name   string
	typ    string
	label  string
	values []enumValue
	str    func(*Facts) string
	num    func(*Facts) int64
	flag   func(*Facts) bool
}

var caseTypeValues = []enumValue{
	{"first_enforcement", "首次执行"},
	{"restored_enforcement", "恢复执行"},
	{"preservation_enforcement", "财产保全执行"},
	{"objection", "执行异议"},
	{"review", "执行复议"},
	{"supervision", "执行监督"},
	{"coordination", "执行协调"},
	{"instruction", "执行请示"},
	{"other", "其他执行"},
	{"pre_mediation", "执行前调解"},
}

var facts = []fact{
	{name: "case_type", typ: TypeString, label: "案件类型", values: caseTypeValues,
		str: func(f *Facts) string { return f.CaseType }},
	{name: "claim_amount_fen", typ: TypeMoney, label: "标的额",
		num: func(f *Facts) int64 { return f.ClaimAmountFen }},
	{name: "non_money", typ: TypeBool, label: "含非金钱给付",
		flag: func(f *Facts) bool { return f.NonMoney }},
	{name: "debtor_kind", typ: TypeString, label: "被执行人类型", values: []enumValue{
		{"person", "自然人"}, {"organization", "单位"}, {"mixed", "自然人与单位"}},
		str: func(f *Facts) string { return f.DebtorKind }},
	{name: "respondent_count", typ: TypeInt, label: "被执行人数",
		num: func(f *Facts) int64 { return int64(f.RespondentCount) }},
	{name: "applicant_count", typ: TypeInt, label: "申请执行人数",
		num: func(f *Facts) int64 { return int64(f.ApplicantCount) }},
	{name: "applicant_is_financial", typ: TypeBool, label: "申请人为金融机构",
		flag: func(f *Facts) bool { return f.ApplicantIsFinancial }},
	{name: "basis_kind", typ: TypeString, label: "执行依据", values: []enumValue{
		{"judgment", "判决"}, {"mediation", "调解书"}, {"arbitration", "仲裁裁决"},
		{"notarized_debt", "公证债权文书"}, {"other", "其他"}},
		str: func(f *Facts) string { return f.BasisKind }},
	{name: "assets_found_fen", typ: TypeMoney, label: "已查到存款",
		num: func(f *Facts) int64 { return f.AssetsFoundFen }},
	{name: "assets_found", typ: TypeBool, label: "已查到财产",
		flag: func(f *Facts) bool { return f.AssetsFound }},
	{name: "related_cases", typ: TypeInt, label: "关联在办案件数",
		num: func(f *Facts) int64 { return int64(f.RelatedCases) }},
	{name: "mediation_outcome", typ: TypeString, label: "执前调解结果", values: []enumValue{
		{"", "无"}, {"failed", "调解失败"}},
		str: func(f *Facts) string { return f.MediationOutcome }},
	{name: "court_level", typ: TypeString, label: "法院层级", values: []enumValue{
		{"supreme", "最高人民法院"}, {"high", "高级人民法院"},
		{"intermediate", "中级人民法院"}, {"basic", "基层人民法院"}},
		str: func(f *Facts) string { return f.CourtLevel }},
}

var factIndex = func() map[string]*fact {
	m := make(map[string]*fact, len(facts))
	for i := range facts {
		m[facts[i].name] = &facts[i]
	}
	return m
}()

// FactNames lists the facts a rule may read, in a stable order, for the rule
// editor's help. The result is a fresh copy.
func FactNames() []FactInfo {
	out := make([]FactInfo, len(facts))
	for i, f := range facts {
		out[i] = FactInfo{Name: f.name, Type: f.typ, Label: f.label}
		for _, v := range f.values {
			out[i].Values = append(out[i].Values, v.code)
		}
	}
	return out
}

// enumLabel returns the Chinese label of code for an enumerated fact, and
// whether it is known.
func (fc *fact) enumLabel(code string) (string, bool) {
	for _, v := range fc.values {
		if v.code == code {
			return v.label, true
		}
	}
	return "", false
}

// formatString renders a string value (a fact's or a literal compared with
// the fact): the enumeration's Chinese label when known, else the quoted
// text.
func (fc *fact) formatString(s string) string {
	if fc != nil {
		if l, ok := fc.enumLabel(s); ok {
			return l
		}
	}
	if s == "" {
		return "（空）"
	}
	return "“" + s + "”"
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// LaneInfo is one lane a case may be sent to: a team kind from the org seed
// data (team_kinds.csv).
type LaneInfo struct {
	Code string // team kind code, e.g. "fast"
	Name string // Chinese, e.g. "速执团队"
}

var lanes = []LaneInfo{
	{"fast", "速执团队"},
	{"ordinary", "普执团队"},
	{"financial", "金融团队"},
	{"preservation", "执保团队"},
	{"restoration_objection", "恢复异议审查团队"},
}

// Lane codes.
const (
	LaneFast                 = "fast"
	LaneOrdinary             = "ordinary"
	LaneFinancial            = "financial"
	LanePreservation         = "preservation"
	LaneRestorationObjection = "restoration_objection"
)

// Lanes lists the lanes a triage rule may send a case to. The result is a
// fresh copy.
func Lanes() []LaneInfo {
	return append([]LaneInfo(nil), lanes...)
}

// LaneName returns the Chinese name of a lane, or "" when code is not a lane.
func LaneName(code string) string {
	for _, l := range lanes {
		if l.Code == code {
			return l.Name
		}
	}
	return ""
}

// FormatYuan formats an amount in fen as yuan with thousands separators and
// two decimals: 123456 → "¥1,234.56", -5 → "-¥0.05".
func FormatYuan(fen int64) string {
	return string(appendYuan(make([]byte, 0, 32), fen))
}

func appendYuan(b []byte, fen int64) []byte {
	u := uint64(fen)
	if fen < 0 {
		b = append(b, '-')
		u = -u // two's complement: right for math.MinInt64 too
	}
	b = append(b, "¥"...)
	var digits [20]byte
	d := strconv.AppendUint(digits[:0], u/100, 10)
	for i := range d {
		if i > 0 && (len(d)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, d[i])
	}
	cents := u % 100
	return append(b, '.', byte('0'+cents/10), byte('0'+cents%10))
}
