// Package hotline is the command center's hotline (热线, DOMAIN.md §1.1:
// command-center staff handle the hotline): calls are recorded —
// consultations, questions about a case's progress, requests to reach the
// judge, complaints handed on — with the caller, an optional case, the
// person or team the call is routed to and the answer deadline, then closed
// with the answer and whether it came on time.
//
// The deadline is local practice, not a DOMAIN.md rule: HOT-1 (rule
// parameters HOT-1/progress_working_days, seeded 1 working day, and
// HOT-1/other_working_days, seeded 3), counted in working days from the day
// of the call (PER-1, PER-5).
package hotline

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Kind is what the caller wants.
type Kind string

const (
	Consult    Kind = "consult"     // 咨询
	Progress   Kind = "progress"    // 询问案件进度
	ReachJudge Kind = "reach_judge" // 联系承办法官
	Complaint  Kind = "complaint"   // 投诉（转信访）
)

var kinds = []Kind{Consult, Progress, ReachJudge, Complaint}

// Kinds lists the kinds in display order.
func Kinds() []Kind { return slices.Clone(kinds) }

// Valid reports whether k is known.
func (k Kind) Valid() bool { return slices.Contains(kinds, k) }

// Label is the kind's Chinese name.
func (k Kind) Label() string {
	switch k {
	case Consult:
		return "咨询"
	case Progress:
		return "询问案件进度"
	case ReachJudge:
		return "联系承办法官"
	case Complaint:
		return "投诉（转信访）"
	}
	return string(k)
}

// State is where a call stands.
type State string

const (
	Open   State = "open"   // 待处理
	Routed State = "routed" // 已转办
	Closed State = "closed" // 已答复
)

var states = []State{Open, Routed, Closed}

// Valid reports whether s is known.
func (s State) Valid() bool { return slices.Contains(states, s) }

// Label is the state's Chinese name.
func (s State) Label() string {
	switch s {
	case Open:
		return "待处理"
	case Routed:
		return "已转办"
	case Closed:
		return "已答复"
	}
	return string(s)
}

