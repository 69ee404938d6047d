package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/browsertest"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestEntrustedMatterAcrossCourts (S13): a judge of 东阳 (浙江) entrusts a
// real-estate seizure to 三水 (佛山) from the case page; 三水's command
// center finds it in "收到的委托" through the navigation, accepts it and
// reports the result with the registry reference; the judge sees the
// result in the case page's 事项委托 section.
func TestEntrustedMatterAcrossCourts(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	dongyang, sanshui := env.Court(t, "浙0783"), env.Court(t, "粤0607")
	_, reception := env.Token(t, "ey.window", access.RoleWindowReception, "浙0783")
	env.User(t, "ey.judge", access.RolePostJudge, "浙0783")
	center, err := org.TeamByName(env.Sys, db, sanshui, "执行指挥中心")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.AuthService().CreateUser(env.Sys, auth.UserInput{CourtID: sanshui, TeamID: center, Username: "ey.command",
		DisplayName: "陈敏", Role: access.RoleCommandCenter, Password: apptest.Password}); err != nil {
		t.Fatal(err)
	}

	in := sample.Application(dongyang, 1320)
	party := func(p intake.PartyInput) api.PartyIn {
		return api.PartyIn{Kind: p.Kind, Name: p.Name, IDNumber: p.IDNumber, CreditCode: p.CreditCode, LegalRep: p.LegalRep, Phone: p.Phone,
			Address: p.Address}
	}
	body := api.ApplicationIn{CourtCode: "浙0783", Applicants: []api.PartyIn{party(in.Applicants[0])},
		Respondents: []api.PartyIn{party(in.Respondents[0])}, ClaimAmountFen: in.ClaimAmountFen,
		Basis: api.BasisIn{Kind: in.Basis.Kind, DocumentNo: in.Basis.DocumentNo, IssuedBy: in.Basis.IssuedBy,
			EffectiveDate: in.Basis.EffectiveDate.String(), PerformanceDueDate: in.Basis.DueDate.String()}}
	for _, m := range in.Materials {
		body.Materials = append(body.Materials, api.MaterialIn{Code: m.Code, Received: true, Copies: 1})
	}
	r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, body)
	var app api.ApplicationOut
	r.JSON(t, &app)
	r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
	var c api.CaseOut
	r.JSON(t, &c)
	if c.ID == "" {
		t.Fatalf("filing: %d %s", r.Status, r.Body)
	}

	ctx := browsertest.Step(t, browser, 120*time.Second)
	// 东阳's judge sends the matter from the case page.
	err = chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		signIn("ey.judge"),
		chromedp.Navigate(env.URL+"/cases/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`#entrust`)),
		chromedp.Click(chromedp.CSS(`#entrust-new`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-send-form`)),
		chromedp.SetValue(chromedp.CSS(`#entrust-to`), sanshui.String()),
		chromedp.SetValue(chromedp.CSS(`#entrust-kind`), "seize"),
		chromedp.SendKeys(chromedp.CSS(`#entrust-subject`), "被执行人名下佛山市三水区西南街道建设路 8 号 1201 房"),
		chromedp.SendKeys(chromedp.CSS(`#entrust-request`), "查封该房产并办理查封登记"),
		chromedp.Click(chromedp.CSS(`#entrust-send-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-facts`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#entrust-status`); got != "待接收" {
		t.Fatalf("status after sending %q", got)
	}

	// 三水's command center accepts and reports it.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		signIn("ey.command"),
		chromedp.Click(chromedp.CSS(`nav a[href="/entrusted-matters"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-list`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#entrust-list`); !strings.Contains(got, c.CaseNo) || !strings.Contains(got, "东阳法院") {
		t.Fatalf("inbox %q", got)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#entrust-list a`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-accept-form`)),
		chromedp.Click(chromedp.CSS(`#entrust-accept-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-report-form`)),
		chromedp.SendKeys(chromedp.CSS(`#entrust-result-text`), "已查封该房产，查封期限三年"),
		chromedp.SendKeys(chromedp.CSS(`#entrust-registry-ref`), "佛三不动产查字88号"),
		chromedp.Click(chromedp.CSS(`#entrust-report-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#entrust-result`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#entrust-status`); got != "已办结回复" {
		t.Fatalf("status after reporting %q", got)
	}

	// 东阳's judge sees the result on the case page.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		signIn("ey.judge"),
		chromedp.Navigate(env.URL+"/cases/"+c.ID),
		chromedp.WaitVisible(chromedp.CSS(`#case-entrust-list`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := text(t, ctx, `#case-entrust-list`); !strings.Contains(got, "已查封该房产，查封期限三年") || !strings.Contains(got, "佛三不动产查字88号") ||
		!strings.Contains(got, "已办结回复") || !strings.Contains(got, "三水法院") {
		t.Fatalf("case section %q", got)
	}
}
