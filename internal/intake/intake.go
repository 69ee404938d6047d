// Package intake is the front door (DOMAIN.md FLOW-1 to FLOW-5): enforcement
// applications registered at the window, through the API or in bulk, with
// their parties, basis and materials; pre-enforcement mediation (执诉前调);
// refusal (不予受理); and filing (立案), which numbers the case, triages it to a
// lane and assigns it to a team and a handler.
package intake

import (
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// Application statuses.
const (
	StatusReceived  = "received"  // registered, waiting for the filing decision
	StatusMediation = "mediation" // with a mediator (执诉前调)
	StatusFiled     = "filed"     // a case was filed (立案)
	StatusRefused   = "refused"   // 不予受理
	StatusSettled   = "settled"   // paid or settled in mediation: no case
	StatusWithdrawn = "withdrawn" // withdrawn by the applicant
)

// StatusLabel is the Chinese name of an application status.
func StatusLabel(s string) string {
	return map[string]string{StatusReceived: "待审查", StatusMediation: "执前调解中", StatusFiled: "已立案",
		StatusRefused: "不予受理", StatusSettled: "调解结案", StatusWithdrawn: "已撤回"}[s]
}

// Basis kinds: the enforcement basis (执行依据).
var basisKinds = []struct{ Code, Label string }{
	{"judgment", "判决书、裁定书"},
	{"mediation", "调解书"},
	{"arbitration", "仲裁裁决书"},
	{"notarized_debt", "公证债权文书"},
	{"other", "其他执行依据"},
}

// BasisKinds lists the basis kinds with their Chinese labels.
func BasisKinds() []struct{ Code, Label string } { return basisKinds }

// BasisLabel is the Chinese name of a basis kind.
func BasisLabel(code string) string {
	for _, k := range basisKinds {
		if k.Code == code {
			return k.Label
		}
	}
	return code
}

// Party kinds.
const (
	Person       = "person"
	Organization = "organization"
)

// ID-OVR-1 override reasons for an identity number that fails its checks.
var overrideReasons = []struct{ Code, Label string }{
	{"pilot_code", "早期试点统一社会信用代码"},
	{"legacy_document", "旧证件号码"},
	{"foreign", "境外当事人证件"},
	{"no_number", "无证件号码"},
	{"other", "其他原因"},
}

// OverrideReasons lists the ID-OVR-1 reason codes with their labels.
func OverrideReasons() []struct{ Code, Label string } { return overrideReasons }

// PartyInput is one applicant or respondent as registered.
type PartyInput struct {
	Kind       string `json:"kind"`
	Name       string `json:"name"`
	IDNumber   string `json:"id_number,omitempty"`   // resident ID (person)
	CreditCode string `json:"credit_code,omitempty"` // 统一社会信用代码 (organization)
	LegalRep   string `json:"legal_rep,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Address    string `json:"address,omitempty"`
	Financial  bool   `json:"financial,omitempty"` // applicant is a bank or other financial institution
	// Override accepts an identity number that fails its checks (ID-OVR-1).
	Override     string `json:"id_override,omitempty"`
	OverrideNote string `json:"id_override_note,omitempty"`
}

// BasisInput is the enforcement basis.
type BasisInput struct {
	Kind          string     `json:"kind"`
	DocumentNo    string     `json:"document_no"`
	IssuedBy      string     `json:"issued_by"`
	EffectiveDate legal.Date `json:"effective_date"`
	DueDate       legal.Date `json:"performance_due_date"` // last performance day; zero when the basis sets none
}

// MaterialInput says what was received of one item of the checklist.
type MaterialInput struct {
	Code     string `json:"code"`
	Received bool   `json:"received"`
	Copies   int    `json:"copies,omitempty"`
	Note     string `json:"note,omitempty"`
}

// ApplicationInput registers an application.
type ApplicationInput struct {
	CourtID        uuid.UUID
	CaseType       string // default first_enforcement
	Applicants     []PartyInput
	Respondents    []PartyInput
	Basis          BasisInput
	ClaimAmountFen int64
	NonMoneyClaims string
	Materials      []MaterialInput
	ReceivedOn     legal.Date // default today
	Note           string
	Channel        string // window, api, bulk
	BatchID        uuid.UUID
	BatchRow       int
}

// Party is a party of an application or a case.
type Party struct {
	PartyID   uuid.UUID `json:"party_id"`
	Role      string    `json:"role"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	IDNumber  string    `json:"id_number"`
	IDChecked bool      `json:"id_checked"`
	Override  string    `json:"id_override,omitempty"`
	LegalRep  string    `json:"legal_rep,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Address   string    `json:"address,omitempty"`
	Financial bool      `json:"financial,omitempty"`

	overrideNote string
}

// Material is one checklist item of an application.
type Material struct {
	Code     string `json:"code"`
	Name     string `json:"name"`
	Required bool   `json:"required"`
	Received bool   `json:"received"`
	Copies   int    `json:"copies"`
	Note     string `json:"note,omitempty"`
}

// Warning is something the registrar should know but that does not stop
// registration: the application period has run out (CLOCK-1), a required
// material is missing, an identity number was accepted by override.
type Warning struct {
	Code   string `json:"code"`
	Field  string `json:"field,omitempty"`
	Detail string `json:"detail"`
}

// Application is an enforcement application.
type Application struct {
	ID             uuid.UUID
	CourtID        uuid.UUID
	Status         string
	Channel        string
	CaseType       string
	ReceivedOn     legal.Date
	DecisionDue    legal.Date // CLOCK-4
	Basis          BasisInput
	PeriodLastDay  legal.Date // CLOCK-1
	PeriodLate     bool
	ClaimAmountFen int64
	NonMoneyClaims string
	Note           string
	ReceivedBy     uuid.UUID
	DecidedBy      uuid.UUID
	DecidedAt      time.Time
	RefusalReason  string
	CaseID         uuid.UUID
	BatchID        uuid.UUID
	BatchRow       int
	CreatedAt      time.Time
	UpdatedAt      time.Time

	Parties   []Party
	Materials []Material
	Warnings  []Warning  // computed when read
	Mediation *Mediation // nil when never mediated
}

// Applicants returns the applicant parties.
func (a *Application) Applicants() []Party { return a.role("applicant") }

// Respondents returns the respondent parties.
func (a *Application) Respondents() []Party { return a.role("respondent") }

func (a *Application) role(r string) []Party {
	var out []Party
	for _, p := range a.Parties {
		if p.Role == r {
			out = append(out, p)
		}
	}
	return out
}

// MissingMaterials returns the required materials not received.
func (a *Application) MissingMaterials() []Material {
	var out []Material
	for _, m := range a.Materials {
		if m.Required && !m.Received {
			out = append(out, m)
		}
	}
	return out
}
