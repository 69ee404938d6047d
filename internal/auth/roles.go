package auth

import (
	"context"
	"embed"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/csvdata"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Role is a role of DOMAIN.md §1.1 as configured: its name, how far it sees
// (access.Scope) and what it may do. Parties (applicants, respondents,
// outsiders, mass-claim participants) are not users: they reach their case
// through the portal, so they have no role here.
type Role struct {
	Code        string
	Name        string
	Description string
	Scope       access.Scope
	SortOrder   int
	Permissions []access.Permission
	UpdatedAt   time.Time
}

// Roles returns every role in display order, with its permissions.
func Roles(ctx context.Context, q store.Querier) ([]Role, error) {
	rows, err := q.Query(ctx, `SELECT code, name, description, scope, sort_order, updated_at FROM roles ORDER BY sort_order, code`)
	if err != nil {
		return nil, err
	}
	var out []Role
	for rows.Next() {
		var r Role
		if err := rows.Scan(&r.Code, &r.Name, &r.Description, &r.Scope, &r.SortOrder, &r.UpdatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	perms, err := q.Query(ctx, `SELECT role_code, permission FROM role_permissions ORDER BY role_code, permission`)
	if err != nil {
		return nil, err
	}
	defer perms.Close()
	byCode := map[string][]access.Permission{}
	for perms.Next() {
		var code string
		var p access.Permission
		if err := perms.Scan(&code, &p); err != nil {
			return nil, err
		}
		byCode[code] = append(byCode[code], p)
	}
	for i := range out {
		out[i].Permissions = byCode[out[i].Code]
	}
	return out, perms.Err()
}

// GetRole returns one role with its permissions. Authentication calls it on
// every request, so it reads that role only.
func GetRole(ctx context.Context, q store.Querier, code string) (Role, error) {
	var r Role
	err := q.QueryRow(ctx, `SELECT code, name, description, scope, sort_order, updated_at FROM roles WHERE code = ?`, code).
		Scan(&r.Code, &r.Name, &r.Description, &r.Scope, &r.SortOrder, &r.UpdatedAt)
	if store.IsNoRows(err) {
		return Role{}, apperr.NotFoundf("角色")
	}
	if err != nil {
		return Role{}, err
	}
	rows, err := q.Query(ctx, `SELECT permission FROM role_permissions WHERE role_code = ? ORDER BY permission`, code)
	if err != nil {
		return Role{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var p access.Permission
		if err := rows.Scan(&p); err != nil {
			return Role{}, err
		}
		r.Permissions = append(r.Permissions, p)
	}
	return r, rows.Err()
}

func scopeRank(s access.Scope) int {
	return map[access.Scope]int{access.ScopeNone: 0, access.ScopeCourt: 1, access.ScopeSubtree: 2, access.ScopeAll: 3}[s]
}

// mayGrant reports whether p may give role r to a user, or manage a user who
// holds it: r must see no further than p and hold no administrative permission
// p lacks. A court administrator therefore cannot make, or take over, a system
// administrator, yet can staff the court with judges and clerks whose
// case-work permissions administrators do not hold themselves.
func mayGrant(p *access.Principal, r Role) bool {
	if p.IsSystem() {
		return true
	}
	if scopeRank(r.Scope) > scopeRank(p.Scope) {
		return false
	}
	for _, perm := range r.Permissions {
		if access.Administrative(perm) && !p.Can(perm) {
			return false
		}
	}
	return true
}

// RolePatch edits a role; nil fields stay.
type RolePatch struct {
	Name        *string
	Description *string
	Scope       *access.Scope
	Permissions *[]access.Permission
}

// UpdateRole edits a role (roles.manage). Roles are platform-wide: their audit
// records go to the platform chain.
func UpdateRole(ctx context.Context, tx *store.Tx, code string, patch RolePatch) (Role, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return Role{}, err
	}
	if err := p.Require(access.RolesManage); err != nil {
		return Role{}, err
	}
	old, err := GetRole(ctx, tx, code)
	if err != nil {
		return Role{}, err
	}
	r := old
	if patch.Name != nil {
		r.Name = strings.TrimSpace(*patch.Name)
	}
	if patch.Description != nil {
		r.Description = strings.TrimSpace(*patch.Description)
	}
	if patch.Scope != nil {
		r.Scope = *patch.Scope
	}
	if patch.Permissions != nil {
		r.Permissions = slices.Clone(*patch.Permissions)
		slices.Sort(r.Permissions)
		r.Permissions = slices.Compact(r.Permissions)
	}
	switch {
	case r.Name == "" || utf8.RuneCountInString(r.Name) > 32:
		return Role{}, apperr.InvalidField("invalid_role", "body.name", "角色名称不能为空，且不超过 32 个字")
	case utf8.RuneCountInString(r.Description) > 200:
		return Role{}, apperr.InvalidField("invalid_role", "body.description", "角色说明不超过 200 个字")
	case !r.Scope.Valid():
		return Role{}, apperr.InvalidField("invalid_role", "body.scope", "可见范围必须是 none、court、subtree 或 all 之一")
	}
	for _, perm := range r.Permissions {
		if !access.KnownPermission(perm) {
			return Role{}, apperr.InvalidField("unknown_permission", "body.permissions", "没有名为“"+string(perm)+"”的权限")
		}
	}
	if code == p.Role && !slices.Contains(r.Permissions, access.RolesManage) {
		return Role{}, apperr.New(apperr.Conflict, "self_lockout", "不能移除您自己角色的“管理角色与权限”权限，否则将无人能再修改角色")
	}
	ch := audit.Changes{}
	if r.Name != old.Name {
		ch["name"] = audit.Change{From: old.Name, To: r.Name}
	}
	if r.Description != old.Description {
		ch["description"] = audit.Change{From: old.Description, To: r.Description}
	}
	if r.Scope != old.Scope {
		ch["scope"] = audit.Change{From: old.Scope, To: r.Scope}
	}
	if !slices.Equal(r.Permissions, old.Permissions) {
		ch["permissions"] = audit.Change{From: old.Permissions, To: r.Permissions}
	}
	if len(ch) == 0 {
		return old, nil
	}
	r.UpdatedAt = time.Now().UTC()
	principalsChanged(tx)
	_, err = tx.Exec(ctx, `UPDATE roles SET name = ?, description = ?, scope = ?, updated_at = ? WHERE code = ?`,
		r.Name, r.Description, r.Scope, r.UpdatedAt, r.Code)
	if store.IsUniqueViolation(err) {
		return Role{}, apperr.InvalidField("duplicate_role", "body.name", "已有名为“"+r.Name+"”的角色")
	}
	if err != nil {
		return Role{}, err
	}
	if patch.Permissions != nil {
		if _, err := tx.Exec(ctx, `DELETE FROM role_permissions WHERE role_code = ?`, r.Code); err != nil {
			return Role{}, err
		}
		for _, perm := range r.Permissions {
			if _, err := tx.Exec(ctx, `INSERT INTO role_permissions (role_code, permission) VALUES (?, ?)`, r.Code, perm); err != nil {
				return Role{}, err
			}
		}
	}
	return r, audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "role.updated", ObjectType: "role",
		ObjectID: r.Code, Summary: "修改角色 " + r.Name, Changes: ch})
}

//go:embed seed/*.csv
var seedFS embed.FS

// Seeds returns auth's reference data: the roles of DOMAIN.md §1.1 with their
// default scopes and permissions.
func Seeds() []store.Seed {
	rows, err := csvdata.Read(seedFS, "seed/roles.csv")
	if err != nil {
		panic(err) // embedded at build time; the tests read it
	}
	v := 0
	for _, r := range rows {
		v = max(v, r.Since())
	}
	return []store.Seed{{Name: "roles", Version: v, Digest: csvdata.Digest(seedFS, "seed/roles.csv"), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
		return seedRoles(ctx, tx, csvdata.Between(rows, from, to))
	}}}
}

