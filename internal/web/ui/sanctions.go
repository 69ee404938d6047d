package ui

import (
	"context"
	"crypto/rand"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/sanctions"
	"github.com/zhixing-court/zhixing/internal/store"
)

// registerSanctions mounts the sanctions pages (DOMAIN.md §7): a case's
// sanctions with their forms, the 失信名单 and 限消名单, and the queue of
// listings and restrictions due for deletion or lifting (SX-5).
func (u *UI) registerSanctions(mux *http.ServeMux) {
	mux.Handle("GET /cases/{id}/sanctions", u.page(u.sanctionsCasePage))
	mux.Handle("POST /cases/{id}/sanctions/{act}", u.page(u.sanctionsCaseAction))
	mux.Handle("POST /sanctions/{kind}/{id}/{act}", u.page(u.sanctionsObjectAction))
	mux.Handle("GET /sanctions/dishonest", u.page(u.sanctionsDishonestList))
	mux.Handle("GET /sanctions/restrictions", u.page(u.sanctionsRestrictionList))
	mux.Handle("GET /sanctions/queue", u.page(u.sanctionsQueuePage))
}

func init() {
	notices["sanction_done"] = "已办理。"
}

// caseSxView is the case page's summary section.
type caseSxView struct {
	CaseID uuid.UUID
	V      *sanctions.CaseView
	Today  legal.Date
}

func (u *UI) caseSanctions(ctx context.Context, c *cases.Case) (*caseSxView, error) {
	v, err := sanctions.ForCase(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	return &caseSxView{CaseID: c.ID, V: v, Today: legal.Today(u.Now())}, nil
}

// sanctionsCaseView is a case's sanctions page.
type sanctionsCaseView struct {
	Case        *cases.Case
	V           *sanctions.CaseView
	Respondents []cases.Party
	CanManage   bool
	Open        bool
	Grounds     []legal.DishonestGround
	Today       legal.Date
	Token       string
	Failed      string            // the form refused
	Error       string            // its message
	Errors      map[string]string // its field errors
}

func (u *UI) sanctionsCasePage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.showSanctionsCase(w, r, p, id, http.StatusOK, "", "", nil)
}

func (u *UI) showSanctionsCase(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, status int, failed, msg string,
	errs map[string]string) error {
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	sv, err := sanctions.ForCase(ctx, u.DB, id)
	if err != nil {
		return err
	}
	v := sanctionsCaseView{Case: c, V: sv, Respondents: c.Respondents(), CanManage: p.Can(access.SanctionsManage),
		Open: c.Status != cases.StatusClosed, Grounds: legal.DishonestGrounds(), Today: legal.Today(u.Now()), Token: rand.Text(),
		Failed: failed, Error: msg, Errors: errs}
	return u.render(w, r, status, "sanctions_case", "惩戒措施 · "+c.CaseNo, "cases", v)
}

// formDate reads a date field ("" is the zero date).
func formDate(r *http.Request, name string) (legal.Date, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return legal.Date{}, nil
	}
	d, err := legal.ParseDate(s)
	if err != nil {
		return d, apperr.InvalidField("invalid_date", "body."+name, "日期应为 YYYY-MM-DD 格式的有效日期")
	}
	return d, nil
}

// formInt reads a whole number field ("" is 0).
func formInt(r *http.Request, name string) (int, error) {
	s := strings.TrimSpace(r.PostFormValue(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, apperr.InvalidField("invalid_number", "body."+name, "应为整数")
	}
	return n, nil
}

// formYuan reads an amount in yuan with at most two decimals, as fen.
func formYuan(r *http.Request, name string) (int64, error) {
	s := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(name), ",", ""))
	if s == "" {
		return 0, nil
	}
	bad := apperr.InvalidField("invalid_amount", "body."+name, "金额应为不为负的数字（元，最多两位小数）")
	whole, frac, _ := strings.Cut(s, ".")
	if len(frac) > 2 || whole == "" || len(whole) > 13 {
		return 0, bad
	}
	for len(frac) < 2 {
		frac += "0"
	}
	n, err := strconv.ParseInt(whole+frac, 10, 64)
	if err != nil || n < 0 {
		return 0, bad
	}
	return n, nil
}

