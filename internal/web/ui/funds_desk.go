package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The funds desk (/funds): the payouts waiting for approval, with the
// approval inline for approvers; the approved payouts on their way to the
// custody bank and those it is carrying out, with the last error of each;
// the money in that named no case (不明款, FUND-3) with its claim deadline
// and the claim to a case by its 案号; the import of the custody
// account's statement; the daily reconciliations (对账, FUND-8). The pages call the same functions as
// /api/v1/payouts, /api/v1/unmatched-receipts and /api/v1/bank-statements;
// the forms work as the case page's (form tokens, htmx swapping the desk's
// list, a redirect back without JavaScript).

// registerFundsDesk mounts the desk and its actions.
func (u *UI) registerFundsDesk(mux *http.ServeMux) {
	mux.Handle("GET /funds", u.page(u.fundsDesk))
	mux.Handle("POST /funds/payouts/{id}/decision", u.page(u.decideDeskPayout))
	mux.Handle("POST /funds/payouts/decisions", u.page(u.decideDeskPayouts))
	mux.Handle("POST /funds/batches/{id}/decision", u.page(u.decideDeskBatch))
	mux.Handle("POST /funds/unmatched/{id}/claim", u.page(u.claimUnmatched))
	mux.Handle("POST /funds/statements", u.page(u.importStatement))
}

// maxStatementUpload bounds a statement upload: the file and the fields
// around it (the API takes 20 MB of CSV).
const maxStatementUpload = 20<<20 + 1<<20

// unmatchedSoonDays is how close to its claim deadline unidentified money
// is highlighted.
const unmatchedSoonDays = 1

// canFundsDesk reports whether p works on the funds desk.
func canFundsDesk(p *access.Principal) bool {
	return p != nil && (p.Can(access.FundsApprove) || p.Can(access.FundsApproveLarge) || p.Can(access.FundsMatch) || p.Can(access.FundsHandle))
}

// The desk's tabs.
const (
	deskPending   = "pending"
	deskOutgoing  = "outgoing"
	deskUnmatched = "unmatched"
	deskImport    = "import"
	deskReconcile = "reconcile"
)

type deskTab struct {
	Key, Label, Href string
	Current          bool
}

type deskView struct {
	Tab      string
	Tabs     []deskTab
	Token    string
	Notice   string
	Refusal  string // why an action was refused when its form is no longer shown
	Error    string // the list could not be read as asked (a bad cursor)
	Cursor   string // the page shown, kept by the forms
	Phase    string // outgoing: "sent" when the page continues with the payouts at the bank
	Next     string
	CanMatch bool
	// Pending: payouts awaiting approval; Approved and Sent: the outgoing
	// ones, approved then at the bank (SentShown: the page reached them).
	Pending   deskList
	Approved  deskList
	Sent      deskList
	SentShown bool
	Unmatched []unmatchedRow
	Import    *importView
	// Reconciliations are the custody account's daily reports (FUND-8).
	Reconciliations []reconciliationRow
	// Batch is the batch decision of the pending tab, for approvers.
	Batch *payoutBatch
	// Batches are the payout batches awaiting approval (a campaign
	// round), each decided as a whole.
	Batches []batchRow
}

// batchRow is a payout batch awaiting approval.
type batchRow struct {
	ID          uuid.UUID
	CaseID      uuid.UUID
	CaseNo      string
	Title       string
	Count       int
	Amount      string
	Levels      int
	Approved    int
	Next        int
	RequestedBy string
	RequestedAt time.Time
	Approvals   []approvalRow
	Waiting     string    // why the user cannot decide it
	Decide      *caseForm // the decision form, for those who may decide
}

// deskList is a list of payouts on the desk, with what its forms carry.
type deskList struct {
	Token, Cursor string
	Rows          []payoutRow
	Act           bool // the list has a column of decision forms
	// Pick: the list has a column of boxes for the batch decision, on the
	// payouts the user may decide; Checked are those ticked.
	Pick    bool
	Checked map[string]bool
}

