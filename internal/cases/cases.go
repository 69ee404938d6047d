// Package cases is the case aggregate (DOMAIN.md §1.3, §2–3): numbering
// (CASENO-1, -2), the parties across cases, the state machine with its guards
// (FLOW-10, CODE-3), the legal clock with its deductions and extensions
// (CLOCK-2, -3, -8, -9), assignment to teams and handlers, and the timeline.
package cases

import (
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
)

// Case statuses.
const (
	StatusFiled      = "filed"       // 已立案，待分配承办人
	StatusInProgress = "in_progress" // 执行中
	StatusSuspended  = "suspended"   // 中止执行
	StatusDeferred   = "deferred"    // 暂缓执行
	StatusClosed     = "closed"      // 结案
)

// StatusLabel is the Chinese name of a status.
func StatusLabel(s string) string {
	return map[string]string{StatusFiled: "待分案", StatusInProgress: "执行中", StatusSuspended: "中止执行",
		StatusDeferred: "暂缓执行", StatusClosed: "已结案"}[s]
}

// Closure modes (CODE-3; FLOW-10), plus 和解长期履行 as the issue names it.
var closures = []struct{ Code, Label string }{
	{"performed", "执行完毕"},
	{"zhongben", "终结本次执行程序"},
	{"terminated", "终结执行"},
	{"not_enforced", "不予执行"},
	{"rejected", "驳回申请"},
	{"cancelled", "销案"},
	{"settlement_long_term", "和解长期履行"},
}

// Closures lists the closure modes.
func Closures() []struct{ Code, Label string } { return closures }

// ClosureLabel is the Chinese name of a closure mode.
func ClosureLabel(code string) string {
	for _, c := range closures {
		if c.Code == code {
			return c.Label
		}
	}
	return ""
}

// Lane labels are team kinds; the case carries the code.

// Party is a party of a case.
type Party struct {
	PartyID   uuid.UUID `json:"party_id"`
	Role      string    `json:"role"`
	Kind      string    `json:"kind"`
	Name      string    `json:"name"`
	IDNumber  string    `json:"id_number"`
	IDChecked bool      `json:"id_checked"`
	LegalRep  string    `json:"legal_rep,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Address   string    `json:"address,omitempty"`
}

// Triage is the record of how a case was routed.
type Triage struct {
	Rule        string
	Version     int
	Explanation string
	Override    string // reason for a manual change of lane
}

// Case is an enforcement case.
type Case struct {
	ID                 uuid.UUID
	CourtID            uuid.UUID
	CaseNo             string
	Year               int
	Zi                 string
	Seq                int
	CaseType           string
	ApplicationID      uuid.UUID
	OriginCaseID       uuid.UUID
	Status             string
	Closure            string
	ClosureReason      string
	Lane               string
	TeamID             uuid.UUID
	TeamName           string
	HandlerID          uuid.UUID
	HandlerName        string
	AssignedOn         legal.Date
	Triage             Triage
	Facts              string // JSON
	BasisKind          string
	BasisDocumentNo    string
	ClaimAmountFen     int64
	RecoveredAmountFen int64
	NonLitigation      bool
	ReceivedOn         legal.Date
	FiledOn            legal.Date
	Deadline           legal.Date
	ClosedOn           legal.Date
	PartyNames         string
	CreatedAt          time.Time
	UpdatedAt          time.Time

	Parties []Party // loaded by Get
	Clock   *Clock  // loaded by Get
	Events  []Event // loaded by Get: the RecentEvents most recent, oldest first
	// EarlierEvents is set when the timeline holds entries older than
	// Events (see Timeline).
	EarlierEvents bool
}

// Event is one entry of a case's timeline.
type Event struct {
	ID        uuid.UUID
	At        time.Time
	Kind      string
	Summary   string
	ActorName string
}

// Applicants returns the applicant parties.
func (c *Case) Applicants() []Party { return c.role("applicant") }

// Respondents returns the respondent parties.
func (c *Case) Respondents() []Party { return c.role("respondent") }

func (c *Case) role(r string) []Party {
	var out []Party
	for _, p := range c.Parties {
		if p.Role == r {
			out = append(out, p)
		}
	}
	return out
}
