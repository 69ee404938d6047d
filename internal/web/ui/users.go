package ui

import (
	"context"
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

type usersView struct {
	Filter     usersFilter
	Users      []auth.User
	NextCursor string
	Courts     []org.Court
	Roles      []auth.Role
}

type usersFilter struct {
	Court    string
	Role     string
	Q        string
	Disabled bool
	Cursor   string
}

func (u *UI) usersPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	f := usersFilter{Court: q.Get("court"), Role: q.Get("role"), Q: q.Get("q"), Disabled: q.Get("disabled") == "1", Cursor: q.Get("cursor")}
	court, err := uuid.Parse(f.Court)
	if err != nil {
		court, f.Court = uuid.Nil, ""
	}
	pg, err := u.Auth.ListUsers(ctx, auth.UserFilter{CourtID: court, Role: f.Role, Query: f.Q, IncludeDisabled: f.Disabled},
		page.Request{Cursor: f.Cursor})
	if err != nil {
		return err
	}
	v := usersView{Filter: f, Users: pg.Items, NextCursor: pg.NextCursor}
	if v.Courts, err = org.VisibleCourts(ctx, u.DB); err != nil {
		return err
	}
	if v.Roles, err = auth.Roles(ctx, u.DB); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "users", "用户", "users", v)
}

// userForm is the new-user form and the edit form.
type userForm struct {
	User     auth.User // being edited; zero for a new one
	Values   map[string]string
	Errors   map[string]string
	Error    string
	Courts   []org.Court
	Teams    []teamGroup
	Roles    []auth.Role
	Agencies []assets.Agency
	Audit    []audit.Record
	Password string // a password just set, shown once
	CanAudit bool
}

type teamGroup struct {
	Court org.Court
	Teams []org.Team
}

func (u *UI) formChoices(ctx context.Context, f *userForm) error {
	var err error
	if f.Courts, err = org.VisibleCourts(ctx, u.DB); err != nil {
		return err
	}
	if f.Roles, err = auth.GrantableRoles(ctx, u.DB); err != nil {
		return err
	}
	if f.Agencies, err = assets.Agencies(ctx, u.DB); err != nil {
		return err
	}
	byCourt := map[uuid.UUID][]org.Team{}
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := org.ListTeams(ctx, u.DB, org.TeamFilter{}, req)
		if err != nil {
			return err
		}
		for _, t := range pg.Items {
			if t.Active {
				byCourt[t.CourtID] = append(byCourt[t.CourtID], t)
			}
		}
		if pg.NextCursor == "" {
			break
		}
		req.Cursor = pg.NextCursor
	}
	for _, c := range f.Courts {
		if len(byCourt[c.ID]) > 0 {
			f.Teams = append(f.Teams, teamGroup{Court: c, Teams: byCourt[c.ID]})
		}
	}
	return nil
}

func (u *UI) newUserPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.UsersManage); err != nil {
		return err
	}
	f := userForm{Values: map[string]string{"court_id": p.CourtID.String()}}
	if err := u.formChoices(r.Context(), &f); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "user_new", "新建用户", "users", f)
}

func formValues(r *http.Request, names ...string) map[string]string {
	v := map[string]string{}
	for _, n := range names {
		v[n] = strings.TrimSpace(r.PostFormValue(n))
	}
	return v
}

func (u *UI) createUser(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := userForm{Values: formValues(r, "court_id", "team_id", "username", "display_name", "role", "phone", "agency_code")}
	created, err := func() (auth.User, error) {
		court, team, err := placementIDs(r)
		if err != nil {
			return auth.User{}, err
		}
		return u.Auth.CreateUser(r.Context(), auth.UserInput{CourtID: court, TeamID: team, Username: f.Values["username"],
			DisplayName: f.Values["display_name"], Role: f.Values["role"], Phone: f.Values["phone"], AgencyCode: f.Values["agency_code"],
			Password: r.PostFormValue("password"), MustChangePassword: r.PostFormValue("must_change") == "1"})
	}()
	if err != nil {
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		if err := u.formChoices(r.Context(), &f); err != nil {
			return err
		}
		return u.render(w, r, http.StatusUnprocessableEntity, "user_new", "新建用户", "users", f)
	}
	redirect(w, r, "/admin/users/"+created.ID.String(), "created")
	return nil
}

func (u *UI) showUser(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, f userForm) error {
	if err := u.formChoices(r.Context(), &f); err != nil {
		return err
	}
	if p.Can(access.AuditRead) {
		pg, err := audit.List(r.Context(), u.DB, audit.Filter{ObjectType: "user", ObjectID: f.User.ID.String()}, page.Request{Limit: 20})
		if err != nil {
			return err
		}
		f.Audit, f.CanAudit = pg.Items, true
	}
	return u.render(w, r, status, "user", f.User.DisplayName+"（"+f.User.Username+"）", "users", f)
}

func userValues(usr auth.User) map[string]string {
	team := ""
	if usr.TeamID != uuid.Nil {
		team = usr.TeamID.String()
	}
	return map[string]string{"court_id": usr.CourtID.String(), "team_id": team, "display_name": usr.DisplayName,
		"role": usr.Role, "phone": usr.Phone, "agency_code": usr.AgencyCode}
}

func (u *UI) userPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	usr, err := u.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return u.showUser(w, r, p, http.StatusOK, userForm{User: usr, Values: userValues(usr)})
}

func (u *UI) updateUser(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	usr, err := u.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	f := userForm{User: usr, Values: formValues(r, "court_id", "team_id", "display_name", "role", "phone", "agency_code")}
	_, err = func() (auth.User, error) {
		court, team, err := placementIDs(r)
		if err != nil {
			return auth.User{}, err
		}
		patch := auth.UserPatch{TeamID: &team, DisplayName: ptr(f.Values["display_name"]), Phone: ptr(f.Values["phone"]),
			AgencyCode: ptr(f.Values["agency_code"])}
		if court != uuid.Nil {
			patch.CourtID = &court
		}
		if f.Values["role"] != usr.Role {
			patch.Role = ptr(f.Values["role"])
		}
		return u.Auth.UpdateUser(r.Context(), id, patch)
	}()
	if err != nil {
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showUser(w, r, p, http.StatusUnprocessableEntity, f)
	}
	redirect(w, r, "/admin/users/"+id.String(), "saved")
	return nil
}

// resetPassword sets a generated password and shows it once, on this answer
// only: it is not stored anywhere in clear.
func (u *UI) resetPassword(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pw, err := u.Auth.ResetPassword(r.Context(), id, "")
	if err != nil {
		return err
	}
	usr, err := u.Auth.GetUser(r.Context(), id)
	if err != nil {
		return err
	}
	return u.showUser(w, r, p, http.StatusOK, userForm{User: usr, Values: userValues(usr), Password: pw})
}

func (u *UI) setDisabled(disabled bool) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if _, err := u.Auth.SetDisabled(r.Context(), id, disabled); err != nil {
			return err
		}
		done := "enabled"
		if disabled {
			done = "disabled"
		}
		redirect(w, r, "/admin/users/"+id.String(), done)
		return nil
	}
}

// placementIDs reads the court and team chosen on a user form.
func placementIDs(r *http.Request) (court, team uuid.UUID, err error) {
	if court, err = formID(r, "court_id"); err != nil {
		return
	}
	team, err = formID(r, "team_id")
	return
}

func ptr[T any](v T) *T { return &v }
