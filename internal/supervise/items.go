package supervise

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Item is a supervision item.
type Item struct {
	ID             uuid.UUID
	CourtID        uuid.UUID
	CaseID         uuid.UUID
	CaseNo         string
	TeamID         uuid.UUID
	HandlerID      uuid.UUID
	Subject        Subject
	Source         string // rule, manual, list
	RuleID         string
	RuleVersion    int
	Module         string
	Severity       string
	Title          string
	Detail         string
	Status         string // warning, open, answered, closed
	Level          int
	AssigneeID     uuid.UUID
	AssigneeName   string
	DueOn          legal.Date
	RaisedOn       *legal.Date
	AnswerDue      *legal.Date
	EscalateOn     *legal.Date
	ListID         uuid.UUID
	Answer         string
	AnsweredOn     *legal.Date
	AnsweredByName string
	ClosedOn       *legal.Date
	ClosedByName   string
	CloseReason    string
	OnTime         *bool
	HandlingDays   *int
	RaisedByName   string
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Events         []Event
}

// Overdue reports whether an open item is past its answer day.
func (it *Item) Overdue(today legal.Date) bool {
	return it.Status == "open" && it.AnswerDue != nil && today.After(*it.AnswerDue)
}

// StatusLabel is the item status in Chinese.
func StatusLabel(s string) string {
	return map[string]string{"warning": "预警", "open": "待答复", "answered": "已答复待审核", "closed": "已办结"}[s]
}

// CloseReasonLabel is why an item was closed, in Chinese.
func CloseReasonLabel(s string) string {
	return map[string]string{"accepted": "答复已审核通过", "cleared": "条件消除（自动）", "withdrawn": "撤销"}[s]
}

// Event is one step of an item's history.
type Event struct {
	Seq       int
	At        time.Time
	Kind      string
	Level     int
	ActorName string
	Note      string
}

// EventLabel is an event kind in Chinese.
func EventLabel(k string) string {
	return map[string]string{"warned": "预警", "raised": "发起督办", "escalated": "升级督办", "answered": "答复", "returned": "退回重办",
		"closed": "办结", "cleared": "自动消除", "reopened": "重新督办", "withdrawn": "撤销"}[k]
}

const itemColumns = `i.id, i.court_id, i.case_id, c.case_no, i.team_id, i.handler_id, i.subject_kind, i.subject_id, i.source, i.rule_id,
	i.rule_version, i.module, i.severity, i.title, i.detail, i.status, i.level, i.assignee_id, i.assignee_name, i.due_on, i.raised_on,
	i.answer_due, i.escalate_on, i.list_id, i.answer, i.answered_on, i.answered_by_name, i.closed_on, i.closed_by_name, i.close_reason,
	i.on_time, i.handling_days, i.raised_by_name, i.created_at, i.updated_at`

const itemFrom = ` FROM supervision_items i JOIN cases c ON c.id = i.case_id`

func scanItem(sc store.Scanner) (*Item, error) {
	it := &Item{}
	var team, handler, assignee, list uuid.NullUUID
	err := sc.Scan(&it.ID, &it.CourtID, &it.CaseID, &it.CaseNo, &team, &handler, &it.Subject.Kind, &it.Subject.ID, &it.Source, &it.RuleID,
		&it.RuleVersion, &it.Module, &it.Severity, &it.Title, &it.Detail, &it.Status, &it.Level, &assignee, &it.AssigneeName, &it.DueOn,
		&it.RaisedOn, &it.AnswerDue, &it.EscalateOn, &list, &it.Answer, &it.AnsweredOn, &it.AnsweredByName, &it.ClosedOn,
		&it.ClosedByName, &it.CloseReason, &it.OnTime, &it.HandlingDays, &it.RaisedByName, &it.CreatedAt, &it.UpdatedAt)
	it.TeamID, it.HandlerID, it.AssigneeID, it.ListID = team.UUID, handler.UUID, assignee.UUID, list.UUID
	it.CreatedAt, it.UpdatedAt = it.CreatedAt.UTC(), it.UpdatedAt.UTC()
	return it, err
}

// Filter narrows a list of items.
type Filter struct {
	CourtID   uuid.UUID
	Status    string // warning, open, answered, closed, live (all but closed); "" every status
	Module    string
	Level     int
	Mine      bool // assigned to the caller
	TeamID    uuid.UUID
	HandlerID uuid.UUID
	CaseID    uuid.UUID
	ListID    uuid.UUID
	Overdue   bool // open past the answer day
}

