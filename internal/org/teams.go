package org

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// TeamKind is a kind of team or unit (DOMAIN.md §1.2): a lane (速执, 普执,
// 金融, 执保, 恢复异议审查), the command center, a group of the affairs center
// (窗口接待, 执诉前调, 立案审查, 查控送达, 财产处置), a field group …
type TeamKind struct {
	Code        string
	Name        string
	Description string
	SortOrder   int
	Active      bool
}

// TeamKinds returns every team kind in display order.
func TeamKinds(ctx context.Context, q store.Querier) ([]TeamKind, error) {
	rows, err := q.Query(ctx, `SELECT code, name, description, sort_order, active FROM team_kinds ORDER BY sort_order, code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TeamKind
	for rows.Next() {
		var k TeamKind
		if err := rows.Scan(&k.Code, &k.Name, &k.Description, &k.SortOrder, &k.Active); err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Team is a team or unit of one court.
type Team struct {
	ID        uuid.UUID
	CourtID   uuid.UUID
	Kind      string
	Name      string
	Region    string // the area a field group covers; "" for others
	Active    bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

const teamColumns = `id, court_id, kind, name, region, active, created_at, updated_at`

func scanTeam(sc interface{ Scan(...any) error }) (Team, error) {
	var t Team
	err := sc.Scan(&t.ID, &t.CourtID, &t.Kind, &t.Name, &t.Region, &t.Active, &t.CreatedAt, &t.UpdatedAt)
	return t, err
}

// TeamFilter narrows ListTeams.
type TeamFilter struct {
	CourtID uuid.UUID // zero: every court in scope
	Kind    string
}

// ListTeams lists the teams of the courts the caller sees, by court and name.
func ListTeams(ctx context.Context, q store.Querier, f TeamFilter, req page.Request) (page.Page[Team], error) {
	p, err := access.Must(ctx)
	if err != nil {
		return page.Page[Team]{}, err
	}
	limit, err := req.LimitOrDefault()
	if err != nil {
		return page.Page[Team]{}, err
	}
	cond, args := p.CourtFilter("court_id")
	where := []string{cond}
	if f.CourtID != uuid.Nil {
		where = append(where, "court_id = ?")
		args = append(args, f.CourtID)
	}
	if f.Kind != "" {
		where = append(where, "kind = ?")
		args = append(args, f.Kind)
	}
	if req.Cursor != "" {
		var after teamKey
		if err := page.Decode(req.Cursor, &after); err != nil {
			return page.Page[Team]{}, err
		}
		where = append(where, "(court_id > ? OR court_id = ? AND name > ?)")
		args = append(args, after.CourtID, after.CourtID, after.Name)
	}
	args = append(args, limit+1)
	rows, err := q.Query(ctx, `SELECT `+teamColumns+` FROM teams WHERE `+strings.Join(where, " AND ")+
		` ORDER BY court_id, name LIMIT ?`, args...)
	if err != nil {
		return page.Page[Team]{}, err
	}
	defer rows.Close()
	var out []Team
	for rows.Next() {
		t, err := scanTeam(rows)
		if err != nil {
			return page.Page[Team]{}, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return page.Page[Team]{}, err
	}
	return page.Trim(out, limit, func(t Team) any { return teamKey{t.CourtID, t.Name} }), nil
}

type teamKey struct {
	CourtID uuid.UUID `json:"c"`
	Name    string    `json:"n"`
}

// GetTeam returns a team of a court the caller sees.
func GetTeam(ctx context.Context, q store.Querier, id uuid.UUID) (Team, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Team{}, err
	}
	t, err := scanTeam(q.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = ?`, id))
	if store.IsNoRows(err) || err == nil && !p.Sees(t.CourtID) {
		return Team{}, apperr.NotFoundf("团队")
	}
	return t, err
}

// TeamInput is a new team.
type TeamInput struct {
	CourtID uuid.UUID
	Kind    string
	Name    string
	Region  string
}

func checkTeamName(name string) error {
	if name == "" || utf8.RuneCountInString(name) > 32 {
		return apperr.InvalidField("invalid_team_name", "body.name", "团队名称不能为空，且不超过 32 个字")
	}
	return nil
}

