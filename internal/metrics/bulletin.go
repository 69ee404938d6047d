package metrics

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The weekly bulletin (周通报, SUP-4): per team and per handler of one
// court, what each received and closed in the period, what is left, what
// is late and how they stand with supervision.

// BulletinFigures are the figures of one handler, one team or the court.
type BulletinFigures struct {
	Received        int64 // 收案: filed in the period (执, 执恢, 执保, as the KPIs)
	Closed          int64 // 结案: closed in the period
	ClosedPerformed int64 // of which 执行完毕
	ClosedZhongben  int64 // of which 终本
	PendingEnd      int64 // 期末未结: open at the end of the period
	// 审限超期: open at the end of the period and past the effective
	// deadline before its last day.
	OverdueCases int64
	// 督办: items raised in the period, closed in the period (however
	// closed: accepted, cleared or withdrawn), and open at the end of the
	// period past their answer day. Warnings are not items.
	SupervisionRaised, SupervisionClosed, SupervisionOverdue int64
}

// Add returns f plus o.
func (f BulletinFigures) Add(o BulletinFigures) BulletinFigures {
	return BulletinFigures{f.Received + o.Received, f.Closed + o.Closed, f.ClosedPerformed + o.ClosedPerformed,
		f.ClosedZhongben + o.ClosedZhongben, f.PendingEnd + o.PendingEnd, f.OverdueCases + o.OverdueCases,
		f.SupervisionRaised + o.SupervisionRaised, f.SupervisionClosed + o.SupervisionClosed, f.SupervisionOverdue + o.SupervisionOverdue}
}

// BulletinHandler is one handler's line, within a team.
type BulletinHandler struct {
	HandlerID uuid.UUID // uuid.Nil: cases and items without a handler
	Name      string    // "未分配" for none
	BulletinFigures
}

// BulletinTeam is one team: its handlers and their sum.
type BulletinTeam struct {
	TeamID   uuid.UUID // uuid.Nil: cases and items without a team
	Name     string    // "未分配" for none
	Handlers []BulletinHandler
	Total    BulletinFigures
}

// BulletinReport is a court's bulletin for a period.
type BulletinReport struct {
	Court    org.Court
	From, To legal.Date // both included
	Teams    []BulletinTeam
	Total    BulletinFigures
}

// Unassigned names the team or handler of cases that have none.
const Unassigned = "未分配"

// PreviousWeek is the full week (Monday to Sunday) before the one today
// falls in.
func PreviousWeek(today legal.Date) (from, to legal.Date) {
	monday := today.AddDays(-((int(today.Weekday()) + 6) % 7))
	return monday.AddDays(-7), monday.AddDays(-1)
}

// Bulletin answers the bulletin of court for the period from … to (both
// included) to a caller with cases.read who sees the court; a court the
// caller does not see is not found. court uuid.Nil is the caller's own
// court; no dates at all is the previous full week (Asia/Shanghai).
//
// Received and closed come from the KPI aggregates, over the case types
// MET-1 counts under the court's definition in force on the period's last
// day, so they agree with the KPIs and are attributed, like them, to the case's current
// team and handler; the overdue cases from the cases; the supervision
// figures from the items, attributed to the team and handler they were
// raised for.
func Bulletin(ctx context.Context, q store.Querier, court uuid.UUID, from, to legal.Date) (*BulletinReport, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	if court == uuid.Nil {
		court = p.CourtID
	}
	if court == uuid.Nil || !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	switch {
	case from.IsZero() && to.IsZero():
		from, to = PreviousWeek(legal.Today(time.Now()))
	case from.IsZero():
		return nil, apperr.InvalidField("invalid_date", "query.from", "请给出起始日期（YYYY-MM-DD）")
	case to.IsZero():
		return nil, apperr.InvalidField("invalid_date", "query.to", "请给出截止日期（YYYY-MM-DD）")
	case to.Before(from):
		return nil, apperr.InvalidField("invalid_date_order", "query.to", "截止日期不能早于起始日期")
	}
	c, err := org.GetCourt(ctx, q, court)
	if err != nil {
		return nil, err
	}
	defs, err := InForce(ctx, q, to)
	if err != nil {
		return nil, err
	}
	// The case types MET-1 counts under the court's definition (MET-0).
	b := &bulletinBuilder{lines: map[[2]uuid.UUID]*BulletinFigures{}, inTypes: "(" + typeList(defs.For(court).Scope(MetClosureRate).CaseTypes) + ")"}
	if err := b.caseFigures(ctx, q, court, from, to); err != nil {
		return nil, err
	}
	if err := b.overdueCases(ctx, q, court, to); err != nil {
		return nil, err
	}
	if err := b.supervision(ctx, q, court, from, to); err != nil {
		return nil, err
	}
	r := &BulletinReport{Court: c, From: from, To: to}
	if err := b.report(ctx, q, r); err != nil {
		return nil, err
	}
	return r, nil
}

