package ui

import (
	"context"
	"net/http"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

type rolesView struct {
	Roles []auth.Role
}

func (u *UI) rolesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.RolesManage); err != nil {
		return err
	}
	roles, err := auth.Roles(r.Context(), u.DB)
	if err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "roles", "角色与权限", "roles", rolesView{Roles: roles})
}

type roleForm struct {
	Role    auth.Role
	Catalog []access.PermissionInfo
	Scopes  []access.Scope
	Errors  map[string]string
	Error   string
}

func (u *UI) showRole(w http.ResponseWriter, r *http.Request, status int, f roleForm) error {
	f.Catalog = access.Catalogue
	f.Scopes = []access.Scope{access.ScopeNone, access.ScopeCourt, access.ScopeSubtree, access.ScopeAll}
	return u.render(w, r, status, "role", f.Role.Name, "roles", f)
}

func (u *UI) rolePage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.RolesManage); err != nil {
		return err
	}
	role, err := auth.GetRole(r.Context(), u.DB, r.PathValue("code"))
	if err != nil {
		return err
	}
	return u.showRole(w, r, http.StatusOK, roleForm{Role: role})
}

func (u *UI) updateRole(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	code := r.PathValue("code")
	role, err := auth.GetRole(r.Context(), u.DB, code)
	if err != nil {
		return err
	}
	v := formValues(r, "name", "description", "scope")
	scope := access.Scope(v["scope"])
	perms := []access.Permission{}
	for _, x := range r.PostForm["permission"] {
		perms = append(perms, access.Permission(x))
	}
	err = u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		_, err := auth.UpdateRole(ctx, tx, code, auth.RolePatch{Name: ptr(v["name"]), Description: ptr(v["description"]),
			Scope: &scope, Permissions: &perms})
		return err
	})
	if err != nil {
		f := roleForm{Role: role}
		f.Role.Name, f.Role.Description, f.Role.Scope, f.Role.Permissions = v["name"], v["description"], scope, perms
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showRole(w, r, http.StatusUnprocessableEntity, f)
	}
	redirect(w, r, "/admin/roles/"+code, "saved")
	return nil
}

// referenceView is the page of platform-wide reference data: case types and
// team kinds, each row its own form.
type referenceView struct {
	Types  []org.CaseType
	Kinds  []org.TeamKind
	Errors map[string]string
	Error  string
	Failed string // "case:<code>" or "kind:<code>": the row whose edit failed
}

func (u *UI) referenceView(r *http.Request, v *referenceView) error {
	var err error
	if v.Types, err = org.CaseTypes(r.Context(), u.DB); err != nil {
		return err
	}
	v.Kinds, err = org.TeamKinds(r.Context(), u.DB)
	return err
}

func (u *UI) referencePage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.ReferenceManage); err != nil {
		return err
	}
	var v referenceView
	if err := u.referenceView(r, &v); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "reference", "参考数据", "reference", v)
}

// editReference runs one row's edit and answers with the page: redirected
// on success, re-rendered with the error on the failed row otherwise.
func (u *UI) editReference(w http.ResponseWriter, r *http.Request, failed string, edit func(ctx context.Context, tx *store.Tx) error) error {
	err := u.DB.Transact(r.Context(), edit)
	if err == nil {
		redirect(w, r, "/admin/reference", "saved")
		return nil
	}
	v := referenceView{Failed: failed}
	if v.Errors, v.Error, err = formErrors(err); err != nil {
		return err
	}
	if err := u.referenceView(r, &v); err != nil {
		return err
	}
	return u.render(w, r, http.StatusUnprocessableEntity, "reference", "参考数据", "reference", v)
}

func (u *UI) updateCaseType(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	code := r.PathValue("code")
	v := formValues(r, "zi", "legacy_zi", "name", "confidence", "active")
	active := v["active"] == "1"
	return u.editReference(w, r, "case:"+code, func(ctx context.Context, tx *store.Tx) error {
		_, err := org.UpdateCaseType(ctx, tx, code, org.CaseTypePatch{Zi: ptr(v["zi"]), LegacyZi: ptr(v["legacy_zi"]),
			Name: ptr(v["name"]), Confidence: ptr(v["confidence"]), Active: &active})
		return err
	})
}

func (u *UI) updateTeamKind(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	code := r.PathValue("code")
	v := formValues(r, "name", "description", "active")
	active := v["active"] == "1"
	return u.editReference(w, r, "kind:"+code, func(ctx context.Context, tx *store.Tx) error {
		_, err := org.UpdateTeamKind(ctx, tx, code, org.TeamKindPatch{Name: ptr(v["name"]), Description: ptr(v["description"]), Active: &active})
		return err
	})
}

type auditView struct {
	Filter  map[string]string
	Records []audit.Record
	Next    string
	Courts  map[string]string // id → short name
}

func (u *UI) auditPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	q := r.URL.Query()
	v := auditView{Filter: map[string]string{"court": q.Get("court"), "object_type": q.Get("object_type"),
		"object_id": q.Get("object_id"), "action": q.Get("action")}}
	f := audit.Filter{ObjectType: v.Filter["object_type"], ObjectID: v.Filter["object_id"], Action: v.Filter["action"]}
	var err error
	if f.CourtID, err = formIDValue(v.Filter["court"]); err != nil {
		v.Filter["court"] = ""
	}
	pg, err := audit.List(r.Context(), u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Records, v.Next = pg.Items, pg.NextCursor
	courts, err := org.VisibleCourts(r.Context(), u.DB)
	if err != nil {
		return err
	}
	v.Courts = map[string]string{audit.Platform.String(): "平台"}
	for _, c := range courts {
		v.Courts[c.ID.String()] = c.ShortName
	}
	return u.render(w, r, http.StatusOK, "audit", "审计日志", "audit", v)
}