func (u *UI) sanctionsCaseAction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	act := r.PathValue("act")
	acts := map[string]bool{"report-orders": true, "restrictions": true, "guarantees": true, "dishonest-listings": true, "dishonest-not-due": true}
	if !acts[act] {
		return apperr.NotFoundf("操作")
	}
	dup, err := u.supForm(w, r, p, "sanctions-"+act+"-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		party, err := formID(r, "party_id")
		if err != nil {
			return err
		}
		switch act {
		case "report-orders":
			issued, err := formDate(r, "issued_on")
			if err != nil {
				return err
			}
			due, err := formDate(r, "due_on")
			if err != nil {
				return err
			}
			_, err = sanctions.IssueReportOrder(ctx, tx, id, sanctions.ReportOrderInput{PartyID: party, IssuedOn: issued, DueOn: due,
				DocumentNo: r.PostFormValue("document_no")})
			return err
		case "restrictions":
			decided, err := formDate(r, "decided_on")
			if err != nil {
				return err
			}
			grace, err := formInt(r, "grace_months")
			if err != nil {
				return err
			}
			var persons []sanctions.BoundPerson
			for i := range 3 {
				n := strconv.Itoa(i)
				persons = append(persons, sanctions.BoundPerson{Role: r.PostFormValue("person_role_" + n), Name: r.PostFormValue("person_name_" + n),
					IDNumber: r.PostFormValue("person_id_" + n)})
			}
			persons = slicesDeleteEmpty(persons)
			_, err = sanctions.IssueRestriction(ctx, tx, id, sanctions.RestrictionInput{PartyID: party, DecidedOn: decided, GraceMonths: grace,
				DocumentNo: r.PostFormValue("document_no"), Note: r.PostFormValue("note"), Persons: persons})
			return err
		case "guarantees":
			on, err := formDate(r, "accepted_on")
			if err != nil {
				return err
			}
			amount, err := formYuan(r, "amount")
			if err != nil {
				return err
			}
			_, err = sanctions.RecordGuarantee(ctx, tx, id, sanctions.GuaranteeInput{PartyID: party, Guarantor: r.PostFormValue("guarantor"),
				AmountFen: amount, Description: r.PostFormValue("description"), AcceptedOn: on})
			return err
		case "dishonest-listings":
			decided, err := formDate(r, "decided_on")
			if err != nil {
				return err
			}
			grace, err := formInt(r, "grace_months")
			if err != nil {
				return err
			}
			extra, err := formInt(r, "extra_years")
			if err != nil {
				return err
			}
			gs, err := legal.ParseGrounds(strings.Join(r.PostForm["grounds"], " "))
			if err != nil {
				return apperr.InvalidField("invalid_grounds", "body.grounds", err.Error())
			}
			_, err = sanctions.ListDishonest(ctx, tx, id, sanctions.ListingInput{PartyID: party, Grounds: gs, Serious: r.PostFormValue("serious") == "1",
				ExtraYears: extra, DecidedOn: decided, GraceMonths: grace, DocumentNo: r.PostFormValue("document_no"), Note: r.PostFormValue("note")})
			return err
		default: // dishonest-not-due
			on, err := formDate(r, "decided_on")
			if err != nil {
				return err
			}
			_, err = sanctions.RecordNotDue(ctx, tx, id, sanctions.NotDueInput{PartyID: party, DecidedOn: on, Note: r.PostFormValue("note")})
			return err
		}
	})
	if err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showSanctionsCase(w, r, p, id, httpStatus(err), act, msg, errs)
	}
	done := "sanction_done"
	if dup {
		done = "duplicate"
	}
	redirect(w, r, "/cases/"+id.String()+"/sanctions", done)
	return nil
}

// slicesDeleteEmpty drops the rows of the persons form left blank.
func slicesDeleteEmpty(ps []sanctions.BoundPerson) []sanctions.BoundPerson {
	var out []sanctions.BoundPerson
	for _, b := range ps {
		if strings.TrimSpace(b.Name) != "" || strings.TrimSpace(b.IDNumber) != "" {
			out = append(out, b)
		}
	}
	return out
}

