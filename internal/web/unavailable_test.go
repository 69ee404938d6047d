package web_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func teamCount(t *testing.T, db *store.DB, name string) (teams, audits int) {
	t.Helper()
	ctx := context.Background()
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM teams WHERE name = ?`, name).Scan(&teams); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'team.created' AND summary LIKE ?`, "%"+name).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	return teams, audits
}

// TestDatabaseLostMidRequest: the connection to PostgreSQL drops after the
// team's INSERT reached the server and before COMMIT. The caller gets 503
// with a Chinese explanation, and neither the team nor its audit record
// exists; once the database is back the same request succeeds, once.
func TestDatabaseLostMidRequest(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL() == "" {
		storetest.Engines(t)
		t.Skip("PostgreSQL not configured")
	}
	proxy, dsn := storetest.NewProxy(t, storetest.NewDSN(t, store.Postgres))
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	env := apptest.New(t, db)
	_, token := env.Token(t, "lost.admin", access.RoleCourtAdmin, "粤0607")
	body := map[string]string{"court_id": env.Court(t, "粤0607").String(), "kind": "field", "name": "外勤三组"}
	send := func() *apptest.Response {
		return env.Send(t, apptest.Request{Method: "POST", Path: "/api/v1/teams", Token: token, Body: body,
			Header: map[string]string{"Idempotency-Key": "lost-1"}})
	}

	proxy.CutAfter("INSERT INTO teams")
	res := send()
	p := res.Problem(t)
	if res.Status != http.StatusServiceUnavailable || p.Code != "database_unavailable" || !hasChinese(p.Detail) {
		t.Fatalf("during the cut: %d %+v", res.Status, p)
	}
	proxy.Restore()
	if teams, audits := teamCount(t, db, "外勤三组"); teams != 0 || audits != 0 {
		t.Fatalf("after the cut: %d teams, %d audit records; want none", teams, audits)
	}
	// The retry, with the same idempotency key, runs: nothing was kept.
	if res := send(); res.Status != http.StatusCreated {
		t.Fatalf("retry: %d %s", res.Status, res.Body)
	}
	if res := send(); res.Status != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("second retry: %d %s", res.Status, res.Body)
	}
	if teams, audits := teamCount(t, db, "外勤三组"); teams != 1 || audits != 1 {
		t.Fatalf("after the retries: %d teams, %d audit records; want one each", teams, audits)
	}

	// With the database wholly gone, every request says so, readiness too.
	proxy.Cut()
	for _, path := range []string{"/api/v1/me", "/readyz"} {
		res := env.Do(t, "GET", path, token, nil)
		if p := res.Problem(t); res.Status != http.StatusServiceUnavailable || p.Code != "database_unavailable" {
			t.Errorf("%s with the database gone: %d %+v", path, res.Status, p)
		}
	}
	if res := env.Do(t, "GET", "/healthz", "", nil); res.Status != http.StatusOK {
		t.Errorf("healthz is about the process, not the database: %d", res.Status)
	}
	proxy.Restore()
}

// TestDatabaseClosed: on SQLite the database cannot drop off the network, but
// it can become unusable (disk gone, file closed); the answer is a 503 all
// the same.
func TestDatabaseClosed(t *testing.T) {
	t.Parallel()
	db := storetest.New(t, store.SQLite)
	env := apptest.New(t, db)
	_, token := env.Token(t, "closed.admin", access.RoleCourtAdmin, "粤0607")
	court := env.Court(t, "粤0607").String()
	db.Close()
	res := env.Do(t, "POST", "/api/v1/teams", token, map[string]string{"court_id": court, "kind": "field", "name": "X"})
	if p := res.Problem(t); res.Status != http.StatusServiceUnavailable || p.Code != "database_unavailable" {
		t.Fatalf("%d %+v", res.Status, p)
	}
}
