package ui

import (
	"context"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// courtRow is a court in the tree, indented by depth.
type courtRow struct {
	Court org.Court
	Depth int
}

type courtsView struct {
	Rows []courtRow
}

func (u *UI) courtsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.CourtsManage); err != nil {
		return err
	}
	courts, err := org.VisibleCourts(r.Context(), u.DB)
	if err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "courts", "法院", "courts", courtsView{Rows: tree(courts)})
}

// tree orders courts depth-first, each after its parent; a court whose
// parent is not in the list starts a tree of its own.
func tree(courts []org.Court) []courtRow {
	children := map[uuid.UUID][]org.Court{}
	in := map[uuid.UUID]bool{}
	for _, c := range courts {
		in[c.ID] = true
	}
	var roots []org.Court
	for _, c := range courts {
		if c.ParentID == uuid.Nil || !in[c.ParentID] {
			roots = append(roots, c)
		} else {
			children[c.ParentID] = append(children[c.ParentID], c)
		}
	}
	var out []courtRow
	var walk func(c org.Court, depth int)
	walk = func(c org.Court, depth int) {
		out = append(out, courtRow{c, depth})
		for _, k := range children[c.ID] {
			walk(k, depth+1)
		}
	}
	for _, c := range roots {
		walk(c, 0)
	}
	return out
}

type courtForm struct {
	Court   org.Court // being edited; zero for a new one
	Parents []org.Court
	Values  map[string]string
	Errors  map[string]string
	Error   string
	Teams   []org.Team
}

func (u *UI) newCourtPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.CourtsManage); err != nil {
		return err
	}
	f := courtForm{Values: map[string]string{"parent_id": r.URL.Query().Get("parent"), "level": "basic", "confidence": "firm"}}
	var err error
	if f.Parents, err = org.VisibleCourts(r.Context(), u.DB); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "court_new", "新建法院", "courts", f)
}

func (u *UI) createCourt(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := courtForm{Values: formValues(r, "code", "name", "short_name", "level", "parent_id", "division_code", "confidence")}
	c, err := func() (org.Court, error) {
		parent, err := formID(r, "parent_id")
		if err != nil {
			return org.Court{}, err
		}
		return store.TransactValue(r.Context(), u.DB, func(ctx context.Context, tx *store.Tx) (org.Court, error) {
			return org.CreateCourt(ctx, tx, org.CourtInput{Code: f.Values["code"], Name: f.Values["name"],
				ShortName: f.Values["short_name"], Level: org.Level(f.Values["level"]), ParentID: parent,
				DivisionCode: f.Values["division_code"], Confidence: f.Values["confidence"]})
		})
	}()
	if err != nil {
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		if f.Parents, err = org.VisibleCourts(r.Context(), u.DB); err != nil {
			return err
		}
		return u.render(w, r, http.StatusUnprocessableEntity, "court_new", "新建法院", "courts", f)
	}
	redirect(w, r, "/admin/courts/"+c.ID.String(), "created")
	return nil
}

func courtValues(c org.Court) map[string]string {
	active := ""
	if c.Active {
		active = "1"
	}
	return map[string]string{"code": c.Code, "name": c.Name, "short_name": c.ShortName, "division_code": c.DivisionCode,
		"confidence": c.Confidence, "active": active}
}

// visibleCourt returns a court the caller manages, or "not found".
func (u *UI) visibleCourt(r *http.Request, p *access.Principal) (org.Court, error) {
	if err := p.Require(access.CourtsManage); err != nil {
		return org.Court{}, err
	}
	id, err := pathID(r)
	if err != nil {
		return org.Court{}, err
	}
	c, err := org.GetCourt(r.Context(), u.DB, id)
	if err != nil || !p.Sees(c.ID) {
		return org.Court{}, apperr.NotFoundf("法院")
	}
	return c, nil
}

func (u *UI) showCourt(w http.ResponseWriter, r *http.Request, status int, f courtForm) error {
	pg, err := org.ListTeams(r.Context(), u.DB, org.TeamFilter{CourtID: f.Court.ID}, page.Request{Limit: page.MaxLimit})
	if err != nil {
		return err
	}
	f.Teams = pg.Items
	return u.render(w, r, status, "court", f.Court.Name, "courts", f)
}

func (u *UI) courtPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	c, err := u.visibleCourt(r, p)
	if err != nil {
		return err
	}
	return u.showCourt(w, r, http.StatusOK, courtForm{Court: c, Values: courtValues(c)})
}

func (u *UI) updateCourt(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	c, err := u.visibleCourt(r, p)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := courtForm{Court: c, Values: formValues(r, "code", "name", "short_name", "division_code", "confidence", "active")}
	active := f.Values["active"] == "1"
	err = u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		_, err := org.UpdateCourt(ctx, tx, c.ID, org.CourtPatch{Code: ptr(f.Values["code"]), Name: ptr(f.Values["name"]),
			ShortName: ptr(f.Values["short_name"]), DivisionCode: ptr(f.Values["division_code"]),
			Confidence: ptr(f.Values["confidence"]), Active: &active})
		return err
	})
	if err != nil {
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showCourt(w, r, http.StatusUnprocessableEntity, f)
	}
	redirect(w, r, "/admin/courts/"+c.ID.String(), "saved")
	return nil
}

