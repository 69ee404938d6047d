package cases

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

const caseColumns = `c.id, c.court_id, c.case_no, c.year, c.zi, c.seq, c.case_type, c.application_id, c.origin_case_id, c.status,
	c.closure, c.closure_reason, c.lane, c.team_id, COALESCE(t.name, ''), c.handler_id, COALESCE(u.display_name, ''), c.assigned_on,
	c.triage_rule, c.triage_version, c.triage_explanation, c.triage_override, c.facts, c.basis_kind, c.basis_document_no,
	c.claim_amount_fen, c.recovered_amount_fen, c.non_litigation, c.received_on, c.filed_on, c.deadline, c.closed_on, c.party_names,
	c.created_at, c.updated_at`

const caseFrom = ` FROM cases c LEFT JOIN teams t ON t.id = c.team_id LEFT JOIN users u ON u.id = c.handler_id`

func scanCase(row interface{ Scan(...any) error }) (*Case, error) {
	c := &Case{}
	var app, origin, team, handler uuid.NullUUID
	err := row.Scan(&c.ID, &c.CourtID, &c.CaseNo, &c.Year, &c.Zi, &c.Seq, &c.CaseType, &app, &origin, &c.Status,
		&c.Closure, &c.ClosureReason, &c.Lane, &team, &c.TeamName, &handler, &c.HandlerName, &c.AssignedOn,
		&c.Triage.Rule, &c.Triage.Version, &c.Triage.Explanation, &c.Triage.Override, &c.Facts, &c.BasisKind, &c.BasisDocumentNo,
		&c.ClaimAmountFen, &c.RecoveredAmountFen, &c.NonLitigation, &c.ReceivedOn, &c.FiledOn, &c.Deadline, &c.ClosedOn, &c.PartyNames,
		&c.CreatedAt, &c.UpdatedAt)
	c.ApplicationID, c.OriginCaseID, c.TeamID, c.HandlerID = app.UUID, origin.UUID, team.UUID, handler.UUID
	return c, err
}

// Get returns a case with its parties, clock and most recent timeline
// entries (cases.read; RecentEvents, and Timeline for the rest).
// Cases of courts outside the caller's scope do not exist for them.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Case, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	// Whether the case has clock entries comes with the case: most have
	// none, and their query is then skipped.
	var hasEntries int
	c, err := scanCase(scanAlso{q.QueryRow(ctx, `SELECT `+caseColumns+`,
		CASE WHEN EXISTS (SELECT 1 FROM case_clock_entries e WHERE e.case_id = c.id) THEN 1 ELSE 0 END`+caseFrom+` WHERE c.id = ?`, id),
		[]any{&hasEntries}})
	if store.IsNoRows(err) || err == nil && !p.Sees(c.CourtID) {
		return nil, apperr.NotFoundf("案件")
	}
	if err != nil {
		return nil, err
	}
	return c, loadDetails(ctx, q, c, hasEntries == 1)
}

// scanAlso scans a row into the destinations its caller gives and then into
// more.
type scanAlso struct {
	row  interface{ Scan(...any) error }
	more []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.more...)...) }

// GetByNumber finds a case by its 案号 in any accepted spelling (CASENO-3).
func GetByNumber(ctx context.Context, q store.Querier, caseNo string) (*Case, error) {
	n, err := legal.ParseCaseNo(caseNo)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	err = q.QueryRow(ctx, `SELECT id FROM cases WHERE case_no = ?`, n.Key().String()).Scan(&id)
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("案件 " + n.Key().String())
	}
	if err != nil {
		return nil, err
	}
	return Get(ctx, q, id)
}

// loadDetails loads a case's parties, timeline and clock; its clock entries
// only when it has some.
func loadDetails(ctx context.Context, q store.Querier, c *Case, hasEntries bool) error {
	if err := loadTimeline(ctx, q, c); err != nil {
		return err
	}
	var entries []ClockEntry
	if hasEntries {
		var err error
		if entries, err = loadEntries(ctx, q, c.ID); err != nil {
			return err
		}
	}
	cal, err := calendar.Load(ctx, store.DBOf(q))
	if err != nil {
		return err
	}
	rules, err := resolveRules(ctx, q, c)
	if err != nil {
		return err
	}
	c.Clock = computeClock(cal, c, rules, entries, legal.Today(time.Now()))
	return nil
}

