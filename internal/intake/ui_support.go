package intake

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/store"
)

// StaffChoice is a user offered in a form: a mediator to route an
// application to.
type StaffChoice struct {
	ID       uuid.UUID
	Name     string
	Role     string
	TeamID   uuid.UUID // uuid.Nil when the user belongs to no team
	TeamName string
}

// Mediators lists the active mediators of a court, by team and name: the choices of
// RouteToMediation (applications.register or applications.review, court in
// scope). Choosing them needs no users.read.
func Mediators(ctx context.Context, q store.Querier, court uuid.UUID) ([]StaffChoice, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.ApplicationsRegister) && !p.Can(access.ApplicationsReview) {
		return nil, apperr.Forbid("")
	}
	if !p.Sees(court) {
		return nil, apperr.NotFoundf("法院")
	}
	return staffChoices(ctx, q, `u.court_id = ? AND u.role = ?`, court, access.RoleMediator)
}

func staffChoices(ctx context.Context, q store.Querier, cond string, args ...any) ([]StaffChoice, error) {
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.role, u.team_id, COALESCE(t.name, '')
		FROM users u LEFT JOIN teams t ON t.id = u.team_id
		WHERE u.disabled_at IS NULL AND `+cond+` ORDER BY COALESCE(t.name, ''), u.display_name, u.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StaffChoice
	for rows.Next() {
		var s StaffChoice
		var team uuid.NullUUID
		if err := rows.Scan(&s.ID, &s.Name, &s.Role, &team, &s.TeamName); err != nil {
			return nil, err
		}
		s.TeamID = team.UUID
		out = append(out, s)
	}
	return out, rows.Err()
}

// PartyNames are the names of an application's parties by side, in the
// order they were registered.
type PartyNames struct {
	Applicants  []string
	Respondents []string
}

// PartyNamesOf returns the party names of the applications ids, for lists
// that show applicants and respondents apart (cases.read or
// applications.register; applications outside the caller's scope are left
// out).
func PartyNamesOf(ctx context.Context, q store.Querier, ids []uuid.UUID) (map[uuid.UUID]PartyNames, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Can(access.CasesRead) && !p.Can(access.ApplicationsRegister) {
		return nil, apperr.Forbid("")
	}
	out := make(map[uuid.UUID]PartyNames, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	cond, args := p.CourtFilter("a.court_id")
	for _, id := range ids {
		args = append(args, id)
	}
	rows, err := q.Query(ctx, `SELECT ap.application_id, ap.role, ap.name
		FROM application_parties ap JOIN applications a ON a.id = ap.application_id
		WHERE `+cond+` AND ap.application_id IN (`+store.Placeholders(len(ids))+`)
		ORDER BY ap.application_id, ap.seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id uuid.UUID
		var role, name string
		if err := rows.Scan(&id, &role, &name); err != nil {
			return nil, err
		}
		n := out[id]
		if role == "applicant" {
			n.Applicants = append(n.Applicants, name)
		} else {
			n.Respondents = append(n.Respondents, name)
		}
		out[id] = n
	}
	return out, rows.Err()
}