type unmatchedRow struct {
	ID           uuid.UUID
	LineID       string
	Amount       string
	Payer        string
	PayerAccount string
	Memo         string
	ReceivedOn   string
	ClaimDue     string
	Days         string
	Due          string // soon, overdue
	Claim        *claimForm
}

// claimForm claims unidentified money in two steps: the case by its 案号,
// then the party whose account the money goes to.
type claimForm struct {
	*caseForm
	Open    bool // shown open: a case was looked up or the claim refused
	Case    *cases.Case
	Parties []payoutParty
}

// reconciliationRow is a day's reconciliation of a custody account.
type reconciliationRow struct {
	ID        uuid.UUID
	Day       string
	Account   string
	Lines     int
	Matched   int
	Opening   string
	Closing   string
	Credits   string
	Debits    string
	Status    string
	State     string
	Problems  []string
	CreatedAt time.Time
}

type importView struct {
	Courts   []org.Court
	Court    string
	Header   string
	Result   *funds.ImportResult
	FileName string
	Error    string
	Problems []string
}

// deskState is what a request asks the desk to show.
type deskState struct {
	tab, cursor, phase, notice string
	// claim and caseNo look up a case for a claim (step one); failed and
	// form are a refused submission.
	claim, caseNo string
	failed        string
	form          *caseForm
	// batch is a batch decision just sent: refused (its form as sent) or
	// done (its results).
	batch *payoutBatch
}

func deskTabOf(p *access.Principal, tab string) string {
	switch tab {
	case deskPending, deskOutgoing, deskUnmatched, deskReconcile:
		return tab
	case deskImport:
		if p.Can(access.FundsMatch) {
			return tab
		}
	}
	// The work of the user's role first.
	if !p.Can(access.FundsApprove) && !p.Can(access.FundsApproveLarge) && p.Can(access.FundsMatch) {
		return deskUnmatched
	}
	return deskPending
}

func (u *UI) fundsDesk(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !canFundsDesk(p) {
		return apperr.Forbid("需要案款办理、审批或匹配权限")
	}
	q := r.URL.Query()
	st := deskState{tab: deskTabOf(p, q.Get("tab")), cursor: q.Get("cursor"), phase: q.Get("phase"), notice: q.Get("funds"),
		claim: q.Get("claim"), caseNo: strings.TrimSpace(q.Get("case_no"))}
	v, status, err := u.deskView(r.Context(), p, st)
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		return u.writeFragment(w, "funds", "funds_desk_body", v)
	}
	return u.render(w, r, status, "funds", "案款", "funds", v)
}

// deskView builds the desk for a tab; status is 422 when the list could
// not be read as asked.
func (u *UI) deskView(ctx context.Context, p *access.Principal, st deskState) (*deskView, int, error) {
	v := &deskView{Tab: st.tab, Token: rand.Text(), Notice: fundsNotices[st.notice], Cursor: st.cursor, CanMatch: p.Can(access.FundsMatch)}
	for _, t := range []deskTab{{Key: deskPending, Label: "待审批"}, {Key: deskOutgoing, Label: "待发送/办理中"}, {Key: deskUnmatched, Label: "不明款"},
		{Key: deskImport, Label: "导入流水"}, {Key: deskReconcile, Label: "对账"}} {
		if t.Key == deskImport && !v.CanMatch {
			continue
		}
		t.Href, t.Current = queryURL("/funds", "tab", t.Key), t.Key == st.tab
		v.Tabs = append(v.Tabs, t)
	}
	v.Pending = deskList{Token: v.Token, Cursor: v.Cursor, Act: true}
	v.Approved = deskList{Token: v.Token, Cursor: v.Cursor}
	v.Sent = deskList{Token: v.Token, Cursor: v.Cursor}
	shown := false
	formFor := func(name string) *caseForm {
		if st.failed == name && st.form != nil {
			shown = true
			return st.form
		}
		return nil
	}
	today := legal.Today(u.Now())
	var err error
	switch st.tab {
	case deskPending:
		err = u.deskPayouts(ctx, p, v, st, today, formFor)
	case deskOutgoing:
		err = u.deskOutgoing(ctx, p, v, st, today)
	case deskUnmatched:
		err = u.deskUnmatched(ctx, v, st, today, formFor)
	case deskImport:
		v.Import = &importView{}
		err = u.importChoices(ctx, p, v.Import)
	case deskReconcile:
		err = u.deskReconciliations(ctx, v, st)
	}
	status := http.StatusOK
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid {
			return nil, 0, err
		}
		v.Error, status, v.Next = e.Detail, http.StatusUnprocessableEntity, ""
	}
	if st.form != nil && !shown && v.Refusal == "" {
		v.Refusal = st.form.Message
	}
	return v, status, nil
}

