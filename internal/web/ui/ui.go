// Package ui is zhixing's web interface: Chinese HTML pages rendered on the
// server with html/template, readable without JavaScript, with htmx for
// partial updates. Assets are embedded, so `go build` needs nothing else.
// Pages call the same feature functions as the API, so the same permission
// and court-scope checks apply.
package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"github.com/zhixing-court/zhixing/internal/disposal"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/httperr"
)

// SessionCookie is the name of the web session cookie.
const SessionCookie = "zhixing_session"

// PasswordPath is where a user changes their password.
const PasswordPath = "/account/password"

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the pages need.
type Deps struct {
	DB      *store.DB
	Auth    *auth.Service
	Version string
	Now     func() time.Time
}

// UI serves the pages.
type UI struct {
	Deps
	pages map[string]*template.Template
}

var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

var funcs = template.FuncMap{
	// when shows an instant as Beijing time.
	"when": func(t any) string {
		var tt time.Time
		switch v := t.(type) {
		case time.Time:
			tt = v
		case *time.Time:
			if v == nil {
				return ""
			}
			tt = *v
		}
		if tt.IsZero() {
			return ""
		}
		return tt.In(shanghai).Format("2006-01-02 15:04")
	},
	"can": func(p *access.Principal, perm string) bool { return p != nil && p.Can(access.Permission(perm)) },
	"idstr": func(id uuid.UUID) string {
		if id == uuid.Nil {
			return ""
		}
		return id.String()
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"query":       queryURL,
	"fieldErr":    func(errs map[string]string, field string) string { return errs[field] },
	"stageLabel":  disposal.StageLabel,
	"methodLabel": disposal.MethodLabel,
	"yuan":        yuanText,
	"contains": func(list []access.Permission, p access.Permission) bool {
		for _, x := range list {
			if x == p {
				return true
			}
		}
		return false
	},
}

// queryURL is base with the non-empty values of kv (name, value …) as its
// query.
func queryURL(base string, kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// New parses the templates: each page is the layout, the shared partials
// (files named _*.html) and its own file.
func New(d Deps) *UI {
	if d.Now == nil {
		d.Now = time.Now
	}
	u := &UI{Deps: d, pages: map[string]*template.Template{}}
	layout := template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html"))
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		u.pages[strings.TrimSuffix(base, ".html")] = template.Must(template.Must(layout.Clone()).ParseFS(templateFS, n))
	}
	return u
}

// Register mounts the pages on mux.
func (u *UI) Register(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(24*time.Hour, files)))

	mux.HandleFunc("GET /login", u.loginPage)
	mux.HandleFunc("POST /login", u.login)
	mux.Handle("POST /logout", u.page(u.logout))
	mux.Handle("GET "+PasswordPath, u.page(u.passwordPage))
	mux.Handle("POST "+PasswordPath, u.page(u.changePassword))
	mux.Handle("GET /{$}", u.page(u.home))

	mux.Handle("GET /admin/users", u.page(u.usersPage))
	mux.Handle("GET /admin/users/new", u.page(u.newUserPage))
	mux.Handle("POST /admin/users", u.page(u.createUser))
	mux.Handle("GET /admin/users/{id}", u.page(u.userPage))
	mux.Handle("POST /admin/users/{id}", u.page(u.updateUser))
	mux.Handle("POST /admin/users/{id}/reset-password", u.page(u.resetPassword))
	mux.Handle("POST /admin/users/{id}/disable", u.page(u.setDisabled(true)))
	mux.Handle("POST /admin/users/{id}/enable", u.page(u.setDisabled(false)))

	mux.Handle("GET /admin/courts", u.page(u.courtsPage))
	mux.Handle("GET /admin/courts/new", u.page(u.newCourtPage))
	mux.Handle("POST /admin/courts", u.page(u.createCourt))
	mux.Handle("GET /admin/courts/{id}", u.page(u.courtPage))
	mux.Handle("POST /admin/courts/{id}", u.page(u.updateCourt))

	mux.Handle("GET /admin/teams", u.page(u.teamsPage))
	mux.Handle("POST /admin/teams", u.page(u.createTeam))
	mux.Handle("GET /admin/teams/{id}", u.page(u.teamPage))
	mux.Handle("POST /admin/teams/{id}", u.page(u.updateTeam))

	mux.Handle("GET /admin/roles", u.page(u.rolesPage))
	mux.Handle("GET /admin/roles/{code}", u.page(u.rolePage))
	mux.Handle("POST /admin/roles/{code}", u.page(u.updateRole))
	mux.Handle("GET /admin/reference", u.page(u.referencePage))
	mux.Handle("POST /admin/case-types/{code}", u.page(u.updateCaseType))
	mux.Handle("POST /admin/team-kinds/{code}", u.page(u.updateTeamKind))

	mux.Handle("GET /admin/audit", u.page(u.auditPage))

	u.registerIntake(mux)      // intake.go: window reception, filing review
	u.registerCases(mux)       // cases.go, triage.go: case list and detail, triage rules
	u.registerBulk(mux)        // bulk.go: bulk intake uploads and their progress
	u.registerAdmin(mux)       // admin.go, rules.go: background jobs, the holiday calendar, rule parameters
	u.registerField(mux)       // field.go: field tasks (外勤)
	u.registerPortal(mux)      // portal.go: the agency portal (协执单位)
	u.registerRestoration(mux) // restoration.go: restoration proposals after 终本 re-queries
	u.registerTransfers(mux)   // transfers.go: the seizure registry across cases (TERM-4 transfer requests, TERM-5 carrying)
	u.registerFunds(mux)       // funds.go, funds_desk.go: the case page's 案款 section and the funds desk
	u.registerCampaigns(mux)   // campaigns.go: mass-claim campaigns (涉众) for the court's staff
	u.registerMassPublic(mux)  // massclaim_public.go: the public registration and the participant's own page (/m/…)
	u.registerBoard(mux)       // board.go: the command-center board and its wall screen (指挥大屏)
	u.registerSupervision(mux) // supervision.go: items, lists, rules (督办)
	u.registerEntrust(mux)     // entrust.go: entrusted matters (事项委托)
	u.registerDisposal(mux)    // disposal.go: property disposal (财产处置): the board, a disposal's page and forms
	u.registerRemedies(mux)    // remedies.go: 执行异议、案外人异议、复议、执行信访
	u.registerHotline(mux)     // hotline.go: the command center's hotline desk (热线)
	u.registerSanctions(mux)   // sanctions.go: 报告财产令, 限消, 失信, the lists and the deletion queue
}

