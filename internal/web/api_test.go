package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

func countUsers(t *testing.T, db *store.DB, username string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(t.Context(), `SELECT COUNT(*) FROM users WHERE username = ?`, username).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func newUserBody(env *apptest.Env, t *testing.T, username string) map[string]any {
	return map[string]any{"court_id": env.Court(t, "粤0607").String(), "username": username, "display_name": "新用户",
		"role": "clerk", "password": "secret123"}
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "ss.admin", access.RoleCourtAdmin, "粤0607")
		send := func(key string, body any) *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: admin, Body: body,
				Header: map[string]string{"Idempotency-Key": key}})
		}

		t.Run("a retry gets the first answer and changes nothing", func(t *testing.T) {
			first := send("k-1", newUserBody(env, t, "idem.one"))
			if first.Status != http.StatusCreated {
				t.Fatalf("first: %d %s", first.Status, first.Body)
			}
			again := send("k-1", newUserBody(env, t, "idem.one"))
			if again.Status != http.StatusCreated || string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("retry: %d %s (replayed=%q)", again.Status, again.Body, again.Header.Get("Idempotent-Replayed"))
			}
			if n := countUsers(t, db, "idem.one"); n != 1 {
				t.Fatalf("users = %d, want 1", n)
			}
		})

		t.Run("the same key with another body is refused", func(t *testing.T) {
			res := send("k-1", newUserBody(env, t, "idem.other"))
			if p := res.Problem(t); res.Status != http.StatusConflict || p.Code != "idempotency_key_reused" {
				t.Fatalf("%d %+v", res.Status, p)
			}
			if countUsers(t, db, "idem.other") != 0 {
				t.Fatal("the refused request created a user")
			}
		})

		t.Run("a failed request keeps no answer and may be retried", func(t *testing.T) {
			bad := newUserBody(env, t, "idem.two")
			bad["password"] = "short"
			if res := send("k-2", bad); res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("bad: %d %s", res.Status, res.Body)
			}
			// Same request, fixed: it runs.
			if res := send("k-2", newUserBody(env, t, "idem.two")); res.Status != http.StatusCreated {
				t.Fatalf("fixed retry: %d %s", res.Status, res.Body)
			}
		})

		t.Run("keys belong to their user", func(t *testing.T) {
			_, other := env.Token(t, "ss.admin2", access.RoleCourtAdmin, "粤0607")
			res := env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/users", Token: other,
				Body: newUserBody(env, t, "idem.three"), Header: map[string]string{"Idempotency-Key": "k-1"}})
			if res.Status != http.StatusCreated {
				t.Fatalf("another user's k-1: %d %s", res.Status, res.Body)
			}
		})

		t.Run("concurrent duplicates make one change", func(t *testing.T) {
			var wg sync.WaitGroup
			statuses := make([]int, 8)
			for i := range statuses {
				wg.Go(func() { statuses[i] = send("k-concurrent", newUserBody(env, t, "idem.race")).Status })
			}
			wg.Wait()
			created := 0
			for _, s := range statuses {
				switch s {
				case http.StatusCreated:
					created++
				case http.StatusConflict: // still in progress when asked
				default:
					t.Errorf("status %d", s)
				}
			}
			if created == 0 || countUsers(t, db, "idem.race") != 1 {
				t.Fatalf("statuses %v, users %d; want one user", statuses, countUsers(t, db, "idem.race"))
			}
		})

		t.Run("a malformed key is refused", func(t *testing.T) {
			res := send(strings.Repeat("x", 300), newUserBody(env, t, "idem.four"))
			if p := res.Problem(t); res.Status != http.StatusUnprocessableEntity || p.Code != "invalid_idempotency_key" {
				t.Fatalf("%d %+v", res.Status, p)
			}
		})
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "bad.admin", access.RoleCourtAdmin, "粤0607")
		for _, tc := range []struct {
			name   string
			req    apptest.Request
			status int
			code   string
			field  string
		}{
			{"malformed JSON", apptest.Request{Method: "POST", Path: "/api/v1/users", Token: admin, Body: `{"username":`}, 400, "malformed_json", "body"},
			{"unknown field", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"court_id": env.Court(t, "粤0607").String(), "kind": "fast", "name": "X", "colour": "red"}}, 422, "invalid_input", "body.colour"},
			{"missing field", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"kind": "fast", "name": "X"}}, 422, "invalid_input", "body.court_id"},
			{"wrong type", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: `{"court_id": 7, "kind": "fast", "name": "X"}`}, 422, "invalid_input", "body.court_id"},
			{"oversized body", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: `{"name":"` + strings.Repeat("长", 1<<19) + `"}`}, 413, "body_too_large", ""},
			{"malformed id in path", apptest.Request{Method: "GET", Path: "/api/v1/users/not-a-uuid", Token: admin}, 400, "invalid_id", "path.id"},
			{"malformed id in body", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"court_id": "粤0607", "kind": "fast", "name": "X"}}, 400, "invalid_id", "body.court_id"},
			{"malformed cursor", apptest.Request{Method: "GET", Path: "/api/v1/users?cursor=%25%25%25", Token: admin}, 422, "invalid_cursor", "query.cursor"},
			{"limit too large", apptest.Request{Method: "GET", Path: "/api/v1/users?limit=501", Token: admin}, 422, "invalid_input", "query.limit"},
			{"unknown query parameter", apptest.Request{Method: "GET", Path: "/api/v1/users?colour=red", Token: admin}, 422, "invalid_input", "query.colour"},
			{"unknown endpoint", apptest.Request{Method: "GET", Path: "/api/v1/nothing", Token: admin}, 404, "no_such_endpoint", ""},
			{"wrong method", apptest.Request{Method: "PUT", Path: "/api/v1/users", Token: admin, Body: "{}"}, 405, "method_not_allowed", ""},
			{"unknown team kind", apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: admin,
				Body: map[string]any{"court_id": env.Court(t, "粤0607").String(), "kind": "nope", "name": "X"}}, 422, "unknown_team_kind", "body.kind"},
			{"no token", apptest.Request{Method: "GET", Path: "/api/v1/users"}, 401, "unauthenticated", ""},
			{"forged token", apptest.Request{Method: "GET", Path: "/api/v1/users", Token: "zx_" + strings.Repeat("A", 43)}, 401, "invalid_token", ""},
			{"not a bearer header", apptest.Request{Method: "GET", Path: "/api/v1/users", Header: map[string]string{"Authorization": "Basic eDp5"}}, 401, "invalid_token", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				res := env.Send(t, tc.req)
				p := res.Problem(t)
				if res.Status != tc.status || p.Code != tc.code || p.Status != tc.status {
					t.Fatalf("%d %+v, want %d %s", res.Status, p, tc.status, tc.code)
				}
				if !hasChinese(p.Detail) || p.RequestID == "" || p.Title == "" {
					t.Fatalf("problem lacks a Chinese detail, title or request id: %+v", p)
				}
				if tc.field != "" && !hasField(p, tc.field) {
					t.Fatalf("errors %+v do not name %s", p.Errors, tc.field)
				}
				if tc.status == 401 && res.Header.Get("WWW-Authenticate") == "" {
					t.Fatal("a 401 without WWW-Authenticate")
				}
				if tc.status == 405 && res.Header.Get("Allow") != "GET, POST" {
					t.Fatalf("Allow = %q", res.Header.Get("Allow"))
				}
			})
		}
	})
}

