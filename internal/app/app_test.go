package app_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// output collects what the server prints and tells when it has started.
type output struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	started chan struct{}
	once    sync.Once
}

func newOutput() *output { return &output{started: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	if strings.Contains(o.buf.String(), "已启动") {
		o.once.Do(func() { close(o.started) })
	}
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.String()
}

func open(t *testing.T, dsn string, demo bool) *app.App {
	t.Helper()
	cfg := config.Config{DB: dsn, DataDir: t.TempDir(), Addr: "127.0.0.1:0", SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour, Demo: demo}
	a, err := app.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	a.AuthConfig = auth.Config{Hash: apptest.Cheap}
	a.Log = slog.New(slog.DiscardHandler)
	return a
}

// serve starts a on a free port; it returns the address, the output and a
// function that stops the server and returns what Serve returned.
func serve(t *testing.T, a *app.App) (string, *output, func() error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := newOutput()
	done := make(chan error, 1)
	go func() { done <- a.ServeListener(ctx, ln, out) }()
	select {
	case <-out.started:
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v\n%s", err, out)
	}
	stopped := false
	var result error
	stop := func() error {
		if !stopped {
			stopped = true
			cancel()
			result = <-done
		}
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return ln.Addr().String(), out, stop
}

func TestFirstStart(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			a := open(t, storetest.Empty(t, e), true)
			_, out, stop := serve(t, a)
			text := out.String()
			// One account per role, each with a password shown once.
			accounts := map[string]string{}
			for _, line := range strings.Split(text, "\n") {
				f := strings.Fields(line)
				if len(f) == 4 && f[1] != "用户名" {
					accounts[f[1]] = f[2]
				}
			}
			if len(accounts) != 13 {
				t.Fatalf("printed %d accounts, want 13:\n%s", len(accounts), text)
			}
			for _, user := range []string{"admin", "judge", "clerk", "chief", "agency"} {
				pw := accounts[user]
				res, err := a.AuthService().Login(context.Background(), auth.LoginInput{Username: user, Password: pw, Kind: auth.KindBearer})
				if err != nil {
					t.Fatalf("printed login %s/%s does not work: %v", user, pw, err)
				}
				var hash string
				if err := a.DB.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE username = ?`, user).Scan(&hash); err != nil {
					t.Fatal(err)
				}
				if strings.Contains(hash, pw) || !strings.HasPrefix(hash, "$argon2id$") {
					t.Fatalf("%s's password is not stored hashed: %s", user, hash)
				}
				_ = res
			}
			if !strings.Contains(text, "已启动：http://127.0.0.1:") {
				t.Fatalf("no URL printed:\n%s", text)
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			// The second start prints no passwords and creates nobody.
			_, out2, stop2 := serve(t, a)
			if strings.Contains(out2.String(), "首次启动") {
				t.Fatalf("second start acted as the first:\n%s", out2)
			}
			if err := stop2(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestFirstStartWithoutDemo(t *testing.T) {
	t.Parallel()
	a := open(t, storetest.Empty(t, store.SQLite), false)
	_, out, _ := serve(t, a)
	if n, err := a.AuthService().CountUsers(context.Background()); err != nil || n != 1 || !strings.Contains(out.String(), "admin") {
		t.Fatalf("users %d (%v), output:\n%s", n, err, out)
	}
}

// TestFirstStartIsAllOrNothing: when one account cannot be made, none is,
// and the next start makes them all.
func TestFirstStartIsAllOrNothing(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewDSN(t, store.SQLite)
	a := open(t, dsn, true)
	deactivate := func(active bool) {
		err := a.DB.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE teams SET active = ? WHERE name = '外勤组' AND court_id = (SELECT id FROM courts WHERE code = '粤0607')`, active)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	deactivate(false) // the field officer's team: the 10th of 13 accounts
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = a.ServeListener(context.Background(), ln, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "首次启动") {
		t.Fatalf("err = %v, want a first-start failure", err)
	}
	if n, _ := a.AuthService().CountUsers(context.Background()); n != 0 {
		t.Fatalf("%d accounts left behind by a failed first start", n)
	}
	deactivate(true)
	serve(t, a)
	if n, _ := a.AuthService().CountUsers(context.Background()); n != 13 {
		t.Fatalf("%d accounts after the retry, want 13", n)
	}
}

// TestOneServerPerSQLiteFile: a second server on the same file refuses to
// start and says why.
func TestOneServerPerSQLiteFile(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewDSN(t, store.SQLite)
	serve(t, open(t, dsn, false))
	second := open(t, dsn, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = second.ServeListener(context.Background(), ln, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "另一个 zhixing 服务正在使用") {
		t.Fatalf("second server: %v", err)
	}
}

// TestGracefulShutdown: a request in flight when the server is told to stop
// is finished and answered; only then does Serve return.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	a := open(t, storetest.NewDSN(t, store.SQLite), false)
	addr, _, stop := serve(t, a)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"username":"nobody","password":"wrong1234"}`
	fmt.Fprintf(conn, "POST /api/v1/sessions HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])

	// Wait until the request is inside the server (the metrics request that
	// asks is the other one in flight).
	for i := 0; !strings.Contains(metrics(t, addr), "zhixing_http_requests_in_flight 2"); i++ {
		if i > 10000 {
			t.Fatal("the request never reached a handler")
		}
	}
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	// Wait until the server has stopped accepting: new connections fail.
	for i := 0; ; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if i > 100000 {
			t.Fatal("the server kept accepting connections after being told to stop")
		}
	}
	select {
	case err := <-stopped:
		t.Fatalf("Serve returned (%v) with a request in flight", err)
	default:
	}
	// Finish the request: it is answered.
	if _, err := io.WriteString(conn, body[10:]); err != nil {
		t.Fatal(err)
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "HTTP/1.1 401") {
		t.Fatalf("in-flight request: %q, %v", status, err)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

func metrics(t *testing.T, addr string) string {
	t.Helper()
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
