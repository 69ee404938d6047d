package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os/user"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/supervise"
	"github.com/zhixing-court/zhixing/internal/textutil"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

const usage = `zhixing — 执行事务平台

用法：
  zhixing serve [参数]                  启动服务（默认使用 ./zhixing-data 中的 SQLite）
  zhixing migrate [参数]                把数据库迁移到最新版本（可重复运行）
  zhixing user add --court 代字 --role 角色 --username 用户名 [--name 姓名] [--team 团队] [--phone 手机] [--must-change]
                                        新建用户；密码从标准输入读取一行
  zhixing user list [--court 代字] [--role 角色] [--all]
  zhixing user reset-password --username 用户名 [--generate]
                                        重设密码：从标准输入读取一行，或 --generate 生成并显示
  zhixing user disable|enable --username 用户名
  zhixing audit verify                  核验每个法院的审计链；发现篡改时以非零状态退出
  zhixing funds verify                  核验案款账：每笔转账借贷平衡、各分户余额与分录相符、专户与各分户合计相等
  zhixing metrics verify                核验执行指标的累计数：按全部案件重新计算，须与实时累计一致
  zhixing metrics rebuild               按全部案件重新计算执行指标的累计数并替换
  zhixing supervise scan [--date YYYY-MM-DD]
                                        执行督办日常扫描：到期的节点发起或预警督办，逾期未答复的逐级升级
  zhixing supervise rewatch --court 代字  用本院正在执行的督办规则重新评估全部在办对象
  zhixing bench intake [--cases N] [--runs N]
                                        在临时数据库上测量立案性能（PERFORMANCE.md P1）
  zhixing bench inquiry [--cases N[,M]] [--faults] [--unlimited]
                                        测量查控消息吞吐与内存，并核对无丢失、无重复（P4）
  zhixing bench ledger [--transfers N] [--workers N]
                                        测量案款账转账速率（P5），结束后核验案款账
  zhixing bench claims [--duration 5s] [--workers N]
                                        测量接口读取案件与涉众登记的速率和延迟（P6）
  zhixing sim agencies [--addr 127.0.0.1:7070] [--time-scale 0.01]
                                        单独运行协执单位模拟器（serve 默认在进程内运行）
  zhixing sim bank [--addr 127.0.0.1:7071] [--time-scale 0.01]
                                        单独运行托管银行模拟器（serve 默认在进程内运行）
  zhixing version

通用参数（也可用环境变量）：
  --db          ZHIXING_DB          SQLite 文件路径或 postgres:// 连接串
  --data-dir    ZHIXING_DATA_DIR    数据目录（默认 zhixing-data）
  --log-level   ZHIXING_LOG_LEVEL   debug、info、warn、error
serve 另有：
  --addr        ZHIXING_ADDR        监听地址（默认 127.0.0.1:8080）
  --session-ttl ZHIXING_SESSION_TTL 会话最长有效期（默认 12h）
  --session-idle ZHIXING_SESSION_IDLE 会话闲置失效（默认 2h）
  --demo        ZHIXING_DEMO        首次启动时创建演示账户（默认 true）
  --trusted-proxies ZHIXING_TRUSTED_PROXIES 可信反向代理的地址或网段（逗号分隔），只采信它们转来的 X-Forwarded-For
`

// env is what a command runs with.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
}

func (e *env) fail(format string, args ...any) int {
	fmt.Fprintf(e.stderr, "zhixing: "+format+"\n", args...)
	return exitFail
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return e.serve(rest)
	case "migrate":
		return e.migrate(rest)
	case "user":
		return e.user(rest)
	case "audit":
		if len(rest) == 0 || rest[0] != "verify" {
			fmt.Fprint(stderr, "用法：zhixing audit verify [参数]\n")
			return exitUsage
		}
		return e.auditVerify(rest[1:])
	case "funds":
		if len(rest) == 0 || rest[0] != "verify" {
			fmt.Fprint(stderr, "用法：zhixing funds verify [参数]\n")
			return exitUsage
		}
		return e.fundsVerify(rest[1:])
	case "metrics":
		if len(rest) == 0 || rest[0] != "verify" && rest[0] != "rebuild" {
			fmt.Fprint(stderr, "用法：zhixing metrics verify|rebuild [参数]\n")
			return exitUsage
		}
		return e.metrics(rest[0], rest[1:])
	case "supervise":
		if len(rest) == 0 || rest[0] != "scan" && rest[0] != "rewatch" {
			fmt.Fprint(stderr, "用法：zhixing supervise scan|rewatch [参数]\n")
			return exitUsage
		}
		return e.supervise(rest[0], rest[1:])
	case "bench":
		return e.bench(rest)
	case "sim":
		return e.sim(rest)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "zhixing", app.VersionString())
		return exitOK
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	fmt.Fprintf(stderr, "zhixing: 未知命令 %q\n\n%s", cmd, usage)
	return exitUsage
}