// loadTimeline loads a case's parties and recent timeline (also after a
// change whose refreshDeadline already computed the clock), in one query:
// the most recent RecentEvents+1 entries of the timeline (src 1; a case's
// timeline grows for years) and the parties (src 0), in one column layout.
// The first SELECT names the columns' types on both engines.
func loadTimeline(ctx context.Context, q store.Querier, c *Case) error {
	rows, err := q.Query(ctx, `SELECT 1, e.id, e.at, 0, e.kind, e.summary, e.actor_name, '', '', '', '', FALSE
		FROM (SELECT id, at, kind, summary, actor_name FROM case_events WHERE case_id = ? ORDER BY at DESC, id DESC LIMIT ?) e
		UNION ALL
		SELECT 0, cp.party_id, NULL, cp.seq, cp.role, p.kind, cp.name, p.id_number, cp.legal_rep, cp.phone, cp.address, p.id_checked
		FROM case_parties cp JOIN parties p ON p.id = cp.party_id WHERE cp.case_id = ?`, c.ID, RecentEvents+1, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	type seqParty struct {
		seq int
		Party
	}
	var parties []seqParty
	c.Events = c.Events[:0]
	for rows.Next() {
		var (
			src, seq int
			id       uuid.UUID
			at       sql.NullTime
			s        [7]string
			flag     bool
		)
		if err := rows.Scan(&src, &id, &at, &seq, &s[0], &s[1], &s[2], &s[3], &s[4], &s[5], &s[6], &flag); err != nil {
			return err
		}
		if src == 1 {
			c.Events = append(c.Events, Event{ID: id, At: at.Time, Kind: s[0], Summary: s[1], ActorName: s[2]})
			continue
		}
		parties = append(parties, seqParty{seq, Party{PartyID: id, Role: s[0], Kind: s[1], Name: s[2], IDNumber: s[3], IDChecked: flag,
			LegalRep: s[4], Phone: s[5], Address: s[6]}})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	slices.SortFunc(parties, func(a, b seqParty) int { return a.seq - b.seq })
	c.Parties = make([]Party, len(parties))
	for i, pt := range parties {
		c.Parties[i] = pt.Party
	}
	// Oldest first, as the timeline reads.
	slices.SortFunc(c.Events, func(a, b Event) int {
		if n := a.At.Compare(b.At); n != 0 {
			return n
		}
		return bytes.Compare(a.ID[:], b.ID[:])
	})
	c.EarlierEvents = len(c.Events) > RecentEvents
	if c.EarlierEvents {
		c.Events = c.Events[1:]
	}
	return nil
}

// RecentEvents is how many timeline entries Get loads with a case: the most
// recent ones. Timeline pages through all of them.
const RecentEvents = 50

func scanEvent(sc store.Scanner) (Event, error) {
	var e Event
	err := sc.Scan(&e.ID, &e.At, &e.Kind, &e.Summary, &e.ActorName)
	return e, err
}

// eventCursor is where a page of the timeline stopped.
type eventCursor struct {
	At time.Time `json:"at"`
	ID uuid.UUID `json:"id"`
}

// Timeline pages through a case's timeline (cases.read), the most recent
// entries first.
func Timeline(ctx context.Context, q store.Querier, id uuid.UUID, req page.Request) (page.Page[Event], error) {
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[Event]{}, err
	}
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[Event]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[Event]{}, err
	}
	var court uuid.UUID
	err = q.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, id).Scan(&court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return page.Page[Event]{}, apperr.NotFoundf("案件")
	}
	if err != nil {
		return page.Page[Event]{}, err
	}
	query, args := `SELECT id, at, kind, summary, actor_name FROM case_events WHERE case_id = ?`, []any{id}
	if req.Cursor != "" {
		var after eventCursor
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[Event]{}, err
		}
		query += ` AND (at < ? OR at = ? AND id < ?)`
		args = append(args, after.At, after.At, after.ID)
	}
	rows, err := q.Query(ctx, query+` ORDER BY at DESC, id DESC LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return page.Page[Event]{}, err
	}
	events, err := store.ScanAll(rows, scanEvent)
	if err != nil {
		return page.Page[Event]{}, err
	}
	return page.Trim(events, limit, func(e Event) any { return eventCursor{At: e.At.UTC(), ID: e.ID} }), nil
}

// lockForWork reads a case for change, locking its row, after checking perm
// (none when perm is "") and scope.
func lockForWork(ctx context.Context, tx *store.Tx, id uuid.UUID, perm access.Permission) (*access.Principal, *Case, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if perm != "" {
		if err := p.Require(perm); err != nil {
			return nil, nil, err
		}
	}
	c, err := scanCase(tx.QueryRow(ctx, `SELECT `+caseColumns+caseFrom+` WHERE c.id = ?`+tx.ForUpdate("c"), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(c.CourtID) {
		return nil, nil, apperr.NotFoundf("案件")
	}
	return p, c, err
}

// logCase writes a timeline entry and the audit record of a change.
func logCase(ctx context.Context, tx *store.Tx, p *access.Principal, c *Case, action, summary string, ch audit.Changes) error {
	now := time.Now().UTC()
	if _, err := tx.Exec(ctx, `UPDATE cases SET updated_at = ? WHERE id = ?`, now, c.ID); err != nil {
		return err
	}
	c.UpdatedAt = now
	if err := addEvent(ctx, tx, p, c.ID, action, summary, now); err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: c.CourtID, Action: "case." + action, ObjectType: "case", ObjectID: c.ID.String(),
		Summary: c.CaseNo + "：" + summary, Changes: ch})
}

// TransitionInput asks to move a case.
type TransitionInput struct {
	To     string // in_progress, suspended, deferred, or a closure mode
	Reason string
	Until  legal.Date // deferred: the last day of 暂缓执行 (CLOCK-9)
	// PerformedOutside confirms closure as 执行完毕 when less than the claim
	// came through the case account (paid directly to the applicant).
	PerformedOutside bool
}

// Unmet is a guard that refused a transition.
type Unmet struct {
	Code   string `json:"code"`
	Detail string `json:"detail"`
}

// refused builds the 409 answer with every unmet condition.
func refused(c *Case, to string, unmet []Unmet) error {
	e := &apperr.Error{Kind: apperr.Conflict, Code: "invalid_transition"}
	label := StatusLabel(to)
	if label == "" {
		label = ClosureLabel(to)
	}
	var parts []string
	for _, u := range unmet {
		parts = append(parts, u.Detail)
		e.Fields = append(e.Fields, apperr.FieldError{Field: "body.to", Detail: u.Detail})
	}
	e.Detail = "案件 " + c.CaseNo + " 不能变更为“" + label + "”：" + strings.Join(parts, "；")
	return e
}

// ZhongbenMinMonths is the minimum time since filing for 终本 (DOMAIN.md §5
// ZB-1 (4): more than 3 months), checked by the 终本 gate (zhongben.go).
const ZhongbenMinMonths = 3

// guards lists what stops c from moving to `to` (FLOW-10) under the clock
// rules in force today. An empty list means the transition is allowed.
func guards(c *Case, in TransitionInput, today legal.Date, rules legal.ClockRules) []Unmet {
	var u []Unmet
	if c.Status == StatusClosed {
		return []Unmet{{"case_closed", "案件已于 " + c.ClosedOn.String() + " 以“" + ClosureLabel(c.Closure) + "”结案，不能再变更状态；如需恢复执行，请登记执恢申请"}}
	}
	if strings.TrimSpace(in.Reason) == "" {
		u = append(u, Unmet{"reason_required", "请写明理由或所依据的裁定"})
	}
	switch in.To {
	case StatusInProgress:
		switch c.Status {
		case StatusSuspended, StatusDeferred:
		case StatusFiled:
			u = append(u, Unmet{"not_assigned", "案件尚未分配承办人，请先分案"})
		default:
			u = append(u, Unmet{"already_in_progress", "案件已在执行中"})
		}
	case StatusSuspended:
		if c.Status != StatusInProgress {
			u = append(u, Unmet{"not_in_progress", "只有执行中的案件可以中止执行"})
		}
	case StatusDeferred:
		if c.Status != StatusInProgress {
			u = append(u, Unmet{"not_in_progress", "只有执行中的案件可以暂缓执行"})
		}
		if in.Until.IsZero() {
			u = append(u, Unmet{"until_required", "请填写暂缓执行的截止日期"})
		} else if err := legal.CheckDeferral(today, in.Until, 0, rules); err != nil {
			e, _ := apperr.As(err)
			u = append(u, Unmet{"invalid_deferral", e.Detail})
		}
	default:
		if ClosureLabel(in.To) == "" {
			return []Unmet{{"unknown_state", "目标状态“" + in.To + "”不存在；可选：in_progress、suspended、deferred、performed、zhongben、terminated、not_enforced、rejected、cancelled、settlement_long_term"}}
		}
		if c.Status == StatusFiled && in.To != "cancelled" && in.To != "rejected" && in.To != "not_enforced" {
			u = append(u, Unmet{"not_assigned", "案件尚未分配承办人，只能销案、驳回申请或不予执行"})
		}
		switch in.To {
		case "performed":
			if c.RecoveredAmountFen < c.ClaimAmountFen && !in.PerformedOutside {
				u = append(u, Unmet{"not_fully_recovered", fmt.Sprintf("执行到位金额 %s 少于申请执行金额 %s；如被执行人已直接向申请执行人履行，请确认“案外履行”并在理由中写明",
					triage.FormatYuan(c.RecoveredAmountFen), triage.FormatYuan(c.ClaimAmountFen))})
			}
		}
	}
	return u
}

// Transition moves a case (cases.work). A refused transition answers 409
// invalid_transition with every unmet condition; nothing is written.
func Transition(ctx context.Context, tx *store.Tx, id uuid.UUID, in TransitionInput) (*Case, error) {
	p, c, err := lockForWork(ctx, tx, id, access.CasesWork)
	if err != nil {
		return nil, err
	}
	today := legal.Today(time.Now())
	rules, err := todayRules(ctx, tx, c, today)
	if err != nil {
		return nil, err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	before, err := metrics.Read(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	unmet := guards(c, in, today, rules)
	if in.To == ClosureZhongben && c.Status != StatusClosed {
		// The 终本 gate (ZB-1 … ZB-6): every condition from the case's own
		// records, listed in full with the other refusals.
		z, err := checkZhongben(ctx, tx, c, today)
		if err != nil {
			return nil, err
		}
		if len(z.Unmet) > 0 {
			return nil, zhongbenRefused(c, unmet, z.Unmet)
		}
	}
	if len(unmet) > 0 {
		return nil, refused(c, in.To, unmet)
	}
	from := c.Status
	var summary string
	switch in.To {
	case StatusInProgress:
		if err := closeDeductions(ctx, tx, c, today); err != nil {
			return nil, err
		}
		c.Status, summary = StatusInProgress, "恢复执行（自"+StatusLabel(from)+"）："+in.Reason
	case StatusSuspended:
		if err := openDeduction(ctx, tx, p, c, legal.DeductSuspension, today, legal.Date{}, in.Reason); err != nil {
			return nil, err
		}
		c.Status, summary = StatusSuspended, "中止执行："+in.Reason
	case StatusDeferred:
		if err := openDeduction(ctx, tx, p, c, legal.DeductDeferSettlement, today, in.Until, in.Reason); err != nil {
			return nil, err
		}
		c.Status, summary = StatusDeferred, "暂缓执行至 "+in.Until.String()+"："+in.Reason
	default:
		if err := closeDeductions(ctx, tx, c, today); err != nil {
			return nil, err
		}
		c.Status, c.Closure, c.ClosureReason, c.ClosedOn = StatusClosed, in.To, in.Reason, today
		summary = "结案（" + ClosureLabel(in.To) + "）：" + in.Reason
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET status = ?, closure = ?, closure_reason = ?, closed_on = ? WHERE id = ?`,
		c.Status, c.Closure, c.ClosureReason, c.ClosedOn, c.ID); err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		if err := addLoad(ctx, tx, -1, c.TeamID, c.HandlerID); err != nil {
			return nil, err
		}
	}
	if c.Closure == ClosureZhongben {
		if err := scheduleRequery(ctx, tx, p, c, today); err != nil {
			return nil, err
		}
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	if err := applyMetrics(ctx, tx, c.ID, before); err != nil {
		return nil, err
	}
	ch := audit.Changes{"status": {From: from, To: c.Status}}
	if c.Closure != "" {
		ch["closure"] = audit.Change{To: c.Closure}
	}
	if err := logCase(ctx, tx, p, c, "transition", summary, ch); err != nil {
		return nil, err
	}
	return c, loadTimeline(ctx, tx, c)
}