func hasChinese(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func hasField(p api.Problem, field string) bool {
	for _, f := range p.Errors {
		if f.Field == field {
			return true
		}
	}
	return false
}

func TestLoginAnswersGiveNothingAway(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "real.user", access.RoleClerk, "粤0607")
		wrong := env.Do(t, "POST", "/api/v1/sessions", "", map[string]string{"username": "real.user", "password": "wrong1234"})
		nobody := env.Do(t, "POST", "/api/v1/sessions", "", map[string]string{"username": "no.such.user", "password": "wrong1234"})
		pw, pn := wrong.Problem(t), nobody.Problem(t)
		if wrong.Status != 401 || nobody.Status != 401 || pw.Code != pn.Code || pw.Detail != pn.Detail {
			t.Fatalf("wrong password %d %+v; unknown user %d %+v", wrong.Status, pw, nobody.Status, pn)
		}
	})
}

func TestPasswordResetGate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "gate.admin", access.RoleCourtAdmin, "粤0607")
		u := env.User(t, "gate.user", access.RoleClerk, "粤0607")
		res := env.Do(t, "POST", "/api/v1/users/"+u.ID.String()+"/password-reset", admin, map[string]string{"password": "temp12345"})
		if res.Status != http.StatusNoContent {
			t.Fatalf("reset: %d %s", res.Status, res.Body)
		}
		token := env.Login(t, "gate.user", "temp12345")
		res = env.Do(t, "GET", "/api/v1/teams", token, nil)
		if p := res.Problem(t); res.Status != http.StatusForbidden || p.Code != "password_change_required" {
			t.Fatalf("before changing: %d %+v", res.Status, p)
		}
		res = env.Do(t, "POST", "/api/v1/me/password", token, map[string]string{"current_password": "temp12345", "new_password": "mine12345"})
		if res.Status != http.StatusNoContent {
			t.Fatalf("change: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, "GET", "/api/v1/teams", token, nil); res.Status != http.StatusOK {
			t.Fatalf("after changing: %d %s", res.Status, res.Body)
		}
	})
}

