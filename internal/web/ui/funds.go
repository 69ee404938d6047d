package ui

import (
	"bytes"
	"context"
	"crypto/rand"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/idem"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// The 案款 section of the case page (DOMAIN.md §9, decision 0009): the
// parties' accounts with their virtual numbers and balances, the statement
// of account and its allocation, the payee accounts (FUND-2), the payouts
// with their approvals (FUND-6) and due days (FUND-4), and the latest
// transfers of the ledger. The forms call the same functions as the
// /api/v1 handlers of internal/web/api/funds.go and work as the 查控
// section's (assets.go): a form token against double submits, htmx swaps
// the section, without JavaScript the browser goes back to the case page.

// registerFunds mounts the section's actions and the funds desk.
func (u *UI) registerFunds(mux *http.ServeMux) {
	mux.Handle("POST /cases/{id}/funds/allocation", u.page(u.allocateFunds))
	mux.Handle("POST /cases/{id}/funds/payees", u.page(u.setPayee))
	mux.Handle("POST /cases/{id}/funds/payees/{payee_id}/confirmation", u.page(u.confirmPayee))
	mux.Handle("POST /cases/{id}/funds/payouts", u.page(u.requestPayout))
	mux.Handle("POST /cases/{id}/funds/payouts/{payout_id}/decision", u.page(u.decideCasePayout))
	mux.Handle("POST /cases/{id}/funds/payouts/{payout_id}/cancellation", u.page(u.cancelPayout))
	u.registerPostponements(mux)
	u.registerDistributions(mux)
	u.registerFundsDesk(mux)
	u.registerKPIs(mux)
}

// fundsNotices are the messages shown after an action, on the case page and
// on the funds desk.
var fundsNotices = map[string]string{
	"allocated":          "已按结算单分配案款：申请执行费记入诉讼费账户，本金和迟延履行利息记入申请执行人分户；请在应发放日前发放（FUND-4）。",
	"payee":              "已登记收款账户；取得当事人的书面确认后记录确认，方可发放（FUND-2）。",
	"payee_confirmed":    "已登记收款账户并记录书面确认，可以申请发放。",
	"confirmed":          "已记录书面确认，该收款账户可以用于发放。",
	"requested":          "已申请发放，等待审批（FUND-6）。",
	"requested2":         "已申请发放：金额达到本院大额限额，需团队长和执行局长两级审批（FUND-6）。",
	"approved_level":     "已审批同意第 1 级，等待第 2 级（执行局长）审批。",
	"approved":           "已审批同意：款项已转入在途，系统正在发送托管银行；银行办结后显示为已发放。",
	"rejected":           "已审批不同意，该发放已终止，款项仍在分户中。",
	"cancelled":          "已撤回发放申请。",
	"batch_level":        "已同意批量发放第 1 级，等待第 2 级（执行局长）审批。",
	"batch_approved":     "已同意批量发放：本批款项已一并转入在途，系统逐笔发送托管银行；各笔办结后显示为已发放。",
	"batch_rejected":     "已不同意批量发放，本批各笔均已终止，款项仍在各人分户中。",
	"claimed":            "已认领：款项按到账日记入该案当事人的分户，并计入该案结算。",
	"duplicate":          "该表单已经提交过一次，没有重复办理；以下是最新情况。",
	"postpone_requested": "已申请延缓发放，等待执行局长审批（FUND-5）。",
	"postpone_approved":  "已批准延缓发放：该申请执行人的款项暂无发放期限；事由消除后应及时记录，并在恢复发放期限内发放（FUND-5）。",
	"postpone_rejected":  "已不同意延缓发放，款项仍按原期限发放。",
	"postpone_ended":     "已记录延缓发放的事由消除：款项应在恢复发放期限内发放（FUND-5）。",
	"dist_proposed":      "已拟定分配方案（草案）：核对各案债权和分配额后送达各方，异议期自送达起算（DIST-4）。",
	"dist_published":     "分配方案已送达：异议期届满且无未处理的异议后，方可执行（DIST-4）。",
	"dist_objected":      "已记录异议：其他债权人和被执行人可在期限内提出反对意见（DIST-4）。",
	"dist_countered":     "已记录反对意见：异议人应在期限内提起分配方案异议之诉，逾期按原方案分配（DIST-4）。",
	"dist_sued":          "已记录异议人提起分配方案异议之诉，方案待判决结果。",
	"dist_upheld":        "已记录异议成立：分配方案已撤回，请重新拟定。",
	"dist_dismissed":     "已记录异议不成立：按原方案分配。",
	"dist_executed":      "分配方案已执行：各案分得的款项已记入该案的被执行人分户，并按各案结算分配。",
	"dist_withdrawn":     "已撤回分配方案。",
}

// fundsLedgerRows is how many transfers the section shows at a time.
const fundsLedgerRows = 20

// payoutSoonDays is how close to its due day a payout is highlighted.
const payoutSoonDays = 5

// --- the view ---

type fundsView struct {
	CaseID    uuid.UUID
	CaseNo    string
	Token     string // this rendering's form token (formKey)
	Notice    string
	Refusal   string // why an action was refused when its form is no longer shown
	CanHandle bool   // funds.handle: allocate, payee accounts, ask for payouts
	Received  string
	Held      string
	Accounts  []fundAccountRow
	Statement statementView
	Allocate  *caseForm // shown when something is to allocate and the user may
	Request   *caseForm // the payout request, nil when nothing can be paid or the user may not
	Parties   []payoutParty
	Payouts   []payoutRow
	Ledger    []ledgerRow
	// LedgerNext is the older page of the ledger, LedgerPaged says this is
	// not the latest page, LedgerError that the page asked for is invalid.
	LedgerNext  string
	LedgerPaged bool
	LedgerError string
	// Postponement (FUND-5): the request forms of the creditors' accounts
	// holding money, the reasons to choose from, the case's postponements.
	PostponeRequests []postponeRequest
	PostponeReasons  []reasonChoice
	Postponements    []postponementRow
	// Distribution (DIST-1 to DIST-4): the drafting form, the plans the
	// case takes part in.
	DistPropose   *distProposal
	Distributions []distributionRow
}

// fundAccountRow is a party's account with the payee account in use.
type fundAccountRow struct {
	PartyID   uuid.UUID
	Name      string
	Role      string
	Number    string
	Balance   string
	Pending   string // payouts awaiting approval, "" when none
	Payee     *payeeRow
	PayeeForm *caseForm       // recording (or replacing) the payee account, for users who may
	Open      bool            // the payee form shown open (it was refused)
	DueView   *accountDueView // a creditor's money: when it must be paid (FUND-4, FUND-5)
}

type payeeRow struct {
	ID           uuid.UUID
	Holder       string
	AccountNo    string
	Bank         string
	Status       string
	Confirmed    bool
	Confirmation string
	ConfirmedBy  string
	ConfirmedAt  time.Time
	CreatedBy    string
	CreatedAt    time.Time
	Confirm      *caseForm // the written confirmation, while unconfirmed
}

type statementView struct {
	AsOf          string
	LastDay       string
	Principal     string
	Fee           string
	Interest      string
	Total         string
	PrincipalPaid string
	FeePaid       string
	InterestPaid  string
	Paid          string
	PrincipalOwed string
	FeeOwed       string
	InterestOwed  string
	Owed          string
	OwedFen       int64
	Received      string
	Surplus       string
	SurplusFen    int64
	AllocatedFee  string
	AllocatedCred string
	Unallocated   string
	ToAllocateFee string
	ToAllocateCr  string
	ToAllocate    string
	ToAllocateFen int64
}

// payoutParty is a choice of the payout request form.
type payoutParty struct {
	Value, Label string
	Selected     bool
}

// payoutRow is a payout on the case page or the funds desk.
type payoutRow struct {
	ID           uuid.UUID
	CaseID       uuid.UUID
	CaseNo       string
	Account      string
	Payee        string
	PayeeAccount string
	PayeeBank    string
	Amount       string
	Purpose      string
	Status       string
	State        string
	Levels       int
	Approved     int
	Next         int // the level a decision now decides
	Approvals    []approvalRow
	DueOn        string
	Days         string
	Due          string // soon, overdue
	BankRef      string
	LastError    string
	Attempts     int
	RequestedBy  string
	RequestedAt  time.Time
	SentAt       time.Time
	EndedAt      time.Time
	EndReason    string
	Waiting      string    // who decides next, for those who may not
	Decide       *caseForm // approve or refuse, for those who may
	Cancel       *caseForm // withdraw while pending, for those who may
	Open         bool      // the cancel form shown open (it was refused)
}

type approvalRow struct {
	Level   int
	Approve bool
	By      string
	Note    string
	At      time.Time
}

type ledgerRow struct {
	ID       uuid.UUID
	At       time.Time
	ValueOn  string // the day the money arrived, when not the day written
	Kind     string
	KindCode string
	Memo     string
	Ref      string
	By       string
	Amount   string
	Postings []postingRow
}

type postingRow struct {
	Account string
	Number  string
	Debit   string
	Credit  string
}

// caseFunds builds the section for case c. notice is a key of
// fundsNotices, ledger the cursor of the ledger's page; failed names the
// form whose submission was refused and form its state.
func (u *UI) caseFunds(ctx context.Context, p *access.Principal, c *cases.Case, notice, ledger, failed string, form *caseForm) (*fundsView, error) {
	l, err := funds.ForCase(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	st, err := funds.CaseStatement(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	payees, err := funds.CasePayees(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	payouts, err := funds.CasePayouts(ctx, u.DB, c.ID)
	if err != nil {
		return nil, err
	}
	if err := funds.LoadApprovals(ctx, u.DB, payouts); err != nil {
		return nil, err
	}
	v := &fundsView{CaseID: c.ID, CaseNo: c.CaseNo, Token: rand.Text(), Notice: fundsNotices[notice], CanHandle: p.Can(access.FundsHandle),
		Received: yuanText(l.ReceivedFen), Held: yuanText(l.HeldFen)}
	shown := false
	formFor := func(name string) *caseForm {
		if failed == name && form != nil {
			shown = true
			return form
		}
		return nil
	}
	today := legal.Today(u.Now())

	// The accounts, in the case's party order, with the payee account of
	// each party and the payouts waiting for approval on it.
	payeeOf := map[uuid.UUID]*funds.Payee{}
	for _, pa := range payees {
		payeeOf[pa.PartyID] = pa
	}
	pending := map[uuid.UUID]int64{}
	for _, o := range payouts {
		if o.Status == funds.PayoutPending {
			pending[o.AccountID] += o.AmountFen
		}
	}
	names := map[uuid.UUID]string{}
	for _, pt := range c.Parties {
		names[pt.PartyID] = pt.Name
	}
	for _, a := range l.Accounts {
		row := fundAccountRow{PartyID: a.PartyID, Name: names[a.PartyID], Role: a.RoleName, Number: a.Number, Balance: yuanText(a.Balance)}
		if row.Name == "" {
			row.Name = a.Name
		}
		if n := pending[a.ID]; n > 0 {
			row.Pending = yuanText(n)
		}
		if pa := payeeOf[a.PartyID]; pa != nil {
			row.Payee = &payeeRow{ID: pa.ID, Holder: pa.HolderName, AccountNo: pa.AccountNo, Bank: pa.BankName, Status: pa.StatusLabel(),
				Confirmed: pa.Confirmed(), Confirmation: pa.Confirmation, ConfirmedBy: pa.ConfirmedByName, ConfirmedAt: pa.ConfirmedAt,
				CreatedBy: pa.CreatedByName, CreatedAt: pa.CreatedAt}
			if v.CanHandle && !pa.Confirmed() {
				if row.Payee.Confirm = formFor("funds:confirm:" + pa.ID.String()); row.Payee.Confirm == nil {
					row.Payee.Confirm = newAssetForm(nil)
				}
			}
		}
		if v.CanHandle {
			if row.PayeeForm = formFor("funds:payee:" + a.PartyID.String()); row.PayeeForm != nil {
				row.Open = true
			} else {
				row.PayeeForm = newAssetForm(map[string]string{"holder_name": row.Name})
			}
		}
		v.Accounts = append(v.Accounts, row)
	}

	// The statement of account, and its allocation.
	fee, cred := st.ToAllocate()
	v.Statement = statementView{AsOf: st.AsOf.String(), Principal: yuanText(st.Claim.PrincipalFen), Fee: yuanText(st.Claim.FeeFen),
		Interest: yuanText(st.InterestFen), Total: yuanText(st.Claim.PrincipalFen + st.Claim.FeeFen + st.InterestFen),
		PrincipalPaid: yuanText(st.PrincipalPaidFen), FeePaid: yuanText(st.FeePaidFen), InterestPaid: yuanText(st.InterestPaidFen),
		Paid:          yuanText(st.PrincipalPaidFen + st.FeePaidFen + st.InterestPaidFen),
		PrincipalOwed: yuanText(st.PrincipalOwedFen), FeeOwed: yuanText(st.FeeOwedFen), InterestOwed: yuanText(st.InterestOwedFen),
		Owed: yuanText(st.OwedFen()), OwedFen: st.OwedFen(), Received: yuanText(st.ReceivedFen), Surplus: yuanText(st.SurplusFen),
		SurplusFen: st.SurplusFen, AllocatedFee: yuanText(st.AllocatedFeeFen), AllocatedCred: yuanText(st.AllocatedCreditorsFen),
		Unallocated: yuanText(st.UnallocatedFen), ToAllocateFee: yuanText(fee), ToAllocateCr: yuanText(cred), ToAllocate: yuanText(fee + cred),
		ToAllocateFen: fee + cred}
	if !st.Claim.LastDay.IsZero() {
		v.Statement.LastDay = st.Claim.LastDay.String()
	}
	if v.CanHandle && fee+cred > 0 {
		if v.Allocate = formFor("funds:allocate"); v.Allocate == nil {
			v.Allocate = newAssetForm(nil)
		}
	}

	// The payout request: the first party with money to pay and a confirmed
	// payee account is chosen, with what it can be paid: its balance less
	// the payouts awaiting approval; for a respondent only what is over once
	// the claim is paid and the creditors' part allocated (RequestPayout
	// decides; this is the form's default).
	if v.CanHandle {
		v.Request = formFor("funds:payout")
		chosen := ""
		if v.Request != nil {
			chosen = v.Request.Values["party_id"]
		}
		var available []int64
		best, bestConfirmed := -1, false
		unallocated := fee + cred
		for i, a := range l.Accounts {
			n := max(a.Balance-pending[a.ID], 0)
			if a.Role == "respondent" {
				if st.OwedFen() > 0 {
					n = 0
				}
				take := min(n, unallocated)
				n, unallocated = n-take, unallocated-take
			}
			available = append(available, n)
			if n == 0 {
				continue
			}
			confirmed := payeeOf[a.PartyID] != nil && payeeOf[a.PartyID].Confirmed()
			if best < 0 || confirmed && !bestConfirmed {
				best, bestConfirmed = i, confirmed
			}
		}
		if best >= 0 || v.Request != nil {
			if v.Request == nil {
				a := l.Accounts[best]
				chosen = a.PartyID.String()
				v.Request = newAssetForm(map[string]string{"party_id": chosen, "amount": yuanText(available[best])})
			}
			for i, a := range l.Accounts {
				label := v.Accounts[i].Role + " " + v.Accounts[i].Name + "（可发放 " + yuanText(available[i]) + " 元；"
				switch pa := payeeOf[a.PartyID]; {
				case pa == nil:
					label += "未登记收款账户）"
				case !pa.Confirmed():
					label += "收款账户待书面确认）"
				default:
					label += "收款账户 " + pa.BankName + " " + pa.AccountNo + "）"
				}
				v.Parties = append(v.Parties, payoutParty{Value: a.PartyID.String(), Label: label, Selected: a.PartyID.String() == chosen})
			}
		}
	}

	for _, o := range payouts {
		v.Payouts = append(v.Payouts, payoutRowOf(o, p, today, v.CanHandle, formFor))
	}
	if err := u.casePostponements(ctx, p, v, l, today, formFor); err != nil {
		return nil, err
	}
	if err := u.caseDistributions(ctx, v, c, l, today, formFor); err != nil {
		return nil, err
	}

	// The ledger, the latest first, a page at a time.
	pg, err := funds.CaseTransfers(ctx, u.DB, c.ID, page.Request{Limit: fundsLedgerRows, Cursor: ledger})
	if err != nil && ledger != "" && apperr.KindOf(err) == apperr.Invalid {
		v.LedgerError = "账目的分页参数无效，已显示最新的记录。"
		ledger = ""
		pg, err = funds.CaseTransfers(ctx, u.DB, c.ID, page.Request{Limit: fundsLedgerRows})
	}
	if err != nil {
		return nil, err
	}
	v.LedgerPaged = ledger != ""
	if pg.NextCursor != "" {
		v.LedgerNext = queryURL("/cases/"+c.ID.String(), "ledger", pg.NextCursor) + "#funds-ledger"
	}
	for _, t := range pg.Items {
		v.Ledger = append(v.Ledger, ledgerRowOf(t))
	}

	if form != nil && !shown && strings.HasPrefix(failed, "funds:") {
		v.Refusal = form.Message
	}
	return v, nil
}

// payoutRowOf is a payout as a row, with the forms the user may use on it:
// formFor finds a refused one by name.
func payoutRowOf(o *funds.Payout, p *access.Principal, today legal.Date, canHandle bool, formFor func(string) *caseForm) payoutRow {
	row := payoutRow{ID: o.ID, CaseID: o.CaseID, CaseNo: o.CaseNo, Account: o.AccountName, Payee: o.PayeeName, PayeeAccount: o.PayeeAccountNo,
		PayeeBank: o.PayeeBank, Amount: yuanText(o.AmountFen), Purpose: o.Purpose, Status: o.Status.Label(), State: string(o.Status),
		Levels: o.Levels, Approved: o.ApprovedLevels, Next: o.ApprovedLevels + 1, BankRef: o.BankRef, LastError: o.LastError, Attempts: o.Attempts,
		RequestedBy: o.RequestedByName, RequestedAt: o.CreatedAt, SentAt: o.SentAt, EndedAt: o.EndedAt, EndReason: o.EndReason}
	for _, a := range o.Approvals {
		row.Approvals = append(row.Approvals, approvalRow{Level: a.Level, Approve: a.Approve, By: a.ByName, Note: a.Note, At: a.At})
	}
	if !o.DueOn.IsZero() {
		row.DueOn = o.DueOn.String()
		switch o.Status {
		case funds.PayoutPending, funds.PayoutApproved, funds.PayoutSent:
			switch n := o.DueOn.Sub(today); {
			case n < 0:
				row.Days, row.Due = "超期 "+strconv.Itoa(-n)+" 日", "overdue"
			case n <= payoutSoonDays:
				row.Days, row.Due = "剩余 "+strconv.Itoa(n)+" 日", "soon"
			default:
				row.Days = "剩余 " + strconv.Itoa(n) + " 日"
			}
		}
	}
	if o.Status != funds.PayoutPending {
		return row
	}
	id := o.ID.String()
	if why := o.DecisionBlock(p); why == "" {
		if row.Decide = formFor("funds:decide:" + id); row.Decide == nil {
			row.Decide = newAssetForm(nil)
		}
	} else {
		row.Waiting = "等待第 " + strconv.Itoa(o.ApprovedLevels+1) + " 级审批：" + why
	}
	if canHandle {
		if row.Cancel = formFor("funds:cancel:" + id); row.Cancel != nil {
			row.Open = true
		} else {
			row.Cancel = newAssetForm(nil)
		}
	}
	return row
}

// ledgerRowOf is a transfer as the ledger shows it: each posting on its
// account, debit or credit.
func ledgerRowOf(t *funds.Transfer) ledgerRow {
	row := ledgerRow{ID: t.ID, At: t.CreatedAt, Kind: t.Kind.Label(), KindCode: string(t.Kind), Memo: t.Memo, Ref: t.Ref, By: t.CreatedByName,
		Amount: yuanText(t.AmountFen)}
	if !t.ValueOn.IsZero() && t.ValueOn != legal.DateOf(t.CreatedAt) {
		row.ValueOn = t.ValueOn.String()
	}
	for _, pg := range t.Postings {
		pr := postingRow{Account: pg.AccountName, Number: pg.AccountNumber}
		if pg.AmountFen > 0 {
			pr.Debit = yuanText(pg.AmountFen)
		} else {
			pr.Credit = yuanText(-pg.AmountFen)
		}
		row.Postings = append(row.Postings, pr)
	}
	return row
}

// --- the actions ---

// fundsAction runs one action of the section in a transaction, as
// assetAction does for the 查控 section: fn returns the notice to show; a
// repeated submission of a rendering's form changes nothing; success and
// repeats show the section (htmx) or go back to the case page; a refusal
// (input 422, state 409) shows the form again as sent, with the reasons
// next to it; other errors are error pages.
func (u *UI) fundsAction(w http.ResponseWriter, r *http.Request, p *access.Principal, form string, fields []string,
	fn func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error)) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	done, err := u.claimedTransact(r, p, form, func(ctx context.Context, tx *store.Tx) (string, error) { return fn(ctx, tx, id) })
	htmx := r.Header.Get("HX-Request") == "true"
	if err == nil {
		if htmx {
			return u.fundsFragment(w, r, p, id, done, "", nil)
		}
		http.Redirect(w, r, "/cases/"+id.String()+"?funds="+done+"#funds", http.StatusSeeOther)
		return nil
	}
	f, e, err := refusedForm(r, err, fields)
	if err != nil {
		return err
	}
	if htmx {
		return u.fundsFragment(w, r, p, id, "", form, f)
	}
	return u.showCase(w, r, p, id, httperr.Status(e.Kind), form, f)
}

// claimedTransact runs fn in a transaction that claims the submission's
// form key (formKey) first, so a second submission of the same form of the
// same rendering changes nothing: it answers "duplicate".
func (u *UI) claimedTransact(r *http.Request, p *access.Principal, form string,
	fn func(ctx context.Context, tx *store.Tx) (string, error)) (string, error) {
	ctx := r.Context()
	if key := formKey(r, form); key != "" {
		hash := idem.RequestHash(r.Method, r.URL.Path, []byte(r.PostForm.Encode()))
		ctx = store.WithTxHook(ctx, idem.Claim(p.UserID.String(), key, r.Method, r.URL.Path, hash, u.Now))
	}
	done, err := store.TransactValue(ctx, u.DB, fn)
	if err != nil && apperr.CodeOf(err) == apperr.CodeOf(idem.ErrInProgress) {
		return "duplicate", nil
	}
	return done, err
}

// refusedForm is the state of a form whose submission was refused (input
// 422 or state 409): the values as sent, each field's reason next to it and
// the others above the form. Other errors come back for the error page.
func refusedForm(r *http.Request, err error, fields []string) (*caseForm, *apperr.Error, error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict {
		return nil, nil, err
	}
	f := &caseForm{Values: formValues(r, fields...), Errors: map[string]string{}, Message: e.Detail}
	for _, fe := range e.Fields {
		name := fe.Field
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		detail := fe.Detail
		switch name {
		case "amount_fen":
			// The backend counts in fen; the form in yuan.
			name = "amount"
			if strings.Contains(detail, "（分）") {
				detail = "请填写发放金额（元），须大于 0"
			}
		case "case_id":
			name = "case_no"
		case "":
			if slices.Contains(fields, "case_no") {
				name = "case_no"
			}
		}
		switch {
		case slices.Contains(fields, name):
			if _, dup := f.Errors[name]; !dup {
				f.Errors[name] = detail
			}
		case detail != e.Detail:
			f.Reasons = append(f.Reasons, detail)
		}
	}
	if f.Errors["amount"] != "" && strings.Contains(f.Message, "（分）") {
		f.Message = f.Errors["amount"]
	}
	return f, e, nil
}

// fundsFragment writes the section alone, for htmx to swap in.
func (u *UI) fundsFragment(w http.ResponseWriter, r *http.Request, p *access.Principal, id uuid.UUID, notice, failed string, form *caseForm) error {
	ctx := r.Context()
	c, err := cases.Get(ctx, u.DB, id)
	if err != nil {
		return err
	}
	v, err := u.caseFunds(ctx, p, c, notice, "", failed, form)
	if err != nil {
		return err
	}
	return u.writeFragment(w, "case", "case_funds", v)
}

// writeFragment writes one template of a page alone, for htmx to swap in.
// It answers 200 even when it shows a refused form: htmx swaps successful
// answers only.
func (u *UI) writeFragment(w http.ResponseWriter, page, name string, data any) error {
	var buf bytes.Buffer
	if err := u.pages[page].ExecuteTemplate(&buf, name, data); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(buf.Bytes())
	return err
}

func (u *UI) allocateFunds(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.fundsAction(w, r, p, "funds:allocate", nil, func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
		_, err := funds.Allocate(ctx, tx, caseID)
		return "allocated", err
	})
}

// setPayee records (or replaces) a party's payee account, confirmed at once
// when the written confirmation is named.
func (u *UI) setPayee(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	party, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("party_id")))
	if err != nil {
		return apperr.NotFoundf("当事人")
	}
	return u.fundsAction(w, r, p, "funds:payee:"+party.String(), []string{"holder_name", "account_no", "bank_name", "confirmation"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			pa, err := funds.SetPayee(ctx, tx, caseID, funds.PayeeInput{PartyID: party, HolderName: r.PostFormValue("holder_name"),
				AccountNo: r.PostFormValue("account_no"), BankName: r.PostFormValue("bank_name"), Confirmation: r.PostFormValue("confirmation")})
			if err != nil {
				return "", err
			}
			if pa.Confirmed() {
				return "payee_confirmed", nil
			}
			return "payee", nil
		})
}

