package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// result is what a command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

func zhixing(t *testing.T, ctx context.Context, stdin string, env map[string]string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	return result{code, out.String(), errOut.String()}
}

func (r result) must(t *testing.T, code int, contains ...string) {
	t.Helper()
	all := r.stdout + r.stderr
	if r.code != code {
		t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, code, r.stdout, r.stderr)
	}
	for _, c := range contains {
		if !strings.Contains(all, c) {
			t.Fatalf("output lacks %q\nstdout: %s\nstderr: %s", c, r.stdout, r.stderr)
		}
	}
}

func TestUsageAndVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zhixing(t, ctx, "", nil).must(t, exitUsage, "用法")
	zhixing(t, ctx, "", nil, "frobnicate").must(t, exitUsage, "未知命令")
	zhixing(t, ctx, "", nil, "version").must(t, exitOK, "zhixing")
	zhixing(t, ctx, "", nil, "audit").must(t, exitUsage, "audit verify")
	zhixing(t, ctx, "", nil, "user", "fly").must(t, exitUsage, "未知子命令")
}

func TestBadConfigurationStopsStartUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	zhixing(t, ctx, "", map[string]string{"ZHIXING_ADDR": "nonsense"}, "serve", "--data-dir", dir).must(t, exitUsage, "ZHIXING_ADDR", "nonsense")
	zhixing(t, ctx, "", nil, "serve", "--data-dir", dir, "--log-level", "shout").must(t, exitUsage, "ZHIXING_LOG_LEVEL")
	zhixing(t, ctx, "", nil, "serve", "--data-dir", dir, "stray").must(t, exitUsage, "多余的参数")
}

func TestUnreachableDatabase(t *testing.T) {
	t.Parallel()
	zhixing(t, context.Background(), "", nil, "serve", "--db", "postgres://postgres@127.0.0.1:1/zhixing?connect_timeout=2").
		must(t, exitFail, "无法打开数据库", "PostgreSQL")
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.Empty(t, e)
			ctx := context.Background()
			zhixing(t, ctx, "", nil, "migrate", "--db", dsn, "--data-dir", t.TempDir()).must(t, exitOK, "已应用迁移")
			zhixing(t, ctx, "", nil, "migrate", "--db", dsn, "--data-dir", t.TempDir()).must(t, exitOK, "已是最新")
		})
	}
}

func TestCommandsNeedAMigratedDatabase(t *testing.T) {
	t.Parallel()
	dsn := storetest.Empty(t, store.SQLite)
	zhixing(t, context.Background(), "", nil, "user", "list", "--db", dsn, "--data-dir", t.TempDir()).must(t, exitFail, "zhixing migrate")
}

func TestUserCommands(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			testUserCommands(t, e)
		})
	}
}