// deskPayouts lists the payouts awaiting approval, oldest first, with the
// decision form for those who may decide.
func (u *UI) deskPayouts(ctx context.Context, p *access.Principal, v *deskView, st deskState, today legal.Date, formFor func(string) *caseForm) error {
	if st.cursor == "" { // the batches head the first page
		batches, err := funds.Batches(ctx, u.DB, funds.BatchPending, page.Request{Limit: page.MaxLimit})
		if err != nil {
			return err
		}
		for _, b := range batches.Items {
			row := batchRow{ID: b.ID, CaseID: b.CaseID, CaseNo: b.CaseNo, Title: b.Title, Count: b.Payouts, Amount: yuanText(b.TotalFen),
				Levels: b.Levels, Approved: b.ApprovedLevels, Next: b.ApprovedLevels + 1, RequestedBy: b.RequestedByName, RequestedAt: b.CreatedAt}
			for _, a := range b.Approvals {
				row.Approvals = append(row.Approvals, approvalRow{Level: a.Level, Approve: a.Approve, By: a.ByName, Note: a.Note, At: a.At})
			}
			if why := b.DecisionBlock(p); why != "" {
				row.Waiting = "等待第 " + strconv.Itoa(row.Next) + " 级审批：" + why
			} else if row.Decide = formFor("desk:batch:" + b.ID.String()); row.Decide == nil {
				row.Decide = newAssetForm(nil)
			}
			v.Batches = append(v.Batches, row)
		}
	}
	pg, err := funds.Payouts(ctx, u.DB, funds.PayoutFilter{Status: funds.PayoutPending, Single: true}, page.Request{Cursor: st.cursor})
	if err != nil {
		return err
	}
	if err := funds.LoadApprovals(ctx, u.DB, pg.Items); err != nil {
		return err
	}
	for _, o := range pg.Items {
		// Withdrawing is done on the case page.
		v.Pending.Rows = append(v.Pending.Rows, payoutRowOf(o, p, today, false, func(name string) *caseForm {
			return formFor(strings.Replace(name, "funds:decide:", "desk:decide:", 1))
		}))
	}
	// The batch decision, on the payouts of this page the user may decide.
	if canApprove(p) {
		v.Batch = st.batch
		decidable := false
		for _, row := range v.Pending.Rows {
			decidable = decidable || row.Decide != nil
		}
		if v.Batch == nil && decidable {
			v.Batch = &payoutBatch{Form: newAssetForm(nil)}
		}
		if v.Batch != nil {
			v.Pending.Pick, v.Pending.Checked = decidable, v.Batch.Checked
			v.Batch.Decidable, v.Batch.Token, v.Batch.Cursor = decidable, v.Token, v.Cursor
		}
	}
	if pg.NextCursor != "" {
		v.Next = queryURL("/funds", "tab", deskPending, "cursor", pg.NextCursor)
	}
	return nil
}