// bulletinBuilder collects the figures per (team, handler).
type bulletinBuilder struct {
	lines   map[[2]uuid.UUID]*BulletinFigures
	inTypes string // the SQL list of the case types counted
}

func (b *bulletinBuilder) line(team, handler uuid.UUID) *BulletinFigures {
	k := [2]uuid.UUID{team, handler}
	f := b.lines[k]
	if f == nil {
		f = &BulletinFigures{}
		b.lines[k] = f
	}
	return f
}

// caseFigures reads received, closed and pending from the aggregates.
func (b *bulletinBuilder) caseFigures(ctx context.Context, q store.Querier, court uuid.UUID, from, to legal.Date) error {
	src := periodSource("s.court_id = ?", []any{court}, from, to, true)
	var qargs []any
	inPeriod := func(expr string) string {
		qargs = append(qargs, src.periodArgs...)
		return `SUM(CASE WHEN ` + src.period + ` THEN ` + expr + ` ELSE 0 END)`
	}
	sel := []string{inPeriod("s.received"), inPeriod("s.closed"), inPeriod("s.closed_performed"), inPeriod("s.closed_zhongben"),
		inPeriod("s.received - s.closed")}
	sel = append(sel, `SUM(CASE WHEN `+src.pending+` THEN s.received - s.closed ELSE 0 END)`)
	qargs = append(qargs, src.pendingArgs...)
	rows, err := q.Query(ctx, `SELECT s.team_id, s.handler_id, `+strings.Join(sel, ", ")+` FROM `+src.from+`
		WHERE s.case_type IN `+b.inTypes+` GROUP BY s.team_id, s.handler_id`, append(qargs, src.fromArgs...)...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team, handler uuid.UUID
		var f BulletinFigures
		var moved, pendingStart int64
		if err := rows.Scan(&team, &handler, &f.Received, &f.Closed, &f.ClosedPerformed, &f.ClosedZhongben, &moved, &pendingStart); err != nil {
			return err
		}
		f.PendingEnd = pendingStart + moved
		if f == (BulletinFigures{}) {
			continue
		}
		*b.line(team, handler) = b.line(team, handler).Add(f)
	}
	return rows.Err()
}

// overdueCases counts the cases open at the end of the period (filed by
// then, not closed by then) whose effective deadline fell before its last
// day. The deadline is the one in force now: an extension granted after
// the period moves it.
func (b *bulletinBuilder) overdueCases(ctx context.Context, q store.Querier, court uuid.UUID, to legal.Date) error {
	rows, err := q.Query(ctx, `SELECT team_id, handler_id, COUNT(*) FROM cases
		WHERE court_id = ? AND case_type IN `+b.inTypes+` AND filed_on <= ? AND deadline < ?
		  AND (status <> 'closed' OR closed_on > ?)
		GROUP BY team_id, handler_id`, court, to, to, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team, handler uuid.NullUUID
		var n int64
		if err := rows.Scan(&team, &handler, &n); err != nil {
			return err
		}
		b.line(team.UUID, handler.UUID).OverdueCases += n
	}
	return rows.Err()
}

