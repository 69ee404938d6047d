package entrust

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

const columns = `m.id, m.court_id, fc.short_name, m.case_id, m.case_no, m.case_type, m.to_court_id, tc.short_name, m.kind, m.status,
	m.subject, m.asset_id, m.request, m.attachments, m.sent_by, m.sent_by_name, m.sent_on, m.days, m.due_on, m.accepted_by_name,
	m.accepted_at, m.returned_by_name, m.return_reason, m.returned_at, m.team_id, COALESCE(t.name, ''), m.assignee_id,
	COALESCE(u.display_name, ''), m.assigned_by_name, m.assigned_at, m.result, m.done_on, m.registry_ref, m.reported_by_name,
	m.reported_at, m.created_at, m.updated_at`

const from = ` FROM entrusted_matters m JOIN courts fc ON fc.id = m.court_id JOIN courts tc ON tc.id = m.to_court_id
	LEFT JOIN teams t ON t.id = m.team_id LEFT JOIN users u ON u.id = m.assignee_id`

func scan(sc store.Scanner) (*Matter, error) {
	m := &Matter{}
	var asset, team, assignee uuid.NullUUID
	var accepted, returned, assigned, reported *time.Time
	err := sc.Scan(&m.ID, &m.CourtID, &m.CourtName, &m.CaseID, &m.CaseNo, &m.CaseType, &m.ToCourtID, &m.ToCourtName, &m.Kind, &m.Status,
		&m.Subject, &asset, &m.Request, &m.Attachments, &m.SentBy, &m.SentByName, &m.SentOn, &m.Days, &m.DueOn, &m.AcceptedByName,
		&accepted, &m.ReturnedByName, &m.ReturnReason, &returned, &team, &m.TeamName, &assignee, &m.AssigneeName, &m.AssignedByName,
		&assigned, &m.Result, &m.DoneOn, &m.RegistryRef, &m.ReportedByName, &reported, &m.CreatedAt, &m.UpdatedAt)
	if err != nil {
		return nil, err
	}
	m.AssetID, m.TeamID, m.AssigneeID = asset.UUID, team.UUID, assignee.UUID
	m.AcceptedAt, m.ReturnedAt, m.AssignedAt, m.ReportedAt = utc(accepted), utc(returned), utc(assigned), utc(reported)
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return m, nil
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// load reads a matter with its notes, without checks (after a change).
func load(ctx context.Context, q store.Querier, id uuid.UUID) (*Matter, error) {
	m, err := scan(q.QueryRow(ctx, `SELECT `+columns+from+` WHERE m.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, apperr.NotFoundf("委托事项")
	}
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT id, text, by_name, created_at FROM entrusted_matter_notes WHERE matter_id = ? ORDER BY created_at, id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n Note
		if err := rows.Scan(&n.ID, &n.Text, &n.ByName, &n.CreatedAt); err != nil {
			return nil, err
		}
		n.CreatedAt = n.CreatedAt.UTC()
		m.Notes = append(m.Notes, n)
	}
	return m, rows.Err()
}

// mayRead checks that p may read matters at all: case readers and those
// who handle matters.
func mayRead(p *access.Principal) error {
	if p.Can(access.CasesRead) || p.Can(access.EntrustManage) {
		return nil
	}
	return apperr.Forbid("")
}

// Get returns a matter with its notes to the staff of either court
// (cases.read or entrust.manage); to everybody else it does not exist.
func Get(ctx context.Context, q store.Querier, id uuid.UUID) (*Matter, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := mayRead(p); err != nil {
		return nil, err
	}
	m, err := load(ctx, q, id)
	if err == nil && !p.Sees(m.CourtID) && !p.Sees(m.ToCourtID) {
		return nil, apperr.NotFoundf("委托事项")
	}
	return m, err
}

// Direction says which side of the matters a list shows.
type Direction string

const (
	Incoming Direction = "in"  // 收到的委托: the receiving courts in scope
	Outgoing Direction = "out" // 委托出去的事项: the entrusting courts in scope
)

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	Direction Direction
	CourtID   uuid.UUID // one court of the direction's side
	Statuses  []Status
	Kind      Kind
	Overdue   bool       // only the open matters past their due day on Today
	Today     legal.Date // zero: today
}

// List lists the matters received by (Incoming) or sent from (Outgoing)
// the courts in the caller's scope, oldest first.
func List(ctx context.Context, q store.Querier, f Filter, req page.Request) (page.Page[*Matter], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Matter]{}, err
	}
	if err := mayRead(p); err != nil {
		return page.Page[*Matter]{}, err
	}
	var column string
	switch f.Direction {
	case Incoming:
		column = "m.to_court_id"
	case Outgoing:
		column = "m.court_id"
	default:
		return page.Page[*Matter]{}, apperr.InvalidField("invalid_direction", "query.direction", "方向应为 in（收到的委托）或 out（委托出去的事项）")
	}
	cond, args := p.CourtFilter(column)
	return list(ctx, q, cond, args, column, f, req)
}

// ForCase lists the matters a case entrusted, oldest first, to those who
// may read the case.
func ForCase(ctx context.Context, q store.Querier, caseID uuid.UUID, req page.Request) (page.Page[*Matter], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[*Matter]{}, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return page.Page[*Matter]{}, err
	}
	var court uuid.UUID
	err = q.QueryRow(ctx, `SELECT court_id FROM cases WHERE id = ?`, caseID).Scan(&court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return page.Page[*Matter]{}, apperr.NotFoundf("案件")
	}
	if err != nil {
		return page.Page[*Matter]{}, err
	}
	return list(ctx, q, "m.case_id = ?", []any{caseID}, "m.court_id", Filter{}, req)
}

func list(ctx context.Context, q store.Querier, cond string, args []any, courtColumn string, f Filter, req page.Request) (page.Page[*Matter], error) {
	if _, err := req.LimitOrDefault(); err != nil {
		return page.Page[*Matter]{}, err
	}
	where := []string{cond}
	if f.CourtID != uuid.Nil {
		where, args = append(where, courtColumn+" = ?"), append(args, f.CourtID)
	}
	if len(f.Statuses) > 0 {
		var in []string
		for _, s := range f.Statuses {
			if !s.Valid() {
				return page.Page[*Matter]{}, apperr.InvalidField("invalid_status", "query.status", "没有“"+string(s)+"”这种委托事项状态")
			}
			in, args = append(in, "?"), append(args, string(s))
		}
		where = append(where, "m.status IN ("+strings.Join(in, ", ")+")")
	}
	if f.Kind != "" {
		if !f.Kind.Valid() {
			return page.Page[*Matter]{}, apperr.InvalidField("invalid_kind", "query.kind", "没有“"+string(f.Kind)+"”这种委托事项")
		}
		where, args = append(where, "m.kind = ?"), append(args, string(f.Kind))
	}
	if f.Overdue {
		today := f.Today
		if today.IsZero() {
			today = legal.Today(time.Now())
		}
		where, args = append(where, "m.status IN ('sent', 'accepted', 'assigned') AND m.due_on < ?"), append(args, today)
	}
	return store.PageByID(ctx, q, req, `SELECT `+columns+from+` WHERE `+strings.Join(where, " AND "), args, "m.id", false,
		scan, func(m *Matter) uuid.UUID { return m.ID })
}

// Choice is a team or person of the receiving court a matter may be
// assigned to.
type Choice struct {
	ID     uuid.UUID
	Name   string
	TeamID uuid.UUID // a person's team
}

// Assignees lists the active teams and people of a court the caller may
// assign matters in (entrust.manage, court in scope); another court lists
// none.
func Assignees(ctx context.Context, q store.Querier, court uuid.UUID) (teams, people []Choice, err error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !p.Can(access.EntrustManage) || !p.Sees(court) {
		return nil, nil, nil
	}
	rows, err := q.Query(ctx, `SELECT id, name FROM teams WHERE court_id = ? AND active ORDER BY name, id`, court)
	if err != nil {
		return nil, nil, err
	}
	for rows.Next() {
		var c Choice
		if err := rows.Scan(&c.ID, &c.Name); err != nil {
			rows.Close()
			return nil, nil, err
		}
		teams = append(teams, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, err
	}
	rows, err = q.Query(ctx, `SELECT id, display_name, team_id FROM users WHERE court_id = ? AND disabled_at IS NULL AND role <> ?
		ORDER BY display_name, id`, court, access.RoleAgencyOperator)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Choice
		var team uuid.NullUUID
		if err := rows.Scan(&c.ID, &c.Name, &team); err != nil {
			return nil, nil, err
		}
		c.TeamID = team.UUID
		people = append(people, c)
	}
	return teams, people, rows.Err()
}