// deskOutgoing lists the approved payouts waiting to be sent, then those
// the bank is carrying out, oldest first.
func (u *UI) deskOutgoing(ctx context.Context, p *access.Principal, v *deskView, st deskState, today legal.Date) error {
	none := func(string) *caseForm { return nil }
	var approved, sent page.Page[*funds.Payout]
	var err error
	if st.phase != "sent" {
		approved, err = funds.Payouts(ctx, u.DB, funds.PayoutFilter{Status: funds.PayoutApproved}, page.Request{Cursor: st.cursor})
		if err == nil && approved.NextCursor == "" {
			v.SentShown = true
			sent, err = funds.Payouts(ctx, u.DB, funds.PayoutFilter{Status: funds.PayoutSent}, page.Request{})
		}
	} else {
		v.SentShown, v.Phase = true, "sent"
		sent, err = funds.Payouts(ctx, u.DB, funds.PayoutFilter{Status: funds.PayoutSent}, page.Request{Cursor: st.cursor})
	}
	if err != nil {
		return err
	}
	list := append(append([]*funds.Payout(nil), approved.Items...), sent.Items...)
	if err := funds.LoadApprovals(ctx, u.DB, list); err != nil {
		return err
	}
	for _, o := range approved.Items {
		v.Approved.Rows = append(v.Approved.Rows, payoutRowOf(o, p, today, false, none))
	}
	for _, o := range sent.Items {
		v.Sent.Rows = append(v.Sent.Rows, payoutRowOf(o, p, today, false, none))
	}
	switch {
	case approved.NextCursor != "":
		v.Next = queryURL("/funds", "tab", deskOutgoing, "cursor", approved.NextCursor)
	case sent.NextCursor != "":
		v.Next = queryURL("/funds", "tab", deskOutgoing, "phase", "sent", "cursor", sent.NextCursor)
	}
	return nil
}

// deskUnmatched lists the unidentified money still to claim, with the
// claim form for users with funds.match. st.claim and st.caseNo are the
// first step of a claim: the case looked up by its 案号.
func (u *UI) deskUnmatched(ctx context.Context, v *deskView, st deskState, today legal.Date, formFor func(string) *caseForm) error {
	pg, err := funds.UnmatchedList(ctx, u.DB, true, page.Request{Cursor: st.cursor})
	if err != nil {
		return err
	}
	for _, m := range pg.Items {
		row := unmatchedRow{ID: m.ID, LineID: m.LineID, Amount: yuanText(m.AmountFen), Payer: m.PayerName, PayerAccount: m.PayerAccount,
			Memo: m.Memo, ReceivedOn: m.ReceivedOn.String(), ClaimDue: m.ClaimDue.String()}
		switch n := m.ClaimDue.Sub(today); {
		case m.Overdue(today):
			row.Days, row.Due = "超过认领期限 "+strconv.Itoa(-n)+" 日", "overdue"
		case n <= unmatchedSoonDays:
			row.Days, row.Due = "剩余 "+strconv.Itoa(n)+" 日", "soon"
		default:
			row.Days = "剩余 " + strconv.Itoa(n) + " 日"
		}
		if v.CanMatch {
			id := m.ID.String()
			f := &claimForm{caseForm: formFor("desk:claim:" + id)}
			caseNo := ""
			switch {
			case f.caseForm != nil:
				f.Open, caseNo = true, f.Values["case_no"]
			case st.claim == id:
				f.caseForm, f.Open, caseNo = newAssetForm(map[string]string{"case_no": st.caseNo}), true, st.caseNo
				if caseNo == "" {
					f.Errors["case_no"] = "请填写款项所属案件的案号"
				}
			default:
				f.caseForm = newAssetForm(nil)
			}
			if caseNo != "" {
				if err := u.claimCase(ctx, f, m, caseNo); err != nil {
					return err
				}
			}
			row.Claim = f
		}
		v.Unmatched = append(v.Unmatched, row)
	}
	if pg.NextCursor != "" {
		v.Next = queryURL("/funds", "tab", deskUnmatched, "cursor", pg.NextCursor)
	}
	return nil
}

