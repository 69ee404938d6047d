package cases

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/supervise"
)

// Clock is a case's legal clock as shown: the computed deadline with its
// reasons, the node deadlines, and the ledger of extensions and deductions.
type Clock struct {
	Deadline   legal.Deadline
	Entries    []ClockEntry
	Milestones []NodeDeadline
}

// NodeDeadline is a milestone of DOMAIN.md §3 with its due day for this case.
type NodeDeadline struct {
	Code   string
	RuleID string
	Name   string
	Due    legal.Date
}

// ClockEntry is one extension or deduction with its approval.
type ClockEntry struct {
	ID            uuid.UUID
	Kind          string // extension, deduction
	DeductionKind legal.DeductionKind
	From, To      legal.Date
	Months, Days  int
	Status        string // requested, approved, refused
	Reason        string
	RequestedBy   uuid.UUID
	RequestedAt   time.Time
	DecidedBy     uuid.UUID
	DecidedAt     time.Time
	DecisionNote  string
}

// EntryStatusLabel is the Chinese name of an entry status.
func EntryStatusLabel(s string) string {
	return map[string]string{"requested": "待审批", "approved": "已批准", "refused": "未批准"}[s]
}

// caseRules are the rule values (C rules, DOMAIN.md §0) a case's clock runs
// on.
type caseRules struct {
	clock      legal.ClockRules  // CLOCK-2, CLOCK-3, CLOCK-9, PER-5, PER-6
	milestones []legal.Milestone // node limits
}

// resolveRules returns the rule parameters of c's court in force on its
// filing day: the term (CLOCK-2), the counting options and the node limits,
// so a later change of the values does not move the terms of cases already
// filed. The intake decision node (CLOCK-4) takes the limit in force on the
// day of receipt, as the application did.
func resolveRules(ctx context.Context, q store.Querier, c *Case) (*caseRules, error) {
	filed, err := ruleparams.Resolve(ctx, q, c.CourtID, c.FiledOn)
	if err != nil {
		return nil, err
	}
	r := &caseRules{clock: filed.ClockRules(), milestones: filed.Milestones()}
	if !c.ReceivedOn.IsZero() && c.ReceivedOn != c.FiledOn {
		received, err := ruleparams.Resolve(ctx, q, c.CourtID, c.ReceivedOn)
		if err != nil {
			return nil, err
		}
		for i, m := range received.Milestones() {
			if m.From == "received" {
				r.milestones[i] = m
			}
		}
	}
	return r, nil
}

// todayRules returns the clock rules of c's court in force on today: those a
// request made today is checked against (CLOCK-3 extensions, CLOCK-9
// deferrals).
func todayRules(ctx context.Context, q store.Querier, c *Case, today legal.Date) (legal.ClockRules, error) {
	return ruleparams.ClockRules(ctx, q, c.CourtID, today)
}

// computeClock computes c's clock under rules (see resolveRules).
func computeClock(cal *legal.Calendar, c *Case, rules *caseRules, entries []ClockEntry, today legal.Date) *Clock {
	cc := legal.CaseClock{FiledOn: c.FiledOn, NonLitigation: c.NonLitigation}
	for _, e := range entries {
		if e.Status != "approved" {
			continue
		}
		approved := legal.DateOf(e.DecidedAt)
		switch e.Kind {
		case "extension":
			cc.Extensions = append(cc.Extensions, legal.Extension{Months: e.Months, Days: e.Days, ApprovedOn: approved, Reason: e.Reason})
		case "deduction":
			cc.Deductions = append(cc.Deductions, legal.Deduction{Kind: e.DeductionKind, From: e.From, To: e.To, Approved: true, Reason: e.Reason})
		}
	}
	asOf := today
	if c.Status == StatusClosed && !c.ClosedOn.IsZero() {
		asOf = c.ClosedOn
	}
	clk := &Clock{Deadline: cal.CaseDeadline(cc, rules.clock, asOf), Entries: entries}
	for _, m := range rules.milestones {
		var from legal.Date
		switch m.From {
		case "received":
			from = c.ReceivedOn
		case "filed":
			from = c.FiledOn
		case "assigned":
			from = c.AssignedOn
		}
		if from.IsZero() {
			continue
		}
		clk.Milestones = append(clk.Milestones, NodeDeadline{Code: m.Code, RuleID: m.RuleID, Name: m.Name,
			Due: legal.NodeDeadline(cal, from, m.Days, m.Working, rules.clock.Periods)})
	}
	return clk
}