func cacheFor(d time.Duration, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", fmt.Sprintf("public, max-age=%d", int(d.Seconds())))
		h.ServeHTTP(w, r)
	})
}

// AllowedBeforePasswordChange reports whether a user who must change their
// password may still reach r.
func AllowedBeforePasswordChange(r *http.Request) bool {
	p := r.URL.Path
	return p == PasswordPath || p == "/logout" || p == "/login" || strings.HasPrefix(p, "/static/")
}

// pageFunc is a page handler: it writes the page or returns an error, which
// is rendered once, in one place.
type pageFunc func(w http.ResponseWriter, r *http.Request, p *access.Principal) error

// page wraps a handler that needs a signed-in user: without one, it sends the
// browser to the login page and back.
func (u *UI) page(fn pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := access.From(r.Context())
		if p == nil {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = "/"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
			return
		}
		if err := fn(w, r, p); err != nil {
			u.Error(w, r, err)
		}
	})
}

// nav is one entry of the navigation bar.
type nav struct {
	Key, Label, Href string
}

func navFor(p *access.Principal) []nav {
	items := []nav{{"home", "工作台", "/"}}
	if p == nil {
		return nil
	}
	if p.Can(access.ApplicationsRegister) {
		items = append(items, nav{"window", "窗口接待", "/intake/new"})
	}
	if p.Can(access.ApplicationsRegister) || p.Can(access.ApplicationsReview) || p.Can(access.MediationHandle) {
		items = append(items, nav{"applications", "立案审查", "/applications"})
	}
	if p.Can(access.ApplicationsRegister) {
		items = append(items, nav{"bulk", "批量立案", "/intake/batches"})
	}
	if p.Can(access.ApplicationsReview) {
		items = append(items, nav{"restoration", "恢复执行审查", "/restoration-proposals"})
	}
	if p.Can(access.AgencyAnswer) {
		items = append(items, nav{"portal", "协助请求", "/portal"})
	}
	if p.Can(access.AssetsControl) {
		items = append(items, nav{"transfers", "商请移送", "/transfer-requests"})
	}
	if p.Can(access.CasesRead) {
		items = append(items, nav{"cases", "案件", "/cases"})
	}
	if canFundsDesk(p) {
		items = append(items, nav{"funds", "案款", "/funds"})
	}
	if p.Can(access.CasesRead) {
		items = append(items, nav{"kpis", "执行指标", "/kpis"})
		items = append(items, nav{"board", "指挥大屏", "/board"})
		items = append(items, nav{"reports", "周通报", "/reports/weekly"})
		items = append(items, nav{"supervision", "督办", "/supervision"})
	}
	if p.Can(access.FieldManage) {
		items = append(items, nav{"field", "外勤事务", "/field-tasks"})
	}
	if p.Can(access.EntrustManage) {
		items = append(items, nav{"entrust", "事项委托", "/entrusted-matters"})
	}
	if p.Can(access.DisposalManage) {
		items = append(items, nav{"disposals", "财产处置", "/disposals"})
	}
	if p.Can(access.CasesRead) {
		items = append(items, nav{"sanctions", "失信与限消", "/sanctions/dishonest"})
	}
	if p.Can(access.FieldWork) {
		items = append(items, nav{"field-mine", "我的外勤任务", "/field-tasks/mine"})
	}
	if p.Can(access.RemediesManage) || p.Can(access.ClockExtend) {
		items = append(items, nav{"remedies", "执行救济", "/remedies"})
	}
	if p.Can(access.HotlineManage) {
		items = append(items, nav{"hotline", "热线", "/hotline"})
	}
	if p.Can(access.TriageManage) {
		items = append(items, nav{"triage", "分案规则", "/triage"})
	}
	if p.Can(access.UsersRead) {
		items = append(items, nav{"users", "用户", "/admin/users"})
	}
	if p.Scope != access.ScopeNone {
		items = append(items, nav{"teams", "团队", "/admin/teams"})
	}
	if p.Can(access.CourtsManage) {
		items = append(items, nav{"courts", "法院", "/admin/courts"})
	}
	if p.Can(access.RolesManage) {
		items = append(items, nav{"roles", "角色与权限", "/admin/roles"})
	}
	if p.Can(access.ReferenceManage) {
		items = append(items, nav{"reference", "参考数据", "/admin/reference"})
	}
	if p.Can(access.ReferenceManage) {
		items = append(items, nav{"calendar", "节假日", "/admin/calendar"})
	}
	if p.Can(access.ReferenceManage) || p.Can(access.RulesManage) {
		items = append(items, nav{"rules", "规则参数", "/admin/rules"})
	}
	if p.Can(access.AuditRead) {
		items = append(items, nav{"audit", "审计日志", "/admin/audit"})
		items = append(items, nav{"jobs", "后台任务", "/admin/jobs"})
	}
	return items
}