func (u *UI) confirmPayee(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	payee, err := uuid.Parse(r.PathValue("payee_id"))
	if err != nil {
		return apperr.NotFoundf("收款账户")
	}
	return u.fundsAction(w, r, p, "funds:confirm:"+payee.String(), []string{"confirmation"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			_, err := funds.ConfirmPayee(ctx, tx, caseID, payee, r.PostFormValue("confirmation"))
			return "confirmed", err
		})
}

// requestPayout asks to pay a party from its account; the amount is typed
// in yuan.
func (u *UI) requestPayout(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	return u.fundsAction(w, r, p, "funds:payout", []string{"party_id", "amount", "purpose"},
		func(ctx context.Context, tx *store.Tx, caseID uuid.UUID) (string, error) {
			var probs apperr.Problems
			party, err := uuid.Parse(strings.TrimSpace(r.PostFormValue("party_id")))
			if err != nil {
				probs.Add("party_required", "body.party_id", "请选择发放给哪一方当事人")
			}
			amount, err := yuanField(r, "amount", "发放金额")
			switch {
			case err != nil:
				probs.AddErr("body.amount", err)
			case amount <= 0:
				probs.Add("invalid_amount", "body.amount", "请填写发放金额（元），须大于 0")
			}
			if err := probs.Err(); err != nil {
				return "", err
			}
			o, err := funds.RequestPayout(ctx, tx, caseID, funds.PayoutInput{PartyID: party, AmountFen: amount, Purpose: r.PostFormValue("purpose")})
			if err != nil {
				return "", err
			}
			if o.Levels > 1 {
				return "requested2", nil
			}
			return "requested", nil
		})
}