func checkKind(ctx context.Context, q store.Querier, kind string) error {
	var active bool
	err := q.QueryRow(ctx, `SELECT active FROM team_kinds WHERE code = ?`, kind).Scan(&active)
	if store.IsNoRows(err) || err == nil && !active {
		return apperr.InvalidField("unknown_team_kind", "body.kind", "团队类别“"+kind+"”不存在或已停用")
	}
	return err
}

// CreateTeam adds a team to a court in the caller's scope (teams.manage).
func CreateTeam(ctx context.Context, tx *store.Tx, in TeamInput) (Team, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Team{}, err
	}
	if err := p.Require(access.TeamsManage); err != nil {
		return Team{}, err
	}
	in.Name, in.Region = strings.TrimSpace(in.Name), strings.TrimSpace(in.Region)
	if err := checkTeamName(in.Name); err != nil {
		return Team{}, err
	}
	court, err := GetCourt(ctx, tx, in.CourtID)
	if err != nil || !p.Sees(court.ID) {
		return Team{}, apperr.InvalidField("unknown_court", "body.court_id", "法院不存在")
	}
	if !court.Active {
		return Team{}, apperr.InvalidField("inactive_court", "body.court_id", "法院已停用，不能新建团队")
	}
	if err := checkKind(ctx, tx, in.Kind); err != nil {
		return Team{}, err
	}
	now := time.Now().UTC()
	t := Team{ID: store.NewID(), CourtID: in.CourtID, Kind: in.Kind, Name: in.Name, Region: in.Region, Active: true,
		CreatedAt: now, UpdatedAt: now}
	if err := insertTeam(ctx, tx, t, court); err != nil {
		return Team{}, err
	}
	return t, nil
}

func insertTeam(ctx context.Context, tx *store.Tx, t Team, court Court) error {
	_, err := tx.Exec(ctx, `INSERT INTO teams (`+teamColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID, t.CourtID, t.Kind, t.Name, t.Region, t.Active, t.CreatedAt, t.UpdatedAt)
	if store.IsUniqueViolation(err) {
		return apperr.InvalidField("duplicate_team", "body.name", court.ShortName+"已有名为“"+t.Name+"”的团队")
	}
	if err != nil {
		return err
	}
	return audit.Log(ctx, tx, audit.Entry{CourtID: t.CourtID, Action: "team.created", ObjectType: "team",
		ObjectID: t.ID.String(), Summary: "新建团队 " + court.ShortName + " " + t.Name,
		Changes: audit.Changes{"kind": {To: t.Kind}, "name": {To: t.Name}, "region": {To: t.Region}}})
}

// TeamPatch edits a team; nil fields stay.
type TeamPatch struct {
	Kind   *string
	Name   *string
	Region *string
	Active *bool
}