type teamsView struct {
	Court    string
	Courts   []org.Court
	Kinds    []org.TeamKind
	Teams    []teamRow
	Next     string
	CanEdit  bool
	Values   map[string]string
	Errors   map[string]string
	Error    string
	KindName map[string]string
}

type teamRow struct {
	Team  org.Team
	Court org.Court
}

func (u *UI) teamsView(r *http.Request, p *access.Principal, v *teamsView) error {
	ctx := r.Context()
	court, err := uuid.Parse(v.Court)
	if err != nil {
		court, v.Court = uuid.Nil, ""
	}
	pg, err := org.ListTeams(ctx, u.DB, org.TeamFilter{CourtID: court}, page.Request{Cursor: r.URL.Query().Get("cursor")})
	if err != nil {
		return err
	}
	if v.Courts, err = org.VisibleCourts(ctx, u.DB); err != nil {
		return err
	}
	if v.Kinds, err = org.TeamKinds(ctx, u.DB); err != nil {
		return err
	}
	byID := map[uuid.UUID]org.Court{}
	for _, c := range v.Courts {
		byID[c.ID] = c
	}
	v.KindName = map[string]string{}
	for _, k := range v.Kinds {
		v.KindName[k.Code] = k.Name
	}
	for _, t := range pg.Items {
		v.Teams = append(v.Teams, teamRow{Team: t, Court: byID[t.CourtID]})
	}
	v.Next, v.CanEdit = pg.NextCursor, p.Can(access.TeamsManage)
	return nil
}

func (u *UI) teamsPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	v := teamsView{Court: r.URL.Query().Get("court"), Values: map[string]string{"court_id": r.URL.Query().Get("court")}}
	if v.Values["court_id"] == "" {
		v.Values["court_id"] = p.CourtID.String()
	}
	if err := u.teamsView(r, p, &v); err != nil {
		return err
	}
	return u.render(w, r, http.StatusOK, "teams", "团队", "teams", v)
}

func (u *UI) createTeam(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	v := teamsView{Values: formValues(r, "court_id", "kind", "name", "region")}
	v.Court = v.Values["court_id"]
	err := func() error {
		court, err := formID(r, "court_id")
		if err != nil {
			return err
		}
		return u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
			_, err := org.CreateTeam(ctx, tx, org.TeamInput{CourtID: court, Kind: v.Values["kind"], Name: v.Values["name"], Region: v.Values["region"]})
			return err
		})
	}()
	if err != nil {
		if v.Errors, v.Error, err = formErrors(err); err != nil {
			return err
		}
		if err := u.teamsView(r, p, &v); err != nil {
			return err
		}
		return u.render(w, r, http.StatusUnprocessableEntity, "teams", "团队", "teams", v)
	}
	redirect(w, r, "/admin/teams?court="+v.Court, "created")
	return nil
}

type teamForm struct {
	Team   org.Team
	Court  org.Court
	Kinds  []org.TeamKind
	Values map[string]string
	Errors map[string]string
	Error  string
}

func (u *UI) showTeam(w http.ResponseWriter, r *http.Request, status int, f teamForm) error {
	var err error
	if f.Kinds, err = org.TeamKinds(r.Context(), u.DB); err != nil {
		return err
	}
	if f.Court, err = org.GetCourt(r.Context(), u.DB, f.Team.CourtID); err != nil {
		return err
	}
	return u.render(w, r, status, "team", f.Team.Name, "teams", f)
}

func teamValues(t org.Team) map[string]string {
	active := ""
	if t.Active {
		active = "1"
	}
	return map[string]string{"kind": t.Kind, "name": t.Name, "region": t.Region, "active": active}
}

func (u *UI) teamPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := org.GetTeam(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	return u.showTeam(w, r, http.StatusOK, teamForm{Team: t, Values: teamValues(t)})
}

func (u *UI) updateTeam(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	t, err := org.GetTeam(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := teamForm{Team: t, Values: formValues(r, "kind", "name", "region", "active")}
	active := f.Values["active"] == "1"
	err = u.DB.Transact(r.Context(), func(ctx context.Context, tx *store.Tx) error {
		_, err := org.UpdateTeam(ctx, tx, id, org.TeamPatch{Kind: ptr(f.Values["kind"]), Name: ptr(f.Values["name"]),
			Region: ptr(strings.TrimSpace(f.Values["region"])), Active: &active})
		return err
	})
	if err != nil {
		if f.Errors, f.Error, err = formErrors(err); err != nil {
			return err
		}
		return u.showTeam(w, r, http.StatusUnprocessableEntity, f)
	}
	redirect(w, r, "/admin/teams/"+id.String(), "saved")
	return nil
}