// flags parses the common flags (and the server's, for serve) plus those
// extra adds, and opens the app.
func (e *env) open(name string, args []string, server bool, extra func(*flag.FlagSet)) (*app.App, int) {
	fs := flag.NewFlagSet("zhixing "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	build := config.Flags(fs, e.getenv, server)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return nil, exitUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "zhixing %s: 多余的参数 %q\n", name, fs.Args())
		return nil, exitUsage
	}
	cfg, err := build()
	if err != nil {
		fmt.Fprintf(e.stderr, "zhixing: %v\n", err)
		return nil, exitUsage
	}
	a, err := app.Open(e.ctx, cfg)
	if err != nil {
		return nil, e.fail("%v", err)
	}
	a.Log = slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	return a, exitOK
}

func (e *env) serve(args []string) int {
	a, code := e.open("serve", args, true, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	if err := a.Serve(e.ctx, e.stdout); err != nil {
		return e.fail("%v", err)
	}
	return exitOK
}

func (e *env) migrate(args []string) int {
	a, code := e.open("migrate", args, false, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	// On SQLite, migrate only where no server runs (a server migrates its
	// database itself at start); PostgreSQL serialises migrations with a lock.
	release, err := a.DB.ClaimServer()
	if err != nil {
		return e.fail("%v", err)
	}
	defer release()
	res, err := a.Migrate(e.ctx)
	if err != nil {
		return e.fail("迁移失败：%v", err)
	}
	if len(res.Versions) == 0 && len(res.Seeds) == 0 {
		fmt.Fprintln(e.stdout, "数据库已是最新版本，无需迁移。")
		return exitOK
	}
	fmt.Fprintf(e.stdout, "已应用迁移 %v；已载入参考数据 %v。\n", res.Versions, res.Seeds)
	return exitOK
}

// cli is the principal of command-line work, named after the operating
// system user for the audit log.
func (e *env) cli(ctx context.Context) context.Context {
	name := "命令行"
	if u, err := user.Current(); err == nil {
		name += "（" + u.Username + "）"
	}
	return access.With(ctx, access.System(name))
}

// ready opens the app for a command that needs a current schema.
func (e *env) ready(name string, args []string, extra func(*flag.FlagSet)) (*app.App, context.Context, int) {
	a, code := e.open(name, args, false, extra)
	if a == nil {
		return nil, nil, code
	}
	if err := a.CheckSchema(e.ctx); err != nil {
		a.Close()
		return nil, nil, e.fail("%v", err)
	}
	return a, e.cli(e.ctx), exitOK
}

func (e *env) readPassword() (string, error) {
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	pw := strings.TrimRight(line, "\r\n")
	if pw == "" {
		return "", errors.New("没有从标准输入读到密码（例如：echo '密码' | zhixing user add …）")
	}
	return pw, nil
}

func (e *env) user(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, "用法：zhixing user add|list|reset-password|disable|enable [参数]\n")
		return exitUsage
	}
	switch args[0] {
	case "add":
		return e.userAdd(args[1:])
	case "list":
		return e.userList(args[1:])
	case "reset-password":
		return e.userResetPassword(args[1:])
	case "disable", "enable":
		return e.userSetDisabled(args[0], args[1:])
	}
	fmt.Fprintf(e.stderr, "zhixing user: 未知子命令 %q\n", args[0])
	return exitUsage
}