// UpdateTeam edits a team of a court in the caller's scope (teams.manage).
func UpdateTeam(ctx context.Context, tx *store.Tx, id uuid.UUID, patch TeamPatch) (Team, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Team{}, err
	}
	if err := p.Require(access.TeamsManage); err != nil {
		return Team{}, err
	}
	old, err := scanTeam(tx.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams WHERE id = ?`+tx.ForUpdate(), id))
	if store.IsNoRows(err) || err == nil && !p.Sees(old.CourtID) {
		return Team{}, apperr.NotFoundf("团队")
	}
	if err != nil {
		return Team{}, err
	}
	t := old
	set(&t.Kind, patch.Kind)
	set(&t.Name, patch.Name)
	set(&t.Region, patch.Region)
	set(&t.Active, patch.Active)
	t.Name, t.Region = strings.TrimSpace(t.Name), strings.TrimSpace(t.Region)
	if err := checkTeamName(t.Name); err != nil {
		return Team{}, err
	}
	if t.Kind != old.Kind {
		if err := checkKind(ctx, tx, t.Kind); err != nil {
			return Team{}, err
		}
	}
	ch := audit.Changes{}
	diff(ch, "kind", old.Kind, t.Kind)
	diff(ch, "name", old.Name, t.Name)
	diff(ch, "region", old.Region, t.Region)
	diff(ch, "active", old.Active, t.Active)
	if len(ch) == 0 {
		return old, nil
	}
	t.UpdatedAt = time.Now().UTC()
	_, err = tx.Exec(ctx, `UPDATE teams SET kind = ?, name = ?, region = ?, active = ?, updated_at = ? WHERE id = ?`,
		t.Kind, t.Name, t.Region, t.Active, t.UpdatedAt, t.ID)
	if store.IsUniqueViolation(err) {
		return Team{}, apperr.InvalidField("duplicate_team", "body.name", "本院已有名为“"+t.Name+"”的团队")
	}
	if err != nil {
		return Team{}, err
	}
	return t, audit.Log(ctx, tx, audit.Entry{CourtID: t.CourtID, Action: "team.updated", ObjectType: "team",
		ObjectID: t.ID.String(), Summary: "修改团队 " + t.Name, Changes: ch})
}

// CountActiveTeams returns how many active teams the caller's courts have.
func CountActiveTeams(ctx context.Context, q store.Querier) (int, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return 0, err
	}
	cond, args := p.CourtFilter("court_id")
	var n int
	err = q.QueryRow(ctx, `SELECT COUNT(*) FROM teams WHERE active AND `+cond, args...).Scan(&n)
	return n, err
}

// TeamByName returns the id of the team of court with the given name.
func TeamByName(ctx context.Context, q store.Querier, court uuid.UUID, name string) (uuid.UUID, error) {
	var id uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM teams WHERE court_id = ? AND name = ?`, court, name).Scan(&id)
	if store.IsNoRows(err) {
		return uuid.Nil, apperr.NotFoundf("团队“" + name + "”")
	}
	return id, err
}

// TeamKindPatch edits a team kind; nil fields stay. The code is fixed.
type TeamKindPatch struct {
	Name        *string
	Description *string
	Active      *bool
}

// UpdateTeamKind edits a team kind (reference.manage). Team kinds are
// platform-wide: their audit records go to the platform chain. A kind taken
// out of use keeps its teams but cannot be chosen for new ones.
func UpdateTeamKind(ctx context.Context, tx *store.Tx, code string, patch TeamKindPatch) (TeamKind, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return TeamKind{}, err
	}
	if err := p.Require(access.ReferenceManage); err != nil {
		return TeamKind{}, err
	}
	var old TeamKind
	err = tx.QueryRow(ctx, `SELECT code, name, description, sort_order, active FROM team_kinds WHERE code = ?`+tx.ForUpdate(), code).
		Scan(&old.Code, &old.Name, &old.Description, &old.SortOrder, &old.Active)
	if store.IsNoRows(err) {
		return TeamKind{}, apperr.NotFoundf("团队类别")
	}
	if err != nil {
		return TeamKind{}, err
	}
	k := old
	set(&k.Name, patch.Name)
	set(&k.Description, patch.Description)
	set(&k.Active, patch.Active)
	k.Name, k.Description = strings.TrimSpace(k.Name), strings.TrimSpace(k.Description)
	switch {
	case k.Name == "" || utf8.RuneCountInString(k.Name) > 32:
		return TeamKind{}, apperr.InvalidField("invalid_team_kind", "body.name", "类别名称不能为空，且不超过 32 个字")
	case utf8.RuneCountInString(k.Description) > 200:
		return TeamKind{}, apperr.InvalidField("invalid_team_kind", "body.description", "说明不超过 200 个字")
	}
	ch := audit.Changes{}
	diff(ch, "name", old.Name, k.Name)
	diff(ch, "description", old.Description, k.Description)
	diff(ch, "active", old.Active, k.Active)
	if len(ch) == 0 {
		return old, nil
	}
	_, err = tx.Exec(ctx, `UPDATE team_kinds SET name = ?, description = ?, active = ? WHERE code = ?`, k.Name, k.Description, k.Active, k.Code)
	if store.IsUniqueViolation(err) {
		return TeamKind{}, apperr.InvalidField("duplicate_team_kind", "body.name", "已有名为“"+k.Name+"”的团队类别")
	}
	if err != nil {
		return TeamKind{}, err
	}
	return k, audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "team_kind.updated", ObjectType: "team_kind",
		ObjectID: k.Code, Summary: "修改团队类别 " + k.Name, Changes: ch})
}
