package cases

import (
	"context"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Handler is a user a case may be assigned to: an active post judge, judge
// assistant or team leader who sits in a team (see PickHandler).
type Handler struct {
	ID       uuid.UUID
	Name     string
	Role     string
	CourtID  uuid.UUID
	TeamID   uuid.UUID
	TeamName string
}

// Handlers lists the possible handlers of a court (uuid.Nil: of every court
// in the caller's scope), by team and name, for the case list's filter and
// the assignment form (cases.read). A court outside the scope lists nobody.
func Handlers(ctx context.Context, q store.Querier, court uuid.UUID) ([]Handler, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	if err := p.Require(access.CasesRead); err != nil {
		return nil, err
	}
	cond, args := p.CourtFilter("u.court_id")
	if court != uuid.Nil {
		cond += " AND u.court_id = ?"
		args = append(args, court)
	}
	args = append(args, access.RolePostJudge, access.RoleJudgeAssistant, access.RoleTeamLeader)
	rows, err := q.Query(ctx, `SELECT u.id, u.display_name, u.role, u.court_id, t.id, t.name
		FROM users u JOIN teams t ON t.id = u.team_id
		WHERE `+cond+` AND u.disabled_at IS NULL AND t.active AND u.role IN (?, ?, ?)
		ORDER BY t.name, u.display_name, u.id LIMIT 2000`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Handler
	for rows.Next() {
		var h Handler
		if err := rows.Scan(&h.ID, &h.Name, &h.Role, &h.CourtID, &h.TeamID, &h.TeamName); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
