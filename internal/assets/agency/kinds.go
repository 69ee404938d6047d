package agency

// Kind is an inquiry kind (INV-5): what sort of asset or information an
// agency reports.
type Kind string

// The kinds of DOMAIN.md §4 (INV-5). Their codes are the spec's.
const (
	BankDeposit    Kind = "bank_deposit"
	BankWealth     Kind = "bank_wealth"
	Securities     Kind = "securities"
	Alipay         Kind = "alipay"
	Tenpay         Kind = "tenpay"
	InternetBank   Kind = "internet_bank"
	RealEstate     Kind = "real_estate"
	Vehicle        Kind = "vehicle"
	Ship           Kind = "ship"
	FishingBoat    Kind = "fishing_boat"
	Equity         Kind = "equity"
	Marriage       Kind = "marriage"
	Identity       Kind = "identity"
	SocialSecurity Kind = "social_security"
	HousingFund    Kind = "housing_fund"
	Tax            Kind = "tax"
	Insurance      Kind = "insurance"
	Phone          Kind = "phone"
	PersonTrace    Kind = "person_trace"
)

// TermClass is the class of property whose control term TERM-1 limits:
// deposits 1 year, movables 2 years, immovables and other property rights 3.
type TermClass string

const (
	TermDeposit   TermClass = "deposit"
	TermMovable   TermClass = "movable"
	TermImmovable TermClass = "immovable"
	TermOther     TermClass = "other" // other property rights: shares, equity, fund balances
	TermNone      TermClass = ""      // information only: nothing to control
)

// KindInfo describes a kind.
type KindInfo struct {
	Kind  Kind
	Label string
	// Control is the operation that places a control on assets of this kind
	// (OpFreeze or OpSeize), "" when the kind reports information only.
	Control Op
	// Deduct is true when the agency can move money to the court (扣划).
	Deduct bool
	Term   TermClass
	// Money is true when the asset is money the court can take directly
	// (deposits and payment balances): what the fast path counts.
	Money bool
	// Person is true for kinds asked about natural persons only.
	Person bool
}

// Kinds lists every kind in display order.
var Kinds = []KindInfo{
	{BankDeposit, "银行存款", OpFreeze, true, TermDeposit, true, false},
	{BankWealth, "银行理财产品", OpFreeze, true, TermOther, false, false},
	{Securities, "证券", OpFreeze, false, TermOther, false, false},
	{Alipay, "支付宝", OpFreeze, true, TermDeposit, true, false},
	{Tenpay, "财付通（微信支付）", OpFreeze, true, TermDeposit, true, false},
	{InternetBank, "互联网银行存款", OpFreeze, true, TermDeposit, true, false},
	{RealEstate, "不动产", OpSeize, false, TermImmovable, false, false},
	{Vehicle, "车辆", OpSeize, false, TermMovable, false, false},
	{Ship, "船舶", OpSeize, false, TermMovable, false, false},
	{FishingBoat, "渔船", OpSeize, false, TermMovable, false, false},
	{Equity, "股权", OpFreeze, false, TermOther, false, false},
	{Marriage, "婚姻登记", "", false, TermNone, false, true},
	{Identity, "身份、户籍、出入境", "", false, TermNone, false, true},
	{SocialSecurity, "社会保险", OpFreeze, false, TermOther, false, true},
	{HousingFund, "住房公积金", OpFreeze, true, TermOther, false, true},
	{Tax, "税务", "", false, TermNone, false, false},
	{Insurance, "保险", OpFreeze, false, TermOther, false, false},
	{Phone, "手机号码登记", "", false, TermNone, false, true},
	{PersonTrace, "查找下落（公安）", "", false, TermNone, false, true},
}

var kindIndex = func() map[Kind]int {
	m := make(map[Kind]int, len(Kinds))
	for i, k := range Kinds {
		m[k.Kind] = i
	}
	return m
}()

// Info returns the description of k and whether k is known.
func Info(k Kind) (KindInfo, bool) {
	i, ok := kindIndex[k]
	if !ok {
		return KindInfo{}, false
	}
	return Kinds[i], true
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := kindIndex[k]; return ok }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	if i, ok := Info(k); ok {
		return i.Label
	}
	return string(k)
}

// AppliesTo reports whether an inquiry of kind k is asked about a subject
// of the given kind ("person" or "organization").
func (i KindInfo) AppliesTo(subjectKind string) bool {
	return !i.Person || subjectKind == "person"
}