func testUserCommands(t *testing.T, e store.Engine) {
	ctx := context.Background()
	dsn := storetest.NewDSN(t, e)
	z := func(stdin string, args ...string) result {
		return zhixing(t, ctx, stdin, nil, append(args, "--db", dsn, "--data-dir", t.TempDir())...)
	}
	z("secret123\n", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "cli.clerk", "--name", "命令行书记员", "--team", "速执团队").
		must(t, exitOK, "已新建用户 cli.clerk", "书记员", "佛山市三水区人民法院")
	z("secret123\n", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "cli.clerk").must(t, exitFail, "已被使用")
	z("weak\n", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "cli.weak").must(t, exitFail, "密码")
	z("", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "cli.nopw").must(t, exitFail, "标准输入")
	z("secret123\n", "user", "add", "--court", "粤9999", "--role", "clerk", "--username", "cli.x").must(t, exitFail, "粤9999")
	z("secret123\n", "user", "add", "--court", "粤0607", "--role", "pilot", "--username", "cli.y").must(t, exitFail, "pilot")
	z("secret123\n", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "cli.z", "--team", "不存在的团队").must(t, exitFail, "不存在的团队")
	z("", "user", "add", "--role", "clerk").must(t, exitUsage, "--court")
	z("", "user", "list", "--court", "粤0607").must(t, exitOK, "cli.clerk", "命令行书记员", "速执团队")
	gen := z("", "user", "reset-password", "--username", "cli.clerk", "--generate")
	gen.must(t, exitOK, "已为 cli.clerk 设置新密码：")
	z("newsecret456\n", "user", "reset-password", "--username", "cli.clerk").must(t, exitOK, "已为 cli.clerk 设置新密码。")
	z("", "user", "reset-password", "--username", "nobody.here", "--generate").must(t, exitFail, "nobody.here")
	z("", "user", "disable", "--username", "cli.clerk").must(t, exitOK, "已停用")
	if r := z("", "user", "list", "--court", "粤0607"); strings.Contains(r.stdout, "cli.clerk") {
		t.Fatal("a disabled user is listed without --all")
	}
	z("", "user", "list", "--all").must(t, exitOK, "cli.clerk", "已停用")
	z("", "user", "enable", "--username", "cli.clerk").must(t, exitOK, "已启用")
	// Every change is audited, attributed to the command line: created,
	// reset twice, disabled, enabled.
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE actor_role = 'system' AND actor_name LIKE '命令行%' AND object_type = 'user'`).Scan(&n); err != nil || n != 5 {
		t.Fatalf("command-line audit records = %d (%v), want 5", n, err)
	}
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.NewDSN(t, e)
			z := func(stdin string, args ...string) result {
				return zhixing(t, ctx, stdin, nil, append(args, "--db", dsn, "--data-dir", t.TempDir())...)
			}
			z("secret123\n", "user", "add", "--court", "粤0607", "--role", "clerk", "--username", "audited").must(t, exitOK)
			z("", "audit", "verify").must(t, exitOK, "审计日志完好")

			// Someone with database access edits a record.
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			stmts := []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET summary = '什么也没发生' WHERE action = 'user.created'`}
			if e == store.Postgres {
				stmts = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`, stmts[1]}
			}
			for _, s := range stmts {
				if _, err := conn.ExecContext(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			conn.Close()
			r := z("", "audit", "verify")
			r.must(t, exitFail, "核验失败", "粤0607", "被修改")
		})
	}
}

func TestTwoServersOnOneSQLiteFile(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewDSN(t, store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	var first result
	var wg sync.WaitGroup
	out := &signalWriter{contains: "已启动", signal: started}
	wg.Go(func() {
		var errOut bytes.Buffer
		code := run(ctx, []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir(), "--demo=false"},
			strings.NewReader(""), out, &errOut, func(string) string { return "" })
		first = result{code, out.String(), errOut.String()}
	})
	<-started
	zhixing(t, context.Background(), "", nil, "serve", "--db", dsn, "--addr", "127.0.0.1:0", "--data-dir", t.TempDir()).
		must(t, exitFail, "另一个 zhixing 服务正在使用")
	zhixing(t, context.Background(), "", nil, "migrate", "--db", dsn, "--data-dir", t.TempDir()).
		must(t, exitFail, "另一个 zhixing 服务正在使用")
	// Tools that only read or make ordinary changes work beside the server.
	zhixing(t, context.Background(), "", nil, "audit", "verify", "--db", dsn, "--data-dir", t.TempDir()).must(t, exitOK, "完好")
	cancel()
	wg.Wait()
	first.must(t, exitOK, "已启动")
}

// signalWriter closes signal when what was written contains a text.
type signalWriter struct {
	mu       sync.Mutex
	buf      bytes.Buffer
	contains string
	signal   chan struct{}
	done     bool
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if !w.done && strings.Contains(w.buf.String(), w.contains) {
		w.done = true
		close(w.signal)
	}
	return len(p), nil
}

func (w *signalWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// zhixing funds verify: a sound ledger passes; a transfer written around the
// ledger's code (unbalanced) fails it with a non-zero exit.
func TestFundsVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zhixing(t, ctx, "", nil, "funds").must(t, exitUsage, "funds verify")
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.NewDSN(t, e)
			z := func() result {
				return zhixing(t, ctx, "", nil, "funds", "verify", "--db", dsn, "--data-dir", t.TempDir())
			}
			z().must(t, exitOK, "案款账完好")
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				var court uuid.UUID
				if err := tx.QueryRow(ctx, `SELECT id FROM courts WHERE code = '粤0607'`).Scan(&court); err != nil {
					return err
				}
				account, transfer, now := uuid.New(), uuid.New(), time.Now().UTC()
				if _, err := tx.Exec(ctx, `INSERT INTO fund_accounts (id, court_id, kind, number, name, created_at)
					VALUES (?, ?, 'custody', 'x-custody', '执行款专户', ?)`, account, court, now); err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO fund_transfers (id, court_id, kind, amount_fen, created_by_name, created_at)
					VALUES (?, ?, 'receipt', 100, 'x', ?)`, transfer, court, now); err != nil {
					return err
				}
				_, err := tx.Exec(ctx, `INSERT INTO fund_postings (transfer_id, seq, account_id, amount_fen) VALUES (?, 1, ?, 100)`, transfer, account)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			z().must(t, exitFail, "案款账核验失败", "只有 1 条分录")
		})
	}
}

func TestSuperviseCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	zhixing(t, ctx, "", nil, "supervise").must(t, exitUsage, "supervise scan|rewatch")
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			dsn := storetest.NewDSN(t, e)
			z := func(args ...string) result {
				return zhixing(t, ctx, "", nil, append(args, "--db", dsn, "--data-dir", t.TempDir())...)
			}
			z("supervise", "scan", "--date", "2026-12-01").must(t, exitOK, "督办扫描完成：查看 0 个对象")
			z("supervise", "scan", "--date", "12/01").must(t, exitFail, "日期应为 YYYY-MM-DD")
			z("supervise", "rewatch", "--court", "粤0607").must(t, exitOK, "督办重新评估完成")
			z("supervise", "rewatch", "--court", "火星").must(t, exitFail, "没有代字为 火星 的法院")
			z("supervise", "rewatch").must(t, exitFail, "--court")
		})
	}
}