// view is what every page template receives.
type view struct {
	Title   string
	Active  string
	P       *access.Principal
	Nav     []nav
	Notice  string
	Version string
	Data    any
	// Public marks a page for anyone (the mass-claim registration): no
	// navigation, no signed-in user shown.
	Public bool
}

var notices = map[string]string{
	"created":    "已新建。",
	"saved":      "已保存。",
	"disabled":   "已停用该用户，其全部会话已注销。",
	"enabled":    "已启用该用户。",
	"password":   "密码已修改，您在其他设备上的登录已注销。",
	"loggedout":  "您已退出登录。",
	"registered": "申请已登记。",
	"materials":  "材料清单已更新。",
	"refused":    "已作出不予受理决定。",
	"mediation":  "已转执诉前调。",
	"notice":     "已记录执前督促通知。",
	"contact":    "已记录联系情况。",
	"outcome":    "已记录调解结果。",
	"filed":      "已立案。",
	"transition": "案件状态已变更。",
	"assigned":   "已分案。",
	"measure":    "已记录执行措施。",
	"withdrawn":  "已撤回该执行措施记录。",
	"requested":  "申请已提交，等待审批。",
	"decided":    "已审批。",
	"activated":  "规则集已启用。",
	"uploaded":   "文件已上传，正在逐行处理。",
	"duplicate":  "同一文件已上传过，以下是上次的处理结果；没有重复登记。",
	"retried":    "任务已重新排队。",
	"cancelled":  "任务已取消。",
	"deleted":    "已删除。",
}

