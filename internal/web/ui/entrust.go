package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/entrust"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// registerEntrust mounts the pages of entrusted matters (事项委托): the
// receiving court's inbox (收到的委托), the entrusting court's list
// (委托出去的事项), a matter with its forms, and the send form of a case.
func (u *UI) registerEntrust(mux *http.ServeMux) {
	mux.Handle("GET /entrusted-matters", u.page(u.entrustList))
	mux.Handle("GET /entrusted-matters/{id}", u.page(u.entrustMatterPage))
	mux.Handle("POST /entrusted-matters/{id}/{act}", u.page(u.entrustAction))
	mux.Handle("GET /cases/{id}/entrusted-matters/new", u.page(u.entrustNewPage))
	mux.Handle("POST /cases/{id}/entrusted-matters", u.page(u.entrustSend))
}

func init() {
	for k, v := range map[string]string{
		"entrust_sent":     "事项委托已发出，等待受托法院接收。",
		"entrust_accepted": "已接收委托事项。",
		"entrust_returned": "委托事项已退回委托法院。",
		"entrust_assigned": "已分派。",
		"entrust_noted":    "办理情况已记录。",
		"entrust_reported": "办理结果已回复委托法院。",
	} {
		notices[k] = v
	}
}

// entrustRow is a matter as the lists show it.
type entrustRow struct {
	M       *entrust.Matter
	Overdue bool
}

func entrustRows(list []*entrust.Matter, today legal.Date) []entrustRow {
	var out []entrustRow
	for _, m := range list {
		out = append(out, entrustRow{M: m, Overdue: m.Overdue(today)})
	}
	return out
}

type entrustOption struct{ Value, Label string }

type entrustListView struct {
	Dir        string // "in" or "out"
	Status     string
	Overdue    bool
	Statuses   []entrustOption
	Rows       []entrustRow
	Cursor     string
	NextCursor string
	Error      string
}

var entrustListStatuses = map[string][]entrust.Status{
	"":         nil,
	"open":     {entrust.StatusSent, entrust.StatusAccepted, entrust.StatusAssigned},
	"sent":     {entrust.StatusSent},
	"accepted": {entrust.StatusAccepted},
	"assigned": {entrust.StatusAssigned},
	"reported": {entrust.StatusReported},
	"returned": {entrust.StatusReturned},
}

func (u *UI) entrustList(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	q := r.URL.Query()
	v := entrustListView{Dir: q.Get("dir"), Status: q.Get("status"), Overdue: q.Get("overdue") == "1", Cursor: q.Get("cursor")}
	if v.Dir != "out" {
		v.Dir = "in"
	}
	statuses, ok := entrustListStatuses[v.Status]
	if !ok {
		v.Status, statuses = "", nil
	}
	v.Statuses = []entrustOption{{"", "全部"}, {"open", "未办结"}}
	for _, s := range entrust.Statuses() {
		v.Statuses = append(v.Statuses, entrustOption{string(s), s.Label()})
	}
	status := http.StatusOK
	pg, err := entrust.List(r.Context(), u.DB, entrust.Filter{Direction: entrust.Direction(v.Dir), Statuses: statuses, Overdue: v.Overdue},
		page.Request{Cursor: v.Cursor})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	v.Rows, v.NextCursor = entrustRows(pg.Items, legal.Today(u.Now())), pg.NextCursor
	title := "收到的委托"
	if v.Dir == "out" {
		title = "委托出去的事项"
	}
	return u.render(w, r, status, "entrust_list", title, "entrust", v)
}

type entrustMatterView struct {
	M         *entrust.Matter
	Overdue   bool
	Receiving bool // the caller acts for the receiving court
	Sending   bool // the caller sees the entrusting court (links to the case)
	Teams     []entrust.Choice
	People    []entrust.Choice
	Error     string
	Failed    string            // the form refused
	Values    map[string]string // its values
	Errors    map[string]string // its field errors
	Token     string
	Today     string
}

func (u *UI) entrustMatterPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showEntrustMatter(w, r, p, http.StatusOK, "", "", nil)
}

func (u *UI) showEntrustMatter(w http.ResponseWriter, r *http.Request, p *access.Principal, status int, failed, msg string,
	errs map[string]string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	m, err := entrust.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	today := legal.Today(u.Now())
	v := entrustMatterView{M: m, Overdue: m.Overdue(today), Receiving: p.Can(access.EntrustManage) && p.Sees(m.ToCourtID) && m.Status.Open(),
		Sending: p.Sees(m.CourtID), Error: msg, Failed: failed, Values: map[string]string{}, Errors: errs, Token: rand.Text(),
		Today: today.String()}
	if failed != "" {
		for _, k := range []string{"reason", "text", "result", "done_on", "registry_ref", "team_id", "assignee_id"} {
			v.Values[k] = r.PostFormValue(k)
		}
	}
	if v.Receiving && m.Status != entrust.StatusSent {
		if v.Teams, v.People, err = entrust.Assignees(ctx, u.DB, m.ToCourtID); err != nil {
			return err
		}
	}
	active := "entrust"
	if !p.Can(access.EntrustManage) {
		active = "cases"
	}
	return u.render(w, r, status, "entrust_matter", "委托事项 · "+m.CaseNo, active, v)
}