// AssignmentInput reassigns a case by hand (cases.assign).
type AssignmentInput struct {
	Lane      string    // "" keeps the lane; a change is a triage override
	TeamID    uuid.UUID // uuid.Nil keeps the team (or picks the lane's team)
	HandlerID uuid.UUID // uuid.Nil picks the team's least loaded judge
	Reason    string
}

// Assign changes a case's lane, team or handler by hand. Every change needs a
// reason and is audited; a lane change is recorded as a triage override.
func Assign(ctx context.Context, tx *store.Tx, id uuid.UUID, in AssignmentInput) (*Case, error) {
	p, c, err := lockForWork(ctx, tx, id, access.CasesAssign)
	if err != nil {
		return nil, err
	}
	if c.Status == StatusClosed {
		return nil, refused(c, c.Status, []Unmet{{"case_closed", "案件已结案，不能改派"}})
	}
	reason, err := reasonText("body.reason", in.Reason)
	if err != nil {
		return nil, err
	}
	old := *c
	lane := c.Lane
	if in.Lane != "" && in.Lane != c.Lane {
		lane = in.Lane
	}
	team := in.TeamID
	if team == uuid.Nil && lane == c.Lane {
		team = c.TeamID
	}
	teamID, teamName, kind, err := PickTeam(ctx, tx, c.CourtID, lane, team)
	if err != nil {
		return nil, err
	}
	handlerID, handlerName, err := PickHandler(ctx, tx, c.CourtID, teamID, in.HandlerID)
	if err != nil {
		return nil, err
	}
	c.Lane, c.TeamID, c.TeamName, c.HandlerID, c.HandlerName = kind, teamID, teamName, handlerID, handlerName
	if c.Lane != old.Lane {
		c.Triage.Override = reason
	}
	today := legal.Today(time.Now())
	if c.HandlerID != old.HandlerID && c.HandlerID != uuid.Nil {
		c.AssignedOn = today
		if c.Status == StatusFiled {
			c.Status = StatusInProgress
		}
	}
	if c.Lane == old.Lane && c.TeamID == old.TeamID && c.HandlerID == old.HandlerID {
		return nil, apperr.New(apperr.Conflict, "no_change", "分案结果没有变化")
	}
	before, err := metrics.Read(ctx, tx, c.ID)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE cases SET lane = ?, team_id = ?, handler_id = ?, assigned_on = ?, status = ?, triage_override = ?
		WHERE id = ?`, c.Lane, store.NullID(c.TeamID), store.NullID(c.HandlerID), c.AssignedOn, c.Status, c.Triage.Override, c.ID); err != nil {
		return nil, err
	}
	// The case's figures follow it to its new owner.
	if err := applyMetrics(ctx, tx, c.ID, before); err != nil {
		return nil, err
	}
	var left, joined []uuid.UUID // whose open cases go down and up
	if c.TeamID != old.TeamID {
		left, joined = append(left, old.TeamID), append(joined, c.TeamID)
	}
	if c.HandlerID != old.HandlerID {
		left, joined = append(left, old.HandlerID), append(joined, c.HandlerID)
	}
	if err := addLoad(ctx, tx, -1, left...); err != nil {
		return nil, err
	}
	if err := addLoad(ctx, tx, 1, joined...); err != nil {
		return nil, err
	}
	summary := "改派至 " + c.TeamName
	if c.HandlerName != "" {
		summary += "，承办人 " + c.HandlerName
	}
	summary += "（" + reason + "）"
	ch := audit.Changes{"lane": {From: old.Lane, To: c.Lane}, "team_id": {From: idString(old.TeamID), To: idString(c.TeamID)},
		"handler_id": {From: idString(old.HandlerID), To: idString(c.HandlerID)}, "reason": {To: reason}}
	if err := logCase(ctx, tx, p, c, "assigned", summary, ch); err != nil {
		return nil, err
	}
	if err := refreshDeadline(ctx, tx, c); err != nil {
		return nil, err
	}
	return c, loadTimeline(ctx, tx, c)
}

// PickTeam returns the team a case of the given lane goes to in court: want
// when given (it must be an active team of the court), else the active team of
// the lane's kind with the fewest open cases. It answers 409 no_team_for_lane
// when the court has none.
func PickTeam(ctx context.Context, tx *store.Tx, court uuid.UUID, lane string, want uuid.UUID) (id uuid.UUID, name, kind string, err error) {
	if want != uuid.Nil {
		var active bool
		err = tx.QueryRow(ctx, `SELECT id, name, kind, active FROM teams WHERE id = ? AND court_id = ?`, want, court).Scan(&id, &name, &kind, &active)
		if store.IsNoRows(err) || err == nil && !active {
			return uuid.Nil, "", "", apperr.InvalidField("invalid_team", "body.team_id", "团队不存在、已停用或不属于本院")
		}
		return id, name, kind, err
	}
	err = tx.QueryRow(ctx, `SELECT t.id, t.name, t.kind FROM teams t
		WHERE t.court_id = ? AND t.kind = ? AND t.active
		ORDER BY COALESCE((SELECT w.open_cases FROM workloads w WHERE w.owner_id = t.id), 0), t.name LIMIT 1`, court, lane).
		Scan(&id, &name, &kind)
	if store.IsNoRows(err) {
		var label string
		_ = tx.QueryRow(ctx, `SELECT name FROM team_kinds WHERE code = ?`, lane).Scan(&label)
		if label == "" {
			label = lane
		}
		return uuid.Nil, "", "", apperr.New(apperr.Conflict, "no_team_for_lane", "本院没有在用的“"+label+"”类团队，无法分案；请先建立团队或调整分流规则")
	}
	return id, name, kind, err
}

// addLoad adds delta to the open cases of each owner (a team or a user;
// uuid.Nil is skipped), in one statement: an upsert to count a case in, an
// update to count it out.
func addLoad(ctx context.Context, tx *store.Tx, delta int, owners ...uuid.UUID) error {
	args := make([]any, 0, 2*len(owners))
	for _, o := range owners {
		if o != uuid.Nil {
			args = append(args, o, delta)
		}
	}
	if len(args) == 0 {
		return nil
	}
	if delta < 0 { // the rows exist: the case was counted when it got its team and handler
		ids := make([]any, 0, len(args)/2)
		for i := 0; i < len(args); i += 2 {
			ids = append(ids, args[i])
		}
		_, err := tx.Exec(ctx, `UPDATE workloads SET open_cases = open_cases + ? WHERE owner_id IN (`+store.Placeholders(len(ids))+`)`,
			append([]any{delta}, ids...)...)
		return err
	}
	_, err := tx.Exec(ctx, `INSERT INTO workloads (owner_id, open_cases) VALUES `+store.Rows(len(args)/2, 2)+`
		ON CONFLICT (owner_id) DO UPDATE SET open_cases = workloads.open_cases + excluded.open_cases`, args...)
	return err
}

// PickHandler returns the handler: want when given (an active judge or judge
// assistant of the team), else the team's active post judge with the fewest
// open cases, by name on a tie. uuid.Nil when the team has no judge: the case
// then waits for assignment (CLOCK-5: within 7 days).
func PickHandler(ctx context.Context, tx *store.Tx, court, team, want uuid.UUID) (uuid.UUID, string, error) {
	var id uuid.UUID
	var name string
	if want != uuid.Nil {
		var userTeam uuid.NullUUID
		var role string
		var disabled sql.NullTime
		err := tx.QueryRow(ctx, `SELECT id, display_name, team_id, role, disabled_at FROM users WHERE id = ? AND court_id = ?`, want, court).
			Scan(&id, &name, &userTeam, &role, &disabled)
		if store.IsNoRows(err) || err == nil && (disabled.Valid || userTeam.UUID != team ||
			(role != access.RolePostJudge && role != access.RoleJudgeAssistant && role != access.RoleTeamLeader)) {
			return uuid.Nil, "", apperr.InvalidField("invalid_handler", "body.handler_id", "承办人须为该团队在岗的法官、法官助理或团队长")
		}
		return id, name, err
	}
	err := tx.QueryRow(ctx, `SELECT u.id, u.display_name FROM users u
		WHERE u.court_id = ? AND u.team_id = ? AND u.role = ? AND u.disabled_at IS NULL
		ORDER BY COALESCE((SELECT w.open_cases FROM workloads w WHERE w.owner_id = u.id), 0), u.display_name, u.id LIMIT 1`,
		court, team, access.RolePostJudge).Scan(&id, &name)
	if store.IsNoRows(err) {
		return uuid.Nil, "", nil
	}
	return id, name, err
}

// LockForWork locks a case for a change by another feature (查控, funds):
// the principal must hold perm and see the case's court; otherwise the case
// does not exist for them.
func LockForWork(ctx context.Context, tx *store.Tx, id uuid.UUID, perm access.Permission) (*access.Principal, *Case, error) {
	return lockForWork(ctx, tx, id, perm)
}

// AddRecovered adds money recovered for a case (negative: money moved to
// another case by a distribution), and to the KPIs when the case is
// already closed.
func AddRecovered(ctx context.Context, tx *store.Tx, id uuid.UUID, deltaFen int64) error {
	if _, err := tx.Exec(ctx, `UPDATE cases SET recovered_amount_fen = recovered_amount_fen + ?, updated_at = ? WHERE id = ?`, deltaFen,
		time.Now().UTC(), id); err != nil {
		return err
	}
	return metrics.RecoveredChanged(ctx, tx, id, deltaFen)
}

// applyMetrics records in the KPI aggregates how a case changed since
// before (internal/metrics).
func applyMetrics(ctx context.Context, tx *store.Tx, id uuid.UUID, before *metrics.Snapshot) error {
	after, err := metrics.Read(ctx, tx, id)
	if err != nil {
		return err
	}
	return metrics.Apply(ctx, tx, before, after)
}

// ClosureZhongben is the closure 终结本次执行程序.
const ClosureZhongben = "zhongben"

// scheduleRequery plans the re-query of a case closed as 终本 (ZB-9): every
// requery_every_months for requery_for_months from the 终本 date, both rule
// parameters of the court. The asset inquiry reads the schedule.
func scheduleRequery(ctx context.Context, tx *store.Tx, p *access.Principal, c *Case, on legal.Date) error {
	v, err := ruleparams.Resolve(ctx, tx, c.CourtID, on)
	if err != nil {
		return err
	}
	every, span := v.Int(ruleparams.KeyRequeryEveryMonths), v.Int(ruleparams.KeyRequeryForMonths)
	now := time.Now().UTC()
	_, err = tx.Exec(ctx, `INSERT INTO requeries (case_id, court_id, started_on, next_on, until_on, runs, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, 0, 'active', ?, ?)
		ON CONFLICT (case_id) DO UPDATE SET started_on = excluded.started_on, next_on = excluded.next_on, until_on = excluded.until_on,
		runs = 0, status = 'active', end_reason = '', updated_at = excluded.updated_at`,
		c.ID, c.CourtID, on, on.AddMonths(every), on.AddMonths(span), now, now)
	if err != nil {
		return err
	}
	return addEvent(ctx, tx, p, c.ID, "requery_scheduled", fmt.Sprintf("终本后财产复查：自 %s 起每 %d 个月自动查询一次，至 %s 止（ZB-9）",
		on.AddMonths(every), every, on.AddMonths(span)), now)
}
