package supervise

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/rulexpr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Subject kinds: what a rule watches.
const (
	SubjectCase    = "case"
	SubjectControl = "control" // a freeze or seizure (查控)
	SubjectAccount = "account" // a creditor's account of a case holding money (案款)
)

// Subject names one watched thing.
type Subject struct {
	Kind string
	ID   uuid.UUID
}

func (s Subject) String() string { return s.Kind + ":" + s.ID.String() }

// Facts is what a loader knows of a subject: its case and owners, the
// values conditions read (Values, a pointer to the kind's facts struct) and
// its dates (anchors).
type Facts struct {
	Subject   Subject
	CourtID   uuid.UUID
	CaseID    uuid.UUID
	CaseNo    string
	TeamID    uuid.UUID
	HandlerID uuid.UUID
	Label     string // what the subject is, for an item's title: "案件", "查封 粤B12345（车辆）"
	Values    any
	Dates     map[string]legal.Date
}

// Loader reads a subject's facts; nil, nil when it no longer exists.
type Loader func(ctx context.Context, q store.Querier, id uuid.UUID) (*Facts, error)

// CaseFacts are the facts of a case.
type CaseFacts struct {
	CaseType       string   `expr:"case_type"`
	Lane           string   `expr:"lane"`
	Status         string   `expr:"status"`  // filed, in_progress, suspended, deferred, closed
	Closure        string   `expr:"closure"` // CODE-3 when closed
	Closed         bool     `expr:"closed"`
	Suspended      bool     `expr:"suspended"` // 中止 or 暂缓: the clock stands still
	NonLitigation  bool     `expr:"non_litigation"`
	ClaimFen       int64    `expr:"claim_amount_fen"`
	RecoveredFen   int64    `expr:"recovered_amount_fen"`
	HasHandler     bool     `expr:"has_handler"`
	Inquiries      int      `expr:"inquiries"`       // online inquiries sent (网络查控)
	ControlsActive int      `expr:"controls_active"` // freezes and seizures in force
	Measures       []string `expr:"measures"`        // measure kinds on file (see cases.MeasureKinds)
	NoticeServed   bool     `expr:"notice_served"`
	ReportOrder    bool     `expr:"report_order"`
	ConsumptionBan bool     `expr:"consumption_ban"`
	Dishonest      bool     `expr:"dishonest_listed"`
	Uploaded       bool     `expr:"zhongben_uploaded"`
	Removed        bool     `expr:"zhongben_removed"`
	Restored       bool     `expr:"restored"`       // a 执恢 case restores it
	DisposalsOpen  int      `expr:"disposals_open"` // assets under disposal (财产处置), not ended
}

// ControlFacts are the facts of a freeze or seizure.
type ControlFacts struct {
	Op           string `expr:"op"`     // freeze, seize
	Status       string `expr:"status"` // requested, active, waiting, failed, released, expired
	AmountFen    int64  `expr:"amount_fen"`
	AssetKind    string `expr:"asset_kind"`
	Preservation bool   `expr:"preservation"`
	CaseClosed   bool   `expr:"case_closed"`
}

// AccountFacts are the facts of a creditor's account holding case money.
type AccountFacts struct {
	BalanceFen int64 `expr:"balance_fen"`
	Postponed  bool  `expr:"postponed"` // payout postponed (FUND-5)
	CaseClosed bool  `expr:"case_closed"`
}

type anchor struct{ name, label string }

type subjectKind struct {
	kind, label string
	anchors     []anchor
	env         *rulexpr.Env
	zero        func() any
	// dailyRecheck: the subject's facts change in places that do not all
	// Touch it, so a subject with a live item is looked at every day.
	dailyRecheck bool
}

func (s *subjectKind) anchorChoices() string {
	var parts []string
	for _, a := range s.anchors {
		parts = append(parts, a.name+"（"+a.label+"）")
	}
	return strings.Join(parts, "、")
}

func (s *subjectKind) anchorLabel(name string) string {
	for _, a := range s.anchors {
		if a.name == name {
			return a.label
		}
	}
	return name
}

// exprNames lists the expr names of a facts struct's fields.
func exprNames(v any) []string {
	t := reflect.TypeOf(v)
	names := make([]string, t.NumField())
	for i := range names {
		names[i] = t.Field(i).Tag.Get("expr")
	}
	return names
}

var subjects = []*subjectKind{
	{kind: SubjectCase, label: "案件", anchors: []anchor{{"filed_on", "立案日期"}, {"received_on", "收到申请日期"},
		{"assigned_on", "分案日期"}, {"deadline", "执行期限届满日"}, {"closed_on", "结案日期"}, {"restored_on", "恢复执行立案日期"},
		{"valuation_due", "启动确定参考价的期限（最早一项）"}, {"disposal_idle_since", "处置最后办理日（最早一项）"},
		{"auction_failed_on", "流拍日（最早一项）"}},
		env: rulexpr.NewEnv(CaseFacts{}, exprNames(CaseFacts{}), "notice_served"), zero: func() any { return &CaseFacts{} }},
	{kind: SubjectControl, label: "冻结查封", anchors: []anchor{{"term_to", "期限届满日"}, {"effective_on", "生效日期"}},
		env: rulexpr.NewEnv(ControlFacts{}, exprNames(ControlFacts{}), "status"), zero: func() any { return &ControlFacts{} },
		dailyRecheck: true},
	{kind: SubjectAccount, label: "案款", anchors: []anchor{{"due_on", "应发放期限"}},
		env: rulexpr.NewEnv(AccountFacts{}, exprNames(AccountFacts{}), "balance_fen"), zero: func() any { return &AccountFacts{} },
		dailyRecheck: true},
}