// render writes page name with data.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name, title, active string, data any) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	p := access.From(r.Context())
	v := view{Title: title, Active: active, P: p, Nav: navFor(p), Version: u.Version, Data: data,
		Notice: notices[r.URL.Query().Get("done")]}
	return u.write(w, t, status, v, "same-origin")
}

// renderPublic writes a page for anyone, signed in or not: the layout
// without navigation or user, notice shown as given. Its address may carry
// a participant's token, so no referrer leaves it.
func (u *UI) renderPublic(w http.ResponseWriter, status int, name, title, notice string, data any) error {
	t, ok := u.pages[name]
	if !ok {
		return fmt.Errorf("ui: no page %q", name)
	}
	return u.write(w, t, status, view{Title: title, Version: u.Version, Data: data, Notice: notice, Public: true}, "no-referrer")
}

// write executes a page's layout with v and writes it with the security
// headers every page gets.
func (u *UI) write(w http.ResponseWriter, t *template.Template, status int, v view, referrer string) error {
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", referrer)
	h.Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")
	w.WriteHeader(status)
	_, err := w.Write(buf.Bytes())
	return err
}

type errorView struct {
	Status    int
	Heading   string
	Detail    string
	RequestID string
}

// Error renders err as a page: sign-in for the unauthenticated, a Chinese
// explanation for everything else. Unexpected errors are logged, not shown.
func (u *UI) Error(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := apperr.As(err)
	if !ok {
		reqid.RecordError(r.Context(), err) // logged with the request, never shown
		e = &apperr.Error{Kind: apperr.Internal, Detail: "服务器内部错误，请稍后重试；如果问题持续，请把下面的请求编号告诉系统管理员。"}
	}
	if e.Kind == apperr.Unauthenticated && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	status := httperr.Status(e.Kind)
	heading := map[int]string{http.StatusNotFound: "页面或对象不存在", http.StatusInternalServerError: "出错了"}[status]
	if heading == "" {
		heading = httperr.Title(status)
	}
	rerr := u.render(w, r, status, "error", heading, "", errorView{Status: status, Heading: heading, Detail: e.Detail,
		RequestID: reqid.From(r.Context())})
	if rerr != nil {
		http.Error(w, e.Detail, status)
	}
}

// formErrors turns an input error into messages per form field ("username",
// not "body.username"), and a message for the top of the form. Errors that
// are not about input are returned for the error page.
func formErrors(err error) (map[string]string, string, error) {
	e, ok := apperr.As(err)
	if !ok || e.Kind != apperr.Invalid && e.Kind != apperr.Conflict && e.Kind != apperr.Forbidden {
		return nil, "", err
	}
	fields := map[string]string{}
	for _, f := range e.Fields {
		name := f.Field
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			name = name[i+1:]
		}
		fields[name] = f.Detail
	}
	return fields, e.Detail, nil
}

// formID reads an optional id from a form value.
func formID(r *http.Request, name string) (uuid.UUID, error) {
	id, err := formIDValue(r.FormValue(name))
	if err != nil {
		return uuid.Nil, apperr.InvalidField("invalid_id", "body."+name, "标识符格式不正确")
	}
	return id, nil
}

// formIDValue parses an optional id: "" is uuid.Nil.
func formIDValue(s string) (uuid.UUID, error) {
	if s = strings.TrimSpace(s); s == "" {
		return uuid.Nil, nil
	}
	return uuid.Parse(s)
}

// pathID reads the {id} of the path; a malformed one is "not found".
func pathID(r *http.Request) (uuid.UUID, error) {
	id, err := uuid.Parse(r.PathValue("id"))
	if err != nil {
		return uuid.Nil, apperr.NotFoundf("对象")
	}
	return id, nil
}

// parseForm reads a form of at most 1 MiB.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.New(apperr.TooLarge, "body_too_large", "提交的内容过大")
		}
		return apperr.New(apperr.BadRequest, "bad_form", "表单无法解析")
	}
	return nil
}

func redirect(w http.ResponseWriter, r *http.Request, to, done string) {
	if done != "" {
		sep := "?"
		if strings.Contains(to, "?") {
			sep = "&"
		}
		to += sep + "done=" + done
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// setSessionCookie stores a session token in the browser.
func setSessionCookie(w http.ResponseWriter, r *http.Request, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
