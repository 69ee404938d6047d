package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/hotline"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/remedies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// registerRemedies mounts the pages of remedies (执行异议、案外人异议、复议、
// 执行信访): the list, a remedy with the form of each step it may take next,
// and the filing form of a case.
func (u *UI) registerRemedies(mux *http.ServeMux) {
	mux.Handle("GET /remedies", u.page(u.remediesPage))
	mux.Handle("GET /remedies/{id}", u.page(u.remedyPage))
	for _, s := range remedySteps {
		mux.Handle("POST /remedies/{id}/"+s, u.page(u.remedyStep(s)))
	}
	mux.Handle("GET /cases/{id}/remedies/new", u.page(u.newRemedyPage))
	mux.Handle("POST /cases/{id}/remedies", u.page(u.fileRemedy))
}

var remedySteps = []string{"forwarding", "registration", "refusal", "examination", "decision", "service", "extension"}

func init() {
	for k, v := range map[string]string{
		"remedy_filed":        "已登记，请在期限内立案或裁定不予受理。",
		"remedy_forwarding":   "已报送上一级法院。",
		"remedy_registration": "已立案并取得案号。",
		"remedy_refusal":      "已裁定不予受理。",
		"remedy_examination":  "已记录审查情况。",
		"remedy_decision":     "已记录裁定。",
		"remedy_service":      "已记录送达。",
		"remedy_extension":    "已批准延长审查期限。",
		"remedy_duplicate":    "该表单已提交过，没有重复办理。",
	} {
		notices[k] = v
	}
}

// remedyRow is a remedy as lists show it.
type remedyRow struct {
	R       *remedies.Remedy
	Overdue bool
	Phone   string // masked
}

func remedyRows(list []*remedies.Remedy, today legal.Date) []remedyRow {
	out := make([]remedyRow, 0, len(list))
	for _, r := range list {
		row := remedyRow{R: r, Overdue: r.Overdue(today)}
		if r.ApplicantPhone != "" {
			row.Phone = legal.MaskPhone(r.ApplicantPhone)
		}
		out = append(out, row)
	}
	return out
}

type remediesView struct {
	Rows    []remedyRow
	Next    string
	Kind    string
	State   string
	Overdue bool
	CaseID  string
	Kinds   []remedies.Kind
	States  []remedies.State
}

func (u *UI) remediesPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	q := r.URL.Query()
	v := remediesView{Kind: q.Get("kind"), State: q.Get("state"), Overdue: q.Get("overdue") == "1", CaseID: q.Get("case_id"),
		Kinds: remedies.Kinds(), States: remedies.States()}
	f := remedies.Filter{Kind: remedies.Kind(v.Kind), Overdue: v.Overdue, Today: legal.Today(u.Now())}
	if v.State != "" {
		f.States = []remedies.State{remedies.State(v.State)}
	}
	if v.CaseID != "" {
		id, err := uuid.Parse(v.CaseID)
		if err != nil {
			return apperr.InvalidField("invalid_id", "query.case_id", "案件标识符格式不正确")
		}
		f.CaseID = id
	}
	pg, err := remedies.List(r.Context(), u.DB, f, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		return err
	}
	v.Rows, v.Next = remedyRows(pg.Items, legal.Today(u.Now())), pg.NextCursor
	return u.render(w, r, http.StatusOK, "remedies", "执行救济", "remedies", v)
}

// remedyForm is the state of a form after a refused submission.
type remedyForm struct {
	Values  map[string]string
	Errors  map[string]string
	Message string
}

type remedyView struct {
	R         *remedies.Remedy
	Overdue   bool
	Token     string
	Today     string
	TodayDate legal.Date
	Forms     map[string]*remedyForm
	Refusal   string // the message of a refused form not shown
	Can       map[string]bool
	Outcomes  []remedies.Outcome
}

func (u *UI) remedyPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showRemedy(w, r, p, id, http.StatusOK, "", nil)
}

