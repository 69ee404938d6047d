package web_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// browser is an HTTP client with cookies that does not follow redirects, so
// tests see them.
type browser struct {
	t    *testing.T
	env  *apptest.Env
	http *http.Client
}

type webPage struct {
	status   int
	location string
	body     string
}

func newBrowser(t *testing.T, env *apptest.Env) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, env: env, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, path string, form url.Values, header map[string]string) webPage {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.env.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return webPage{res.StatusCode, res.Header.Get("Location"), string(data)}
}

func (b *browser) get(path string) webPage                { return b.do("GET", path, nil, nil) }
func (b *browser) post(path string, f url.Values) webPage { return b.do("POST", path, f, nil) }

func (b *browser) login(username, password string) webPage {
	b.t.Helper()
	return b.post("/login", url.Values{"username": {username}, "password": {password}, "next": {"/"}})
}

func (p webPage) must(t *testing.T, status int, contains ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("status %d (location %q), want %d\n%.2000s", p.status, p.location, status, p.body)
	}
	for _, c := range contains {
		if !strings.Contains(p.body, c) {
			t.Fatalf("page lacks %q\n%.3000s", c, p.body)
		}
	}
}

func TestPagesSignInAndOut(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "web.clerk", access.RoleClerk, "粤0607")
		b := newBrowser(t, env)

		// Signed out, a page sends you to the login form and back.
		p := b.get("/admin/users")
		if p.status != http.StatusSeeOther || p.location != "/login?next=%2Fadmin%2Fusers" {
			t.Fatalf("signed out: %d %q", p.status, p.location)
		}
		b.get("/login").must(t, 200, "登录执行事务平台", `name="password"`)

		// A wrong password re-shows the form with the reason.
		b.login("web.clerk", "wrong1234").must(t, 401, "用户名或密码错误", `value="web.clerk"`)

		// Signing in lands on the desk.
		p = b.login("web.clerk", apptest.Password)
		if p.status != http.StatusSeeOther || p.location != "/" {
			t.Fatalf("login: %d %q", p.status, p.location)
		}
		b.get("/").must(t, 200, "书记员工作台", "待办事项", "佛山市三水区人民法院", "我最近的操作", "登录（网页）")

		// A next= leading off the site is ignored.
		b.post("/logout", url.Values{})
		p = b.post("/login", url.Values{"username": {"web.clerk"}, "password": {apptest.Password}, "next": {"//evil.example/"}})
		if p.location != "/" {
			t.Fatalf("open redirect to %q", p.location)
		}

		// Signing out ends the session.
		p = b.post("/logout", url.Values{})
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/login") {
			t.Fatalf("logout: %d %q", p.status, p.location)
		}
		if p := b.get("/"); p.status != http.StatusSeeOther {
			t.Fatalf("after logout: %d", p.status)
		}
	})
}

// TestEveryRoleHasADesk renders the home page of every role, and the pages
// each may reach from its navigation.
func TestEveryRoleHasADesk(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		links := regexp.MustCompile(`<nav aria-label="主导航">[\s\S]*?</nav>`)
		hrefs := regexp.MustCompile(`href="([^"]+)"`)
		for role := range roleDefaults {
			seat := "粤0607"
			if role == access.RoleSysAdmin {
				seat = "最高法"
			}
			name := "desk." + strings.ReplaceAll(role, "_", "-")
			env.User(t, name, role, seat)
			b := newBrowser(t, env)
			b.login(name, apptest.Password)
			home := b.get("/")
			home.must(t, 200, "工作台", `id="logout"`)
			nav := links.FindString(home.body)
			for _, m := range hrefs.FindAllStringSubmatch(nav, -1) {
				if p := b.get(m[1]); p.status != 200 {
					t.Errorf("%s: %s answered %d\n%.500s", role, m[1], p.status, p.body)
				}
			}
			// What is not in the navigation is refused.
			if !strings.Contains(nav, "/admin/roles") {
				if p := b.get("/admin/roles"); p.status != http.StatusForbidden {
					t.Errorf("%s reached /admin/roles: %d", role, p.status)
				}
			}
		}
	})
}

func TestAdministrationPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "web.admin", access.RoleCourtAdmin, "粤0607")
		b := newBrowser(t, env)
		b.login("web.admin", apptest.Password)
		court := env.Court(t, "粤0607").String()

		// A new user, with a mistake first: the form comes back with the
		// values kept and the fields at fault named.
		form := url.Values{"court_id": {court}, "username": {"Bad Name"}, "display_name": {"刘新"}, "role": {"clerk"},
			"phone": {"12"}, "password": {"secret123"}}
		b.post("/admin/users", form).must(t, 422, "用户名须为", "手机号码应为", `value="刘新"`)
		form.Set("username", "liu.xin")
		form.Set("phone", "13912345678")
		p := b.post("/admin/users", form)
		if p.status != http.StatusSeeOther || !strings.Contains(p.location, "done=created") {
			t.Fatalf("create: %d %q %s", p.status, p.location, p.body)
		}
		userPath := strings.Split(p.location, "?")[0]
		b.get(p.location).must(t, 200, "已新建", "刘新", "liu.xin", "新建用户 liu.xin")

		// Reset: the new password is shown on this page, once.
		reset := b.post(userPath+"/reset-password", url.Values{})
		reset.must(t, 200, "只显示这一次", `id="new-password"`)
		pw := regexp.MustCompile(`id="new-password">([^<]+)<`).FindStringSubmatch(reset.body)[1]
		if strings.Contains(b.get(userPath).body, pw) {
			t.Fatal("the password is shown again")
		}
		// The user must change it at sign-in; nothing else is reachable.
		u := newBrowser(t, env)
		if p := u.login("liu.xin", pw); p.location != "/account/password" {
			t.Fatalf("forced change: %d %q", p.status, p.location)
		}
		if p := u.get("/"); p.location != "/account/password" {
			t.Fatalf("desk before the change: %d %q", p.status, p.location)
		}
		u.get("/account/password").must(t, 200, "管理员已重置您的密码")
		u.post("/account/password", url.Values{"current_password": {pw}, "new_password": {"mine12345"}, "confirm_password": {"other12345"}}).
			must(t, 422, "两次输入的新密码不一致")
		if p := u.post("/account/password", url.Values{"current_password": {pw}, "new_password": {"mine12345"}, "confirm_password": {"mine12345"}}); p.location != "/?done=password" {
			t.Fatalf("change: %d %q %s", p.status, p.location, p.body)
		}
		u.get("/?done=password").must(t, 200, "密码已修改")

		// Disable and enable.
		b.post(userPath+"/disable", url.Values{})
		b.get(userPath).must(t, 200, "已停用")
		if p := u.get("/"); p.status != http.StatusSeeOther {
			t.Fatalf("a disabled user's session still works: %d", p.status)
		}
		b.post(userPath+"/enable", url.Values{})

		// Lists, with filters in the URL.
		b.get("/admin/users?q=liu").must(t, 200, "liu.xin")
		if strings.Contains(b.get("/admin/users?q=nobody-at-all").body, "liu.xin") {
			t.Fatal("the filter does not filter")
		}
		b.get("/admin/teams?court="+court).must(t, 200, "速执团队", "外勤组")
		if p := b.post("/admin/teams", url.Values{"court_id": {court}, "kind": {"field"}, "name": {"外勤二组"}, "region": {"西南街道"}}); p.status != http.StatusSeeOther {
			t.Fatalf("new team: %d %s", p.status, p.body)
		}
		b.get("/admin/teams?court="+court).must(t, 200, "外勤二组", "西南街道")
		b.post("/admin/teams", url.Values{"court_id": {court}, "kind": {"field"}, "name": {"外勤二组"}}).must(t, 422, "已有名为")
		b.get("/admin/courts").must(t, 200, "佛山市三水区人民法院", "粤0607")
		b.get("/admin/audit?action=user.created").must(t, 200, "新建用户 liu.xin")

		// Someone else's court's objects do not exist here.
		nanhai := env.User(t, "nh.user", access.RoleClerk, "粤0605")
		b.get("/admin/users/"+nanhai.ID.String()).must(t, 404, "不存在")
		b.get("/admin/users/not-an-id").must(t, 404)
		b.get("/no/such/page").must(t, 404, "页面不存在")
	})
}

// TestCrossSiteFormsAreRefused: a form posted from another site with the
// victim's cookie is refused (CSRF); the same form from this site works.
func TestCrossSiteFormsAreRefused(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	env.User(t, "csrf.admin", access.RoleCourtAdmin, "粤0607")
	b := newBrowser(t, env)
	b.login("csrf.admin", apptest.Password)
	form := url.Values{"court_id": {env.Court(t, "粤0607").String()}, "kind": {"field"}, "name": {"跨站团队"}}
	p := b.do("POST", "/admin/teams", form, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
	p.must(t, http.StatusForbidden, "拒绝来自其他网站的请求")
	if teams, _ := teamCount(t, db, "跨站团队"); teams != 0 {
		t.Fatal("the cross-site form created a team")
	}
	p = b.do("POST", "/admin/teams", form, map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": env.URL})
	if p.status != http.StatusSeeOther {
		t.Fatalf("same-site form: %d %s", p.status, p.body)
	}
}
