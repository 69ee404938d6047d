package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// htmxReady waits until the page has loaded and htmx is done with it: no
// request under way and no swapped content still settling (htmx takes over
// swapped-in forms when they have settled, 20 ms after the swap; a click
// before that posts the form without htmx).
func htmxReady(t *testing.T, ctx context.Context) {
	t.Helper()
	js := `document.readyState === "complete" && !!window.htmx && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil || !ok {
		t.Fatalf("htmx never settled (%v)", err)
	}
}

// TestPayoutApprovalFromTheFundsDesk (S1, the money out; issue 5's browser
// test of a payout approval): a company's ¥30,000 debt with its interest
// and fee was deducted and allocated, and the judge asked to pay the
// applicant's share to the account confirmed in writing (one level). The team leader finds it through the
// navigation on the funds desk, refuses without a reason (the Chinese error
// comes back in place with the note field as typed), then approves; the
// desk updates in place and the payout moves to the outgoing tab. Once the
// bank has paid, the judge sees it paid on the case page.
func TestPayoutApprovalFromTheFundsDesk(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	bk := env.Bank(t)
	staff := intaketest.NewStaff(t, db, "")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	company := intaketest.Organization(5131)
	c := fileCase(t, db, staff, 5131, company, 3_000_000)
	st, err := funds.CaseStatement(staff.Judge, db, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
		return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: c.Respondents()[0].PartyID,
			AmountFen: st.OwedFen(), RequestID: store.NewID(), ReceiptRef: "HD5131", From: "基本存款账户", AgencyName: "建设银行"})
	}); err != nil {
		t.Fatal(err)
	}
	al, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
		return funds.Allocate(ctx, tx, c.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	applicant := c.Applicants()[0]
	if _, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
		return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant.PartyID, HolderName: applicant.Name,
			AccountNo: "6222020012345131", BankName: "工商银行佛山三水支行", Confirmation: "收款账户确认书（立案时签署）"})
	}); err != nil {
		t.Fatal(err)
	}
	o, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
		return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: applicant.PartyID, AmountFen: al.CreditorsFen})
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Levels != 1 {
		t.Fatalf("levels %d, want 1 below the threshold", o.Levels)
	}
	amount := strings.TrimPrefix(triage.FormatYuan(o.AmountFen), "¥")
	id := o.ID.String()
	row, form := "#payout-"+id, "#decide-form-"+id

	// The desk through the navigation: the payout waits for approval.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn(access.From(staff.Leader).Username),
		chromedp.Click(chromedp.CSS(`header nav a[href="/funds"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.desk-payouts`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, c.CaseNo) || !strings.Contains(got, amount) || !strings.Contains(got, "6222020012345131") ||
		!strings.Contains(got, "待审批") {
		t.Fatalf("desk row %q", got)
	}

	// Refused without a reason: the error in place (once htmx has taken
	// the page over: a click before that would post the form without it).
	htmxReady(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#refuse-`+id)),
		chromedp.WaitVisible(chromedp.CSS(form+` .error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, form+` .error`); !strings.Contains(got, "不同意发放的，请写明理由") {
		t.Fatalf("error %q", got)
	}

	// Approved with a note: the desk swapped in place, the payout gone
	// from the list of those waiting.
	htmxReady(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#decide-note-`+id), "核对无误"),
		chromedp.Click(chromedp.CSS(`#approve-`+id)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-notice`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#desk-notice`, "已审批同意")
	waitText(t, ctx, `#desk`, "没有待审批的发放")
	if search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || search != "" {
		t.Fatalf("after the approval the page is at ?%q (%v): want the desk swapped in place", search, err)
	}
	got, err := funds.GetPayout(staff.Judge, db, o.ID)
	if err != nil || got.Status != funds.PayoutApproved || got.ApprovedLevels != 1 {
		t.Fatalf("payout after the approval: %+v %v", got, err)
	}

	// On its way to the bank.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#tab-outgoing`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, "已批准，待发送银行") || !strings.Contains(got, "第 1 级 同意") ||
		!strings.Contains(got, "核对无误") {
		t.Fatalf("outgoing row %q", got)
	}

	// The bank pays; the judge sees it on the case page.
	bk.Settle(t)
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		signIn(access.From(staff.Judge).Username),
		chromedp.Navigate(env.URL+"/cases/"+c.ID.String()+"#funds"),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, "已发放") || !strings.Contains(got, amount) {
		t.Fatalf("case page payout row %q", got)
	}
	waitText(t, ctx, `#funds-ledger + table`, "发放完成")
}