func (e *env) userAdd(args []string) int {
	var court, role, username, name, team, phone string
	var mustChange bool
	a, ctx, code := e.ready("user add", args, func(fs *flag.FlagSet) {
		fs.StringVar(&court, "court", "", "法院代字，如 粤0607（必填）")
		fs.StringVar(&role, "role", "", "角色代码，如 clerk（必填）")
		fs.StringVar(&username, "username", "", "用户名（必填）")
		fs.StringVar(&name, "name", "", "姓名（默认同用户名）")
		fs.StringVar(&team, "team", "", "团队名称或 ID")
		fs.StringVar(&phone, "phone", "", "手机号码")
		fs.BoolVar(&mustChange, "must-change", false, "首次登录须修改密码")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if court == "" || role == "" || username == "" {
		fmt.Fprintln(e.stderr, "zhixing user add: --court、--role 和 --username 必须给出")
		return exitUsage
	}
	if name == "" {
		name = username
	}
	c, err := org.CourtByCode(ctx, a.DB, court)
	if err != nil {
		return e.fail("%s", detail(err))
	}
	in := auth.UserInput{CourtID: c.ID, Username: username, DisplayName: name, Role: role, Phone: phone, MustChangePassword: mustChange}
	if team != "" {
		if id, err := uuid.Parse(team); err == nil {
			in.TeamID = id
		} else if in.TeamID, err = org.TeamByName(ctx, a.DB, c.ID, team); err != nil {
			return e.fail("%s：%s", c.ShortName, detail(err))
		}
	}
	if in.Password, err = e.readPassword(); err != nil {
		return e.fail("%v", err)
	}
	u, err := a.AuthService().CreateUser(ctx, in)
	if err != nil {
		return e.fail("%s", detail(err))
	}
	fmt.Fprintf(e.stdout, "已新建用户 %s（%s，%s，%s），ID %s\n", u.Username, u.DisplayName, u.RoleName, u.CourtName, u.ID)
	return exitOK
}

func (e *env) userList(args []string) int {
	var court, role string
	var all bool
	a, ctx, code := e.ready("user list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&court, "court", "", "只列此法院（代字）")
		fs.StringVar(&role, "role", "", "只列此角色")
		fs.BoolVar(&all, "all", false, "包括已停用的用户")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	f := auth.UserFilter{Role: role, IncludeDisabled: all}
	if court != "" {
		c, err := org.CourtByCode(ctx, a.DB, court)
		if err != nil {
			return e.fail("%s", detail(err))
		}
		f.CourtID = c.ID
	}
	rows := [][]string{{"用户名", "姓名", "角色", "法院", "团队", "状态"}}
	req := page.Request{Limit: page.MaxLimit}
	for {
		pg, err := a.AuthService().ListUsers(ctx, f, req)
		if err != nil {
			return e.fail("%s", detail(err))
		}
		for _, u := range pg.Items {
			state := "在用"
			if u.Disabled() {
				state = "已停用"
			}
			rows = append(rows, []string{u.Username, u.DisplayName, u.RoleName, u.CourtCode, u.TeamName, state})
		}
		if pg.NextCursor == "" {
			break
		}
		req.Cursor = pg.NextCursor
	}
	if err := textutil.WriteTable(e.stdout, "", rows); err != nil {
		return e.fail("%v", err)
	}
	return exitOK
}

func (e *env) userResetPassword(args []string) int {
	var username string
	var generate bool
	a, ctx, code := e.ready("user reset-password", args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "用户名（必填）")
		fs.BoolVar(&generate, "generate", false, "生成随机密码并显示")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if username == "" {
		fmt.Fprintln(e.stderr, "zhixing user reset-password: --username 必须给出")
		return exitUsage
	}
	u, err := a.AuthService().UserByUsername(ctx, username)
	if err != nil {
		return e.fail("%s", detail(err))
	}
	pw := ""
	if !generate {
		if pw, err = e.readPassword(); err != nil {
			return e.fail("%v", err)
		}
	}
	pw, err = a.AuthService().ResetPassword(ctx, u.ID, pw)
	if err != nil {
		return e.fail("%s", detail(err))
	}
	if generate {
		fmt.Fprintf(e.stdout, "已为 %s 设置新密码：%s\n", u.Username, pw)
	} else {
		fmt.Fprintf(e.stdout, "已为 %s 设置新密码。\n", u.Username)
	}
	fmt.Fprintln(e.stdout, "其全部会话已注销；下次登录须修改密码。")
	return exitOK
}

func (e *env) userSetDisabled(verb string, args []string) int {
	var username string
	a, ctx, code := e.ready("user "+verb, args, func(fs *flag.FlagSet) {
		fs.StringVar(&username, "username", "", "用户名（必填）")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	if username == "" {
		fmt.Fprintf(e.stderr, "zhixing user %s: --username 必须给出\n", verb)
		return exitUsage
	}
	u, err := a.AuthService().UserByUsername(ctx, username)
	if err != nil {
		return e.fail("%s", detail(err))
	}
	if _, err := a.AuthService().SetDisabled(ctx, u.ID, verb == "disable"); err != nil {
		return e.fail("%s", detail(err))
	}
	if verb == "disable" {
		fmt.Fprintf(e.stdout, "已停用用户 %s，其全部会话已注销。\n", u.Username)
	} else {
		fmt.Fprintf(e.stdout, "已启用用户 %s。\n", u.Username)
	}
	return exitOK
}

func (e *env) auditVerify(args []string) int {
	a, ctx, code := e.ready("audit verify", args, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	rep, err := audit.Verify(ctx, a.DB)
	if err != nil {
		return e.fail("核验中断：%v", err)
	}
	if !rep.OK() {
		fmt.Fprintf(e.stdout, "审计日志核验失败：%d 条审计链、%d 条记录中发现 %d 处问题：\n", rep.Chains, rep.Records, len(rep.Problems))
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, "  "+p.String())
		}
		return exitFail
	}
	fmt.Fprintf(e.stdout, "审计日志完好：%d 条审计链，共 %d 条记录，哈希与链接全部相符。\n", rep.Chains, rep.Records)
	return exitOK
}

func (e *env) fundsVerify(args []string) int {
	a, ctx, code := e.ready("funds verify", args, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	rep, err := funds.Verify(ctx, a.DB)
	if err != nil {
		return e.fail("核验中断：%v", err)
	}
	if !rep.OK() {
		fmt.Fprintf(e.stdout, "案款账核验失败：%d 笔转账、%d 条分录、%d 个账户中发现问题：\n", rep.Transfers, rep.Postings, rep.Accounts)
		for _, p := range rep.Problems {
			fmt.Fprintln(e.stdout, "  "+p)
		}
		return exitFail
	}
	fmt.Fprintf(e.stdout, "案款账完好：%d 笔转账、%d 条分录、%d 个账户，借贷平衡，分户余额与分录相符。\n", rep.Transfers, rep.Postings, rep.Accounts)
	for _, c := range rep.Courts {
		fmt.Fprintf(e.stdout, "  %s 执行款专户 %s，各分户合计 %s\n", c.Code, triage.FormatYuan(c.HeldFen), triage.FormatYuan(c.OwedFen))
	}
	return exitOK
}

// metrics verifies or rebuilds the KPI aggregates.
func (e *env) metrics(what string, args []string) int {
	a, ctx, code := e.ready("metrics "+what, args, nil)
	if a == nil {
		return code
	}
	defer a.Close()
	run := metrics.Verify
	if what == "rebuild" {
		run = metrics.Rebuild
	}
	rep, err := run(ctx, a.DB)
	if err != nil {
		return e.fail("中断：%v", err)
	}
	for _, m := range rep.First {
		b := m.Bucket
		who := fmt.Sprintf("团队 %s 承办人 %s", b.TeamID, b.HandlerID)
		switch b.Grain {
		case metrics.GrainDay:
			who = "全院按日汇总"
		case metrics.GrainMonth:
			who = "全院按月汇总"
		}
		fmt.Fprintf(e.stdout, "  %s %s %s %s %s：应为 %+v，累计 %+v\n", b.CourtID, b.Day, who, b.CaseType, b.Lane, m.Want, m.Got)
	}
	switch {
	case what == "rebuild":
		fmt.Fprintf(e.stdout, "已按 %d 件案件重新计算执行指标：%d 组；重算前有 %d 组不一致。\n", rep.Cases, rep.Buckets, rep.Mismatches)
	case !rep.OK():
		fmt.Fprintf(e.stdout, "执行指标核验失败：%d 件案件、%d 组中 %d 组与实时累计不一致（见上）。可用 zhixing metrics rebuild 重算。\n", rep.Cases,
			rep.Buckets, rep.Mismatches)
		return exitFail
	default:
		fmt.Fprintf(e.stdout, "执行指标完好：%d 件案件、%d 组，实时累计与重新计算一致。\n", rep.Cases, rep.Buckets)
	}
	return exitOK
}

// supervise runs the daily supervision scan or re-reads a court's open
// subjects with its rules.
func (e *env) supervise(what string, args []string) int {
	var day, court string
	a, ctx, code := e.ready("supervise "+what, args, func(fs *flag.FlagSet) {
		fs.StringVar(&day, "date", "", "扫描日期（默认今天）")
		fs.StringVar(&court, "court", "", "法院代字")
	})
	if a == nil {
		return code
	}
	defer a.Close()
	var c supervise.Counts
	var err error
	switch what {
	case "scan":
		today := legal.Today(time.Now())
		if day != "" {
			if today, err = legal.ParseDate(day); err != nil {
				return e.fail("日期应为 YYYY-MM-DD：%s", day)
			}
		}
		c, err = supervise.Scan(ctx, a.DB, today)
	default:
		if court == "" {
			return e.fail("请用 --court 指定法院代字")
		}
		ct, cerr := org.CourtByCode(ctx, a.DB, court)
		if cerr != nil {
			return e.fail("没有代字为 %s 的法院", court)
		}
		c, err = supervise.Rewatch(ctx, a.DB, ct.ID)
	}
	if err != nil {
		return e.fail("中断：%v", err)
	}
	fmt.Fprintf(e.stdout, "督办%s完成：查看 %d 个对象，发起 %d 项、预警 %d 项、自动消除 %d 项、升级 %d 项。\n",
		map[string]string{"scan": "扫描", "rewatch": "重新评估"}[what], c.Subjects, c.Raised, c.Warned, c.Cleared, c.Escalated)
	return exitOK
}

// detail is the Chinese message of an error.
func detail(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return err.Error()
	}
	msg := e.Detail
	for _, f := range e.Fields {
		if f.Detail != msg {
			msg += "；" + f.Detail
		}
	}
	return msg
}