func seedRoles(ctx context.Context, tx *store.Tx, rows []csvdata.Row) error {
	principalsChanged(tx)
	now := time.Now().UTC()
	for _, r := range rows {
		res, err := tx.Exec(ctx, `INSERT INTO roles (code, name, description, scope, sort_order, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, r["code"], r["name"], r["description"], r["scope"], r.Int("sort_order"), now)
		if err != nil {
			return err
		}
		created, _ := res.RowsAffected()
		// Permissions introduced with this row are added even to a role that
		// already existed: a new version may grant a new permission.
		perms := strings.Fields(r["permissions"])
		for _, perm := range perms {
			if !access.KnownPermission(access.Permission(perm)) {
				panic("roles.csv: unknown permission " + perm)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO role_permissions (role_code, permission) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				r["code"], perm); err != nil {
				return err
			}
		}
		action, summary := "role.permissions_added", "角色 "+r["name"]+" 增加权限"
		if created > 0 {
			action, summary = "role.created", "载入角色 "+r["name"]
		}
		err = audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: action, ObjectType: "role", ObjectID: r["code"],
			Summary: summary, Changes: audit.Changes{"scope": {To: r["scope"]}, "permissions": {To: perms}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// GrantableRoles returns the roles the caller may give to users (see
// mayGrant), in display order.
func GrantableRoles(ctx context.Context, q store.Querier) ([]Role, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return nil, err
	}
	roles, err := Roles(ctx, q)
	if err != nil {
		return nil, err
	}
	out := roles[:0]
	for _, r := range roles {
		if mayGrant(p, r) {
			out = append(out, r)
		}
	}
	return out, nil
}
