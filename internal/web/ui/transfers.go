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
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The seizure registry across cases, on the case page's 查控 section and on
// a worklist. The 60-day rule (TERM-4): a case holding a waiting seizure
// (轮候) of an asset whose 首封 is another court's asks that court for the
// asset with a 商请移送执行函 once the 首封 is 60 days old; the 首封 court
// agrees (移送执行函) or refuses with its reasons within the answer period;
// the requester may withdraw while it waits. Preservation measures (TERM-5)
// become measures of the applicant's enforcement case: carried at filing,
// or here on request when one was placed or answered later. The pages call
// the same functions as /api/v1/transfer-requests and
// /api/v1/cases/{id}/preservations/carry; the forms work as the rest of the
// section (assets.go: form tokens, htmx swap, a redirect back without
// JavaScript).

// registerTransfers mounts the worklist and the section's registry actions.
func (u *UI) registerTransfers(mux *http.ServeMux) {
	mux.Handle("GET /transfer-requests", u.page(u.transfersPage))
	mux.Handle("POST /cases/{id}/transfer-requests", u.page(u.requestTransfer))
	mux.Handle("POST /cases/{id}/transfer-requests/{transfer_id}/answer", u.page(u.answerTransfer))
	mux.Handle("POST /cases/{id}/transfer-requests/{transfer_id}/withdrawal", u.page(u.withdrawTransfer))
	mux.Handle("POST /cases/{id}/preservations/carry", u.page(u.carryPreservation))
}

func init() {
	for k, v := range map[string]string{
		"transfer":           "已向首封法院发出商请移送；答复期限见下方“商请移送”。",
		"transfer_agreed":    "已答复同意移送：此后由商请法院处分该财产，查封顺位不变。",
		"transfer_refused":   "已答复不同意移送，理由已告知商请法院。",
		"transfer_withdrawn": "已撤回商请移送。",
		"carried":            "已将保全措施转为本案执行措施：顺位不变，期限连续计算，未向协执单位重复办理（TERM-5）。",
		"carried_some":       "已承接部分保全措施；其余尚有事项在协执单位办理，办理完毕后可再次承接（TERM-5）。",
		"carried_waiting":    "保全措施尚有事项在协执单位办理，暂不能承接；办理完毕后再承接（TERM-5）。",
		"carried_none":       "没有需要承接的保全措施（可能已经承接）。",
	} {
		assetNotices[k] = v
	}
}

// caseLink names a case of this court or another; Link when the user may
// open it.
type caseLink struct {
	ID    uuid.UUID
	No    string
	Court string
	Link  bool
}

func caseLinkOf(p *access.Principal, id uuid.UUID, no string, court uuid.UUID, courtName string) *caseLink {
	return &caseLink{ID: id, No: no, Court: courtName, Link: p.Sees(court)}
}

// transferRow is a transfer request on the page of a case that sent or
// received it.
type transferRow struct {
	ID            uuid.UUID
	Sent          bool // the case asked; otherwise it holds the 首封 and answers
	Asset         string
	Other         *caseLink // the other court's case
	PriorityClaim string
	LetterNo      string
	Status        string
	State         string
	RequestedOn   string
	RequestedBy   string
	AnswerDue     string
	Overdue       string // "逾期 N 日" while it waits past its answer day
	AnswerLetter  string
	AnswerReason  string
	AnsweredBy    string
	AnsweredAt    time.Time
	Answer        *caseForm // the 首封 court's answer form
	Withdraw      *caseForm // the requester's withdrawal form
	Open          bool      // the withdrawal form shown open (it was refused)
}

// carryView offers to carry the preservation measures still outside the
// case (TERM-5).
type carryView struct {
	Count int
	Form  *caseForm // nil for users who may not
}

// assetText names an asset, account numbers masked.
func assetText(k agency.Kind, ref, institution string) string {
	s := k.Label() + " " + maskRef(k, ref)
	if institution != "" {
		s += "（" + institution + "）"
	}
	return s
}

// overdueText is how late an answer is on a day, "" when it is not.
func overdueText(t *assets.Transfer, today legal.Date) string {
	if !t.Overdue(today) {
		return ""
	}
	return "逾期 " + strconv.Itoa(today.Sub(t.AnswerDue)) + " 日"
}

// firstSeizure is the control in force at the head of an asset's registry
// (首封), or nil.
func firstSeizure(a *assets.Asset) *assets.Control {
	var first *assets.Control
	for _, ctl := range a.Controls {
		if ctl.Status == assets.ControlActive && ctl.Rank > 0 && (first == nil || ctl.Rank < first.Rank) {
			first = ctl
		}
	}
	return first
}

