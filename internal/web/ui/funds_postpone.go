package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Postponement in the 案款 section (延缓发放, FUND-5): for a creditor's
// account holding money, the request with its listed reason; the case's
// postponements with the bureau chief's decision (not the requester's) and
// the record that the reason has ended; and each creditor's due day as the
// due list says it (none while postponed). The forms work as the others of
// the section (fundsAction).

func (u *UI) registerPostponements(mux *http.ServeMux) {
	mux.Handle("POST /cases/{id}/funds/postponements", u.page(u.requestPostponement))
	mux.Handle("POST /cases/{id}/funds/postponements/{pp_id}/decision", u.page(u.decidePostponement))
	mux.Handle("POST /cases/{id}/funds/postponements/{pp_id}/end", u.page(u.endPostponement))
}

// accountDueView is when a creditor's money must be paid.
type accountDueView struct {
	Postponed bool
	DueOn     string // "" while postponed or when no day applies
	Days      string
	Due       string // soon, overdue
}

// postponeRequest is the request form for one creditor's account.
type postponeRequest struct {
	PartyID uuid.UUID
	Name    string
	Balance string
	Form    *caseForm
	Open    bool // shown open: it was refused
}

type postponementRow struct {
	ID           uuid.UUID
	Account      string
	Reason       string
	Note         string
	Status       string
	State        string
	RequestedBy  string
	RequestedAt  time.Time
	DecidedBy    string
	DecisionNote string
	EndedOn      string
	ResumeDue    string
	Waiting      string    // who decides, for those who may not
	Decide       *caseForm // approve or refuse, for the bureau chief who did not ask
	End          *caseForm // the reason has ended, for those who handle funds
	EndOpen      bool
}

type reasonChoice struct {
	Value, Label string
}

var postponementStatus = map[string]string{"requested": "待局长审批", "approved": "已批准，延缓发放中", "rejected": "不同意", "ended": "事由已消除"}

// casePostponements fills the section's postponements: the creditors' due
// days, the request forms, the list with its forms.
func (u *UI) casePostponements(ctx context.Context, p *access.Principal, v *fundsView, l *funds.CaseLedger, today legal.Date,
	formFor func(string) *caseForm) error {
	dues, err := funds.CaseDues(ctx, u.DB, v.CaseID)
	if err != nil {
		return err
	}
	list, err := funds.CasePostponements(ctx, u.DB, v.CaseID)
	if err != nil {
		return err
	}
	open := map[uuid.UUID]bool{}
	for _, pp := range list {
		if pp.Status == "requested" || pp.Status == "approved" {
			open[pp.AccountID] = true
		}
	}
	for i, a := range l.Accounts {
		d := dues[a.ID]
		if d == nil {
			continue
		}
		dv := &accountDueView{Postponed: d.Postponed}
		if !d.DueOn.IsZero() {
			dv.DueOn = d.DueOn.String()
			switch n := d.DueOn.Sub(today); {
			case n < 0:
				dv.Days, dv.Due = "超期 "+strconv.Itoa(-n)+" 日", "overdue"
			case n <= payoutSoonDays:
				dv.Days, dv.Due = "剩余 "+strconv.Itoa(n)+" 日", "soon"
			default:
				dv.Days = "剩余 " + strconv.Itoa(n) + " 日"
			}
		}
		v.Accounts[i].DueView = dv
		if !v.CanHandle || open[a.ID] {
			continue
		}
		req := postponeRequest{PartyID: a.PartyID, Name: v.Accounts[i].Name, Balance: v.Accounts[i].Balance}
		if req.Form = formFor("funds:postpone:" + a.PartyID.String()); req.Form != nil {
			req.Open = true
		} else {
			req.Form = newAssetForm(nil)
		}
		v.PostponeRequests = append(v.PostponeRequests, req)
	}
	for _, r := range funds.PostponeReasons {
		v.PostponeReasons = append(v.PostponeReasons, reasonChoice{Value: r.Code, Label: r.Label})
	}
	for _, pp := range list {
		row := postponementRow{ID: pp.ID, Account: pp.AccountName, Reason: pp.ReasonLabel, Note: pp.Note, Status: postponementStatus[pp.Status],
			State: pp.Status, RequestedBy: pp.RequestedByName, RequestedAt: pp.CreatedAt, DecidedBy: pp.DecidedByName, DecisionNote: pp.DecisionNote}
		if !pp.EndedOn.IsZero() {
			row.EndedOn = pp.EndedOn.String()
		}
		if !pp.ResumeDue.IsZero() {
			row.ResumeDue = pp.ResumeDue.String()
		}
		id := pp.ID.String()
		switch pp.Status {
		case "requested":
			switch {
			case !p.Can(access.FundsApproveLarge):
				row.Waiting = "由执行局长审批（FUND-5）"
			case pp.RequestedByID == p.UserID:
				row.Waiting = "本人的申请由他人审批"
			default:
				if row.Decide = formFor("funds:ppdecide:" + id); row.Decide == nil {
					row.Decide = newAssetForm(nil)
				}
			}
		case "approved":
			if v.CanHandle {
				if row.End = formFor("funds:ppend:" + id); row.End != nil {
					row.EndOpen = true
				} else {
					row.End = newAssetForm(nil)
				}
			}
		}
		v.Postponements = append(v.Postponements, row)
	}
	return nil
}

// requestPostponement asks to hold back a creditor's money.
func (u *UI) requestPostponement(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	party, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("party_id")))
	if err != nil {
		return apperr.NotFoundf("当事人")
	}
	return u.fundsAction(w, r, p, "funds:postpone:"+party.String(), []string{"reason", "note"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			_, err := funds.RequestPostponement(ctx, tx, caseID, funds.PostponeInput{PartyID: party, Reason: r.PostFormValue("reason"),
				Note: r.PostFormValue("note")})
			return "postpone_requested", err
		})
}

// casePostponement reads the postponement of the path and checks it is the
// case's; any other is "not found".
func (u *UI) casePostponement(r *http.Request) (uuid.UUID, error) {
	caseID, err := pathID(r)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(r.PathValue("pp_id"))
	if err != nil {
		return uuid.Nil, apperr.NotFoundf("延缓发放")
	}
	list, err := funds.CasePostponements(r.Context(), u.DB, caseID)
	if err != nil {
		return uuid.Nil, err
	}
	for _, pp := range list {
		if pp.ID == id {
			return id, nil
		}
	}
	return uuid.Nil, apperr.NotFoundf("延缓发放")
}

func (u *UI) decidePostponement(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.casePostponement(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:ppdecide:"+id.String(), []string{"decision", "note"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			var approve bool
			switch r.PostFormValue("decision") {
			case "approve":
				approve = true
			case "refuse":
			default:
				return "", apperr.InvalidField("invalid_decision", "body.decision", "请选择批准或不同意延缓发放")
			}
			if _, err := funds.DecidePostponement(ctx, tx, id, approve, r.PostFormValue("note")); err != nil {
				return "", err
			}
			if approve {
				return "postpone_approved", nil
			}
			return "postpone_rejected", nil
		})
}

func (u *UI) endPostponement(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.casePostponement(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:ppend:"+id.String(), []string{"note"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			_, err := funds.EndPostponement(ctx, tx, id, r.PostFormValue("note"))
			return "postpone_ended", err
		})
}
