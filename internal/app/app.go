// Package app wires zhixing together: configuration, database, services and
// the HTTP server, and runs the server's life from first start to graceful
// shutdown. The command line (cmd/zhixing) is a thin layer over it.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zhixing-court/zhixing/internal/disposal"
	simauction "github.com/zhixing-court/zhixing/internal/sim/auction"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/schema"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/web"
)

// Version is set at build time (-ldflags "-X …/internal/app.Version=1.2.3").
var Version = "dev"

// VersionString describes the build.
func VersionString() string {
	v := Version
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v += " (" + s.Value[:12] + ")"
			}
		}
		v += " " + info.GoVersion
	}
	return v
}

// App is an opened zhixing: configuration, database and services.
type App struct {
	Cfg  config.Config
	DB   *store.DB
	Auth *auth.Service

	// AuthConfig is the base configuration of the users-and-sessions service;
	// the session lifetimes of Cfg override its own. Tests make hashing cheap
	// and the login throttle generous with it.
	AuthConfig auth.Config
	// CodeLimit bounds the public phone-code requests per client address
	// (zero: web.DefaultCodeLimit).
	CodeLimit web.Limit
	// Log is the server's logger (slog.Default() when nil).
	Log *slog.Logger

	schemaOK   atomic.Bool
	simKey     assets.SimKey
	bankSecret []byte
	bank       bank.Client // the custody bank's connector, once serve started it
}

// Open creates the data directory if needed and opens the database. An
// unreachable database is an error that says so.
func Open(ctx context.Context, cfg config.Config) (*App, error) {
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("无法创建数据目录 %s：%w", cfg.DataDir, err)
	}
	db, err := store.Open(ctx, cfg.DB, store.Options{})
	if err != nil {
		var hint string
		if store.IsPostgresURL(cfg.DB) {
			hint = "请检查 PostgreSQL 是否在运行、连接串（ZHIXING_DB 或 --db）是否正确"
		} else {
			hint = "请检查文件路径和权限（ZHIXING_DB 或 --db）"
		}
		return nil, fmt.Errorf("无法打开数据库 %s：%w；%s", redacted(cfg.DB), err, hint)
	}
	return &App{Cfg: cfg, DB: db}, nil
}

func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && store.IsPostgresURL(dsn) {
		return u.Redacted()
	}
	return dsn
}

// Close closes the database.
func (a *App) Close() error { return a.DB.Close() }

// Services builds the services once the database is ready.
func (a *App) services() {
	if a.Auth == nil {
		c := a.AuthConfig
		c.SessionTTL, c.IdleTimeout = a.Cfg.SessionTTL, a.Cfg.SessionIdle
		a.Auth = auth.New(a.DB, c)
	}
}

// AuthService returns the users-and-sessions service.
func (a *App) AuthService() *auth.Service {
	a.services()
	return a.Auth
}

// Migrate brings the database up to date.
func (a *App) Migrate(ctx context.Context) (store.MigrateResult, error) {
	return schema.Migrate(ctx, a.DB)
}

// CheckSchema returns an error when the database needs migrating.
func (a *App) CheckSchema(ctx context.Context) error {
	st, err := schema.Status(ctx, a.DB)
	if err != nil {
		return err
	}
	if st.Pending > 0 {
		return apperr.New(apperr.Unavailable, "schema_outdated",
			fmt.Sprintf("数据库尚未迁移到最新版本（还有 %d 项），请先运行 zhixing migrate", st.Pending))
	}
	return nil
}

// Ready reports whether the server can do its work: the database is
// migrated. Once it is, the answer is kept: a schema does not go back.
func (a *App) Ready(ctx context.Context) error {
	if a.schemaOK.Load() {
		return nil
	}
	if err := a.CheckSchema(ctx); err != nil {
		return err
	}
	a.schemaOK.Store(true)
	return nil
}

// Handler returns the HTTP handler of the whole site.
func (a *App) Handler() http.Handler {
	a.services()
	disposal.UseIfUnset(a.DB, simauction.New(simauction.Options{})) // the in-process auction platform (a test may have set its own)
	key, err := a.AgencyKey()
	if err != nil {
		a.log().Warn("agency key unavailable: agency callbacks will be refused", "err", err)
	}
	return web.NewHandler(web.Options{DB: a.DB, Auth: a.Auth, Version: Version, Ready: a.Ready, Log: a.Log,
		TrustedProxies: a.Cfg.TrustedProxies, AgencyKey: key, CodeLimit: a.CodeLimit})
}

// Serve runs the server on addr until ctx is cancelled: it claims the
// database (SQLite allows one server), migrates, creates the first accounts
// on a new database, listens, and on cancellation stops taking requests,
// lets those in flight finish (up to 30 s) and returns. Information for the
// person starting it (the URL, the demo logins) goes to out.
func (a *App) Serve(ctx context.Context, out io.Writer) error {
	ln, err := net.Listen("tcp", a.Cfg.Addr)
	if err != nil {
		return fmt.Errorf("无法在 %s 上监听（ZHIXING_ADDR 或 --addr）：%w", a.Cfg.Addr, err)
	}
	return a.ServeListener(ctx, ln, out)
}