// registryForms are the forms of this file, whose refusal is shown at the
// top of the section when the form is gone (answered meanwhile …).
var registryForms = []string{"transfer:", "answer:", "withdraw:", "carry"}

// caseRegistry adds the registry's cross-case parts to the section built
// from cv: the marks of preservation controls, the 商请移送 form of each
// waiting seizure behind another court's 首封, the case's transfer requests
// with their answer and withdrawal forms, and the carry button. failed and
// form are the refused submission, formFor finds it by name.
func caseRegistry(v *assetsView, cv *assets.CaseView, c *cases.Case, p *access.Principal, today legal.Date, failed string, form *caseForm,
	formFor func(string) *caseForm) {
	shown := false
	formOr := func(name string) *caseForm {
		if f := formFor(name); f != nil {
			shown = true
			return f
		}
		return newAssetForm(nil)
	}
	assetOf := map[uuid.UUID]*assets.Asset{}
	controlOf := map[uuid.UUID]*assets.Control{}
	for _, a := range cv.Assets {
		assetOf[a.ID] = a
		for _, ctl := range a.Controls {
			controlOf[ctl.ID] = ctl
		}
	}
	linkTo := func(id uuid.UUID) *caseLink {
		if ctl := controlOf[id]; ctl != nil {
			return caseLinkOf(p, ctl.CaseID, ctl.CaseNo, ctl.CourtID, "")
		}
		return &caseLink{}
	}
	canAct := p.Can(access.AssetsControl)

	for i, ctl := range cv.Controls {
		if i >= len(v.Controls) || v.Controls[i].ID != ctl.ID {
			break // the rows are the controls, in order
		}
		row := &v.Controls[i]
		row.Preservation = ctl.Preservation
		if ctl.CarriedFrom != uuid.Nil {
			row.CarriedFrom = linkTo(ctl.CarriedFrom)
		}
		if ctl.DuplicateOf != uuid.Nil {
			row.DuplicateOf = linkTo(ctl.DuplicateOf)
		}
		a := assetOf[ctl.AssetID]
		if a == nil {
			continue
		}
		first := firstSeizure(a)
		if first == nil {
			continue
		}
		// The 首封 case: requests received for this seizure.
		if first.ID == ctl.ID {
			var notes []string
			for _, t := range cv.Transfers {
				if t.FirstControlID != ctl.ID || t.HoldingCaseID != c.ID {
					continue
				}
				switch t.Status {
				case assets.TransferPending:
					notes = append(notes, "收到 "+t.RequestingCourtName+"（"+t.RequestingCaseNo+"）商请移送，须于 "+t.AnswerDue.String()+
						" 前答复（见下方“商请移送”）")
				case assets.TransferAgreed:
					notes = append(notes, "已同意移送 "+t.RequestingCourtName+"（"+t.RequestingCaseNo+"）处分，查封顺位不变（TERM-4）")
				}
			}
			row.TransferNote = strings.Join(notes, "；")
			continue
		}
		if ctl.Status != assets.ControlWaiting || first.CourtID == c.CourtID {
			continue
		}
		// A waiting seizure behind another court's 首封: ask for the
		// asset, unless a request waits or was agreed.
		row.FirstElsewhere = first.CaseNo
		if !first.EffectiveAt.IsZero() {
			row.FirstElsewhere += "，" + legal.DateOf(first.EffectiveAt).String() + " 起查封"
		}
		for _, t := range cv.Transfers { // the latest first
			if t.RequestingCaseID != c.ID || t.AssetID != ctl.AssetID || row.TransferNote != "" {
				continue
			}
			switch {
			case t.Status == assets.TransferPending:
				row.TransferNote = "已商请 " + t.HoldingCourtName + " 移送（" + t.LetterNo + "），等待答复，期限至 " + t.AnswerDue.String()
				if late := overdueText(t, today); late != "" {
					row.TransferNote += "，已" + late
				}
			case t.Status == assets.TransferAgreed && t.FirstControlID == first.ID:
				row.TransferNote = t.HoldingCourtName + " 已同意移送（移送执行函 " + t.AnswerLetterNo + "），由本案处分该财产（TERM-4）"
			}
		}
		if row.TransferNote == "" && v.CanControl {
			id := ctl.ID.String()
			row.Transfer = formOr("transfer:" + id)
			if failed == "transfer:"+id {
				row.Open = "transfer"
			}
		}
	}

	for _, t := range cv.Transfers {
		row := transferRow{ID: t.ID, Sent: t.RequestingCaseID == c.ID, Asset: t.AssetName, PriorityClaim: t.PriorityClaim, LetterNo: t.LetterNo,
			Status: t.Status.Label(), State: string(t.Status), RequestedOn: t.RequestedOn.String(), RequestedBy: t.RequestedByName,
			AnswerDue: t.AnswerDue.String(), Overdue: overdueText(t, today), AnswerLetter: t.AnswerLetterNo, AnswerReason: t.AnswerReason,
			AnsweredBy: t.AnsweredByName, AnsweredAt: t.AnsweredAt}
		if a := assetOf[t.AssetID]; a != nil {
			row.Asset = assetText(a.Kind, a.Ref, a.Institution)
		}
		if row.Sent {
			row.Other = caseLinkOf(p, t.HoldingCaseID, t.HoldingCaseNo, t.HoldingCourtID, t.HoldingCourtName)
		} else {
			row.Other = caseLinkOf(p, t.RequestingCaseID, t.RequestingCaseNo, t.RequestingCourtID, t.RequestingCourtName)
		}
		if t.Status == assets.TransferPending && canAct {
			id := t.ID.String()
			if row.Sent {
				row.Withdraw = formOr("withdraw:" + id)
				row.Open = failed == "withdraw:"+id
			} else {
				row.Answer = formOr("answer:" + id)
			}
		}
		v.Transfers = append(v.Transfers, row)
	}

	if cv.Carriable > 0 {
		v.Carry = &carryView{Count: cv.Carriable}
		if v.CanControl {
			v.Carry.Form = formOr("carry")
		}
	}
	if form != nil && !shown && v.Refusal == "" {
		for _, prefix := range registryForms {
			if strings.HasPrefix(failed, prefix) {
				v.Refusal = form.Message
			}
		}
	}
}