func subjectOf(kind string) *subjectKind {
	for _, s := range subjects {
		if s.kind == kind {
			return s
		}
	}
	return nil
}

func subjectChoices() string {
	var parts []string
	for _, s := range subjects {
		parts = append(parts, s.kind+"（"+s.label+"）")
	}
	return strings.Join(parts, "、")
}

// SubjectLabel is a subject kind's Chinese name.
func SubjectLabel(kind string) string {
	if s := subjectOf(kind); s != nil {
		return s.label
	}
	return kind
}

// SubjectFacts describes, for the rule editor, a subject kind's facts and
// dates.
type SubjectFacts struct {
	Kind, Label string
	Facts       []string
	Anchors     []struct{ Name, Label string }
}

// Vocabulary lists every subject kind with its facts and dates.
func Vocabulary() []SubjectFacts {
	var out []SubjectFacts
	for _, s := range subjects {
		sf := SubjectFacts{Kind: s.kind, Label: s.label, Facts: s.env.Facts()}
		for _, a := range s.anchors {
			sf.Anchors = append(sf.Anchors, struct{ Name, Label string }{a.name, a.label})
		}
		out = append(out, sf)
	}
	return out
}

// Functions lists the functions conditions may call.
func Functions() []string { return rulexpr.Functions() }

var (
	loadersMu sync.RWMutex
	loaders   = map[string]Loader{SubjectCase: loadCase, SubjectControl: loadControl}
)

// RegisterLoader sets the loader of a subject kind whose facts another
// package owns (funds registers the account's).
func RegisterLoader(kind string, l Loader) {
	if subjectOf(kind) == nil {
		panic("supervise: unknown subject kind " + kind)
	}
	loadersMu.Lock()
	defer loadersMu.Unlock()
	loaders[kind] = l
}

func load(ctx context.Context, q store.Querier, s Subject) (*Facts, error) {
	loadersMu.RLock()
	l := loaders[s.Kind]
	loadersMu.RUnlock()
	if l == nil {
		return nil, fmt.Errorf("supervise: no loader for %s", s.Kind)
	}
	f, err := l(ctx, q, s.ID)
	if f != nil {
		f.Subject = s
	}
	return f, err
}

// CaseOwner is what every loader needs of a subject's case.
type CaseOwner struct {
	CourtID, CaseID, TeamID, HandlerID uuid.UUID
	CaseNo                             string
	Closed                             bool
}

// LoadCaseOwner reads a case's court, number, team, handler and whether it
// is closed; nil when there is no such case.
func LoadCaseOwner(ctx context.Context, q store.Querier, caseID uuid.UUID) (*CaseOwner, error) {
	o := &CaseOwner{CaseID: caseID}
	var team, handler uuid.NullUUID
	var status string
	err := q.QueryRow(ctx, `SELECT court_id, case_no, team_id, handler_id, status FROM cases WHERE id = ?`, caseID).
		Scan(&o.CourtID, &o.CaseNo, &team, &handler, &status)
	if store.IsNoRows(err) {
		return nil, nil
	}
	o.TeamID, o.HandlerID, o.Closed = team.UUID, handler.UUID, status == "closed"
	return o, err
}

// Facts returns the facts skeleton of a subject of this case.
func (o *CaseOwner) Facts(label string, values any, dates map[string]legal.Date) *Facts {
	return &Facts{CourtID: o.CourtID, CaseID: o.CaseID, CaseNo: o.CaseNo, TeamID: o.TeamID, HandlerID: o.HandlerID, Label: label,
		Values: values, Dates: dates}
}