// casePayout reads the payout of the path and checks it is the case's: the
// page acts on what it shows. Any other is "not found".
func (u *UI) casePayout(r *http.Request) (uuid.UUID, error) {
	caseID, err := pathID(r)
	if err != nil {
		return uuid.Nil, err
	}
	id, err := uuid.Parse(r.PathValue("payout_id"))
	if err != nil {
		return uuid.Nil, apperr.NotFoundf("案款发放")
	}
	o, err := funds.GetPayout(r.Context(), u.DB, id)
	if err != nil {
		return uuid.Nil, err
	}
	if o.CaseID != caseID {
		return uuid.Nil, apperr.NotFoundf("案款发放")
	}
	return id, nil
}

// decision reads the approve or refuse button of a decision form.
func decision(r *http.Request) (funds.Decision, error) {
	d := funds.Decision{Note: r.PostFormValue("note")}
	switch r.PostFormValue("decision") {
	case "approve":
		d.Approve = true
	case "refuse":
	default:
		return d, apperr.InvalidField("invalid_decision", "body.decision", "请选择同意发放或不同意发放")
	}
	return d, nil
}

// decided is the notice after a decision.
func decided(o *funds.Payout) string {
	switch o.Status {
	case funds.PayoutPending:
		return "approved_level"
	case funds.PayoutRejected:
		return "rejected"
	}
	return "approved"
}

func (u *UI) decideCasePayout(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.casePayout(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:decide:"+id.String(), []string{"decision", "note"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
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

func (u *UI) cancelPayout(w http.ResponseWriter, r *http.Request, p *access.Principal) error {
	id, err := u.casePayout(r)
	if err != nil {
		return err
	}
	return u.fundsAction(w, r, p, "funds:cancel:"+id.String(), []string{"reason"},
		func(ctx context.Context, tx *store.Tx, _ uuid.UUID) (string, error) {
			_, err := funds.CancelPayout(ctx, tx, id, r.PostFormValue("reason"))
			return "cancelled", err
		})
}
