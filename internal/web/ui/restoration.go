package ui

import (
	"context"
	"crypto/rand"
	"net/http"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The review of restoration proposals (S9): when a 终本 case's re-query
// finds something to take, restoration is proposed; a reviewer
// (applications.review) approves it — a 执恢 case is filed and assigned by
// the triage rules — or refuses it with the reason. The page calls the same
// functions as /api/v1/restoration-proposals.

// registerRestoration mounts the review page and its decision.
func (u *UI) registerRestoration(mux *http.ServeMux) {
	mux.Handle("GET /restoration-proposals", u.page(u.restorationPage))
	mux.Handle("POST /restoration-proposals/{id}/decision", u.page(u.decideRestoration))
}

func init() {
	notices["restoration_duplicate"] = "该决定已经提交过一次，没有重复办理；以下是已作出的决定。"
}

type restorationView struct {
	Rows       []restorationRow
	NextCursor string
	Error      string
	Token      string
	// Decided is the proposal just decided, with the new case when it was
	// approved.
	Decided *assets.Proposal
	// Refusal is the reason a decision was refused when its proposal is no
	// longer listed (decided meanwhile).
	Refusal string
}

type restorationRow struct {
	P     *assets.Proposal
	Found string
	Form  *caseForm
}

func (u *UI) restorationPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.showRestoration(w, r, http.StatusOK, uuid.Nil, nil)
}

// showRestoration renders the waiting proposals; failed names the proposal
// whose decision was refused, with its form as sent.
func (u *UI) showRestoration(w http.ResponseWriter, r *http.Request, status int, failed uuid.UUID, form *caseForm) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := restorationView{Token: rand.Text()}
	pg, err := assets.Proposals(ctx, u.DB, page.Request{Cursor: q.Get("cursor")})
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	v.NextCursor = pg.NextCursor
	shown := false
	for _, pr := range pg.Items {
		row := restorationRow{P: pr, Found: yuanText(pr.FoundFen), Form: &caseForm{Values: map[string]string{}, Errors: map[string]string{}}}
		if pr.ID == failed && form != nil {
			row.Form, shown = form, true
		}
		v.Rows = append(v.Rows, row)
	}
	if form != nil && !shown {
		v.Refusal = form.Message
	}
	if id, err := uuid.Parse(q.Get("decided")); err == nil && failed == uuid.Nil {
		if v.Decided, err = assets.GetProposal(ctx, u.DB, id); err != nil && apperr.KindOf(err) != apperr.NotFound {
			return err
		}
	}
	return u.render(w, r, status, "restoration", "恢复执行审查", "restoration", v)
}

func (u *UI) decideRestoration(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	if key := formKey(r, "restoration:"+id.String()); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	_, err = store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		var approve bool
		switch r.PostFormValue("decision") {
		case "approve":
			approve = true
		case "refuse":
		default:
			return nil, apperr.InvalidField("invalid_decision", "body.decision", "请选择恢复执行或不予恢复")
		}
		return intake.DecideRestoration(ctx, tx, id, intake.RestorationDecision{Approve: approve, Note: r.PostFormValue("note")})
	})
	switch {
	case err == nil:
		http.Redirect(w, r, "/restoration-proposals?decided="+id.String(), http.StatusSeeOther)
		return nil
	case apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress):
		http.Redirect(w, r, "/restoration-proposals?decided="+id.String()+"&done=restoration_duplicate", http.StatusSeeOther)
		return nil
	}
	// A refusal (no reason given 422, decided meanwhile 409) shows the list
	// again with the form as sent; nothing was changed. Other errors
	// (another court's proposal 404, no permission 403) are error pages.
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return err
	}
	errs, msg, _ := formErrors(err)
	f := &caseForm{Values: formValues(r, "note", "decision"), Errors: errs, Message: msg}
	return u.showRestoration(w, r, httperr.Status(e.Kind), id, f)
}