func loadCase(ctx context.Context, q store.Querier, id uuid.UUID) (*Facts, error) {
	v := &CaseFacts{}
	f := &Facts{CaseID: id, Label: "案件", Values: v, Dates: map[string]legal.Date{}}
	var team, handler uuid.NullUUID
	var assigned, closed, restored, valuationDue, failedOn *legal.Date
	var filed, received, deadline legal.Date
	var idleSince instantDate
	err := q.QueryRow(ctx, `SELECT c.court_id, c.case_no, c.team_id, c.handler_id, c.case_type, c.lane, c.status, c.closure,
			c.non_litigation, c.claim_amount_fen, c.recovered_amount_fen, c.filed_on, c.received_on, c.assigned_on, c.deadline, c.closed_on,
			(SELECT COUNT(*) FROM asset_inquiries i WHERE i.case_id = c.id),
			(SELECT COUNT(*) FROM controls k WHERE k.case_id = c.id AND k.status = 'active'),
			(SELECT MIN(r.filed_on) FROM cases r WHERE r.origin_case_id = c.id),
			(SELECT COUNT(*) FROM disposals d WHERE d.case_id = c.id AND d.stage NOT IN ('completed', 'unsold', 'withdrawn')),
			(SELECT MIN(d.valuation_due) FROM disposals d WHERE d.case_id = c.id AND d.stage = 'valuation' AND d.started_on IS NULL),
			(SELECT MIN(d.updated_at) FROM disposals d WHERE d.case_id = c.id AND d.stage IN ('valuation', 'priced', 'failed')),
			(SELECT MIN(d.failed_on) FROM disposals d WHERE d.case_id = c.id AND d.stage = 'failed')
		FROM cases c WHERE c.id = ?`, id).Scan(&f.CourtID, &f.CaseNo, &team, &handler, &v.CaseType, &v.Lane, &v.Status, &v.Closure,
		&v.NonLitigation, &v.ClaimFen, &v.RecoveredFen, &filed, &received, &assigned, &deadline, &closed, &v.Inquiries, &v.ControlsActive,
		&restored, &v.DisposalsOpen, &valuationDue, &idleSince, &failedOn)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	f.TeamID, f.HandlerID = team.UUID, handler.UUID
	v.Closed, v.HasHandler = v.Status == "closed", handler.Valid
	v.Suspended = v.Status == "suspended" || v.Status == "deferred"
	f.Dates["filed_on"], f.Dates["received_on"], f.Dates["deadline"] = filed, received, deadline
	// The disposal dates (DOMAIN §8): the earliest of the case's open
	// disposals — VAL-1's start, the last action on one not on sale, the
	// failed auction waiting to be listed again (AUCT-9).
	for name, d := range map[string]*legal.Date{"assigned_on": assigned, "closed_on": closed, "restored_on": restored,
		"valuation_due": valuationDue, "auction_failed_on": failedOn} {
		if d != nil {
			f.Dates[name] = *d
		}
	}
	if !idleSince.IsZero() {
		f.Dates["disposal_idle_since"] = idleSince.Date
	}
	v.Restored = restored != nil
	rows, err := q.Query(ctx, `SELECT DISTINCT kind FROM case_measures WHERE case_id = ? AND withdrawn_at IS NULL ORDER BY kind`, id)
	if err != nil {
		return nil, err
	}
	kinds, err := store.ScanAll(rows, func(sc store.Scanner) (string, error) {
		var k string
		return k, sc.Scan(&k)
	})
	if err != nil {
		return nil, err
	}
	v.Measures = kinds
	for _, k := range kinds {
		switch k {
		case "notice_served":
			v.NoticeServed = true
		case "report_order":
			v.ReportOrder = true
		case "consumption_ban":
			v.ConsumptionBan = true
		case "dishonest_listed":
			v.Dishonest = true
		case "zhongben_uploaded":
			v.Uploaded = true
		case "zhongben_removed":
			v.Removed = true
		}
	}
	return f, nil
}

// instantDate scans an instant (a timestamp, or on SQLite its text when an
// aggregate hides the column's type) as its date in Asia/Shanghai.
type instantDate struct{ legal.Date }

func (x *instantDate) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		x.Date = legal.Date{}
	case time.Time:
		x.Date = legal.DateOf(v)
	case string:
		return x.Scan([]byte(v))
	case []byte:
		t, err := time.Parse(store.TimeLayout, string(v))
		if err != nil {
			return fmt.Errorf("supervise: instant %q: %w", v, err)
		}
		x.Date = legal.DateOf(t)
	default:
		return fmt.Errorf("supervise: cannot scan %T as an instant", src)
	}
	return nil
}

func loadControl(ctx context.Context, q store.Querier, id uuid.UUID) (*Facts, error) {
	v := &ControlFacts{}
	var caseID uuid.UUID
	var termTo *legal.Date
	var effective *time.Time
	var ref string
	err := q.QueryRow(ctx, `SELECT k.case_id, k.op, k.status, k.amount_fen, a.kind, a.ref, k.preservation, k.term_to, k.effective_at
		FROM controls k JOIN assets a ON a.id = k.asset_id WHERE k.id = ?`, id).Scan(&caseID, &v.Op, &v.Status, &v.AmountFen, &v.AssetKind,
		&ref, &v.Preservation, &termTo, &effective)
	if store.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	o, err := LoadCaseOwner(ctx, q, caseID)
	if err != nil || o == nil {
		return nil, err
	}
	v.CaseClosed = o.Closed
	dates := map[string]legal.Date{}
	if termTo != nil {
		dates["term_to"] = *termTo
	}
	if effective != nil {
		dates["effective_on"] = legal.DateOf(*effective)
	}
	op := map[string]string{"freeze": "冻结", "seize": "查封"}[v.Op]
	return o.Facts(op+" "+ref, v, dates), nil
}
