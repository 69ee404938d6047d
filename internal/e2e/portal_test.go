package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// fileCase registers and files an application against one respondent.
func fileCase(t *testing.T, db *store.DB, staff *intaketest.Staff, seed int, respondent intake.PartyInput, claimFen int64) *cases.Case {
	t.Helper()
	in := intaketest.Application(staff.CourtID, seed)
	in.Respondents = []intake.PartyInput{respondent}
	if claimFen > 0 {
		in.ClaimAmountFen = claimFen
	}
	c, err := store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signIn signs in through the login form and waits for the desk.
func signIn(username string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), username),
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
	)
}

// TestPortalAnswerFromTheInbox (S8): the judge has frozen a company's
// equity; the market regulator's operator signs in, finds the request on
// their desk and in the inbox through the navigation, opens it (the ruling
// and the notice, the place prefilled as first), forgets the reference
// once (the error comes back with the note they typed), then records the
// freeze. The judge signs in and the case page shows the freeze in force
// as 首封 under the regulator's reference.
func TestPortalAnswerFromTheInbox(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	ag := env.Agencies(t)
	staff := intaketest.NewStaff(t, db, "")
	env.AgencyOperator(t, "e2e.amr", "fs-amr", "粤0607")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	company := intaketest.Organization(8831)
	ag.Sim.SetHoldings(agency.Equity, "samr", company.CreditCode, []agency.Holding{{Ref: "GQ-440607-8831", Kind: agency.Equity,
		Institution: "佛山市三水区宏达建材有限公司", Description: "持股 35%", ValueFen: 150_000_000}})
	c := fileCase(t, db, staff, 8831, company, 0)
	ag.Settle(t)
	var equity uuid.UUID
	v, err := assets.ForCase(staff.Judge, db, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range v.Assets {
		if a.Kind == agency.Equity {
			equity = a.ID
		}
	}
	const ruling, notice = "（2026）粤0607执8831号之一", "（2026）粤0607执8831号协助执行通知书"
	ctl, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
		return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: equity, Reason: "冻结被执行人股权", RulingNo: ruling, NoticeNo: notice})
	})
	if err != nil {
		t.Fatal(err)
	}
	ag.Settle(t)

	// The operator's desk names the request; the navigation leads to the
	// inbox, the row to the request.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn("e2e.amr"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#desk-requests`); !strings.Contains(got, c.CaseNo) || !strings.Contains(got, "冻结 · 股权") {
		t.Fatalf("desk %q: want the freeze of %s", got, c.CaseNo)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header nav a[href="/portal"]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.portal-inbox`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `table.portal-inbox tbody`); !strings.Contains(got, c.CaseNo) || !strings.Contains(got, company.CreditCode) {
		t.Fatalf("inbox %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`table.portal-inbox a.button`)),
		chromedp.WaitVisible(chromedp.CSS(`#answer-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#request-documents`); !strings.Contains(got, ruling) || !strings.Contains(got, notice) {
		t.Fatalf("documents %q", got)
	}
	if got := text(t, ctx, `#request-case`); got != c.CaseNo {
		t.Fatalf("case %q, want %s", got, c.CaseNo)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#rank`))); err != nil || got != "1" {
		t.Fatalf("prefilled rank %q (%v), want 1", got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#term-to`))); err != nil || got != ctl.TermTo.String() {
		t.Fatalf("prefilled term %q (%v), want %s", got, err, ctl.TermTo)
	}

	// Without the reference: refused in Chinese, the note kept.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#message`), "已在企业信用信息公示系统公示"),
		chromedp.Click(chromedp.CSS(`#answer-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`main .error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `main .error`); !strings.Contains(got, "请填写协助执行的文号或登记编号") {
		t.Fatalf("error %q", got)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#message`))); err != nil || got != "已在企业信用信息公示系统公示" {
		t.Fatalf("note after the refusal %q (%v)", got, err)
	}

	// With it: recorded; the inbox is empty again.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#agency-ref`), "佛市监协字〔2026〕8831号"),
		chromedp.Click(chromedp.CSS(`#answer-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#portal-title`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `main .notice`); !strings.Contains(got, "答复已登记") {
		t.Fatalf("notice %q", got)
	}
	if got := text(t, ctx, `main .empty`); !strings.Contains(got, "没有待答复的请求") {
		t.Fatalf("inbox after answering %q", got)
	}

	// The judge sees the freeze in force, first, under that reference.
	crow := "#control-" + ctl.ID.String()
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		signIn(access.From(staff.Judge).Username),
		chromedp.Navigate(env.URL+"/cases/"+c.ID.String()),
		chromedp.WaitVisible(chromedp.CSS(crow)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, crow+` td.rank`); got != "首封" {
		t.Fatalf("rank %q, want 首封", got)
	}
	if got := text(t, ctx, crow); !strings.Contains(got, "在控") || !strings.Contains(got, "佛市监协字〔2026〕8831号") || !strings.Contains(got, ruling) {
		t.Fatalf("control row %q", got)
	}
}

// TestFastPathFromTheCasePage (S1): a company owes ¥200,000 and ¥260,000 of
// its deposit is frozen. The judge opens the case and sees the offer —
// principal, interest, fee, what is owed against what is frozen —, names
// the ruling and approves; the section updates in place to "under way";
// once the bank has answered the control shows the money deducted, the case
// the money recovered, and the offer is gone.
func TestFastPathFromTheCasePage(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	ag := env.Agencies(t)
	staff := intaketest.NewStaff(t, db, "")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	company := intaketest.Organization(1131)
	const account = "44050166001100001131"
	ag.Sim.SetHoldings(agency.BankDeposit, "ccb", company.CreditCode, []agency.Holding{{Ref: account, Kind: agency.BankDeposit,
		Institution: "建设银行佛山三水支行", ValueFen: 26_000_000, AvailableFen: 26_000_000}})
	c := fileCase(t, db, staff, 1131, company, 20_000_000)
	ag.Settle(t)
	view := func() *assets.CaseView {
		t.Helper()
		v, err := assets.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var deposit uuid.UUID
	for _, a := range view().Assets {
		if a.Ref == account {
			deposit = a.ID
		}
	}
	ctl, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*assets.Control, error) {
		return assets.Place(ctx, tx, c.ID, assets.ControlInput{AssetID: deposit, AmountFen: 26_000_000, Reason: "冻结被执行人存款",
			RulingNo: "（2026）粤0607执1131号之一"})
	})
	if err != nil {
		t.Fatal(err)
	}
	ag.Settle(t)
	o := view().Offer
	if o == nil || !o.Covered {
		t.Fatalf("offer %+v", o)
	}
	yuan := func(fen int64) string { return strings.TrimPrefix(triage.FormatYuan(fen), "¥") }

	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn(access.From(staff.Judge).Username),
		chromedp.Navigate(env.URL+"/cases/"+c.ID.String()),
		chromedp.WaitVisible(chromedp.CSS(`#fast-path-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	for css, want := range map[string]string{`#offer-principal`: "200,000.00", `#offer-interest`: yuan(o.InterestFen),
		`#offer-fee`: yuan(o.FeeFen), `#offer-owed`: yuan(o.OwedFen), `#offer-frozen`: "260,000.00"} {
		if got := text(t, ctx, css); got != want {
			t.Errorf("%s %q, want %q", css, got, want)
		}
	}
	if got := text(t, ctx, `#fast-path-approve`); !strings.Contains(got, yuan(o.OwedFen)) {
		t.Errorf("approve button %q", got)
	}

	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#fast-ruling`), "（2026）粤0607执1131号之二"),
		chromedp.Click(chromedp.CSS(`#fast-path-approve`)),
		chromedp.WaitVisible(chromedp.CSS(`#assets-notice`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#assets-notice`, "已批准快速扣划")
	waitText(t, ctx, `#fast-path`, "扣划办理中")
	if search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || search != "" {
		t.Fatalf("after the approval the page is at ?%q (%v): want the section swapped in place", search, err)
	}
	crow := "#control-" + ctl.ID.String()
	waitText(t, ctx, crow, "扣划办理中")

	// The bank answers: the control shows what was deducted.
	ag.Settle(t)
	if got := view().Controls[0]; got.DeductedFen != o.OwedFen {
		t.Fatalf("deducted %d, want %d", got.DeductedFen, o.OwedFen)
	}
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/cases/"+c.ID.String()),
		chromedp.WaitVisible(chromedp.CSS(crow)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, crow); !strings.Contains(got, "已扣划 "+yuan(o.OwedFen)) || !strings.Contains(got, "扣划：已办结") {
		t.Fatalf("control row after the deduction %q", got)
	}
	if got := text(t, ctx, `dl.facts`); !strings.Contains(got, "已执行到位 "+yuan(o.OwedFen)+" 元") {
		t.Fatalf("case facts after the deduction %q: want the money recovered", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#fast-path").length`)); err != nil || n != 0 {
		t.Fatalf("the offer is still shown after the deduction (%d, %v)", n, err)
	}
}