// --- the actions ---

// requestTransfer asks the 首封 court for an asset the case waits on.
func (u *UI) requestTransfer(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	control, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("control_id")))
	if err != nil {
		return apperr.NotFoundf("控制措施")
	}
	return u.assetAction(w, r, p, "transfer:"+control.String(), []string{"priority_claim", "letter_no"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			_, err := assets.RequestTransfer(ctx, tx, caseID, assets.TransferInput{ControlID: control,
				PriorityClaim: r.PostFormValue("priority_claim"), LetterNo: r.PostFormValue("letter_no")})
			return "transfer", err
		})
}

// caseTransfer reads the transfer request of the path and checks it is
// the case's: the one it holds the 首封 in (answer) or asked from (withdraw).
// Any other is "not found", as on the page.
func (u *UI) caseTransfer(r *http.Request, p *access.Principal, holding bool) (uuid.UUID, error) {
	caseID, err := pathID(r)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(r.PathValue("transfer_id"))
	if err != nil {
		return uuid.Nil, apperr.NotFoundf("商请移送")
	}
	t, err := assets.GetTransfer(r.Context(), u.DB, id)
	if err != nil {
		return uuid.Nil, err
	}
	ownCase, court := t.RequestingCaseID, t.RequestingCourtID
	if holding {
		ownCase, court = t.HoldingCaseID, t.HoldingCourtID
	}
	if ownCase != caseID || !p.Sees(court) {
		return uuid.Nil, apperr.NotFoundf("商请移送")
	}
	return id, nil
}

// answerTransfer is the 首封 court's answer: agree with the 移送执行函's
// number, or refuse with the reasons.
func (u *UI) answerTransfer(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.caseTransfer(r, p, true)
	if err != nil {
		return err
	}
	return u.assetAction(w, r, p, "answer:"+id.String(), []string{"letter_no", "reason", "decision"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			var agree bool
			switch r.PostFormValue("decision") {
			case "agree":
				agree = true
			case "refuse":
			default:
				return "", apperr.InvalidField("invalid_decision", "body.decision", "请选择同意移送或不同意移送")
			}
			_, err := assets.AnswerTransfer(ctx, tx, id, assets.TransferAnswer{Agree: agree, LetterNo: r.PostFormValue("letter_no"),
				Reason: r.PostFormValue("reason")})
			if agree {
				return "transfer_agreed", err
			}
			return "transfer_refused", err
		})
}