func (u *UI) showRemedy(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, failed string, form *remedyForm) error {
	rm, err := remedies.Get(r.Context(), u.DB, id)
	if err != nil {
		return err
	}
	today := legal.Today(u.Now())
	v := remedyView{R: rm, Overdue: rm.Overdue(today), Token: rand.Text(), Today: today.String(), TodayDate: today, Forms: map[string]*remedyForm{},
		Can: map[string]bool{}, Outcomes: rm.Kind.Outcomes()}
	for _, s := range remedySteps {
		v.Forms[s] = &remedyForm{Values: map[string]string{}, Errors: map[string]string{}}
	}
	manage, examining := p.Can(access.RemediesManage), p.Sees(rm.CourtID)
	review := rm.Kind == remedies.Review
	v.Can["forwarding"] = manage && review && rm.State == remedies.Filed && p.Sees(rm.OriginCourtID)
	v.Can["registration"] = manage && examining && (review && rm.State == remedies.Forwarded || !review && rm.State == remedies.Filed)
	v.Can["refusal"] = v.Can["registration"]
	v.Can["examination"] = manage && examining && rm.State == remedies.Registered
	v.Can["decision"] = manage && examining && (rm.State == remedies.Examined || rm.State == remedies.Registered)
	v.Can["service"] = manage && examining && rm.State == remedies.Decided
	v.Can["extension"] = p.Can(access.ClockExtend) && examining && rm.Kind != remedies.Complaint && !rm.Extended &&
		(rm.State == remedies.Registered || rm.State == remedies.Examined)
	if form != nil {
		v.Forms[failed] = form
		if !v.Can[failed] {
			v.Refusal = form.Message
		}
	}
	return u.render(w, r, status, "remedy", rm.Title(), "remedies", v)
}

// remedyStep handles the form of one step.
func (u *UI) remedyStep(step string) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := parseForm(w, r); err != nil {
			return err
		}
		on, dateErr := formLegalDate(r.PostFormValue("on"))
		done, err := u.claimedTransact(r, p, "remedy-"+step, func(ctx context.Context, tx *store.Tx) (string, error) {
			if dateErr != nil {
				return "", dateErr
			}
			var err error
			switch step {
			case "forwarding":
				_, err = remedies.Forward(ctx, tx, id, on)
			case "registration":
				_, err = remedies.Register(ctx, tx, id, on)
			case "refusal":
				_, err = remedies.NotAccept(ctx, tx, id, on, r.PostFormValue("reason"))
			case "examination":
				_, err = remedies.Examine(ctx, tx, id, on, r.PostFormValue("notes"))
			case "decision":
				_, err = remedies.Decide(ctx, tx, id, remedies.DecideInput{On: on, Outcome: remedies.Outcome(r.PostFormValue("outcome")),
					Decision: r.PostFormValue("decision")})
			case "service":
				_, err = remedies.Serve(ctx, tx, id, on)
			case "extension":
				_, err = remedies.Extend(ctx, tx, id, on, r.PostFormValue("reason"))
			}
			return "remedy_" + step, err
		})
		if err == nil {
			if done == "duplicate" {
				done = "remedy_duplicate"
			}
			redirect(w, r, "/remedies/"+id.String(), done)
			return nil
		}
		err0 := err
		errs, msg, err := formErrors(err)
		if err != nil {
			return err
		}
		f := &remedyForm{Values: formValues(r, "on", "reason", "notes", "outcome", "decision"), Errors: errs, Message: msg}
		return u.showRemedy(w, r, p, id, refusalStatus(err0), step, f)
	}
}

// refusalStatus is the status of a refused form: its error's (422 input,
// 409 state, 403 not allowed).
func refusalStatus(err error) int {
	if e, ok := apperr.As(err); ok {
		return httperr.Status(e.Kind)
	}
	return http.StatusInternalServerError
}