// List returns items of the caller's courts (cases.read), by node day then
// id.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Item], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Item]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Item]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[*Item]{}, err
	}
	cond, args := p.CourtFilter("i.court_id")
	where := []string{cond}
	add := func(c string, a ...any) { where, args = append(where, c), append(args, a...) }
	if f.CourtID != uuid.Nil {
		if !p.Sees(f.CourtID) {
			return page.Page[*Item]{}, apperr.NotFoundf("法院")
		}
		add("i.court_id = ?", f.CourtID)
	}
	switch f.Status {
	case "":
	case "live":
		add("i.status <> 'closed'")
	case "warning", "open", "answered", "closed":
		add("i.status = ?", f.Status)
	default:
		return page.Page[*Item]{}, apperr.InvalidField("invalid_status", "query.status", "状态只能是 warning、open、answered、closed 或 live")
	}
	if f.Module != "" {
		if !itemModule(f.Module) {
			return page.Page[*Item]{}, apperr.InvalidField("invalid_module", "query.module", "未知的督办模块；可选："+moduleChoices())
		}
		add("i.module = ?", f.Module)
	}
	if f.Level != 0 {
		if f.Level < 1 || f.Level > 4 {
			return page.Page[*Item]{}, apperr.InvalidField("invalid_level", "query.level", "督办层级只能是 1–4")
		}
		add("i.level = ?", f.Level)
	}
	if f.Mine {
		add("i.assignee_id = ?", p.UserID)
	}
	for _, c := range []struct {
		col string
		id  uuid.UUID
	}{{"i.team_id", f.TeamID}, {"i.handler_id", f.HandlerID}, {"i.case_id", f.CaseID}, {"i.list_id", f.ListID}} {
		if c.id != uuid.Nil {
			add(c.col+" = ?", c.id)
		}
	}
	if f.Overdue {
		add("i.status = 'open' AND i.answer_due < ?", legal.Today(time.Now()))
	}
	if req.Cursor != "" {
		var after struct {
			D  legal.Date
			ID uuid.UUID
		}
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[*Item]{}, err
		}
		add("(i.due_on > ? OR i.due_on = ? AND i.id > ?)", after.D, after.D, after.ID)
	}
	rows, err := q.Query(ctx, `SELECT `+itemColumns+itemFrom+` WHERE `+strings.Join(where, " AND ")+` ORDER BY i.due_on, i.id LIMIT ?`,
		append(args, limit+1)...)
	if err != nil {
		return page.Page[*Item]{}, err
	}
	items, err := store.ScanAll(rows, scanItem)
	if err != nil {
		return page.Page[*Item]{}, err
	}
	return page.Trim(items, limit, func(it *Item) any {
		return struct {
			D  legal.Date
			ID uuid.UUID
		}{it.DueOn, it.ID}
	}), nil
}

// Get returns an item with its history (cases.read).
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Item, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	it, err := scanItem(q.QueryRow(ctx, `SELECT `+itemColumns+itemFrom+` WHERE i.id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(it.CourtID) {
		return nil, apperr.NotFoundf("督办事项")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT seq, at, kind, level, actor_name, note FROM supervision_events WHERE item_id = ? ORDER BY seq`, id)
	if err != nil {
		return nil, err
	}
	it.Events, err = store.ScanAll(rows, func(sc store.Scanner) (Event, error) {
		var e Event
		err := sc.Scan(&e.Seq, &e.At, &e.Kind, &e.Level, &e.ActorName, &e.Note)
		e.At = e.At.UTC()
		return e, err
	})
	return it, err
}

// lockItem reads an item for a change, in scope, with the permission.
func lockItem(ctx context.Context, tx *store.Tx, id uuid.UUID, perm access.Permission) (*access.Principal, *Item, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if err := p.Require(perm); err != nil {
		return nil, nil, err
	}
	it, err := scanItem(tx.QueryRow(ctx, `SELECT `+itemColumns+itemFrom+` WHERE i.id = ?`+tx.ForUpdate("i"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(it.CourtID) {
		return nil, nil, apperr.NotFoundf("督办事项")
	}
	return p, it, err
}

func checkText(field, what, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", apperr.InvalidField(field+"_required", "body."+field, "请填写"+what)
	case utf8.RuneCountInString(s) > max:
		return "", apperr.InvalidField(field+"_too_long", "body."+field, fmt.Sprintf("%s最多 %d 字", what, max))
	}
	return s, nil
}

func wrongStatus(it *Item, what string) error {
	return apperr.New(apperr.Conflict, "invalid_item_status", fmt.Sprintf("督办事项当前为“%s”，不能%s", StatusLabel(it.Status), what))
}

func logItem(ctx context.Context, tx *store.Tx, p *access.Principal, it *Item, kind, note string, ch audit.Changes) error {
	now := time.Now().UTC()
	if err := addEvent(ctx, tx, it.ID, kind, it.Level, p.DisplayName, note, now); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: it.CourtID, Action: "supervision." + kind, ObjectType: "supervision_item",
		ObjectID: it.ID.String(), Summary: fmt.Sprintf("%s %s「%s」：%s", it.CaseNo, EventLabel(kind), it.Title, note), Changes: ch})
}