func (u *UI) entrustAction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	act := r.PathValue("act")
	acts := map[string]string{"acceptance": "entrust_accepted", "return": "entrust_returned", "assignment": "entrust_assigned",
		"notes": "entrust_noted", "report": "entrust_reported"}
	done, ok := acts[act]
	if !ok {
		return apperr.NotFoundf("操作")
	}
	dup, err := u.supForm(w, r, p, "entrust-"+act+"-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		var err error
		switch act {
		case "acceptance":
			_, err = entrust.Accept(ctx, tx, id)
		case "return":
			_, err = entrust.Return(ctx, tx, id, r.PostFormValue("reason"))
		case "assignment":
			var team, person uuid.UUID
			if team, err = formID(r, "team_id"); err != nil {
				return err
			}
			if person, err = formID(r, "assignee_id"); err != nil {
				return err
			}
			_, err = entrust.Assign(ctx, tx, id, entrust.AssignInput{TeamID: team, AssigneeID: person})
		case "notes":
			_, err = entrust.RecordWork(ctx, tx, id, r.PostFormValue("text"))
		case "report":
			var doneOn legal.Date
			if s := strings.TrimSpace(r.PostFormValue("done_on")); s != "" {
				if doneOn, err = legal.ParseDate(s); err != nil {
					return apperr.InvalidField("invalid_date", "body.done_on", "日期应为 YYYY-MM-DD 格式的有效日期")
				}
			}
			_, err = entrust.Report(ctx, tx, id, entrust.ReportInput{Result: r.PostFormValue("result"), DoneOn: doneOn,
				RegistryRef: r.PostFormValue("registry_ref")})
		}
		return err
	})
	if err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showEntrustMatter(w, r, p, httpStatus(err), act, msg, errs)
	}
	if dup {
		done = "duplicate"
	}
	redirect(w, r, "/entrusted-matters/"+id.String(), done)
	return nil
}

// --- the send form and the case page's section ---

type entrustNewView struct {
	Case   *cases.Case
	Courts []org.Court
	Kinds  []entrust.Kind
	Values map[string]string
	Errors map[string]string
	Error  string
	Token  string
}

func (u *UI) entrustNewPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showEntrustNew(w, r, p, id, http.StatusOK, nil, "", nil)
}

func (u *UI) showEntrustNew(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, values map[string]string,
	msg string, errs map[string]string) error {
	if err := p.Require(access.EntrustManage); err != nil {
		return err
	}
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	courts, err := entrustCourts(ctx, u.DB, c.CourtID)
	if err != nil {
		return err
	}
	if values == nil {
		values = map[string]string{"kind": string(entrust.KindInvestigate)}
		if c.Status == cases.StatusClosed {
			msg = "案件已结案，不能再委托事项。"
		}
	}
	v := entrustNewView{Case: c, Courts: courts, Kinds: entrust.Kinds(), Values: values, Errors: errs, Error: msg, Token: rand.Text()}
	return u.render(w, r, status, "entrust_new", "发出事项委托 · "+c.CaseNo, "cases", v)
}

// entrustCourts lists the enforcing courts a case of court may entrust a
// matter to: every active intermediate or basic court but its own.
func entrustCourts(ctx context.Context, q store.Querier, court uuid.UUID) ([]org.Court, error) {
	all, err := org.Courts(ctx, q)
	if err != nil {
		return nil, err
	}
	var out []org.Court
	for _, c := range all {
		if c.ID != court && c.Active && (c.Level == org.Intermediate || c.Level == org.Basic) {
			out = append(out, c)
		}
	}
	return out, nil
}

func (u *UI) entrustSend(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var m *entrust.Matter
	dup, err := u.supForm(w, r, p, "entrust-send-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		to, err := formID(r, "to_court_id")
		if err != nil {
			return err
		}
		m, err = entrust.Send(ctx, tx, id, entrust.SendInput{ToCourtID: to, Kind: entrust.Kind(r.PostFormValue("kind")),
			Subject: r.PostFormValue("subject"), Request: r.PostFormValue("request"), Attachments: r.PostFormValue("attachments")})
		return err
	})
	if err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		values := map[string]string{}
		for _, k := range []string{"to_court_id", "kind", "subject", "request", "attachments"} {
			values[k] = r.PostFormValue(k)
		}
		return u.showEntrustNew(w, r, p, id, httpStatus(err), values, msg, errs)
	}
	if dup {
		redirect(w, r, "/cases/"+id.String()+"#entrust", "duplicate")
		return nil
	}
	redirect(w, r, "/entrusted-matters/"+m.ID.String(), "entrust_sent")
	return nil
}

// caseEntrustView is the case page's section: the matters the case
// entrusted, with their status and result.
type caseEntrustView struct {
	CaseID  uuid.UUID
	Rows    []entrustRow
	More    bool
	CanSend bool
}

func (u *UI) caseEntrust(ctx context.Context, p *access.Principal, c *cases.Case) (*caseEntrustView, error) {
	pg, err := entrust.ForCase(ctx, u.DB, c.ID, page.Request{Limit: 50})
	if err != nil {
		return nil, err
	}
	v := &caseEntrustView{CaseID: c.ID, Rows: entrustRows(pg.Items, legal.Today(u.Now())), More: pg.NextCursor != "",
		CanSend: p.Can(access.EntrustManage) && c.Status != cases.StatusClosed}
	if len(v.Rows) == 0 && !v.CanSend {
		return nil, nil
	}
	return v, nil
}