// withdrawTransfer withdraws a request still waiting for its answer.
func (u *UI) withdrawTransfer(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.caseTransfer(r, p, false)
	if err != nil {
		return err
	}
	return u.assetAction(w, r, p, "withdraw:"+id.String(), []string{"reason"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			_, err := assets.WithdrawTransfer(ctx, tx, id, r.PostFormValue("reason"))
			return "transfer_withdrawn", err
		})
}

// carryPreservation carries the preservation measures still outside the
// case into it.
func (u *UI) carryPreservation(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.assetAction(w, r, p, "carry", nil, func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
		out, err := assets.CarryPreservation(ctx, tx, caseID)
		switch {
		case err != nil:
			return "", err
		case len(out.Controls) > 0 && len(out.Skipped) > 0:
			return "carried_some", nil
		case len(out.Controls) > 0:
			return "carried", nil
		case len(out.Skipped) > 0:
			return "carried_waiting", nil
		}
		return "carried_none", nil
	})
}

// --- the worklist ---

type transfersView struct {
	Outgoing bool
	Pending  transferList
	Settled  transferList
	// SettledShown: the page reached the requests no longer waiting (they
	// follow the pending ones).
	SettledShown bool
	Next         string // the next page, "" on the last
	Error        string
}

// transferList is a part of the worklist.
type transferList struct {
	Outgoing bool
	Rows     []transferItem
}

// transferItem is a transfer request on the worklist.
type transferItem struct {
	T          *assets.Transfer
	Asset      string
	Holding    *caseLink
	Requesting *caseLink
	Overdue    string
	Here       string // this court's case page, at the request
}

// transfersPage lists the transfer requests the user's courts received
// (they hold the 首封 and must answer) or sent: those waiting first, oldest
// first, then the others, latest first; keyset pages.
func (u *UI) transfersPage(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	ctx := r.Context()
	q := r.URL.Query()
	v := transfersView{Outgoing: q.Get("tab") == "outgoing"}
	incoming := !v.Outgoing
	tab := ""
	if v.Outgoing {
		tab = "outgoing"
	}
	status := http.StatusOK
	var pending, settled page.Page[*assets.Transfer]
	var err error
	if q.Get("phase") != "settled" {
		pending, err = assets.Transfers(ctx, u.DB, assets.TransferFilter{Incoming: incoming, Status: assets.TransferPending},
			page.Request{Cursor: q.Get("cursor")})
		if err == nil && pending.NextCursor == "" {
			v.SettledShown = true
			settled, err = assets.SettledTransfers(ctx, u.DB, incoming, page.Request{})
		}
	} else {
		v.SettledShown = true
		settled, err = assets.SettledTransfers(ctx, u.DB, incoming, page.Request{Cursor: q.Get("cursor")})
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return err
		}
		v.Error, status = e.Detail, http.StatusUnprocessableEntity
	}
	switch {
	case pending.NextCursor != "":
		v.Next = queryURL("/transfer-requests", "tab", tab, "cursor", pending.NextCursor)
	case settled.NextCursor != "":
		v.Next = queryURL("/transfer-requests", "tab", tab, "phase", "settled", "cursor", settled.NextCursor)
	}
	refs, err := assets.TransferAssets(ctx, u.DB, append(append([]*assets.Transfer(nil), pending.Items...), settled.Items...))
	if err != nil {
		return err
	}
	today := legal.Today(u.Now())
	item := func(t *assets.Transfer) transferItem {
		it := transferItem{T: t, Asset: t.AssetName, Overdue: overdueText(t, today),
			Holding:    caseLinkOf(p, t.HoldingCaseID, t.HoldingCaseNo, t.HoldingCourtID, t.HoldingCourtName),
			Requesting: caseLinkOf(p, t.RequestingCaseID, t.RequestingCaseNo, t.RequestingCourtID, t.RequestingCourtName)}
		if a, ok := refs[t.AssetID]; ok && a.Kind != "" {
			it.Asset = assetText(a.Kind, a.Ref, a.Institution)
		}
		own := it.Requesting
		if incoming {
			own = it.Holding
		}
		if own.Link {
			it.Here = "/cases/" + own.ID.String() + "#transfer-" + t.ID.String()
		}
		return it
	}
	v.Pending.Outgoing, v.Settled.Outgoing = v.Outgoing, v.Outgoing
	for _, t := range pending.Items {
		v.Pending.Rows = append(v.Pending.Rows, item(t))
	}
	for _, t := range settled.Items {
		v.Settled.Rows = append(v.Settled.Rows, item(t))
	}
	return u.render(w, r, status, "transfers", "商请移送", "transfers", v)
}