func TestLogoutAndDisable(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "lo.admin", access.RoleCourtAdmin, "粤0607")
		u, token := env.Token(t, "lo.user", access.RoleClerk, "粤0607")
		// Each token is used first, so that its principal is cached when the
		// session ends: the next request must be refused all the same.
		used := func(token string) {
			t.Helper()
			if res := env.Do(t, "GET", "/api/v1/me", token, nil); res.Status != http.StatusOK {
				t.Fatalf("me: %d %s", res.Status, res.Body)
			}
		}
		used(token)
		if res := env.Do(t, "DELETE", "/api/v1/sessions/current", token, nil); res.Status != http.StatusNoContent {
			t.Fatalf("logout: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, "GET", "/api/v1/me", token, nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("after logout: %d", res.Status)
		}
		token = env.Login(t, "lo.user", apptest.Password)
		used(token)
		if res := env.Do(t, "POST", "/api/v1/users/"+u.ID.String()+"/disable", admin, nil); res.Status != http.StatusOK {
			t.Fatalf("disable: %d %s", res.Status, res.Body)
		}
		if res := env.Do(t, "GET", "/api/v1/me", token, nil); res.Status != http.StatusUnauthorized {
			t.Fatalf("session of a disabled user: %d", res.Status)
		}
	})
}

