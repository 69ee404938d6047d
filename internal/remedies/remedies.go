// Package remedies is the enforcement remedies of DOMAIN.md §6: 执行异议
// (objections to an enforcement act, OBJ-1, OBJ-2), 案外人异议 (an outsider's
// objection to the enforcement against an asset, OBJ-4), 复议 (review of an
// objection ruling by the next higher court, OBJ-3) and 执行信访
// (complaints, XF-1), each linked to the enforcement case it concerns, with
// its clocks (legal.RemedyDeadlines; the C values through ruleparams) and
// its steps:
//
//	filed → (复议: forwarded →) registered | not_accepted → examined → decided → served
//
// Registration numbers 执行异议 and 案外人异议 as 执异 cases of the case's
// court and 复议 as a 执复 case of the next higher court, from the court's
// case-number counter (cases.NextNumber). 执行信访 is not a case type in
// DOMAIN.md (执监 is supervision of a ruling, a different matter): a
// complaint gets a register number of its court from the same counter under
// the key "信访", written “（2026）粤0607信访登记第12号”.
//
// An outsider's objection upheld stops enforcement against the asset it
// names (OBJ-4): AssetBlocked tells the code that disposes of assets.
// Every step is one transaction with its step row, its case timeline entry
// and its audit record.
package remedies

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
)

// Kind is the kind of a remedy.
type Kind string

const (
	Objection Kind = "objection" // 执行异议
	Outsider  Kind = "outsider"  // 案外人异议
	Review    Kind = "review"    // 复议
	Complaint Kind = "complaint" // 执行信访
)

var kinds = []Kind{Objection, Outsider, Review, Complaint}

// Kinds lists the kinds in display order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(kinds, k) }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Objection:
		return "执行异议"
	case Outsider:
		return "案外人异议"
	case Review:
		return "执行复议"
	case Complaint:
		return "执行信访"
	}
	return string(k)
}

// CaseType is the case type (case_types.csv) numbered at registration, or
// "" for a complaint.
func (k Kind) CaseType() string {
	switch k {
	case Objection, Outsider:
		return "objection" // 执异
	case Review:
		return "review" // 执复
	}
	return ""
}

// State is where a remedy stands.
type State string

const (
	Filed       State = "filed"        // 收到申请
	Forwarded   State = "forwarded"    // 复议：案卷已报送上一级法院
	Registered  State = "registered"   // 已立案（登记）并通知
	NotAccepted State = "not_accepted" // 不予受理
	Examined    State = "examined"     // 审查完毕
	Decided     State = "decided"      // 已裁定（办结）
	Served      State = "served"       // 已送达（信访：已反馈结果）
)

var states = []State{Filed, Forwarded, Registered, NotAccepted, Examined, Decided, Served}

// States lists the states in order.
func States() []State { return slices.Clone(states) }

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(states, s) }

// Open reports whether the remedy still waits for a decision.
func (s State) Open() bool { return s == Filed || s == Forwarded || s == Registered || s == Examined }

// Label is the state's Chinese name.
func (s State) Label() string {
	switch s {
	case Filed:
		return "待立案"
	case Forwarded:
		return "已报送上级法院"
	case Registered:
		return "审查中"
	case NotAccepted:
		return "不予受理"
	case Examined:
		return "审查完毕待裁定"
	case Decided:
		return "已裁定待送达"
	case Served:
		return "已送达"
	}
	return string(s)
}

// Outcome is how a remedy was decided.
type Outcome string

const (
	Upheld    Outcome = "upheld"    // 异议成立 / 复议：维持
	Rejected  Outcome = "rejected"  // 驳回
	Partially Outcome = "partially" // 部分成立
	Withdrawn Outcome = "withdrawn" // 撤回
	Affirmed  Outcome = "affirmed"  // 复议：驳回复议申请，维持异议裁定
	Reversed  Outcome = "reversed"  // 复议：撤销或变更异议裁定
	Remanded  Outcome = "remanded"  // 复议：发回重新审查（只能一次，OBJ-3）
)

// Outcomes lists the outcomes a remedy of kind k may be decided with.
func (k Kind) Outcomes() []Outcome {
	if k == Review {
		return []Outcome{Affirmed, Reversed, Remanded, Withdrawn}
	}
	return []Outcome{Upheld, Rejected, Partially, Withdrawn}
}

// Label is the outcome's Chinese name.
func (o Outcome) Label() string {
	switch o {
	case Upheld:
		return "异议成立"
	case Rejected:
		return "驳回"
	case Partially:
		return "部分成立"
	case Withdrawn:
		return "撤回"
	case Affirmed:
		return "驳回复议申请，维持原裁定"
	case Reversed:
		return "撤销或变更原裁定"
	case Remanded:
		return "发回重新审查"
	}
	return string(o)
}

// Role is who applied.
type Role string

var roles = []struct {
	Code  Role
	Label string
}{
	{"applicant", "申请执行人"}, {"respondent", "被执行人"}, {"interested", "利害关系人"}, {"outsider", "案外人"}, {"other", "其他"},
}

// Roles lists the applicant roles with their labels.
func Roles() []struct {
	Code  Role
	Label string
} {
	return slices.Clone(roles)
}

// Label is the role's Chinese name.
func (r Role) Label() string {
	for _, x := range roles {
		if x.Code == r {
			return x.Label
		}
	}
	return string(r)
}

func (r Role) valid() bool {
	return slices.ContainsFunc(roles, func(x struct {
		Code  Role
		Label string
	}) bool {
		return x.Code == r
	})
}

