package e2e

import (
	"context"
	"fmt"
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
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// waitText waits until the element css selects contains want (the section
// is swapped in place by htmx: read it only once the new one is there).
func waitText(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	js := fmt.Sprintf(`(document.querySelector(%q) || {textContent: ''}).textContent.includes(%q)`, css, want)
	if ok, err := chromedp.Run(ctx, chromedp.Poll[bool](js)); err != nil || !ok {
		t.Fatalf("%s never showed %q (%v); it shows:\n%s", css, want, err, text(t, ctx, css))
	}
}

// TestFreezeFromTheCasePage (S1): a company owes ¥200,000; the inquiry run
// at filing finds a bank account holding ¥350,000. The judge opens the case,
// sees the account (masked) with its balance, freezes it from its row with
// the amount prefilled; once the bank has answered the case page shows the
// freeze as 首封 with its term; the judge renews it and the term moves.
func TestFreezeFromTheCasePage(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	ag := env.Agencies(t)
	staff := intaketest.NewStaff(t, db, "")
	ctx := browsertest.Step(t, browser, 120*time.Second)

	debtor := intaketest.Organization(7101)
	const account = "6222081200004321"
	ag.Sim.SetHoldings(agency.BankDeposit, "icbc", debtor.CreditCode, []agency.Holding{{Ref: account, Kind: agency.BankDeposit,
		Institution: "工商银行佛山三水支行", Description: "单位基本存款账户", ValueFen: 35_000_000, AvailableFen: 35_000_000}})
	in := intaketest.Application(staff.CourtID, 7101)
	in.Respondents = []intake.PartyInput{debtor}
	in.ClaimAmountFen = 20_000_000
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
	ag.Settle(t) // the inquiry at filing, sent and answered
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
	if deposit == uuid.Nil {
		t.Fatal("the filing inquiry did not find the account")
	}
	row := "#asset-" + deposit.String()
	casePage := env.URL + "/cases/" + c.ID.String()

	// The judge signs in and opens the case: the account, masked, with its
	// balance.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#username`), access.From(staff.Judge).Username),
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
		chromedp.Navigate(casePage),
		chromedp.WaitVisible(chromedp.CSS(row)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, row); !strings.Contains(got, "****4321") || !strings.Contains(got, "350,000.00") || strings.Contains(got, account) {
		t.Fatalf("account row %q: want ****4321 and 350,000.00, not the full number", got)
	}

	// 冻结 from the row: the amount is prefilled with the claim (less than
	// the balance); the judge shortens the term, names the ruling, submits.
	amount, months := "#ctl-amount-"+deposit.String(), "#ctl-months-"+deposit.String()
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(row+` details.act summary`)),
		chromedp.WaitVisible(chromedp.CSS(amount)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(amount))); err != nil || got != "200,000.00" {
		t.Fatalf("prefilled amount %q (%v), want 200,000.00", got, err)
	}
	if got, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(months))); err != nil || got != "12" {
		t.Fatalf("default term %q (%v), want 12 months (TERM-1, deposits)", got, err)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(months), "6"),
		chromedp.SendKeys(chromedp.CSS("#ctl-ruling-"+deposit.String()), "（2026）粤0607执7101号之一"),
		chromedp.Click(chromedp.CSS(`#control-form-`+deposit.String()+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#assets-notice`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#assets-notice`, "已提交冻结")
	waitText(t, ctx, `table.controls`, "待协执单位办理")
	// htmx replaced the section in place: the page was not reloaded.
	if search, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.search`)); err != nil || search != "" {
		t.Fatalf("after the freeze the page is at ?%q (%v): want the section swapped in place", search, err)
	}

	// The bank answers; the page, reloaded, shows the freeze in force as
	// 首封 with its term.
	ag.Settle(t)
	v := view()
	if len(v.Controls) != 1 {
		t.Fatalf("controls %+v, want one", v.Controls)
	}
	ctl := v.Controls[0]
	today := legal.Today(time.Now())
	term := today.AddMonths(6).AddDays(-1)
	if ctl.TermTo != term {
		t.Fatalf("term to %s, want %s", ctl.TermTo, term)
	}
	crow := "#control-" + ctl.ID.String()
	err = chromedp.Do(ctx,
		chromedp.Navigate(casePage),
		chromedp.WaitVisible(chromedp.CSS(crow)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, crow+` td.rank`); got != "首封" {
		t.Fatalf("rank %q, want 首封", got)
	}
	if got := text(t, ctx, crow+` td.term`); !strings.Contains(got, term.String()) || !strings.Contains(got, "剩余") {
		t.Fatalf("term cell %q, want %s and the days left", got, term)
	}
	if got := text(t, ctx, crow); !strings.Contains(got, "在控") || !strings.Contains(got, "200,000.00") || !strings.Contains(got, "（2026）粤0607执7101号之一") {
		t.Fatalf("control row %q", got)
	}

	// 续行 with the default (the longest term): sent, then answered.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(crow+` details.act summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#renew-months-`+ctl.ID.String())),
		chromedp.Click(chromedp.CSS(`#renew-form-`+ctl.ID.String()+` button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#assets-notice`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#assets-notice`, "已提交续行")
	waitText(t, ctx, crow, "续行办理中")
	ag.Settle(t)
	renewed := today.AddMonths(12).AddDays(-1)
	err = chromedp.Do(ctx,
		chromedp.Navigate(casePage),
		chromedp.WaitVisible(chromedp.CSS(crow)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, crow+` td.term`); !strings.Contains(got, renewed.String()) {
		t.Fatalf("term after renewal %q, want %s", got, renewed)
	}
	if got := text(t, ctx, crow); !strings.Contains(got, "续行：已办结") || !strings.Contains(got, "首封") {
		t.Fatalf("control row after renewal %q", got)
	}
}