// ServeListener is Serve on a listener the caller opened.
func (a *App) ServeListener(ctx context.Context, ln net.Listener, out io.Writer) error {
	defer ln.Close()
	release, err := a.DB.ClaimServer()
	if err != nil {
		return err
	}
	defer release()
	res, err := a.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("数据库迁移失败：%w", err)
	}
	if len(res.Versions) > 0 || len(res.Seeds) > 0 {
		a.log().Info("database migrated", "versions", res.Versions, "seeds", res.Seeds)
	}
	a.services()
	base := "http://" + displayAddr(ln.Addr())
	if err := a.firstStart(ctx, out, base); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       2 * time.Minute,
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.log().Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	a.log().Info("listening", "url", base+"/", "engine", a.DB.Engine(), "db", a.DB.Redacted(), "version", Version)
	fmt.Fprintf(out, "zhixing %s 已启动：%s/ （数据库：%s %s）\n", Version, base, a.DB.Engine().Label(), a.DB.Redacted())

	// The job runner stops after the server (requests enqueue jobs) and
	// before the database closes; jobs interrupted go back to pending.
	bg, stopBG := context.WithCancel(context.WithoutCancel(ctx))
	var bgDone sync.WaitGroup
	defer bgDone.Wait()
	defer stopBG()

	// Payouts to the custody bank (and its simulator) stop after the server
	// too: a payout in flight is sent again under the same reference. They
	// start before the runner, whose daily reconciliation needs the bank.
	stopFunds, err := a.startFunds(bg)
	if err != nil {
		return err
	}
	defer stopFunds()
	runner := a.Runner(jobs.Options{Workers: a.Cfg.JobWorkers})
	bgDone.Go(func() { _ = runner.Run(bg) })

	// The 查控 dispatcher (and the agency simulator) stop after the server
	// too; requests in flight are sent again later under the same ids.
	stopAssets, err := a.startAssets(bg, base)
	if err != nil {
		return err
	}
	defer stopAssets()

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log().Info("shutting down: finishing requests in flight")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	a.log().Info("stopped")
	return nil
}

func (a *App) log() *slog.Logger {
	if a.Log == nil {
		return slog.Default()
	}
	return a.Log
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return a.String()
	}
	if tcp.IP.IsUnspecified() {
		return net.JoinHostPort("localhost", fmt.Sprint(tcp.Port))
	}
	return tcp.String()
}

// demoAccount is one account created at first start.
type demoAccount struct {
	Role, Username, Name, Court, Team string
	Agency                            string // an agency operator's agency
}

// demoAccounts: one per role, most in 三水 (the court of scenario S1); the
// president and bureau chief sit at 佛山中院 to show a view over its basic
// courts; the system administrator at 最高法.
var demoAccounts = []demoAccount{
	{access.RoleSysAdmin, "admin", "系统管理员", "最高法", "", ""},
	{access.RoleCourtAdmin, "court.admin", "黄志强", "粤0607", "", ""},
	{access.RolePostJudge, "judge", "李明", "粤0607", "速执团队", ""},
	{access.RoleJudgeAssistant, "assistant", "陈静", "粤0607", "速执团队", ""},
	{access.RoleClerk, "clerk", "王芳", "粤0607", "速执团队", ""},
	{access.RoleCommandCenter, "command", "赵磊", "粤0607", "执行指挥中心", ""},
	{access.RoleTeamLeader, "leader", "刘洋", "粤0607", "速执团队", ""},
	{access.RoleBureauChief, "chief", "周建华", "粤06", "", ""},
	{access.RolePresident, "president", "吴国栋", "粤06", "", ""},
	{access.RoleFieldOfficer, "field", "孙伟", "粤0607", "外勤组", ""},
	{access.RoleWindowReception, "reception", "郑丽", "粤0607", "窗口接待组", ""},
	{access.RoleMediator, "mediator", "冯敏", "粤0607", "执诉前调组", ""},
	{access.RoleAgencyOperator, "agency", "何晓（佛山市市场监督管理局）", "粤0607", "", "fs-amr"},
}

// firstStart creates the first accounts of a new database: one demo account
// per role (or, with demo off, the system administrator only), with random
// passwords printed once to out. Only their hashes are stored.
func (a *App) firstStart(ctx context.Context, out io.Writer, base string) error {
	n, err := a.Auth.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	accounts := demoAccounts
	if !a.Cfg.Demo {
		accounts = accounts[:1]
	}
	sys := access.With(ctx, access.System("首次启动"))
	var ins []auth.UserInput
	for _, d := range accounts {
		court, err := org.CourtByCode(sys, a.DB, d.Court)
		if err != nil {
			return fmt.Errorf("首次启动：找不到法院 %s：%w", d.Court, err)
		}
		in := auth.UserInput{CourtID: court.ID, Username: d.Username, DisplayName: d.Name, Role: d.Role, AgencyCode: d.Agency,
			Password: auth.GeneratePassword()}
		if d.Team != "" {
			if in.TeamID, err = org.TeamByName(sys, a.DB, court.ID, d.Team); err != nil {
				return fmt.Errorf("首次启动：%s 没有团队 %s：%w", court.ShortName, d.Team, err)
			}
		}
		ins = append(ins, in)
	}
	// All accounts in one transaction: a start that fails half-way leaves
	// none, and the next start makes them all again.
	created, err := a.Auth.CreateUsers(sys, ins)
	if err != nil {
		return fmt.Errorf("首次启动：创建账户：%w", err)
	}
	if a.Cfg.Demo {
		fmt.Fprintf(out, "\n首次启动：已创建演示法院和每个角色的演示账户。密码只显示这一次，数据库中只保存其哈希；\n"+
			"忘记时用 zhixing user reset-password --username <用户名> 重设。登录：%s/login\n\n", base)
	} else {
		fmt.Fprintf(out, "\n首次启动：已创建系统管理员账户。密码只显示这一次，数据库中只保存其哈希。登录：%s/login\n\n", base)
	}
	roles, err := auth.Roles(sys, a.DB)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, r := range roles {
		names[r.Code] = r.Name
	}
	rows := [][]string{{"角色", "用户名", "密码", "法院"}}
	for i, u := range created {
		rows = append(rows, []string{names[u.Role], u.Username, ins[i].Password, u.CourtName})
	}
	if err := textutil.WriteTable(out, "  ", rows); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return nil
}