// Answer records the handler's answer to an open item (cases.work): what
// was done or why the node was missed. On time when by the answer day.
func Answer(ctx context.Context, tx *store.Tx, id uuid.UUID, text string) (*Item, error) {
	p, it, err := lockItem(ctx, tx, id, access.CasesWork)
	if err != nil {
		return nil, err
	}
	if it.Status != "open" {
		return nil, wrongStatus(it, "答复")
	}
	if text, err = checkText("answer", "答复内容", text, 2000); err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	onTime := it.AnswerDue == nil || !today.After(*it.AnswerDue)
	if _, err := tx.Exec(ctx, `UPDATE supervision_items SET status = 'answered', answer = ?, answered_on = ?, answered_by_name = ?,
		on_time = ?, updated_at = ? WHERE id = ?`, text, today, p.DisplayName, onTime, time.Now().UTC(), id); err != nil {
		return nil, err
	}
	it.Status, it.Answer, it.AnsweredOn, it.AnsweredByName, it.OnTime = "answered", text, &today, p.DisplayName, &onTime
	return it, logItem(ctx, tx, p, it, "answered", text, audit.Changes{"status": {From: "open", To: "answered"}})
}

// Close accepts the answer and closes the item (supervision.manage).
func Close(ctx context.Context, tx *store.Tx, id uuid.UUID, note string) (*Item, error) {
	return finish(ctx, tx, id, note, "accepted")
}

// Withdraw closes an item raised in error, answered or not
// (supervision.manage), with the reason.
func Withdraw(ctx context.Context, tx *store.Tx, id uuid.UUID, reason string) (*Item, error) {
	return finish(ctx, tx, id, reason, "withdrawn")
}

func finish(ctx context.Context, tx *store.Tx, id uuid.UUID, note, reason string) (*Item, error) {
	p, it, err := lockItem(ctx, tx, id, access.SupervisionManage)
	if err != nil {
		return nil, err
	}
	switch {
	case reason == "accepted" && it.Status != "answered":
		return nil, wrongStatus(it, "审核办结（须先答复）")
	case reason == "withdrawn" && it.Status == "closed":
		return nil, wrongStatus(it, "撤销")
	}
	what := "审核意见"
	if reason == "withdrawn" {
		what = "撤销理由"
	}
	if note, err = checkText("note", what, note, 1000); err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	var days *int
	if it.RaisedOn != nil {
		d := today.Sub(*it.RaisedOn)
		days = &d
	}
	if _, err := tx.Exec(ctx, `UPDATE supervision_items SET status = 'closed', close_reason = ?, closed_on = ?, closed_by_name = ?,
		escalate_on = NULL, handling_days = ?, updated_at = ? WHERE id = ?`, reason, today, p.DisplayName, days, time.Now().UTC(), id); err != nil {
		return nil, err
	}
	from := it.Status
	it.Status, it.CloseReason, it.ClosedOn, it.ClosedByName, it.HandlingDays = "closed", reason, &today, p.DisplayName, days
	kind := "closed"
	if reason == "withdrawn" {
		kind = "withdrawn"
	}
	return it, logItem(ctx, tx, p, it, kind, note, audit.Changes{"status": {From: from, To: "closed"}, "close_reason": {To: reason}})
}

