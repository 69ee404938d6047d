package e2e

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var caseNoPattern = regexp.MustCompile(`^（\d{4}）粤0607执\d+号$`)

// TestWindowToFiling: at the window, a clerk registers an application (a
// person against a company, a judgment, the materials ticked), adds a second
// respondent row with htmx, is told about a mistyped ID number next to the
// field, corrects it, and files the application: the case page shows its 案号,
// team, handler and the clock; the case list finds it by the respondent's
// name.
func TestWindowToFiling(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	env.User(t, "ss.window", access.RoleWindowReception, "粤0607")
	env.User(t, "ss.fast", access.RolePostJudge, "粤0607") // no team: not a handler
	ctx := browsertest.Step(t, browser, 90*time.Second)

	applicant, respondent := sample.Person(501), sample.Organization(502)
	effective := legal.Today(time.Now()).AddDays(-60)
	goodID := applicant.IDNumber
	badID := goodID[:17] + map[bool]string{true: "1", false: "2"}[goodID[17] != '1']

	set := func(css, value string) chromedp.Action[chromedp.Void] {
		return chromedp.SetValue(chromedp.CSS(css), value)
	}
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ss.window"),
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/intake/new"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#intake-form`)),
		// htmx adds a respondent row in place.
		chromedp.Click(chromedp.CSS(`button.more[value=respondents]`)),
		chromedp.WaitVisible(chromedp.CSS(`#respondents-2`)),
		set(`#applicants-0-name`, applicant.Name),
		set(`#applicants-0-id_number`, badID),
		set(`#applicants-0-phone`, applicant.Phone),
		set(`#respondents-0-kind`, "organization"),
		set(`#respondents-0-name`, respondent.Name),
		set(`#respondents-0-id_number`, respondent.CreditCode),
		set(`#respondents-0-legal_rep`, respondent.LegalRep),
		set(`#basis-document_no`, fmt.Sprintf("（%d）粤0607民初501号", effective.Year())),
		set(`#basis-issued_by`, "佛山市三水区人民法院"),
		set(`#basis-effective_date`, effective.String()),
		set(`#basis-performance_due_date`, effective.AddDays(10).String()),
		set(`#claim_amount`, "86,400.50"),
	)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`Array.from(document.querySelectorAll('#materials input[type=checkbox]')).map(c => c.checked = true).length`)); err != nil {
		t.Fatal(err)
	}
	// The mistyped ID number comes back next to its field, everything kept.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#intake-form button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#applicants-0-id_number-error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text(t, ctx, `#applicants-0-id_number-error`); !strings.Contains(msg, "校验") && !strings.Contains(msg, "身份证") {
		t.Fatalf("ID error %q", msg)
	}
	kept, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#respondents-0-name`)))
	if err != nil || kept != respondent.Name {
		t.Fatalf("respondent name after the error: %q (%v)", kept, err)
	}

	// Corrected, it registers; the application page offers filing.
	err = chromedp.Do(ctx,
		set(`#applicants-0-id_number`, goodID),
		chromedp.Click(chromedp.CSS(`#intake-form button.primary[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#filing-form`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#claim-amount`); !strings.Contains(got, "86,400.50") {
		t.Fatalf("claim on the application page: %q", got)
	}
	if got := text(t, ctx, `.notice`); !strings.Contains(got, "已登记") {
		t.Fatalf("notice %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#filing-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#deadline`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	caseNo := strings.TrimSpace(strings.SplitN(text(t, ctx, `h1`), " ", 2)[0])
	if !caseNoPattern.MatchString(caseNo) {
		t.Fatalf("case page heading %q, want a 案号", text(t, ctx, `h1`))
	}
	if got := text(t, ctx, `#case-status`); got == "" {
		t.Fatal("no status on the case page")
	}
	if got := text(t, ctx, `#days-left`); got == "" {
		t.Fatal("no days left on the case page")
	}

	// The case list finds it by the respondent's name.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/cases"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), respondent.Name),
		chromedp.Submit(chromedp.CSS(`#q`)),
		chromedp.WaitVisible(chromedp.CSS(`#results`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	// The filtered list replaces the first one in place: wait for it rather
	// than read a node about to be swapped out.
	// Reading the node itself can race the swap ("No node with given id"):
	// the list is read in the page, whatever node is current.
	found, err := chromedp.Run(ctx, chromedp.Poll[bool](fmt.Sprintf(`(document.querySelector('#results') || {textContent: ''}).textContent.includes(%q)`, caseNo)))
	if err != nil || !found {
		list, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector('#results') || {textContent: ''}).textContent`))
		t.Fatalf("case list for %s lacks %s (%v):\n%s", respondent.Name, caseNo, err, list)
	}
}