// formLegalDate reads an optional date field.
func formLegalDate(s string) (legal.Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidField("invalid_date", "body.on", "日期应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

// newRemedyView is the filing form of a case.
type newRemedyView struct {
	Case  *cases.Case
	Token string
	Today string
	Kinds []remedies.Kind
	Roles []struct {
		Code  remedies.Role
		Label string
	}
	Assets     []caseAssetOption
	Objections []*remedies.Remedy // served objection rulings a 复议 may attack
	Form       *remedyForm
}

type caseAssetOption struct{ ID, Label string }

func (u *UI) newRemedyPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	// The hotline hands a complaint on with the caller and what they said.
	q := r.URL.Query()
	f := &remedyForm{Values: map[string]string{"kind": q.Get("kind"), "applicant_name": q.Get("applicant_name"),
		"applicant_phone": q.Get("applicant_phone"), "request": q.Get("request")}, Errors: map[string]string{}}
	return u.showNewRemedy(w, r, p, id, http.StatusOK, f)
}

func (u *UI) showNewRemedy(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, f *remedyForm) error {
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	if err := p.Require(access.RemediesManage); err != nil {
		return err
	}
	v := newRemedyView{Case: c, Token: rand.Text(), Today: legal.Today(u.Now()).String(), Kinds: remedies.Kinds(), Roles: remedies.Roles(), Form: f}
	rows, err := u.DB.Query(ctx, `SELECT s.id, s.kind, s.ref, s.institution FROM assets s JOIN case_parties cp ON cp.party_id = s.party_id
		WHERE cp.case_id = ? ORDER BY s.kind, s.ref, s.id`, c.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var aid uuid.UUID
		var kind, ref, inst string
		if err := rows.Scan(&aid, &kind, &ref, &inst); err != nil {
			return err
		}
		label := agency.Kind(kind).Label() + " " + maskRef(agency.Kind(kind), ref)
		if inst != "" {
			label += "（" + inst + "）"
		}
		v.Assets = append(v.Assets, caseAssetOption{aid.String(), label})
	}
	if err := rows.Err(); err != nil {
		return err
	}
	pg, err := remedies.List(ctx, u.DB, remedies.Filter{CaseID: c.ID, Kind: remedies.Objection, States: []remedies.State{remedies.Served}},
		page.Request{Limit: 100})
	if err != nil {
		return err
	}
	v.Objections = pg.Items
	return u.render(w, r, status, "remedy_new", "登记执行救济 · "+c.CaseNo, "remedies", v)
}

func (u *UI) fileRemedy(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	fields := []string{"kind", "applicant_name", "applicant_role", "applicant_phone", "request", "grounds", "asset_id", "reviewed_id", "received_on"}
	var created uuid.UUID
	done, err := u.claimedTransact(r, p, "remedy-file", func(ctx context.Context, tx *store.Tx) (string, error) {
		received, err := formLegalDate(r.PostFormValue("received_on"))
		if err != nil {
			return "", apperr.InvalidField("invalid_date", "body.received_on", "收到日期应为 YYYY-MM-DD 格式的有效日期")
		}
		asset, err := formID(r, "asset_id")
		if err != nil {
			return "", apperr.InvalidField("invalid_id", "body.asset_id", "请从列表中选择财产")
		}
		reviewed, err := formID(r, "reviewed_id")
		if err != nil {
			return "", apperr.InvalidField("invalid_id", "body.reviewed_id", "请从列表中选择异议裁定")
		}
		kind := remedies.Kind(r.PostFormValue("kind"))
		if kind != remedies.Outsider {
			asset = uuid.Nil
		}
		if kind != remedies.Review {
			reviewed = uuid.Nil
		}
		rm, err := remedies.File(ctx, tx, id, remedies.FileInput{Kind: kind, ApplicantName: r.PostFormValue("applicant_name"),
			ApplicantRole: remedies.Role(r.PostFormValue("applicant_role")), ApplicantPhone: r.PostFormValue("applicant_phone"),
			Request: r.PostFormValue("request"), Grounds: r.PostFormValue("grounds"), AssetID: asset, ReviewedID: reviewed, ReceivedOn: received})
		if err != nil {
			return "", err
		}
		created = rm.ID
		return "remedy_filed", nil
	})
	if err == nil {
		if done == "duplicate" {
			// The first submission of this form made the remedy: show the case's.
			redirect(w, r, "/remedies?case_id="+id.String(), "remedy_duplicate")
			return nil
		}
		redirect(w, r, "/remedies/"+created.String(), done)
		return nil
	}
	err0 := err
	errs, msg, err := formErrors(err)
	if err != nil {
		return err
	}
	f := &remedyForm{Values: formValues(r, fields...), Errors: errs, Message: msg}
	return u.showNewRemedy(w, r, p, id, refusalStatus(err0), f)
}

// caseRemedyView is the case page's section: the case's remedies and
// hotline calls.
type caseRemedyView struct {
	CaseID    uuid.UUID
	Rows      []remedyRow
	More      bool
	Calls     []*hotline.Call
	MoreCalls bool
	CanFile   bool
	Today     legal.Date
}

// caseRemedies loads the section; nil when there is nothing to show and
// nothing may be filed.
func (u *UI) caseRemedies(ctx context.Context, p *access.Principal, c *cases.Case) (*caseRemedyView, error) {
	today := legal.Today(u.Now())
	v := &caseRemedyView{CaseID: c.ID, CanFile: p.Can(access.RemediesManage), Today: today}
	pg, err := remedies.List(ctx, u.DB, remedies.Filter{CaseID: c.ID}, page.Request{Limit: 20})
	if err != nil {
		return nil, err
	}
	v.Rows, v.More = remedyRows(pg.Items, today), pg.NextCursor != ""
	calls, err := hotline.List(ctx, u.DB, hotline.Filter{CaseID: c.ID}, page.Request{Limit: 20})
	if err != nil && apperr.KindOf(err) != apperr.Forbidden {
		return nil, err
	}
	v.Calls, v.MoreCalls = calls.Items, calls.NextCursor != ""
	if len(v.Rows) == 0 && len(v.Calls) == 0 && !v.CanFile {
		return nil, nil
	}
	return v, nil
}