// Return sends an answer back for more work (supervision.manage): the item
// is open again and escalates on its chain if its level's day has passed.
func Return(ctx context.Context, tx *store.Tx, id uuid.UUID, note string) (*Item, error) {
	p, it, err := lockItem(ctx, tx, id, access.SupervisionManage)
	if err != nil {
		return nil, err
	}
	if it.Status != "answered" {
		return nil, wrongStatus(it, "退回")
	}
	if note, err = checkText("note", "退回理由", note, 1000); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE supervision_items SET status = 'open', updated_at = ? WHERE id = ?`, time.Now().UTC(), id); err != nil {
		return nil, err
	}
	it.Status = "open"
	return it, logItem(ctx, tx, p, it, "returned", note, audit.Changes{"status": {From: "answered", To: "open"}})
}

// ManualInput raises an item by hand.
type ManualInput struct {
	CaseID     uuid.UUID
	Module     string
	Severity   string
	Title      string
	Detail     string
	AnswerDays int
}

// Raise raises an item on a case by hand (supervision.manage): the command
// center's, or a higher court's on a lower court's case (SUP-6). It starts
// at the handler and escalates on SUP-3's chain.
func Raise(ctx context.Context, tx *store.Tx, in ManualInput) (*Item, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.SupervisionManage); err != nil {
		return nil, err
	}
	if in.Module == "" {
		in.Module = "statistics"
	}
	if !itemModule(in.Module) {
		return nil, apperr.InvalidField("invalid_module", "body.module", "未知的督办模块；可选："+moduleChoices())
	}
	if in.Severity == "" {
		in.Severity = "normal"
	}
	if SeverityLabel(in.Severity) == in.Severity {
		return nil, apperr.InvalidField("invalid_severity", "body.severity", "紧急程度只能是 low（提示）、normal（一般）、high（紧急）")
	}
	if in.AnswerDays == 0 {
		in.AnswerDays = 3
	}
	if in.AnswerDays < 1 || in.AnswerDays > MaxAnswer {
		return nil, apperr.InvalidField("invalid_answer_days", "body.answer_days", fmt.Sprintf("答复期限须在 1–%d 日之间", MaxAnswer))
	}
	if in.Title, err = checkText("title", "督办事项标题", in.Title, 100); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(in.Detail) > 2000 {
		return nil, apperr.InvalidField("detail_too_long", "body.detail", "督办要求最多 2000 字")
	}
	o, err := LoadCaseOwner(ctx, tx, in.CaseID)
	if err != nil {
		return nil, err
	}
	if o == nil || !p.Sees(o.CourtID) {
		return nil, apperr.NotFoundf("案件")
	}
	if o.Closed {
		return nil, apperr.New(apperr.Conflict, "case_closed", "案件已结案，不能发起督办")
	}
	return insertManual(ctx, tx, p, o, "manual", uuid.Nil, in, legal.Today(time.Now()).AddDays(in.AnswerDays))
}

// insertManual writes an item raised by a person (by hand or by a list),
// due on answerDue.
func insertManual(ctx context.Context, tx *store.Tx, p *access.Principal, o *CaseOwner, source string, list uuid.UUID, in ManualInput,
	answerDue legal.Date) (*Item, error) {
	r, err := newRun(ctx, tx, legal.Today(time.Now()))
	if err != nil {
		return nil, err
	}
	who, err := r.assignee(ctx, 1, o.CourtID, o.TeamID, o.HandlerID)
	if err != nil {
		return nil, err
	}
	today := r.today
	it := &Item{ID: store.NewID(), CourtID: o.CourtID, CaseID: o.CaseID, CaseNo: o.CaseNo, TeamID: o.TeamID, HandlerID: o.HandlerID,
		Subject: Subject{SubjectCase, o.CaseID}, Source: source, Module: in.Module, Severity: in.Severity, Title: in.Title,
		Detail: strings.TrimSpace(in.Detail), Status: "open", Level: 1, AssigneeID: who.id, AssigneeName: who.name, DueOn: answerDue,
		RaisedOn: &today, AnswerDue: &answerDue, ListID: list, RaisedByName: p.DisplayName, CreatedAt: r.now, UpdatedAt: r.now}
	// The chain runs from the answer day: the team leader 3 days after it …
	chain := make([]int, len(DefaultEscalation))
	for i, d := range DefaultEscalation {
		chain[i] = answerDue.Sub(today) + d
	}
	if e := escalateOn(today, chain, 1); !e.IsZero() {
		it.EscalateOn = &e
	}
	if _, err := tx.Exec(ctx, `INSERT INTO supervision_items (id, court_id, case_id, team_id, handler_id, subject_kind, subject_id, source,
			module, severity, title, detail, status, level, assignee_id, assignee_name, due_on, raised_on, answer_due, escalate_on, escalation,
			list_id, raised_by_name, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 'case', ?, ?, ?, ?, ?, ?, 'open', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.CourtID, it.CaseID, store.NullID(it.TeamID), store.NullID(it.HandlerID), it.CaseID, source, it.Module, it.Severity,
		it.Title, it.Detail, store.NullID(it.AssigneeID), it.AssigneeName, it.DueOn, today, answerDue, it.EscalateOn, ChainText(chain),
		store.NullID(list), p.DisplayName, r.now, r.now); err != nil {
		return nil, err
	}
	note := "答复期限 " + answerDue.String()
	if who.name != "" {
		note += "；交 " + who.name + "（" + LevelLabel(1) + "）"
	}
	return it, logItem(ctx, tx, p, it, "raised", note, audit.Changes{"title": {To: it.Title}, "source": {To: source}})
}