func loadEntries(ctx context.Context, q store.Querier, caseID uuid.UUID) ([]ClockEntry, error) {
	rows, err := q.Query(ctx, `SELECT id, kind, deduction_kind, from_date, to_date, months, days, status, reason, requested_by,
			requested_at, decided_by, decided_at, decision_note
		FROM case_clock_entries WHERE case_id = ? ORDER BY requested_at, id`, caseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ClockEntry
	for rows.Next() {
		var e ClockEntry
		var kind string
		var decidedBy uuid.NullUUID
		var decidedAt sql.NullTime
		if err := rows.Scan(&e.ID, &e.Kind, &kind, &e.From, &e.To, &e.Months, &e.Days, &e.Status, &e.Reason, &e.RequestedBy,
			&e.RequestedAt, &decidedBy, &decidedAt, &e.DecisionNote); err != nil {
			return nil, err
		}
		e.DeductionKind, e.DecidedBy, e.DecidedAt = legal.DeductionKind(kind), decidedBy.UUID, decidedAt.Time
		out = append(out, e)
	}
	return out, rows.Err()
}

// refreshDeadline recomputes the clock of a locked case and stores its
// effective deadline, the figure lists and supervision sort by.
func refreshDeadline(ctx context.Context, tx *store.Tx, c *Case) error {
	cal, err := calendar.Load(ctx, tx.DB())
	if err != nil {
		return err
	}
	entries, err := loadEntries(ctx, tx, c.ID)
	if err != nil {
		return err
	}
	rules, err := resolveRules(ctx, tx, c)
	if err != nil {
		return err
	}
	c.Clock = computeClock(cal, c, rules, entries, legal.Today(time.Now()))
	c.Deadline = c.Clock.Deadline.Effective
	// Written only when either changed (the KPIs read deducted_days, MET-8).
	dd := c.Clock.Deadline.DeductedDays
	if _, err = tx.Exec(ctx, `UPDATE cases SET deadline = ?, deducted_days = ? WHERE id = ? AND (deadline <> ? OR deducted_days <> ?)`, c.Deadline, dd,
		c.ID, c.Deadline, dd); err != nil {
		return err
	}
	// Every change of a case's state, owners or clock comes through here:
	// its supervision rules look at it again (internal/supervise).
	return supervise.TouchCase(ctx, tx, c.ID)
}

func reasonText(field, reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) < 2 || utf8.RuneCountInString(reason) > 1000 {
		return "", apperr.InvalidField("invalid_reason", field, "请写明理由（2 至 1000 字）")
	}
	return reason, nil
}

// DeductionInput asks for an interval to be deducted from the case clock.
type DeductionInput struct {
	Kind   string
	From   legal.Date
	To     legal.Date
	Reason string
}

