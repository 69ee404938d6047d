package ui

import (
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
)

// homeView is a user's desk: who they are, what their role does, what is
// waiting for them, what they did last and, for those who oversee others,
// what happened in their courts.
type homeView struct {
	User        auth.User
	Role        auth.Role
	Duties      []string
	ScopeLabel  string
	CourtsSeen  int
	Recent      []audit.Record
	Overview    *overview
	CourtAudit  []audit.Record
	AgencyDesk  bool
	Permissions []access.PermissionInfo
	// Portal lists the oldest requests waiting for the operator's agency
	// (agency.answer); PortalMore says there are more.
	Portal     []portalRow
	PortalMore bool
}

// homePortalRows is how many waiting requests an agency operator's desk
// lists.
const homePortalRows = 5

type overview struct {
	Users int
	Teams int
}

func (u *UI) home(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	user, err := u.Auth.GetUser(ctx, p.UserID)
	if err != nil {
		return err
	}
	role, err := auth.GetRole(ctx, u.DB, p.Role)
	if err != nil {
		return err
	}
	v := homeView{User: user, Role: role, ScopeLabel: p.Scope.Label(), AgencyDesk: p.Scope == access.ScopeNone}
	for _, d := range strings.Split(role.Description, "；") {
		if d = strings.TrimSpace(d); d != "" {
			v.Duties = append(v.Duties, d)
		}
	}
	courts, all := p.VisibleCourts()
	v.CourtsSeen = len(courts)
	if all {
		v.CourtsSeen = -1
	}
	for _, perm := range access.Catalogue {
		if p.Can(perm.Code) {
			v.Permissions = append(v.Permissions, perm)
		}
	}
	if v.Recent, err = audit.Mine(ctx, u.DB, 8); err != nil {
		return err
	}
	if v.AgencyDesk && p.Can(access.AgencyAnswer) && p.AgencyID != uuid.Nil {
		pg, err := assets.PortalInbox(ctx, u.DB, assets.PortalFilter{}, page.Request{Limit: homePortalRows})
		if err != nil {
			return err
		}
		for _, it := range pg.Items {
			v.Portal = append(v.Portal, portalRowOf(it))
		}
		v.PortalMore = pg.NextCursor != ""
	}
	if p.Can(access.UsersRead) {
		o := &overview{}
		if o.Users, err = u.Auth.CountActiveUsers(ctx); err != nil {
			return err
		}
		if o.Teams, err = org.CountActiveTeams(ctx, u.DB); err != nil {
			return err
		}
		v.Overview = o
	}
	if p.Can(access.AuditRead) {
		pg, err := audit.List(ctx, u.DB, audit.Filter{}, page.Request{Limit: 8})
		if err != nil {
			return err
		}
		v.CourtAudit = pg.Items
	}
	return u.render(w, r, http.StatusOK, "home", role.Name+"工作台", "home", v)
}