// Call is a hotline call.
type Call struct {
	ID             uuid.UUID
	CourtID        uuid.UUID
	CourtName      string
	Kind           Kind
	State          State
	CallerName     string
	CallerPhone    string
	CaseID         uuid.UUID
	CaseNo         string
	Question       string
	ReceivedAt     time.Time
	DueOn          legal.Date
	RoutedUserID   uuid.UUID
	RoutedUserName string
	RoutedTeamID   uuid.UUID
	RoutedTeamName string
	RouteNote      string
	RoutedByName   string
	RoutedAt       time.Time
	Answer         string
	AnsweredByName string
	ClosedAt       time.Time
	ClosedOn       legal.Date
	OnTime         *bool // once closed
	CreatedByName  string
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// MaskedPhone is the caller's phone for lists (138****5678).
func (c *Call) MaskedPhone() string { return legal.MaskPhone(c.CallerPhone) }

// Overdue reports whether an open call is past its deadline on today.
func (c *Call) Overdue(today legal.Date) bool { return c.State != Closed && c.DueOn.Before(today) }

// AnsweredLate reports whether the call was answered after its deadline.
func (c *Call) AnsweredLate() bool { return c.OnTime != nil && !*c.OnTime }

// RoutedTo names who the call went to.
func (c *Call) RoutedTo() string {
	switch {
	case c.RoutedUserName != "" && c.RoutedTeamName != "":
		return c.RoutedUserName + "（" + c.RoutedTeamName + "）"
	case c.RoutedUserName != "":
		return c.RoutedUserName
	}
	return c.RoutedTeamName
}

const (
	maxName     = 64
	maxPhone    = 32
	maxQuestion = 2000
	maxAnswer   = 4000
	maxNote     = 1000
)

const columns = `h.id, h.court_id, ct.short_name, h.kind, h.state, h.caller_name, h.caller_phone, h.case_id, COALESCE(k.case_no, ''), h.question,
	h.received_at, h.due_on, h.routed_user_id, COALESCE(u.display_name, ''), h.routed_team_id, COALESCE(t.name, ''), h.route_note,
	h.routed_by_name, h.routed_at, h.answer, h.answered_by_name, h.closed_at, h.closed_on, h.on_time, h.created_by_name, h.created_at,
	h.updated_at`

const from = ` FROM hotline_calls h JOIN courts ct ON ct.id = h.court_id LEFT JOIN cases k ON k.id = h.case_id
	LEFT JOIN users u ON u.id = h.routed_user_id LEFT JOIN teams t ON t.id = h.routed_team_id`

func scan(sc store.Scanner) (*Call, error) {
	c := &Call{}
	var caseID, user, team uuid.NullUUID
	var routed, closed *time.Time
	var onTime *bool
	err := sc.Scan(&c.ID, &c.CourtID, &c.CourtName, &c.Kind, &c.State, &c.CallerName, &c.CallerPhone, &caseID, &c.CaseNo, &c.Question,
		&c.ReceivedAt, &c.DueOn, &user, &c.RoutedUserName, &team, &c.RoutedTeamName, &c.RouteNote, &c.RoutedByName, &routed, &c.Answer,
		&c.AnsweredByName, &closed, &c.ClosedOn, &onTime, &c.CreatedByName, &c.CreatedAt, &c.UpdatedAt)
	if err != nil {
		return nil, err
	}
	c.CaseID, c.RoutedUserID, c.RoutedTeamID, c.OnTime = caseID.UUID, user.UUID, team.UUID, onTime
	if routed != nil {
		c.RoutedAt = routed.UTC()
	}
	if closed != nil {
		c.ClosedAt = closed.UTC()
	}
	c.ReceivedAt, c.CreatedAt, c.UpdatedAt = c.ReceivedAt.UTC(), c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, nil
}

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

func load(ctx context.Context, q store.Querier, id uuid.UUID) (*Call, error) {
	c, err := scan(q.QueryRow(ctx, `SELECT `+columns+from+` WHERE h.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("热线来电")
	}
	return c, err
}

func lock(ctx context.Context, tx *store.Tx, id uuid.UUID) (*access.Principal, *Call, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Require(access.HotlineManage); err != nil {
		return nil, nil, err
	}
	var court uuid.UUID
	err = tx.QueryRow(ctx, `SELECT court_id FROM hotline_calls WHERE id = ?`+tx.ForUpdate(), id).Scan(&court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return nil, nil, apperr.NotFoundf("热线来电")
	}
	if err != nil {
		return nil, nil, err
	}
	c, err := load(ctx, tx, id)
	return p, c, err
}

func log(ctx context.Context, tx *store.Tx, c *Call, action, summary string, ch audit.Changes) error {
	if c.CaseID != uuid.Nil {
		if err := cases.AppendEvents(ctx, tx, c.CaseID, cases.Event{Kind: "hotline." + action, Summary: summary}); err != nil {
			return err
		}
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "hotline." + action, ObjectType: "hotline_call", ObjectID: c.ID.String(),
		Summary: summary, Changes: ch})
}

// DueDays is the answer deadline of a kind in working days (HOT-1).
func DueDays(v ruleparams.Values, k Kind) int {
	if k == Progress {
		return v.Int(ruleparams.KeyHotlineProgressWorkdays)
	}
	return v.Int(ruleparams.KeyHotlineOtherWorkdays)
}

// RecordInput is a call as taken.
type RecordInput struct {
	CourtID     uuid.UUID // the court answering; default the caller's court, or the case's
	Kind        Kind
	CallerName  string
	CallerPhone string
	CaseID      uuid.UUID // optional
	Question    string
	ReceivedAt  time.Time // default now
}

// Record records a call (hotline.manage) and computes its answer deadline.
func Record(ctx context.Context, tx *store.Tx, in RecordInput) (*Call, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.HotlineManage); err != nil {
		return nil, err
	}
	var probs apperr.Problems
	if !in.Kind.Valid() {
		var labels []string
		for _, k := range kinds {
			labels = append(labels, string(k)+"（"+k.Label()+"）")
		}
		probs.Add("invalid_kind", "body.kind", "请选择来电事由："+strings.Join(labels, "、"))
	}
	name, err := text(in.CallerName, "body.caller_name", "caller_name", "来电人姓名", maxName, true)
	if err != nil {
		probs.AddErr("body.caller_name", err)
	}
	phone, err := text(in.CallerPhone, "body.caller_phone", "caller_phone", "来电号码", maxPhone, true)
	if err != nil {
		probs.AddErr("body.caller_phone", err)
	} else if strings.Trim(phone, "0123456789-+ ()") != "" {
		probs.Add("invalid_phone", "body.caller_phone", "来电号码只能包含数字、空格、括号、+ 和 -")
	}
	question, err := text(in.Question, "body.question", "question", "来电内容", maxQuestion, true)
	if err != nil {
		probs.AddErr("body.question", err)
	}
	now := time.Now().UTC()
	received := in.ReceivedAt.UTC().Truncate(time.Second)
	if in.ReceivedAt.IsZero() {
		received = now.Truncate(time.Second)
	} else if received.After(now.Add(5 * time.Minute)) {
		probs.Add("received_in_future", "body.received_at", "来电时间不能晚于现在")
	}
	court := in.CourtID
	if in.CaseID != uuid.Nil {
		var caseCourt uuid.UUID
		err := tx.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, in.CaseID).Scan(&caseCourt)
		switch {
		case store.IsNoRows(err) || err == nil && !p.Sees(caseCourt):
			probs.Add("unknown_case", "body.case_id", "案件不存在")
		case err != nil:
			return nil, err
		case court != uuid.Nil && court != caseCourt:
			probs.Add("case_of_other_court", "body.case_id", "案件不属于所选法院")
		default:
			court = caseCourt
		}
	}
	if court == uuid.Nil {
		court = p.CourtID
	}
	if court == uuid.Nil || !p.Sees(court) {
		probs.Add("unknown_court", "body.court_id", "法院不存在")
	}
	if err := probs.Err(); err != nil {
		return nil, err
	}
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return nil, err
	}
	day := legal.DateOf(received)
	v, err := ruleparams.Resolve(ctx, tx, court, day)
	if err != nil {
		return nil, err
	}
	c := &Call{ID: store.NewID(), CourtID: court, Kind: in.Kind, State: Open, CallerName: name, CallerPhone: phone, CaseID: in.CaseID,
		Question: question, ReceivedAt: received, DueOn: cal.WorkingDaysEnd(day, DueDays(v, in.Kind), v.PeriodRules())}
	if _, err := tx.Exec(ctx, `INSERT INTO hotline_calls (id, court_id, kind, state, caller_name, caller_phone, case_id, question, received_at,
		due_on, created_by, created_by_name, created_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.CourtID, string(c.Kind), c.CallerName, c.CallerPhone, store.NullID(c.CaseID), c.Question, c.ReceivedAt, c.DueOn,
		store.NullID(p.UserID), p.DisplayName, now, now); err != nil {
		return nil, err
	}
	summary := "热线来电（" + c.Kind.Label() + "）：" + c.CallerName + " " + c.MaskedPhone() + "，应于 " + c.DueOn.String() + " 前答复"
	if err := log(ctx, tx, c, "recorded", summary, audit.Changes{"kind": {To: c.Kind}, "caller_name": {To: c.CallerName},
		"due_on": {To: c.DueOn}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, c.ID)
}

// RouteInput sends a call to a person, a team or both.
type RouteInput struct {
	UserID uuid.UUID
	TeamID uuid.UUID
	Note   string
}

// Route sends an open (or routed) call to a person or a team of its court
// (hotline.manage).
func Route(ctx context.Context, tx *store.Tx, id uuid.UUID, in RouteInput) (*Call, error) {
	p, c, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if c.State == Closed {
		return nil, apperr.New(apperr.Conflict, "invalid_transition", "该来电已答复，不能再转办")
	}
	if in.UserID == uuid.Nil && in.TeamID == uuid.Nil {
		return nil, apperr.InvalidField("route_required", "body.user_id", "请选择转办的人员或团队")
	}
	note, err := text(in.Note, "body.note", "note", "转办说明", maxNote, false)
	if err != nil {
		return nil, err
	}
	var to []string
	if in.UserID != uuid.Nil {
		var name string
		err := tx.QueryRow(ctx, `SELECT display_name FROM users WHERE id = ? AND court_id = ? AND disabled_at IS NULL`, in.UserID, c.CourtID).Scan(&name)
		if store.IsNoRows(err) {
			return nil, apperr.InvalidField("invalid_user", "body.user_id", "转办人员须为本院在岗人员")
		}
		if err != nil {
			return nil, err
		}
		to = append(to, name)
	}
	if in.TeamID != uuid.Nil {
		var name string
		err := tx.QueryRow(ctx, `SELECT name FROM teams WHERE id = ? AND court_id = ? AND active`, in.TeamID, c.CourtID).Scan(&name)
		if store.IsNoRows(err) {
			return nil, apperr.InvalidField("invalid_team", "body.team_id", "转办团队须为本院在用的团队")
		}
		if err != nil {
			return nil, err
		}
		to = append(to, name)
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE hotline_calls SET state = 'routed', routed_user_id = ?, routed_team_id = ?, route_note = ?, routed_by_name = ?,
		routed_at = ?, updated_at = ? WHERE id = ?`, store.NullID(in.UserID), store.NullID(in.TeamID), note, p.DisplayName, now, now, c.ID); err != nil {
		return nil, err
	}
	summary := "热线来电（" + c.Kind.Label() + "，" + c.CallerName + "）转办 " + strings.Join(to, "、")
	if note != "" {
		summary += "：" + note
	}
	if err := log(ctx, tx, c, "routed", summary, audit.Changes{"state": {From: c.State, To: Routed}, "routed_to": {To: strings.Join(to, "、")}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, c.ID)
}

// Close records the answer given to the caller (hotline.manage) and
// whether it came by the deadline.
func Close(ctx context.Context, tx *store.Tx, id uuid.UUID, answer string) (*Call, error) {
	p, c, err := lock(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if c.State == Closed {
		return nil, apperr.New(apperr.Conflict, "invalid_transition", "该来电已答复")
	}
	answer, err = text(answer, "body.answer", "answer", "答复内容", maxAnswer, true)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	today := legal.Today(now)
	onTime := !today.After(c.DueOn)
	if _, err := tx.Exec(ctx, `UPDATE hotline_calls SET state = 'closed', answer = ?, answered_by_name = ?, closed_at = ?, closed_on = ?, on_time = ?,
		updated_at = ? WHERE id = ?`, answer, p.DisplayName, now, today, onTime, now, c.ID); err != nil {
		return nil, err
	}
	summary := "热线来电（" + c.Kind.Label() + "，" + c.CallerName + "）已答复"
	if !onTime {
		summary += "，超过答复期限（" + c.DueOn.String() + "）"
	}
	if err := log(ctx, tx, c, "closed", summary, audit.Changes{"state": {From: c.State, To: Closed}, "on_time": {To: onTime}}); err != nil {
		return nil, err
	}
	return load(ctx, tx, c.ID)
}

// Get returns a call (hotline.manage, court in scope).
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Call, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.HotlineManage); err != nil {
		return nil, err
	}
	c, err := load(ctx, q, id)
	if err == nil && !p.Sees(c.CourtID) {
		return nil, apperr.NotFoundf("热线来电")
	}
	return c, err
}

// Filter narrows List.
type Filter struct {
	States  []State
	CaseID  uuid.UUID
	Overdue bool
	Today   legal.Date // for Overdue; zero: today
}

// cursor is the position in the list: open calls first, then by due day.
type cursor struct {
	C int       `json:"c"`
	D string    `json:"d"`
	I uuid.UUID `json:"i"`
}

// List lists the calls of the courts in scope: open (and routed) calls
// first, the earliest deadline — the overdue — at the top; then the closed
// ones. hotline.manage lists every call; cases.read only a case's (with
// CaseID).
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Call], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Call]{}, err
	}
	if !p.Can(access.HotlineManage) && !(f.CaseID != uuid.Nil && p.Can(access.CasesRead)) {
		return page.Page[*Call]{}, apperr.Forbid("")
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*Call]{}, err
	}
	cond, args := p.CourtFilter("h.court_id")
	where := []string{cond}
	if f.CaseID != uuid.Nil {
		where, args = append(where, "h.case_id = ?"), append(args, f.CaseID)
	}
	if len(f.States) > 0 {
		var in []string
		for _, s := range f.States {
			if !s.Valid() {
				return page.Page[*Call]{}, apperr.InvalidField("invalid_state", "query.state", "没有“"+string(s)+"”这种来电状态")
			}
			in, args = append(in, "?"), append(args, string(s))
		}
		where = append(where, "h.state IN ("+strings.Join(in, ", ")+")")
	}
	if f.Overdue {
		today := f.Today
		if today.IsZero() {
			today = legal.Today(time.Now())
		}
		where, args = append(where, "h.state <> 'closed' AND h.due_on < ?"), append(args, today)
	}
	const rank = "(CASE WHEN h.state = 'closed' THEN 1 ELSE 0 END)"
	if req.Cursor != "" {
		var k cursor
		if err := page.Decode(req.Cursor, &k); err != nil {
			return page.Page[*Call]{}, err
		}
		due, err := legal.ParseDate(k.D)
		if err != nil {
			return page.Page[*Call]{}, apperr.InvalidField("invalid_cursor", "query.cursor", "分页游标无效，请从第一页重新查询")
		}
		where = append(where, "("+rank+" > ? OR "+rank+" = ? AND (h.due_on > ? OR h.due_on = ? AND h.id > ?))")
		args = append(args, k.C, k.C, due, due, k.I)
	}
	rows, err := q.Query(ctx, `SELECT `+columns+from+` WHERE `+strings.Join(where, " AND ")+` ORDER BY `+rank+`, h.due_on, h.id LIMIT ?`,
		append(args, limit+1)...)
	if err != nil {
		return page.Page[*Call]{}, err
	}
	out, err := store.ScanAll(rows, scan)
	if err != nil {
		return page.Page[*Call]{}, err
	}
	return page.Trim(out, limit, func(c *Call) any {
		k := cursor{D: c.DueOn.String(), I: c.ID}
		if c.State == Closed {
			k.C = 1
		}
		return k
	}), nil
}