// supervision counts the items raised and closed in the period and those
// open at its end past their answer day: raised by then, neither closed nor
// answered by then (an answer returned for more is open again).
func (b *bulletinBuilder) supervision(ctx context.Context, q store.Querier, court uuid.UUID, from, to legal.Date) error {
	rows, err := q.Query(ctx, `SELECT team_id, handler_id,
		SUM(CASE WHEN raised_on >= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN status = 'closed' AND closed_on >= ? AND closed_on <= ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN answer_due < ? AND (closed_on IS NULL OR closed_on > ?)
		          AND (status = 'open' OR answered_on IS NULL OR answered_on > ?) THEN 1 ELSE 0 END)
		FROM supervision_items
		WHERE court_id = ? AND status <> 'warning' AND raised_on IS NOT NULL AND raised_on <= ?
		GROUP BY team_id, handler_id`, from, from, to, to, to, to, court, to)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var team, handler uuid.NullUUID
		var raised, closed, overdue int64
		if err := rows.Scan(&team, &handler, &raised, &closed, &overdue); err != nil {
			return err
		}
		if raised == 0 && closed == 0 && overdue == 0 {
			continue
		}
		f := b.line(team.UUID, handler.UUID)
		f.SupervisionRaised += raised
		f.SupervisionClosed += closed
		f.SupervisionOverdue += overdue
	}
	return rows.Err()
}

// report names the teams and handlers and orders them: teams as the court
// lists them (by kind, then name), handlers by name, the unassigned last.
func (b *bulletinBuilder) report(ctx context.Context, q store.Querier, r *BulletinReport) error {
	var teamIDs, userIDs []uuid.UUID
	for k := range b.lines {
		if k[0] != uuid.Nil {
			teamIDs = append(teamIDs, k[0])
		}
		if k[1] != uuid.Nil {
			userIDs = append(userIDs, k[1])
		}
	}
	type teamInfo struct {
		name string
		rank int
	}
	teams := map[uuid.UUID]teamInfo{}
	if err := namesOf(ctx, q, `SELECT t.id, t.name, k.sort_order FROM teams t JOIN team_kinds k ON k.code = t.kind WHERE t.id IN `, teamIDs,
		func(sc store.Scanner) error {
			var id uuid.UUID
			var info teamInfo
			if err := sc.Scan(&id, &info.name, &info.rank); err != nil {
				return err
			}
			teams[id] = info
			return nil
		}); err != nil {
		return err
	}
	users := map[uuid.UUID]string{}
	if err := namesOf(ctx, q, `SELECT id, display_name FROM users WHERE id IN `, userIDs, func(sc store.Scanner) error {
		var id uuid.UUID
		var name string
		if err := sc.Scan(&id, &name); err != nil {
			return err
		}
		users[id] = name
		return nil
	}); err != nil {
		return err
	}
	byTeam := map[uuid.UUID]*BulletinTeam{}
	for k, f := range b.lines {
		t := byTeam[k[0]]
		if t == nil {
			t = &BulletinTeam{TeamID: k[0], Name: Unassigned}
			if info, ok := teams[k[0]]; ok {
				t.Name = info.name
			}
			byTeam[k[0]] = t
		}
		h := BulletinHandler{HandlerID: k[1], Name: Unassigned, BulletinFigures: *f}
		if name, ok := users[k[1]]; ok {
			h.Name = name
		}
		t.Handlers = append(t.Handlers, h)
		t.Total = t.Total.Add(*f)
		r.Total = r.Total.Add(*f)
	}
	for _, t := range byTeam {
		slices.SortFunc(t.Handlers, func(a, b BulletinHandler) int {
			return cmp.Or(cmp.Compare(b2i(a.HandlerID == uuid.Nil), b2i(b.HandlerID == uuid.Nil)), strings.Compare(a.Name, b.Name),
				strings.Compare(a.HandlerID.String(), b.HandlerID.String()))
		})
		r.Teams = append(r.Teams, *t)
	}
	slices.SortFunc(r.Teams, func(a, b BulletinTeam) int {
		ra, rb := teams[a.TeamID].rank, teams[b.TeamID].rank
		return cmp.Or(cmp.Compare(b2i(a.TeamID == uuid.Nil), b2i(b.TeamID == uuid.Nil)), cmp.Compare(ra, rb), strings.Compare(a.Name, b.Name),
			strings.Compare(a.TeamID.String(), b.TeamID.String()))
	})
	return nil
}

// namesOf runs query (ending in "IN ") over ids, 500 at a time, and scans
// each row.
func namesOf(ctx context.Context, q store.Querier, query string, ids []uuid.UUID, scan func(store.Scanner) error) error {
	for from := 0; from < len(ids); from += 500 {
		chunk := ids[from:min(from+500, len(ids))]
		args := make([]any, len(chunk))
		for i, id := range chunk {
			args[i] = id
		}
		rows, err := q.Query(ctx, query+`(`+store.Placeholders(len(chunk))+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}