// deskReconciliations lists the daily reconciliations of the custody
// accounts (FUND-8), the latest first, with the differences of each.
func (u *UI) deskReconciliations(ctx context.Context, v *deskView, st deskState) error {
	pg, err := funds.Reconciliations(ctx, u.DB, page.Request{Cursor: st.cursor})
	if err != nil {
		return err
	}
	for _, r := range pg.Items {
		row := reconciliationRow{ID: r.ID, Day: r.Day.String(), Account: r.Account, Lines: r.Lines, Matched: r.Matched, Opening: yuanText(r.OpeningFen),
			Closing: yuanText(r.ClosingFen), Credits: yuanText(r.CreditsFen), Debits: yuanText(r.DebitsFen), Status: "账实相符", State: r.Status,
			Problems: r.Problems, CreatedAt: r.CreatedAt}
		if r.Status != "ok" {
			row.Status = "有差异"
		}
		v.Reconciliations = append(v.Reconciliations, row)
	}
	if pg.NextCursor != "" {
		v.Next = queryURL("/funds", "tab", deskReconcile, "cursor", pg.NextCursor)
	}
	return nil
}

// claimCase looks up the case of a claim by its 案号 and offers its parties,
// the one whose name the payer bears (else the first respondent: usually
// the debtor paid) chosen. A number that names no case the user sees is an
// error next to it.
func (u *UI) claimCase(ctx context.Context, f *claimForm, m *funds.Unmatched, caseNo string) error {
	c, err := cases.GetByNumber(ctx, u.DB, caseNo)
	if err != nil {
		switch apperr.KindOf(err) {
		case apperr.Invalid:
			e, _ := apperr.As(err)
			f.Errors["case_no"] = e.Detail
		case apperr.NotFound:
			f.Errors["case_no"] = "没有案号为“" + caseNo + "”的案件（或不在您的法院范围内）"
		default:
			return err
		}
		return nil
	}
	f.Case = c
	chosen := f.Values["party_id"]
	if chosen == "" {
		for _, pt := range c.Parties {
			if m.PayerName != "" && pt.Name == m.PayerName {
				chosen = pt.PartyID.String()
			}
		}
	}
	if chosen == "" {
		for _, r := range c.Respondents() {
			chosen = r.PartyID.String()
			break
		}
	}
	for _, pt := range c.Parties {
		f.Parties = append(f.Parties, payoutParty{Value: pt.PartyID.String(), Label: casePartyRole(pt.Role) + " " + pt.Name,
			Selected: pt.PartyID.String() == chosen})
	}
	return nil
}

// importChoices fills the courts whose custody account the user may import
// for.
func (u *UI) importChoices(ctx context.Context, p *access.Principal, iv *importView) error {
	courts, err := org.VisibleCourts(ctx, u.DB)
	if err != nil {
		return err
	}
	for _, c := range courts {
		if c.Active {
			iv.Courts = append(iv.Courts, c)
		}
	}
	if iv.Court == "" {
		iv.Court = p.CourtID.String()
	}
	iv.Header = strings.Join(funds.StatementCSVHeader, ",")
	return nil
}

// --- the actions ---

// deskAction runs one action of the desk as fundsAction does on the case
// page, then shows the tab again: the desk's list alone for htmx, else a
// redirect back (a refusal: the page with the form as sent).
func (u *UI) deskAction(w http.ResponseWriter, r *http.Request, p *access.Principal, tab, form string, fields []string,
	fn func(ctx context.Context, tx *store.Tx) (string, error)) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	cursor := strings.TrimSpace(r.PostFormValue("cursor"))
	done, err := u.claimedTransact(r, p, form, fn)
	htmx := r.Header.Get("HX-Request") == "true"
	st := deskState{tab: tab, cursor: cursor}
	status := http.StatusOK
	if err == nil {
		if !htmx {
			http.Redirect(w, r, queryURL("/funds", "tab", tab, "cursor", cursor, "funds", done), http.StatusSeeOther)
			return nil
		}
		st.notice = done
	} else {
		f, e, err := refusedForm(r, err, fields)
		if err != nil {
			return err
		}
		st.failed, st.form, status = form, f, httperr.Status(e.Kind)
	}
	v, listStatus, err := u.deskView(r.Context(), p, st)
	if err != nil {
		return err
	}
	if htmx {
		return u.writeFragment(w, "funds", "funds_desk_body", v)
	}
	if status == http.StatusOK {
		status = listStatus
	}
	return u.render(w, r, status, "funds", "案款", "funds", v)
}

