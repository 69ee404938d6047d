package api

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// RoleOut is a role.
type RoleOut struct {
	Code        string    `json:"code" example:"post_judge"`
	Name        string    `json:"name" example:"员额法官"`
	Description string    `json:"description"`
	Scope       string    `json:"scope" enum:"none,court,subtree,all"`
	ScopeLabel  string    `json:"scope_label" example:"本院"`
	Permissions []string  `json:"permissions" nullable:"false"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func roleOut(r auth.Role) RoleOut {
	out := RoleOut{Code: r.Code, Name: r.Name, Description: r.Description, Scope: string(r.Scope),
		ScopeLabel: r.Scope.Label(), Permissions: []string{}, UpdatedAt: r.UpdatedAt.UTC()}
	for _, p := range r.Permissions {
		out.Permissions = append(out.Permissions, string(p))
	}
	return out
}

// PermissionOut is a permission of the catalogue.
type PermissionOut struct {
	Code  string `json:"code" example:"users.manage"`
	Label string `json:"label" example:"管理用户（新建、修改、停用、重置密码）"`
}

// TeamKindOut is a team kind.
type TeamKindOut struct {
	Code        string `json:"code" example:"fast"`
	Name        string `json:"name" example:"速执团队"`
	Description string `json:"description"`
	Active      bool   `json:"active"`
}

// CaseTypeOut is an enforcement case type (CODE-2).
type CaseTypeOut struct {
	Code          string    `json:"code" example:"restored_enforcement"`
	Zi            string    `json:"zi" example:"执恢" doc:"类型代字"`
	LegacyZi      string    `json:"legacy_zi,omitempty" example:"执恢字" doc:"2016 年以前的写法"`
	Name          string    `json:"name" example:"恢复执行"`
	Category      string    `json:"category" enum:"implementation,examination,other,local"`
	CategoryLabel string    `json:"category_label" example:"执行实施"`
	Confidence    string    `json:"confidence" enum:"firm,check"`
	Active        bool      `json:"active"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func caseTypeOut(c org.CaseType) CaseTypeOut {
	return CaseTypeOut{Code: c.Code, Zi: c.Zi, LegacyZi: c.LegacyZi, Name: c.Name, Category: c.Category,
		CategoryLabel: c.CategoryLabel(), Confidence: c.Confidence, Active: c.Active, UpdatedAt: c.UpdatedAt.UTC()}
}

// Items is an unpaged list of a short catalogue.
type Items[T any] struct {
	Items []T `json:"items" nullable:"false"`
}

type codeInput struct {
	Code string `path:"code" maxLength:"64"`
}

type updateRoleInput struct {
	Code string `path:"code" maxLength:"64"`
	Body struct {
		Name        *string   `json:"name,omitempty" maxLength:"64"`
		Description *string   `json:"description,omitempty" maxLength:"400"`
		Scope       *string   `json:"scope,omitempty" enum:"none,court,subtree,all"`
		Permissions *[]string `json:"permissions,omitempty" maxItems:"64" doc:"完整的权限列表（替换原有）"`
	}
}

type updateTeamKindInput struct {
	Code string `path:"code" maxLength:"64"`
	Body struct {
		Name        *string `json:"name,omitempty" maxLength:"64"`
		Description *string `json:"description,omitempty" maxLength:"400"`
		Active      *bool   `json:"active,omitempty" doc:"停用后已有团队保留，但不能再新建该类团队"`
	}
}

type updateCaseTypeInput struct {
	Code string `path:"code" maxLength:"64"`
	Body struct {
		Zi         *string `json:"zi,omitempty" maxLength:"8"`
		LegacyZi   *string `json:"legacy_zi,omitempty" maxLength:"8"`
		Name       *string `json:"name,omitempty" maxLength:"64"`
		Confidence *string `json:"confidence,omitempty" enum:"firm,check"`
		Active     *bool   `json:"active,omitempty"`
	}
}

func (h *handlers) reference(a huma.API) {
	huma.Register(a, op(http.MethodGet, "/roles", "listRoles", "列出角色及其权限与可见范围", "参考数据"),
		func(ctx context.Context, _ *struct{}) (*Body[Items[RoleOut]], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			roles, err := auth.Roles(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			out := Items[RoleOut]{Items: []RoleOut{}}
			for _, r := range roles {
				out.Items = append(out.Items, roleOut(r))
			}
			return body(out), nil
		})

	huma.Register(a, op(http.MethodGet, "/roles/{code}", "getRole", "查看角色", "参考数据"),
		func(ctx context.Context, in *codeInput) (*Body[RoleOut], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			r, err := auth.GetRole(ctx, h.DB, in.Code)
			if err != nil {
				return nil, err
			}
			return body(roleOut(r)), nil
		})

	huma.Register(a, op(http.MethodPatch, "/roles/{code}", "updateRole", "修改角色（全平台生效）", "参考数据"),
		func(ctx context.Context, in *updateRoleInput) (*Body[RoleOut], error) {
			patch := auth.RolePatch{Name: trimmed(in.Body.Name), Description: trimmed(in.Body.Description)}
			if in.Body.Scope != nil {
				s := access.Scope(*in.Body.Scope)
				patch.Scope = &s
			}
			if in.Body.Permissions != nil {
				perms := make([]access.Permission, 0, len(*in.Body.Permissions))
				for _, p := range *in.Body.Permissions {
					perms = append(perms, access.Permission(p))
				}
				patch.Permissions = &perms
			}
			r, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (auth.Role, error) {
				return auth.UpdateRole(ctx, tx, in.Code, patch)
			})
			if err != nil {
				return nil, err
			}
			return body(roleOut(r)), nil
		})

	huma.Register(a, op(http.MethodGet, "/permissions", "listPermissions", "权限目录", "参考数据"),
		func(ctx context.Context, _ *struct{}) (*Body[Items[PermissionOut]], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			out := Items[PermissionOut]{Items: []PermissionOut{}}
			for _, p := range access.Catalogue {
				out.Items = append(out.Items, PermissionOut{Code: string(p.Code), Label: p.Label})
			}
			return body(out), nil
		})

	huma.Register(a, op(http.MethodGet, "/team-kinds", "listTeamKinds", "团队类别", "参考数据"),
		func(ctx context.Context, _ *struct{}) (*Body[Items[TeamKindOut]], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			kinds, err := org.TeamKinds(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			out := Items[TeamKindOut]{Items: []TeamKindOut{}}
			for _, k := range kinds {
				out.Items = append(out.Items, TeamKindOut{Code: k.Code, Name: k.Name, Description: k.Description, Active: k.Active})
			}
			return body(out), nil
		})

	huma.Register(a, op(http.MethodPatch, "/team-kinds/{code}", "updateTeamKind", "修改团队类别（全平台生效）", "参考数据"),
		func(ctx context.Context, in *updateTeamKindInput) (*Body[TeamKindOut], error) {
			k, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.TeamKind, error) {
				return org.UpdateTeamKind(ctx, tx, in.Code, org.TeamKindPatch{Name: trimmed(in.Body.Name),
					Description: trimmed(in.Body.Description), Active: in.Body.Active})
			})
			if err != nil {
				return nil, err
			}
			return body(TeamKindOut{Code: k.Code, Name: k.Name, Description: k.Description, Active: k.Active}), nil
		})

	huma.Register(a, op(http.MethodGet, "/case-types", "listCaseTypes", "执行案件类型及其类型代字（CODE-2）", "参考数据"),
		func(ctx context.Context, _ *struct{}) (*Body[Items[CaseTypeOut]], error) {
			if _, err := access.Must(ctx); err != nil {
				return nil, err
			}
			types, err := org.CaseTypes(ctx, h.DB)
			if err != nil {
				return nil, err
			}
			out := Items[CaseTypeOut]{Items: []CaseTypeOut{}}
			for _, c := range types {
				out.Items = append(out.Items, caseTypeOut(c))
			}
			return body(out), nil
		})

	huma.Register(a, op(http.MethodPatch, "/case-types/{code}", "updateCaseType", "修改案件类型（全平台生效）", "参考数据"),
		func(ctx context.Context, in *updateCaseTypeInput) (*Body[CaseTypeOut], error) {
			c, err := store.TransactValue(ctx, h.DB, func(ctx context.Context, tx *store.Tx) (org.CaseType, error) {
				return org.UpdateCaseType(ctx, tx, in.Code, org.CaseTypePatch{Zi: trimmed(in.Body.Zi),
					LegacyZi: trimmed(in.Body.LegacyZi), Name: trimmed(in.Body.Name), Confidence: in.Body.Confidence, Active: in.Body.Active})
			})
			if err != nil {
				return nil, err
			}
			return body(caseTypeOut(c)), nil
		})
}