// RequestDeduction records a deduction request (cases.work); it counts once
// approved (CLOCK-8).
func RequestDeduction(ctx context.Context, tx *store.Tx, id uuid.UUID, in DeductionInput) (*Case, error) {
	p, c, err := lockForWork(ctx, tx, id, access.CasesWork)
	if err != nil {
		return nil, err
	}
	if err := clockOpen(c); err != nil {
		return nil, err
	}
	kind, err := legal.ParseDeductionKind(in.Kind)
	if err != nil {
		return nil, apperr.InvalidField("invalid_deduction_kind", "body.kind", "扣除事由类型不正确")
	}
	switch {
	case in.From.IsZero() || in.To.IsZero():
		return nil, apperr.InvalidField("invalid_date", "body.from", "请填写扣除期间的起止日期")
	case in.To.Before(in.From):
		return nil, apperr.InvalidField("invalid_date_order", "body.to", "扣除期间的结束日期早于开始日期")
	case in.From.Before(c.FiledOn):
		return nil, apperr.InvalidField("invalid_date_order", "body.from", "扣除期间不能早于立案日 "+c.FiledOn.String())
	}
	reason, err := reasonText("body.reason", in.Reason)
	if err != nil {
		return nil, err
	}
	e := ClockEntry{ID: store.NewID(), Kind: "deduction", DeductionKind: kind, From: in.From, To: in.To, Status: "requested",
		Reason: reason, RequestedBy: p.UserID, RequestedAt: time.Now().UTC()}
	if err := insertEntry(ctx, tx, c.ID, e); err != nil {
		return nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	summary := fmt.Sprintf("申请扣除审限：%s %s 至 %s（%s）", kind.Label(), in.From, in.To, reason)
	return c, logCase(ctx, tx, p, c, "clock.deduction_requested", summary, audit.Changes{"entry_id": {To: e.ID.String()}})
}

// RequestExtension records a request to extend the case clock (cases.work),
// refused when asked fewer days before expiry or for more months than the
// court's CLOCK-3 values in force today allow (seeded: 5 days, 3 months).
func RequestExtension(ctx context.Context, tx *store.Tx, id uuid.UUID, months int, reason string) (*Case, error) {
	p, c, err := lockForWork(ctx, tx, id, access.CasesWork)
	if err != nil {
		return nil, err
	}
	if err := clockOpen(c); err != nil {
		return nil, err
	}
	if reason, err = reasonText("body.reason", reason); err != nil {
		return nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	for _, e := range c.Clock.Entries {
		if e.Kind == "extension" && e.Status == "requested" {
			return nil, apperr.New(apperr.Conflict, "extension_pending", "已有待审批的延长申请")
		}
	}
	today := legal.Today(time.Now())
	rules, err := todayRules(ctx, tx, c, today)
	if err != nil {
		return nil, err
	}
	if err := legal.CheckExtensionRequest(c.Clock.Deadline, today, months, rules); err != nil {
		if e, ok := apperr.As(err); ok {
			e.Fields = []apperr.FieldError{{Field: "body.months", Detail: e.Detail}}
			if e.Code == "extension_too_late" {
				e.Kind = apperr.Conflict
			}
		}
		return nil, err
	}
	e := ClockEntry{ID: store.NewID(), Kind: "extension", Months: months, Status: "requested", Reason: reason,
		RequestedBy: p.UserID, RequestedAt: time.Now().UTC()}
	if err := insertEntry(ctx, tx, c.ID, e); err != nil {
		return nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	return c, logCase(ctx, tx, p, c, "clock.extension_requested", fmt.Sprintf("申请延长执行期限 %d 个月（%s）", months, reason),
		audit.Changes{"entry_id": {To: e.ID.String()}})
}

// clockOpen refuses clock changes on a closed case: its term no longer runs.
func clockOpen(c *Case) error {
	if c.Status == StatusClosed {
		return apperr.New(apperr.Conflict, "case_closed", "案件已于 "+c.ClosedOn.String()+" 结案，执行期限不再计算，不能申请或审批扣除、延长")
	}
	return nil
}

func insertEntry(ctx context.Context, tx *store.Tx, caseID uuid.UUID, e ClockEntry) error {
	_, err := tx.Exec(ctx, `INSERT INTO case_clock_entries (id, case_id, kind, deduction_kind, from_date, to_date, months, days,
			status, reason, requested_by, requested_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, e.ID, caseID, e.Kind, string(e.DeductionKind), e.From, e.To,
		e.Months, e.Days, e.Status, e.Reason, e.RequestedBy, e.RequestedAt)
	return err
}

// DecideEntry approves or refuses a clock entry: deductions need
// clock.approve, extensions clock.extend (院长/副院长, CLOCK-3). The deadline is
// recomputed at once.
func DecideEntry(ctx context.Context, tx *store.Tx, caseID, entryID uuid.UUID, approve bool, note string) (*Case, error) {
	p, c, err := lockForWork(ctx, tx, caseID, "")
	if err != nil {
		return nil, err
	}
	if err := clockOpen(c); err != nil {
		return nil, err
	}
	entries, err := loadEntries(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	var e *ClockEntry
	for i := range entries {
		if entries[i].ID == entryID {
			e = &entries[i]
		}
	}
	if e == nil {
		return nil, apperr.NotFoundf("期限申请")
	}
	need := access.ClockApprove
	if e.Kind == "extension" {
		need = access.ClockExtend
	}
	if err := p.Require(need); err != nil {
		return nil, err
	}
	if e.Status != "requested" {
		return nil, apperr.New(apperr.Conflict, "already_decided", "该申请"+EntryStatusLabel(e.Status))
	}
	note = strings.TrimSpace(note)
	if !approve && note == "" {
		return nil, apperr.InvalidField("invalid_reason", "body.note", "不批准的，请写明理由")
	}
	if approve && e.Kind == "extension" {
		// CLOCK-3 is judged on the day of the request; the approval may come
		// later, but not after the clock ran out.
		if err := refreshDeadline(ctx, tx, c); err != nil {
			return nil, err
		}
		if c.Clock.Deadline.Overdue() {
			return nil, apperr.New(apperr.Conflict, "extension_too_late", "执行期限已于 "+c.Clock.Deadline.Effective.String()+" 届满，不能再批准延长（CLOCK-3）")
		}
	}
	status := "refused"
	if approve {
		status = "approved"
	}
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE case_clock_entries SET status = ?, decided_by = ?, decided_at = ?, decision_note = ? WHERE id = ?`,
		status, store.NullID(p.UserID), now, note, e.ID); err != nil {
		return nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	what := "扣除审限（" + e.DeductionKind.Label() + "）"
	if e.Kind == "extension" {
		what = fmt.Sprintf("延长执行期限 %d 个月", e.Months)
	}
	summary := EntryStatusLabel(status) + what + "，执行期限至 " + c.Deadline.String()
	return c, logCase(ctx, tx, p, c, "clock."+e.Kind+"_"+status, summary,
		audit.Changes{"entry_id": {To: e.ID.String()}, "status": {From: "requested", To: status}, "deadline": {To: c.Deadline.String()}})
}

// openDeduction starts a running deduction (中止, 暂缓) decided with the
// transition itself, so it is approved at once; closeDeductions ends running
// ones.
func openDeduction(ctx context.Context, tx *store.Tx, p *access.Principal, c *Case, kind legal.DeductionKind, from, to legal.Date, reason string) error {
	now := time.Now().UTC()
	e := ClockEntry{ID: store.NewID(), Kind: "deduction", DeductionKind: kind, From: from, To: to, Status: "requested",
		Reason: reason, RequestedBy: p.UserID, RequestedAt: now}
	if err := insertEntry(ctx, tx, c.ID, e); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE case_clock_entries SET status = 'approved', decided_by = ?, decided_at = ?, decision_note = '随状态变更决定'
		WHERE id = ?`, store.NullID(p.UserID), now, e.ID)
	return err
}

func closeDeductions(ctx context.Context, tx *store.Tx, c *Case, on legal.Date) error {
	// A deduction ending today counts today; one that started today and ends
	// today deducts one day.
	_, err := tx.Exec(ctx, `UPDATE case_clock_entries SET to_date = ?
		WHERE case_id = ? AND kind = 'deduction' AND status = 'approved' AND deduction_kind IN ('suspension', 'defer_settlement')
			AND (to_date IS NULL OR to_date > ?)`, on, c.ID, on)
	return err
}