// Remedy is a remedy as people read it.
type Remedy struct {
	ID              uuid.UUID
	CourtID         uuid.UUID // the examining court
	CourtName       string
	OriginCourtID   uuid.UUID // the case's court
	OriginCourtName string
	CaseID          uuid.UUID
	CaseNo          string
	PartyNames      string
	Kind            Kind
	State           State
	ReviewedID      uuid.UUID // 复议: the objection reviewed
	ReviewedNumber  string
	Number          string
	ApplicantName   string
	ApplicantRole   Role
	ApplicantPhone  string
	Request         string
	Grounds         string
	AssetID         uuid.UUID
	AssetLabel      string

	ReceivedOn        legal.Date
	RestartedOn       legal.Date
	ForwardedOn       legal.Date
	RegisteredOn      legal.Date
	NotAcceptedReason string
	ExaminedOn        legal.Date
	Examination       string
	DecidedOn         legal.Date
	Outcome           Outcome
	Decision          string
	ServedOn          legal.Date
	Extended          bool
	ExtensionReason   string
	ExtendedByName    string
	Remands           int

	Clock    legal.RemedyClock
	ReviewBy legal.Date // after service of an objection ruling: the last day of 复议 (OBJ-3)
	SuitBy   legal.Date // after service of an outsider ruling: the last day of the suit (OBJ-4)
	DueOn    legal.Date // the next due day of the current state

	AssetStopped bool // OBJ-4: enforcement against AssetID stopped by this remedy

	CreatedByName string
	CreatedAt     time.Time
	UpdatedAt     time.Time

	Steps []Step // by GetRemedy and the changes
}

// Step is one recorded step of a remedy.
type Step struct {
	Step      string
	On        legal.Date
	Summary   string
	ActorName string
	At        time.Time
}

// Overdue reports whether the current state's due day is past on today.
func (r *Remedy) Overdue(today legal.Date) bool {
	return r.State.Open() && !r.DueOn.IsZero() && r.DueOn.Before(today)
}

// Title names the remedy: its number, else its kind and applicant.
func (r *Remedy) Title() string {
	if r.Number != "" {
		return r.Kind.Label() + " " + r.Number
	}
	return r.Kind.Label() + "（" + r.ApplicantName + "）"
}

// Limits of the texts.
const (
	maxName     = 64
	maxPhone    = 32
	maxRequest  = 2000
	maxGrounds  = 4000
	maxDecision = 4000
	maxReason   = 1000
)

func text(s, field, code, label string, max int, required bool) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" && required {
		return "", apperr.InvalidField(code+"_required", field, "请填写"+label)
	}
	if utf8.RuneCountInString(s) > max {
		return "", apperr.InvalidField(code+"_too_long", field, fmt.Sprintf("%s不能超过 %d 个字", label, max))
	}
	return s, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Milestone is one of a remedy's clocks with the day it was met.
type Milestone struct {
	Code  string // register, forward, decide, overall
	Label string // Chinese
	Rule  string // DOMAIN.md rule
	Due   legal.Date
	Done  legal.Date // zero: not yet
}

// Late reports whether the milestone was met after its due day, or is
// still open past it on today.
func (m Milestone) Late(today legal.Date) bool {
	if !m.Done.IsZero() {
		return m.Done.After(m.Due)
	}
	return m.Due.Before(today)
}

// Status words the milestone on today: 按期 / 逾期 N 日 (met), 剩余 N 日 /
// 今日到期 / 已超期 N 日 (open).
func (m Milestone) Status(today legal.Date) string {
	switch {
	case !m.Done.IsZero() && m.Done.After(m.Due):
		return fmt.Sprintf("%s 完成，逾期 %d 日", m.Done, m.Done.Sub(m.Due))
	case !m.Done.IsZero():
		return m.Done.String() + " 完成，按期"
	case m.Due.Before(today):
		return fmt.Sprintf("已超期 %d 日", today.Sub(m.Due))
	case m.Due == today:
		return "今日到期"
	}
	return fmt.Sprintf("剩余 %d 日", m.Due.Sub(today))
}

// Milestones lists the court's clocks of the remedy (DOMAIN.md §6) with
// the day each was met: registration (OBJ-1, XF-1), forwarding (OBJ-3), the
// examination or handling (OBJ-2, OBJ-3, OBJ-4, XF-1) and the overall
// limit (OBJ-5). The parties' windows after service (ReviewBy, SuitBy) are
// not the court's and are not listed.
func (r *Remedy) Milestones() []Milestone {
	var out []Milestone
	add := func(code, label, rule string, due, done legal.Date) {
		if !due.IsZero() {
			out = append(out, Milestone{Code: code, Label: label, Rule: rule, Due: due, Done: done})
		}
	}
	decided := r.DecidedOn
	if r.State == NotAccepted {
		decided = legal.Date{}
	}
	registered := r.RegisteredOn
	if r.State == NotAccepted {
		registered = r.DecidedOn
	}
	switch r.Kind {
	case Objection, Outsider:
		add("register", "立案并通知当事人（或裁定不予受理）", "OBJ-1", r.Clock.RegisterBy, registered)
		if r.State != NotAccepted {
			rule := "OBJ-2"
			if r.Kind == Outsider {
				rule = "OBJ-4"
			}
			add("decide", "审查并裁定", rule, r.Clock.DecideBy, decided)
			add("overall", "审结总期限", "OBJ-5", r.Clock.OverallBy, decided)
		}
	case Review:
		add("forward", "报送上一级法院", "OBJ-3", r.Clock.ForwardBy, r.ForwardedOn)
		if r.State != NotAccepted {
			add("decide", "复议审查并裁定", "OBJ-3", r.Clock.DecideBy, decided)
		}
	case Complaint:
		add("register", "登记", "XF-1", r.Clock.RegisterBy, registered)
		if r.State != NotAccepted {
			add("decide", "办结", "XF-1", r.Clock.DecideBy, decided)
		}
	}
	return out
}