// decideDeskPayout approves or refuses the next level of a payout from the
// desk's list.
func (u *UI) decideDeskPayout(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.deskAction(w, r, p, deskPending, "desk:decide:"+id.String(), []string{"decision", "note"},
		func(ctx context.Context, tx *store.Tx) (string, error) {
			d, err := decision(r)
			if err != nil {
				return "", err
			}
			o, err := funds.DecidePayout(ctx, tx, id, d)
			if err != nil {
				return "", err
			}
			return decided(o), nil
		})
}

// decideDeskBatch approves or refuses the next level of a payout batch
// from the desk (funds.DecideBatch).
func (u *UI) decideDeskBatch(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.deskAction(w, r, p, deskPending, "desk:batch:"+id.String(), []string{"decision", "note"},
		func(ctx context.Context, tx *store.Tx) (string, error) {
			d, err := decision(r)
			if err != nil {
				return "", err
			}
			b, err := funds.DecideBatch(ctx, tx, id, d)
			if err != nil {
				return "", err
			}
			switch b.Status {
			case funds.BatchRejected:
				return "batch_rejected", nil
			case funds.BatchApproved:
				return "batch_approved", nil
			}
			return "batch_level", nil
		})
}

// claimUnmatched claims unidentified money for a party of the case with
// the 案号 typed.
func (u *UI) claimUnmatched(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return u.deskAction(w, r, p, deskUnmatched, "desk:claim:"+id.String(), []string{"case_no", "party_id"},
		func(ctx context.Context, tx *store.Tx) (string, error) {
			caseNo := strings.TrimSpace(r.PostFormValue("case_no"))
			if caseNo == "" {
				return "", apperr.InvalidField("case_no_required", "body.case_no", "请填写款项所属案件的案号")
			}
			c, err := cases.GetByNumber(ctx, tx, caseNo)
			if apperr.KindOf(err) == apperr.NotFound {
				return "", apperr.InvalidField("case_not_found", "body.case_no", "没有案号为“"+caseNo+"”的案件（或不在您的法院范围内）")
			}
			if err != nil {
				return "", err
			}
			party, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("party_id")))
			if err != nil {
				return "", apperr.InvalidField("party_required", "body.party_id", "请选择款项记入哪一方当事人的分户")
			}
			_, err = funds.ClaimUnmatched(ctx, tx, id, c.ID, party)
			return "claimed", err
		})
}

// importStatement imports a statement of a court's custody account
// uploaded as CSV and shows what it did: lines recorded for cases, lines
// left as unidentified money, repeats, and every problem.
func (u *UI) importStatement(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := p.Require(access.FundsMatch); err != nil {
		return err
	}
	ctx := r.Context()
	iv := &importView{}
	status := http.StatusOK
	court, name, content, err := readStatementUpload(w, r)
	iv.Court, iv.FileName = r.FormValue("court"), name
	if err := u.importChoices(ctx, p, iv); err != nil {
		return err
	}
	var chosen *org.Court
	if err == nil {
		for i := range iv.Courts {
			if iv.Courts[i].ID == court {
				chosen = &iv.Courts[i]
			}
		}
		if chosen == nil {
			err = apperr.InvalidField("unknown_court", "body.court", "请选择专户所属的法院")
		}
	}
	var res *funds.ImportResult
	unreadable := false // the file was refused whole
	if err == nil {
		var st bank.Statement
		st, err = funds.ParseStatementCSV(chosen.Code+"-custody", bytes.NewReader(content))
		unreadable = err != nil
		if err == nil {
			res, err = store.TransactValue(ctx, u.DB, func(ctx context.Context, tx *store.Tx) (*funds.ImportResult, error) {
				return funds.ImportStatement(ctx, tx, chosen.ID, st)
			})
		}
	}
	if err != nil {
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.TooLarge && e.Kind != apperr.BadRequest {
			return err
		}
		switch {
		case !unreadable:
			iv.Error = e.Detail
		case len(e.Fields) > 1:
			// Every line it could not read.
			iv.Error = "流水文件有 " + strconv.Itoa(len(e.Fields)) + " 处问题，整份文件未导入；请改正后重新上传："
			for _, f := range e.Fields {
				iv.Problems = append(iv.Problems, f.Detail)
			}
		default:
			iv.Error = "流水文件未导入：" + e.Detail
		}
		status = httperr.Status(e.Kind)
	}
	iv.Result = res
	v, _, err := u.deskView(ctx, p, deskState{tab: deskImport})
	if err != nil {
		return err
	}
	v.Import = iv
	return u.render(w, r, status, "funds", "案款", "funds", v)
}

