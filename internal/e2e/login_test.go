// Package e2e holds the end-to-end tests that drive the real server through a
// real browser (headless Chromium), as a person would.
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
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// text reads the text of the element css selects.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return s
}

// TestLoginHomeLogout: a judge signs in, sees their desk, signs out.
func TestLoginHomeLogout(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	env := apptest.New(t, storetest.New(t, store.SQLite))
	env.User(t, "li.ming", access.RolePostJudge, "粤0607")
	ctx := browsertest.Step(t, browser, 60*time.Second)

	// Signed out, the desk sends you to the login form. A wrong password
	// first.
	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
		chromedp.SendKeys(chromedp.CSS(`#username`), "li.ming"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "not-the-password1"),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if msg := text(t, ctx, `#login-error`); !strings.Contains(msg, "用户名或密码错误") {
		t.Fatalf("wrong password message %q", msg)
	}

	// The right one (the form comes back with the name kept and the password
	// empty): the judge's desk.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	title, who := text(t, ctx, `#desk-title`), text(t, ctx, `#current-user`)
	if title != "员额法官工作台" || !strings.Contains(who, "测试li.ming") || !strings.Contains(who, "员额法官") {
		t.Fatalf("desk %q, user %q", title, who)
	}

	// Sign out: back at the login form, and the desk is closed again.
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#logout`)),
		chromedp.WaitVisible(chromedp.CSS(`#username`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if notice := text(t, ctx, `.notice`); !strings.Contains(notice, "已退出登录") {
		t.Fatalf("after logout: notice %q", notice)
	}
	err = chromedp.Do(ctx, chromedp.Navigate(env.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`#username`)))
	if err != nil {
		t.Fatal(err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "/login") {
		t.Fatalf("after logout the desk is at %q (%v)", loc, err)
	}
}

// TestUserFilterUpdatesInPlace: on the users page, typing in the filter
// updates the list without loading a new page (htmx, within the strict
// Content-Security-Policy), and the filter lands in the address bar so the
// page can be bookmarked and reloaded.
func TestUserFilterUpdatesInPlace(t *testing.T) {
	t.Parallel()
	browser := browsertest.New(t)
	env := apptest.New(t, storetest.New(t, store.SQLite))
	env.User(t, "ss.admin", access.RoleCourtAdmin, "粤0607")
	env.User(t, "liu.xin", access.RoleClerk, "粤0607")
	env.User(t, "zhou.qi", access.RoleClerk, "粤0607")
	ctx := browsertest.Step(t, browser, 60*time.Second)

	err := chromedp.Do(ctx,
		chromedp.Navigate(env.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS(`#username`), "ss.admin"),
		chromedp.SendKeys(chromedp.CSS(`#password`), apptest.Password),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#desk-title`)),
		chromedp.Navigate(env.URL+"/admin/users"),
		chromedp.WaitVisible(chromedp.CSS(`#results`)),
	)
	if err != nil {
		t.Fatal(err)
	}
	if list := text(t, ctx, `#results`); !strings.Contains(list, "liu.xin") || !strings.Contains(list, "zhou.qi") {
		t.Fatalf("unfiltered list: %q", list)
	}
	// Mark this page: a full reload would lose the mark.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.zhixingMark = true`)); err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#q`), "liu"))
	if err != nil {
		t.Fatal(err)
	}
	// Wait until htmx has swapped the list.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.querySelector('#results').textContent.includes('zhou.qi')`)); err != nil {
		t.Fatalf("the list was not filtered in place: %v", err)
	}
	if list := text(t, ctx, `#results`); !strings.Contains(list, "liu.xin") {
		t.Fatalf("filtered list lost the match: %q", list)
	}
	mark, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.zhixingMark === true`))
	if err != nil || !mark {
		t.Fatalf("the page was reloaded instead of updated in place (%v)", err)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err != nil || !strings.Contains(loc, "q=liu") {
		t.Fatalf("the filter is not in the address: %q (%v)", loc, err)
	}
}