func TestEveryChangeIsAudited(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, admin := env.Token(t, "au.admin", access.RoleCourtAdmin, "粤0607")
		res := env.Send(t, apptest.Request{Method: "POST", Path: "/api/v1/users", Token: admin, Body: newUserBody(env, t, "au.new"),
			Header: map[string]string{"X-Request-ID": "trace-42"}})
		if res.Status != http.StatusCreated || res.Header.Get("X-Request-ID") != "trace-42" {
			t.Fatalf("create: %d %s", res.Status, res.Header)
		}
		var created api.UserOut
		res.JSON(t, &created)
		res = env.Do(t, "GET", "/api/v1/audit?object_type=user&object_id="+created.ID, admin, nil)
		var list api.List[api.AuditRecordOut]
		res.JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("audit records: %s", res.Body)
		}
		r := list.Items[0]
		if r.Action != "user.created" || r.RequestID != "trace-42" || !strings.HasPrefix(r.ActorName, "au.admin") ||
			r.ActorRole != "court_admin" || r.CourtID != env.Court(t, "粤0607").String() || !strings.Contains(string(r.Changes), "au.new") {
			t.Fatalf("record %+v", r)
		}
		if strings.Contains(string(r.Changes), "secret123") {
			t.Fatal("the password reached the audit log")
		}
	})
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		res := env.Do(t, "GET", "/api/v1/openapi.json", "", nil)
		var doc struct {
			OpenAPI string                    `json:"openapi"`
			Paths   map[string]map[string]any `json:"paths"`
		}
		res.JSON(t, &doc)
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Fatalf("openapi %q", doc.OpenAPI)
		}
		for _, p := range []string{"/api/v1/sessions", "/api/v1/users", "/api/v1/users/{id}", "/api/v1/courts", "/api/v1/teams/{id}", "/api/v1/audit", "/api/v1/roles/{code}"} {
			if doc.Paths[p] == nil {
				t.Errorf("OpenAPI lacks %s", p)
			}
		}
		if strings.Contains(string(res.Body), `"$schema"`) {
			t.Error("answers should not carry $schema links")
		}
	})
}

func TestHealthAndMetrics(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		if res := env.Do(t, "GET", "/healthz", "", nil); res.Status != 200 {
			t.Fatalf("healthz %d", res.Status)
		}
		if res := env.Do(t, "GET", "/readyz", "", nil); res.Status != 200 || !strings.Contains(string(res.Body), string(db.Engine())) {
			t.Fatalf("readyz %d %s", res.Status, res.Body)
		}
		env.Do(t, "GET", "/api/v1/me", "", nil)
		res := env.Do(t, "GET", "/metrics", "", nil)
		body := string(res.Body)
		for _, want := range []string{`zhixing_http_requests_total{method="GET",route="GET /api/v1/me",status="401"} 1`,
			"zhixing_db_open_connections", "go_goroutines", fmt.Sprintf(`engine="%s"`, db.Engine())} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}

// TestClientAddressBehindAProxy: X-Forwarded-For names the client only when
// the request comes from a trusted proxy, and then only its rightmost
// untrusted entry counts (what the client wrote further left is ignored).
func TestClientAddressBehindAProxy(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	trusting := apptest.NewWith(t, db, func(a *app.App) { a.Cfg.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")} })
	plain := apptest.New(t, db)
	trusting.User(t, "proxied", access.RoleClerk, "粤0607")
	login := func(env *apptest.Env, xff string) string {
		res := env.Send(t, apptest.Request{Method: "POST", Path: "/api/v1/sessions",
			Body: map[string]string{"username": "proxied", "password": apptest.Password}, Header: map[string]string{"X-Forwarded-For": xff}})
		var out api.SessionOut
		res.JSON(t, &out)
		var ip string
		if err := db.QueryRow(t.Context(), `SELECT ip FROM sessions WHERE user_id = (SELECT id FROM users WHERE username = 'proxied') ORDER BY created_at DESC, id DESC LIMIT 1`).Scan(&ip); err != nil {
			t.Fatal(err)
		}
		return ip
	}
	for _, tc := range []struct {
		env  *apptest.Env
		xff  string
		want string
	}{
		{trusting, "203.0.113.7", "203.0.113.7"},
		{trusting, "198.51.100.1, 203.0.113.7", "203.0.113.7"}, // the client cannot choose its address
		{trusting, "203.0.113.7, 127.0.0.2", "203.0.113.7"},    // a second trusted hop
		{trusting, "not-an-ip", "127.0.0.1"},
		{plain, "203.0.113.7", "127.0.0.1"}, // no trusted proxy: the header is ignored
	} {
		if got := login(tc.env, tc.xff); got != tc.want {
			t.Errorf("X-Forwarded-For %q: client %q, want %q", tc.xff, got, tc.want)
		}
	}
}
