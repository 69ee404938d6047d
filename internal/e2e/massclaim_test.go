package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestMassClaimRegistrationOnPhone (S4, MASS-2; issue 5's browser test of a
// registration): the court has published a fraud's victim list. A victim
// opens the registration address on a phone, without signing in: types
// the phone number and asks for the code (the form is swapped in place
// with what was typed, and says where the code went), fills in the rest
// and first mistypes the code (the Chinese error comes back next to it, the
// rest as typed, the code field empty), then registers. The page shows the
// personal status link once; following it shows the claim, the ID number
// masked. Nothing on the way scrolls sideways.
func TestMassClaimRegistrationOnPhone(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	staff := intaketest.NewStaff(t, db, "")
	c := fileCase(t, db, staff, 6401, intaketest.Organization(6401), 50_000_000)
	victim := sample.Person(640_123)
	phone := "13764012300"
	m, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Campaign, error) {
		m, err := massclaim.CreateCampaign(ctx, tx, c.ID, massclaim.CampaignInput{DebtorPartyID: c.Respondents()[0].PartyID,
			Title: "三水某农业公司集资诈骗案退赔", JudgmentNo: "（2025）粤06刑初64号", RegistrationUntil: legal.Today(time.Now()).AddDays(20)})
		if err != nil {
			return nil, err
		}
		list := strings.Join(massclaim.VictimsCSVHeader, ",") + "\n" + victim.IDNumber + "," + victim.Name + ",86000\n"
		if _, err := massclaim.ImportVictims(ctx, tx, m.ID, strings.NewReader(list)); err != nil {
			return nil, err
		}
		return massclaim.Open(ctx, tx, m.ID)
	})
	if err != nil {
		t.Fatal(err)
	}
	path := "/m/" + m.ID.String()
	ctx := browsertest.Step(t, browser, 120*time.Second)
	noSideways := func(where string) {
		t.Helper()
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth + 1`))
		if err != nil || wide {
			t.Errorf("%s scrolls sideways on a phone (%v)", where, err)
		}
	}

	// The campaign on a phone; the code asked for.
	err = chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(env.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`#register-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#m-title`); got != m.Title {
		t.Fatalf("title %q", got)
	}
	if got := text(t, ctx, `#m-deadline`); !strings.Contains(got, m.RegistrationUntil.String()) {
		t.Fatalf("deadline %q", got)
	}
	noSideways("the registration page")
	htmxReady(t, ctx)
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#m-phone`), phone),
		chromedp.SendKeys(chromedp.CSS(`#m-name`), victim.Name),
		chromedp.Click(chromedp.CSS(`#send-code`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	waitText(t, ctx, `#code-status`, "验证码已发送至 "+legal.MaskPhone(phone))
	htmxReady(t, ctx)
	if got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + "|" + document.querySelector('#m-name').value`)); err != nil ||
		got != path+"|"+victim.Name {
		t.Fatalf("after the code the page is %q (%v): want the form swapped in place with the name kept", got, err)
	}
	var body string
	if err := db.QueryRow(context.Background(), `SELECT body FROM sms_outbox WHERE phone = ?`, phone).Scan(&body); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, "验证码 ") + len("验证码 ")
	code := body[i : i+6]
	wrong := fmt.Sprintf("%06d", (int(code[5]-'0')+1)%10)

	// The rest, with a mistyped code: refused next to it, the rest kept.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#m-id-number`), victim.IDNumber),
		chromedp.SendKeys(chromedp.CSS(`#m-code`), wrong),
		chromedp.SendKeys(chromedp.CSS(`#m-amount`), "86,000"),
		chromedp.SendKeys(chromedp.CSS(`#m-evidence`), "2021 年 3 月投资，合同编号 NY-0321"),
		chromedp.SendKeys(chromedp.CSS(`#m-account`), "6217 0012 3456 7890"),
		chromedp.SendKeys(chromedp.CSS(`#m-bank`), "建设银行三水支行"),
		chromedp.Click(chromedp.CSS(`#register-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#m-code-error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#m-code-error`); !strings.Contains(got, "验证码不正确") {
		t.Fatalf("code error %q", got)
	}
	kept, err := chromedp.Run(ctx, chromedp.Evaluate[string](`['#m-id-number', '#m-name', '#m-amount', '#m-account', '#m-bank', '#m-code']
		.map(s => document.querySelector(s).value).join('|')`))
	if err != nil || kept != victim.IDNumber+"|"+victim.Name+"|86,000|6217 0012 3456 7890|建设银行三水支行|" {
		t.Fatalf("after the refusal the form holds %q (%v)", kept, err)
	}
	noSideways("the refused form")

	// The right code: registered, the link shown once.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#m-code`), code),
		chromedp.Click(chromedp.CSS(`#register-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#m-link`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	link := text(t, ctx, `#m-link`)
	if !strings.HasPrefix(link, env.URL+"/m/claim/") {
		t.Fatalf("status link %q", link)
	}
	if got := text(t, ctx, `.m-link-box`); !strings.Contains(got, "只显示这一次") {
		t.Fatalf("no advice to keep the link: %q", got)
	}
	noSideways("the status link")
	var claims int
	if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM claims WHERE campaign_id = ?`, m.ID).Scan(&claims); err != nil || claims != 1 {
		t.Fatalf("claims %d (%v)", claims, err)
	}

	// The participant's own page.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#m-open`)),
		chromedp.WaitVisible(chromedp.CSS(`#m-status`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#m-status`); got != "已登记，待审核" {
		t.Fatalf("status %q", got)
	}
	claim := text(t, ctx, `#m-claim`)
	if !strings.Contains(claim, legal.MaskID(victim.IDNumber)) || strings.Contains(claim, victim.IDNumber) || !strings.Contains(claim, "尾号 7890") ||
		!strings.Contains(claim, "86,000.00") {
		t.Fatalf("own claim %q", claim)
	}
	if href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href`)); err != nil || href != link {
		t.Fatalf("the page is at %q (%v), want the link %q", href, err, link)
	}
	noSideways("the participant's page")
}
