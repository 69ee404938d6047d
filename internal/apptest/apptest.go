// Package apptest runs the whole zhixing server for tests: a migrated
// database from storetest, the real handler behind an httptest.Server, and
// helpers to make users, sign in and call the API. Password hashing is made
// cheap; everything else is production code.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/web"
	"golang.org/x/time/rate"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/config"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/sim/agencies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// Cheap is a password hashing cost for tests.
var Cheap = auth.HashParams{Memory: 64, Time: 1, Threads: 1}

// Env is a running server.
type Env struct {
	DB     *store.DB
	App    *app.App
	Server *httptest.Server
	URL    string
	Sys    context.Context // a context acting as the system
}

// New starts the server on db (a storetest database).
func New(t testing.TB, db *store.DB) *Env { return NewWith(t, db, nil) }

// NewWith is New with a chance to adjust the app (its configuration) before
// the server starts.
func NewWith(t testing.TB, db *store.DB, adjust func(*app.App)) *Env {
	t.Helper()
	cfg := config.Config{DB: "test", DataDir: t.TempDir(), Addr: "127.0.0.1:0", SessionTTL: 12 * time.Hour, SessionIdle: 2 * time.Hour}
	a := &app.App{Cfg: cfg, DB: db, Log: slog.New(slog.DiscardHandler),
		AuthConfig: auth.Config{Hash: Cheap, IPRate: 1000, IPBurst: 1000}, CodeLimit: web.Limit{Rate: rate.Inf}}
	if testing.Verbose() {
		a.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if adjust != nil {
		adjust(a)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	// Whatever the test did through the server, the KPI aggregates must
	// still agree with the cases (internal/metrics).
	env := &Env{DB: db, App: a, Server: srv, URL: srv.URL, Sys: access.With(context.Background(), access.System("测试"))}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		rep, err := metrics.Verify(context.Background(), db)
		if apperr.CodeOf(err) == "database_unavailable" {
			return // the test closed the database
		}
		if err != nil || !rep.OK() {
			t.Errorf("KPI aggregates disagree with the cases at the end of the test: %+v %v", rep, err)
		}
	})
	return env
}

// Court returns the id of the court with the given 代字.
func (e *Env) Court(t testing.TB, code string) uuid.UUID {
	t.Helper()
	c, err := org.CourtByCode(e.Sys, e.DB, code)
	if err != nil {
		t.Fatalf("court %s: %v", code, err)
	}
	return c.ID
}

// User creates a user and returns it; the password is "secret123".
func (e *Env) User(t testing.TB, username, role, court string) auth.User {
	t.Helper()
	in := auth.UserInput{CourtID: e.Court(t, court), Username: username, DisplayName: "测试" + username, Role: role, Password: Password}
	if role == access.RoleAgencyOperator {
		in.AgencyCode = "fs-amr" // an operator works for an agency; AgencyOperator chooses which
	}
	u, err := e.App.AuthService().CreateUser(e.Sys, in)
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u
}

// Password is the password of users made by User.
const Password = "secret123"

// Login signs in through the API and returns the bearer token.
func (e *Env) Login(t testing.TB, username, password string) string {
	t.Helper()
	res := e.Do(t, http.MethodPost, "/api/v1/sessions", "", map[string]string{"username": username, "password": password})
	if res.Status != http.StatusCreated {
		t.Fatalf("login %s: %d %s", username, res.Status, res.Body)
	}
	var out api.SessionOut
	res.JSON(t, &out)
	return out.Token
}

// Token makes a user and signs them in.
func (e *Env) Token(t testing.TB, username, role, court string) (auth.User, string) {
	t.Helper()
	u := e.User(t, username, role, court)
	return u, e.Login(t, username, Password)
}

// Response is an answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// Problem decodes a problem answer.
func (r *Response) Problem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("content type %q, want application/problem+json (status %d, body %s)", ct, r.Status, r.Body)
	}
	var p api.Problem
	r.JSON(t, &p)
	return p
}

// Request is a request to send with Send.
type Request struct {
	Method, Path, Token string
	Body                any // marshalled to JSON, unless []byte or string
	Header              map[string]string
}

// Do sends a JSON request with an optional bearer token.
func (e *Env) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	return e.Send(t, Request{Method: method, Path: path, Token: token, Body: body})
}

// Send sends a request.
func (e *Env) Send(t testing.TB, req Request) *Response {
	t.Helper()
	var rd io.Reader
	switch b := req.Body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	r, err := http.NewRequest(req.Method, e.URL+req.Path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// Agencies is the agency simulator and the 查控 dispatcher attached to a
// test server: the simulator answers at once and its callbacks go to the
// server's real callback endpoint. Tests drive both with Settle instead of
// waiting.
type Agencies struct {
	Sim        *agencies.Sim
	Dispatcher *assets.Dispatcher
}

// Agencies starts the simulator (seed 7) on a loopback port and a dispatcher
// sending to it.
func (e *Env) Agencies(t testing.TB) *Agencies {
	t.Helper()
	key, err := e.App.AgencyKey()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := agencies.New(agencies.Options{KeyID: key.ID, Secret: key.Secret, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	d := assets.NewDispatcher(e.DB, assets.Config{SimBase: srv.URL, SimKeyID: key.ID, SimSecret: key.Secret,
		CallbackBase: e.URL, PollEvery: time.Hour})
	return &Agencies{Sim: sim, Dispatcher: d}
}

// Settle runs the dispatcher and the simulator until neither has work left:
// every request sent, answered and its result applied.
func (a *Agencies) Settle(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		r, err := a.Dispatcher.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := a.Sim.RunDue(ctx); !r.Busy() && n == 0 {
			return
		}
	}
	t.Fatal("dispatcher and simulator did not settle")
}

// AgencyOperator makes an operator of the agency with the given code (a user
// of court, role agency_operator) and signs them in.
func (e *Env) AgencyOperator(t testing.TB, username, agencyCode, court string) (auth.User, string) {
	t.Helper()
	u, err := e.App.AuthService().CreateUser(e.Sys, auth.UserInput{CourtID: e.Court(t, court), Username: username,
		DisplayName: "测试" + username, Role: access.RoleAgencyOperator, AgencyCode: agencyCode, Password: Password})
	if err != nil {
		t.Fatalf("create %s: %v", username, err)
	}
	return u, e.Login(t, username, Password)
}
