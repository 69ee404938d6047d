package ui

import (
	"context"
	"crypto/rand"
	"net/http"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/hotline"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// registerHotline mounts the hotline desk (热线): the form to record a
// call over the list of calls (open first, overdue at the top), and a
// call's page with the routing and answer forms.
func (u *UI) registerHotline(mux *http.ServeMux) {
	mux.Handle("GET /hotline", u.page(u.hotlineDesk))
	mux.Handle("POST /hotline", u.page(u.recordCall))
	mux.Handle("GET /hotline/{id}", u.page(u.callPage))
	mux.Handle("POST /hotline/{id}/routing", u.page(u.callStep("routing")))
	mux.Handle("POST /hotline/{id}/closing", u.page(u.callStep("closing")))
}

func init() {
	for k, v := range map[string]string{
		"call_recorded":  "来电已登记。",
		"call_routing":   "已转办。",
		"call_closing":   "已记录答复。",
		"call_duplicate": "该表单已提交过，没有重复登记。",
	} {
		notices[k] = v
	}
}

type hotlineRow struct {
	C       *hotline.Call
	Overdue bool
}

type hotlineDeskView struct {
	Rows   []hotlineRow
	Next   string
	State  string
	Kinds  []hotline.Kind
	Token  string
	Form   *remedyForm
	Closed bool
}

func (u *UI) hotlineDesk(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showHotlineDesk(w, r, p, http.StatusOK, &remedyForm{Values: map[string]string{}, Errors: map[string]string{}})
}

func (u *UI) showHotlineDesk(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, form *remedyForm) error {
	if err := p.Require(access.HotlineManage); err != nil {
		return err
	}
	q := r.URL.Query()
	v := hotlineDeskView{State: q.Get("state"), Kinds: hotline.Kinds(), Token: rand.Text(), Form: form}
	f := hotline.Filter{}
	switch v.State {
	case "":
		f.States = []hotline.State{hotline.Open, hotline.Routed}
	case "all":
	default:
		f.States = []hotline.State{hotline.State(v.State)}
	}
	pg, err := hotline.List(r.Context(), u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	today := legal.Today(u.Now())
	for _, c := range pg.Items {
		v.Rows = append(v.Rows, hotlineRow{C: c, Overdue: c.Overdue(today)})
	}
	v.Next = pg.NextCursor
	return u.render(w, r, status, "hotline", "热线", "hotline", v)
}

func (u *UI) recordCall(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	var created uuid.UUID
	done, err := u.claimedTransact(r, p, "hotline-record", func(ctx context.Context, tx *store.Tx) (string, error) {
		in := hotline.RecordInput{Kind: hotline.Kind(r.PostFormValue("kind")), CallerName: r.PostFormValue("caller_name"),
			CallerPhone: r.PostFormValue("caller_phone"), Question: r.PostFormValue("question")}
		if no := r.PostFormValue("case_no"); no != "" {
			id, err := caseByNumber(ctx, tx, no)
			if err != nil {
				return "", err
			}
			in.CaseID = id
		}
		c, err := hotline.Record(ctx, tx, in)
		if err != nil {
			return "", err
		}
		created = c.ID
		return "call_recorded", nil
	})
	if err == nil {
		if done == "duplicate" {
			redirect(w, r, "/hotline", "call_duplicate")
			return nil
		}
		redirect(w, r, "/hotline/"+created.String(), done)
		return nil
	}
	err0 := err
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	if m, ok := errs["case_id"]; ok {
		errs["case_no"] = m
	}
	f := &remedyForm{Values: formValues(r, "kind", "caller_name", "caller_phone", "case_no", "question"), Errors: errs, Message: msg}
	return u.showHotlineDesk(w, r, p, refusalStatus(err0), f)
}

// caseByNumber finds a case in the caller's scope by its number.
func caseByNumber(ctx context.Context, q store.Querier, no string) (uuid.UUID, error) {
	n, err := legal.ParseCaseNo(no)
	if err != nil {
		return uuid.Nil, apperr.InvalidField("invalid_case_no", "body.case_no", "案号格式应为“（年份）法院代字类型代字序号号”")
	}
	p, err := access.Must(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	var id, court uuid.UUID
	err = q.QueryRow(ctx, `SELECT id, court_id FROM cases WHERE case_no = ?`, n.Key().String()).Scan(&id, &court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return uuid.Nil, apperr.InvalidField("unknown_case", "body.case_no", "没有案号为 "+n.Key().String()+" 的案件")
	}
	return id, err
}

type callView struct {
	C        *hotline.Call
	Overdue  bool
	Token    string
	Forms    map[string]*remedyForm
	Refusal  string
	Handlers []cases.Handler
	Teams    []org.Team
}

func (u *UI) callPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showCall(w, r, p, id, http.StatusOK, "", nil)
}

func (u *UI) showCall(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, failed string, form *remedyForm) error {
	ctx := r.Context()
	c, err := hotline.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	v := callView{C: c, Overdue: c.Overdue(legal.Today(u.Now())), Token: rand.Text(), Forms: map[string]*remedyForm{}}
	for _, n := range []string{"routing", "closing"} {
		v.Forms[n] = &remedyForm{Values: map[string]string{}, Errors: map[string]string{}}
	}
	if form != nil {
		v.Forms[failed] = form
		if c.State == hotline.Closed {
			v.Refusal = form.Message
		}
	}
	if c.State != hotline.Closed {
		if p.Can(access.CasesRead) {
			hs, err := cases.Handlers(ctx, u.DB, c.CourtID)
			if err != nil {
				return err
			}
			for _, h := range hs {
				if h.CourtID == c.CourtID {
					v.Handlers = append(v.Handlers, h)
				}
			}
		}
		teams, err := org.ListTeams(ctx, u.DB, org.TeamFilter{CourtID: c.CourtID}, page.Request{Limit: 200})
		if err != nil {
			return err
		}
		for _, t := range teams.Items {
			if t.Active {
				v.Teams = append(v.Teams, t)
			}
		}
	}
	return u.render(w, r, status, "hotline_call", "热线来电 · "+c.CallerName, "hotline", v)
}

func (u *UI) callStep(step string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		done, err := u.claimedTransact(r, p, "hotline-"+step, func(ctx context.Context, tx *store.Tx) (string, error) {
			if step == "closing" {
				_, err := hotline.Close(ctx, tx, id, r.PostFormValue("answer"))
				return "call_closing", err
			}
			user, err := formID(r, "user_id")
			if err != nil {
				return "", apperr.InvalidField("invalid_user", "body.user_id", "请从列表中选择人员")
			}
			team, err := formID(r, "team_id")
			if err != nil {
				return "", apperr.InvalidField("invalid_team", "body.team_id", "请从列表中选择团队")
			}
			_, err = hotline.Route(ctx, tx, id, hotline.RouteInput{UserID: user, TeamID: team, Note: r.PostFormValue("note")})
			return "call_routing", err
		})
		if err == nil {
			if done == "duplicate" {
				done = "call_duplicate"
			}
			redirect(w, r, "/hotline/"+id.String(), done)
			return nil
		}
		err0 := err
		errs, msg, err := formErrors(err)
		if err != nil {
			return err
		}
		f := &remedyForm{Values: formValues(r, "user_id", "team_id", "note", "answer"), Errors: errs, Message: msg}
		return u.showCall(w, r, p, id, refusalStatus(err0), step, f)
	}
}