// sanctionObjects are the tables an object action finds its case in.
var sanctionObjects = map[string]string{"report-orders": "report_orders", "restrictions": "restrictions", "dishonest-listings": "dishonest_listings",
	"dishonest-corrections": "dishonest_corrections"}

func (u *UI) sanctionsObjectAction(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	kind, act := r.PathValue("kind"), r.PathValue("act")
	if _, ok := sanctionObjects[kind]; !ok {
		return apperr.NotFoundf("操作")
	}
	caseID, err := sanctionCaseOf(r.Context(), u.DB, kind, id)
	if err != nil {
		return err
	}
	valid := map[string][]string{"report-orders": {"report", "verification", "penalty"}, "restrictions": {"lifting"},
		"dishonest-listings": {"extension", "trigger", "deletion", "corrections"}, "dishonest-corrections": {"decision", "correction"}}
	if !contains(valid[kind], act) {
		return apperr.NotFoundf("操作")
	}
	dup, err := u.supForm(w, r, p, "sanctions-"+kind+"-"+act+"-"+id.String(), func(ctx context.Context, tx *store.Tx) error {
		var on legal.Date
		var err error
		for _, f := range []string{"on", "reported_on", "verified_on", "penalty_on", "lifted_on", "filed_on"} {
			if r.PostFormValue(f) != "" {
				if on, err = formDate(r, f); err != nil {
					return err
				}
			}
		}
		note := r.PostFormValue("note")
		switch kind + "/" + act {
		case "report-orders/report":
			_, err = sanctions.RecordReport(ctx, tx, id, sanctions.ReportInput{ReportedOn: on, Summary: r.PostFormValue("summary")})
		case "report-orders/verification":
			_, err = sanctions.VerifyReport(ctx, tx, id, sanctions.VerifyInput{VerifiedOn: on, Verdict: r.PostFormValue("verdict"), Note: note})
		case "report-orders/penalty":
			fine, ferr := formYuan(r, "fine")
			if ferr != nil {
				return ferr
			}
			days, ferr := formInt(r, "detention_days")
			if ferr != nil {
				return ferr
			}
			_, err = sanctions.PenaliseReport(ctx, tx, id, sanctions.PenaltyInput{On: on, FineFen: fine, DetentionDays: days, Note: note})
		case "restrictions/lifting":
			_, err = sanctions.LiftRestriction(ctx, tx, id, sanctions.LiftInput{Ground: r.PostFormValue("ground"), On: on, Note: note})
		case "dishonest-listings/extension":
			years, ferr := formInt(r, "years")
			if ferr != nil {
				return ferr
			}
			_, err = sanctions.ExtendListing(ctx, tx, id, sanctions.ExtendInput{Years: years, Reason: r.PostFormValue("reason")})
		case "dishonest-listings/trigger":
			_, err = sanctions.RecordTrigger(ctx, tx, id, sanctions.TriggerInput{Kind: r.PostFormValue("trigger"), On: on, Note: note})
		case "dishonest-listings/deletion":
			_, err = sanctions.DeleteListing(ctx, tx, id, sanctions.DeleteInput{Ground: r.PostFormValue("ground"), On: on, Note: note})
		case "dishonest-listings/corrections":
			reviews, ferr := formID(r, "reviews_id")
			if ferr != nil {
				return ferr
			}
			_, err = sanctions.FileCorrection(ctx, tx, id, sanctions.CorrectionInput{Kind: r.PostFormValue("correction_kind"), ReviewsID: reviews,
				FiledOn: on, Applicant: r.PostFormValue("applicant"), Request: r.PostFormValue("request")})
		case "dishonest-corrections/decision":
			_, err = sanctions.DecideCorrection(ctx, tx, id, sanctions.DecisionInput{Outcome: r.PostFormValue("outcome"), On: on, Note: note})
		case "dishonest-corrections/correction":
			_, err = sanctions.MarkCorrected(ctx, tx, id, sanctions.CorrectedInput{On: on, Note: note})
		}
		return err
	})
	if err != nil {
		errs, msg, ferr := formErrors(err)
		if ferr != nil {
			return ferr
		}
		return u.showSanctionsCase(w, r, p, caseID, httpStatus(err), kind+"/"+act+"/"+id.String(), msg, errs)
	}
	done := "sanction_done"
	if dup {
		done = "duplicate"
	}
	if r.PostFormValue("back") == "queue" {
		redirect(w, r, "/sanctions/queue", done)
		return nil
	}
	redirect(w, r, "/cases/"+caseID.String()+"/sanctions", done)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// sanctionCaseOf finds the case of a sanction object the caller may read;
// anything else is 404.
func sanctionCaseOf(ctx context.Context, q store.Querier, kind string, id uuid.UUID) (uuid.UUID, error) {
	p, err := access.Must(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	var caseID, court uuid.UUID
	query := `SELECT x.case_id, x.court_id FROM ` + sanctionObjects[kind] + ` x WHERE x.id = ?`
	if kind == "dishonest-corrections" {
		query = `SELECT l.case_id, l.court_id FROM dishonest_corrections x JOIN dishonest_listings l ON l.id = x.listing_id WHERE x.id = ?`
	}
	err = q.QueryRow(ctx, query, id).Scan(&caseID, &court)
	if store.IsNoRows(err) || err == nil && !p.Sees(court) {
		return uuid.Nil, apperr.NotFoundf("记录")
	}
	return caseID, err
}

// sanctionsListView is the 失信名单 or the 限消名单.
type sanctionsListView struct {
	Kind         string // dishonest, restrictions
	Q, CaseNo    string
	All          bool
	AllParam     string // "1" with All, for the next page's link
	Listings     []*sanctions.Listing
	Restrictions []*sanctions.Restriction
	Cursor       string
	NextCursor   string
	Error        string
}

func (u *UI) sanctionsList(w http.ResponseWriter, r *http.Request, kind string) error {
	q := r.URL.Query()
	v := sanctionsListView{Kind: kind, Q: q.Get("q"), CaseNo: q.Get("case_no"), All: q.Get("all") == "1", Cursor: q.Get("cursor")}
	if v.All {
		v.AllParam = "1"
	}
	f := sanctions.Filter{Query: v.Q, CaseNo: v.CaseNo, All: v.All}
	req := page.Request{Cursor: v.Cursor}
	status := http.StatusOK
	var err error
	if kind == "dishonest" {
		var pg page.Page[*sanctions.Listing]
		pg, err = sanctions.SearchListings(r.Context(), u.DB, f, req)
		v.Listings, v.NextCursor = pg.Items, pg.NextCursor
	} else {
		var pg page.Page[*sanctions.Restriction]
		pg, err = sanctions.SearchRestrictions(r.Context(), u.DB, f, req)
		v.Restrictions, v.NextCursor = pg.Items, pg.NextCursor
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	title := "失信被执行人名单"
	if kind != "dishonest" {
		title = "限制消费人员名单"
	}
	return u.render(w, r, status, "sanctions_list", title, "sanctions", v)
}

func (u *UI) sanctionsDishonestList(w http.ResponseWriter, r *http.Request, _ *access.Principal) error {
	return u.sanctionsList(w, r, "dishonest")
}

func (u *UI) sanctionsRestrictionList(w http.ResponseWriter, r *http.Request, _ *access.Principal) error {
	return u.sanctionsList(w, r, "restrictions")
}

// sanctionsQueueView is the 待删除/待解除 queue.
type sanctionsQueueView struct {
	Items      []*sanctions.QueueItem
	Cursor     string
	NextCursor string
	CanManage  bool
	Today      string
	Token      string
}

func (u *UI) sanctionsQueuePage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	cursor := r.URL.Query().Get("cursor")
	pg, err := sanctions.Queue(r.Context(), u.DB, page.Request{Cursor: cursor})
	if err != nil {
		return err
	}
	v := sanctionsQueueView{Items: pg.Items, Cursor: cursor, NextCursor: pg.NextCursor, CanManage: p.Can(access.SanctionsManage),
		Today: legal.Today(u.Now()).String(), Token: rand.Text()}
	return u.render(w, r, http.StatusOK, "sanctions_queue", "待删除失信信息、待解除限制消费", "sanctions", v)
}