// readStatementUpload reads the upload form: the court and the CSV file.
func readStatementUpload(w http.ResponseWriter, r *http.Request) (court uuid.UUID, name string, content []byte, err error) {
	tooLarge := apperr.New(apperr.TooLarge, "file_too_large", fmt.Sprintf("文件超过 %d MiB，请按日拆分后分别导入", (maxStatementUpload>>20)-1))
	r.Body = http.MaxBytesReader(w, r.Body, maxStatementUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return court, "", nil, tooLarge
		}
		return court, "", nil, apperr.New(apperr.BadRequest, "bad_form", "上传的表单无法解析，请重新选择文件上传")
	}
	defer r.MultipartForm.RemoveAll()
	if court, err = uuid.Parse(strings.TrimSpace(r.FormValue("court"))); err != nil {
		return court, "", nil, apperr.InvalidField("unknown_court", "body.court", "请选择专户所属的法院")
	}
	f, hdr, err := r.FormFile("file")
	if err != nil {
		return court, "", nil, apperr.InvalidField("missing_file", "body.file", "请选择要导入的流水文件（CSV）")
	}
	defer f.Close()
	content, err = io.ReadAll(f)
	if err != nil {
		return court, "", nil, err
	}
	return court, hdr.Filename, content, nil
}

// --- the batch decision ---

// maxBatchPayouts bounds the payouts of one batch decision (a page of the
// desk is 50).
const maxBatchPayouts = 100

// canApprove reports whether p may decide payouts (FUND-6).
func canApprove(p *access.Principal) bool {
	return p != nil && (p.Can(access.FundsApprove) || p.Can(access.FundsApproveLarge))
}

// payoutBatch is the batch decision of the pending tab: its form (refused:
// as sent, with the payouts ticked) and what the last one did, payout by
// payout.
type payoutBatch struct {
	Token     string // the desk's form token and page, kept by the form
	Cursor    string
	Form      *caseForm
	Checked   map[string]bool
	Decidable bool // some payout of the page may be decided by the user
	Duplicate bool // the form had been sent already: nothing was done again
	Results   []payoutBatchRow
	Done      int
	Refused   int
}

// payoutBatchRow is what the batch decision did with one payout.
type payoutBatchRow struct {
	Known   bool // the payout was read: its case, account and amount are shown
	ID      uuid.UUID
	CaseID  uuid.UUID
	CaseNo  string
	Account string
	Amount  string
	OK      bool
	Outcome string
}

// decideDeskPayouts approves or refuses the payouts ticked on the pending
// tab with one decision (funds.DecidePayouts): each payout is its own
// transaction, checked as a decision of one; the desk then shows, payout
// by payout, what was done and what was refused with its reason. The form
// key is claimed by the first payout's transaction that commits, so the
// same form sent again decides nothing.
func (u *UI) decideDeskPayouts(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if !canApprove(p) {
		return apperr.Forbid("需要案款发放审批权限")
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	cursor := strings.TrimSpace(r.PostFormValue("cursor"))
	bv := &payoutBatch{Form: newAssetForm(formValues(r, "note")), Checked: map[string]bool{}}
	for _, id := range r.PostForm["ids"] {
		bv.Checked[strings.TrimSpace(id)] = true
	}
	status := http.StatusOK
	if err := u.batchDecide(r, p, bv); err != nil {
		f, e, err := refusedForm(r, err, []string{"ids", "decision", "note"})
		if err != nil {
			return err
		}
		bv.Form, status = f, httperr.Status(e.Kind)
	}
	v, listStatus, err := u.deskView(ctx, p, deskState{tab: deskPending, cursor: cursor, batch: bv})
	if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		return u.writeFragment(w, "funds", "funds_desk_body", v)
	}
	if status == http.StatusOK {
		status = listStatus
	}
	return u.render(w, r, status, "funds", "案款", "funds", v)
}

// batchDecide checks the batch form, decides its payouts and fills bv's
// results. A form refused whole (no payout ticked, a refusal without its
// reason) decides nothing.
func (u *UI) batchDecide(r *http.Request, p *access.Principal, bv *payoutBatch) error {
	var probs apperr.Problems
	var ids []uuid.UUID
	seen := map[uuid.UUID]bool{}
	bad := false
	for _, s := range r.PostForm["ids"] {
		id, err := uuid.Parse(strings.TrimSpace(s))
		if err != nil {
			bad = true
			continue
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	switch {
	case bad:
		probs.Add("invalid_id", "body.ids", "所选的发放无效，请刷新页面后重新勾选")
	case len(ids) == 0:
		probs.Add("ids_required", "body.ids", "请勾选要审批的发放")
	case len(ids) > maxBatchPayouts:
		probs.Add("too_many", "body.ids", "一次最多审批 "+strconv.Itoa(maxBatchPayouts)+" 笔发放，请分批办理")
	}
	d, err := decision(r)
	if err != nil {
		probs.AddErr("body.decision", err)
	} else if !d.Approve && strings.TrimSpace(d.Note) == "" {
		probs.Add("note_required", "body.note", "批量不同意的，请写明理由（记入每一笔发放）")
	}
	if err := probs.Err(); err != nil {
		return err
	}

	// What each payout is, for the results: read as the list read them;
	// one the user may not see stays unnamed (its refusal says why).
	ctx := r.Context()
	shown := map[uuid.UUID]*funds.Payout{}
	for _, id := range ids {
		o, err := funds.GetPayout(ctx, u.DB, id)
		switch {
		case err == nil:
			shown[id] = o
		case apperr.KindOf(err) != apperr.NotFound:
			return err
		}
	}
	if key := formKey(r, "desk:batch"); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	items := funds.DecidePayouts(ctx, u.DB, ids, d)
	for _, it := range items {
		if it.Code == apperr.CodeOf(idem.ErrInProgress) {
			// The form was sent before: every payout's transaction was
			// refused by the claim, nothing was decided again.
			bv.Duplicate, bv.Results, bv.Done, bv.Refused = true, nil, 0, 0
			bv.Checked = nil
			return nil
		}
		row := payoutBatchRow{ID: it.PayoutID, CaseNo: "—", Account: "—", Amount: "—"}
		if o := shown[it.PayoutID]; o != nil {
			row.Known, row.CaseID, row.CaseNo, row.Account, row.Amount = true, o.CaseID, o.CaseNo, o.AccountName, yuanText(o.AmountFen)
		}
		if it.Code == "" {
			row.OK, row.Outcome = true, batchOutcome(it.Payout)
			bv.Done++
		} else {
			row.Outcome = it.Detail
			bv.Refused++
		}
		bv.Results = append(bv.Results, row)
	}
	// The boxes are cleared once the decision is made.
	bv.Checked = nil
	return nil
}

// batchOutcome says what a decision of the batch did with a payout.
func batchOutcome(o *funds.Payout) string {
	switch o.Status {
	case funds.PayoutPending:
		return "已同意第 " + strconv.Itoa(o.ApprovedLevels) + " 级，等待第 " + strconv.Itoa(o.ApprovedLevels+1) + " 级（执行局长）审批"
	case funds.PayoutRejected:
		return "已不同意，该发放终止，款项仍在分户中"
	}
	return "已同意，款项转入在途，系统正在发送托管银行"
}
