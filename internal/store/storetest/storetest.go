// Package storetest runs store tests on both engines through one harness.
//
// Every test that touches the database calls Run, which runs the test body
// once on SQLite (always) and once on PostgreSQL when ZHIXING_TEST_POSTGRES
// holds a server URL (for example
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable). Under CI=true a
// missing PostgreSQL is a failure, not a skip. Each run gets a fresh database
// with every migration and seed applied, so tests run in parallel and create
// their own data.
//
// Fresh databases are cheap: the schema is migrated once per test binary into
// a template (a file for SQLite, a template database for PostgreSQL, named by
// a fingerprint of the migrations and seeds and shared by every test binary of
// one run), and each test gets a copy. Databases are named zt_<fingerprint>_…
// and dropped when their test ends.
package storetest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/schema"
	"github.com/zhixing-court/zhixing/internal/store"
)

// EnvPostgres names the variable holding the PostgreSQL server URL.
const EnvPostgres = "ZHIXING_TEST_POSTGRES"

// Engines returns the engines tests must run on. It fails t when CI=true and
// PostgreSQL is not configured.
func Engines(t testing.TB) []store.Engine {
	engines := []store.Engine{store.SQLite}
	if PostgresURL() != "" {
		engines = append(engines, store.Postgres)
	} else if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true but %s is not set: the store tests must also run on PostgreSQL", EnvPostgres)
	}
	return engines
}

// PostgresURL returns the configured PostgreSQL server URL, or "".
func PostgresURL() string { return os.Getenv(EnvPostgres) }

// Run runs fn as a parallel subtest per engine, each with a fresh migrated
// database.
func Run(t *testing.T, fn func(t *testing.T, db *store.DB)) {
	t.Helper()
	for _, e := range Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			fn(t, New(t, e))
		})
	}
}

// New returns a fresh database of the given engine with the schema migrated
// and reference data loaded. It is closed and removed when t ends.
func New(t testing.TB, e store.Engine) *store.DB {
	t.Helper()
	dsn := NewDSN(t, e)
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("open %s: %v", e, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// NewDSN is like New but returns the new database's DSN, unopened, for tests
// that open it themselves (two handles on one file, a server process).
func NewDSN(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.Postgres {
		return newPostgres(t)
	}
	return newSQLite(t)
}

// Empty returns the DSN of a database with nothing in it, for tests of
// migration itself.
func Empty(t testing.TB, e store.Engine) string {
	t.Helper()
	if e == store.SQLite {
		return filepath.Join(t.TempDir(), "empty.db")
	}
	name := "zt_" + fingerprint() + "_e" + randomHex(6)
	adminExec(t, `CREATE DATABASE `+name)
	t.Cleanup(func() { dropDatabase(t, name) })
	return withDatabase(t, name)
}

// fingerprint identifies the schema: the SQL of both engines and every
// seed's name, version and data digest.
var fingerprint = sync.OnceValue(func() string {
	m := schema.Migrations()
	h := sha256.New()
	for _, fsys := range []fs.FS{m.SQLite, m.Postgres} {
		names, _ := fs.Glob(fsys, "*.sql")
		sort.Strings(names)
		for _, n := range names {
			b, _ := fs.ReadFile(fsys, n)
			h.Write([]byte(n))
			h.Write(b)
		}
	}
	for _, s := range m.Seeds {
		fmt.Fprintf(h, "%s/%d/%s;", s.Name, s.Version, s.Digest)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
})

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// --- SQLite ---

var sqliteTemplate struct {
	once sync.Once
	path string
	err  error
}

func newSQLite(t testing.TB) string {
	t.Helper()
	sqliteTemplate.once.Do(func() {
		dir, err := os.MkdirTemp("", "zhixing-storetest-")
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		path := filepath.Join(dir, "template.db")
		db, err := store.Open(context.Background(), path, store.Options{})
		if err != nil {
			sqliteTemplate.err = err
			return
		}
		if _, err := schema.Migrate(context.Background(), db); err != nil {
			db.Close()
			sqliteTemplate.err = err
			return
		}
		// Fold the WAL into the main file so that copying it is enough.
		err = checkpoint(db)
		db.Close()
		sqliteTemplate.path, sqliteTemplate.err = path, err
	})
	if sqliteTemplate.err != nil {
		t.Fatalf("sqlite template: %v", sqliteTemplate.err)
	}
	dst := filepath.Join(t.TempDir(), "zhixing.db")
	if err := copyFile(sqliteTemplate.path, dst); err != nil {
		t.Fatalf("copy sqlite template: %v", err)
	}
	return dst
}

func checkpoint(db *store.DB) error {
	conn, err := db.Conn(context.Background())
	if err != nil {
		return err
	}
	defer conn.Close()
	_, err = conn.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// --- PostgreSQL ---

var pgTemplate struct {
	once sync.Once
	name string
	err  error
}

// adminExec runs a statement on the server URL's own database, outside any
// transaction (CREATE DATABASE cannot run in one).
func adminExec(t testing.TB, stmt string) {
	t.Helper()
	if err := serverExec(stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func serverExec(stmt string) error {
	return store.ExecOutside(context.Background(), PostgresURL(), stmt)
}

// withDatabase returns the server URL pointing at database name.
func withDatabase(t testing.TB, name string) string {
	t.Helper()
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatalf("%s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}

func newPostgres(t testing.TB) string {
	t.Helper()
	pgTemplate.once.Do(func() { pgTemplate.name, pgTemplate.err = ensurePostgresTemplate(t) })
	if pgTemplate.err != nil {
		t.Fatalf("postgres template: %v", pgTemplate.err)
	}
	name := "zt_" + fingerprint() + "_" + randomHex(6)
	adminExec(t, `CREATE DATABASE `+name+` TEMPLATE `+pgTemplate.name)
	t.Cleanup(func() { dropDatabase(t, name) })
	return withDatabase(t, name)
}

func dropDatabase(t testing.TB, name string) {
	if err := serverExec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
		t.Errorf("drop %s: %v", name, err)
	}
}

// ensurePostgresTemplate makes sure the template database of the current
// fingerprint exists. Test binaries run in parallel, so it works under a
// server-wide advisory lock: the first builds the template (under a temporary
// name, renamed when complete, so that a crash leaves nothing half-made) and
// the others find it. Templates of other fingerprints are dropped.
func ensurePostgresTemplate(t testing.TB) (string, error) {
	ctx := context.Background()
	admin, err := store.Open(ctx, PostgresURL(), store.Options{MaxConns: 1})
	if err != nil {
		return "", err
	}
	defer admin.Close()
	name := "zhixing_tpl_" + fingerprint()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(7262012)`); err != nil {
		return "", err
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(7262012)`)
	var exists bool
	if err := conn.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return "", err
	}
	// A template's comment is when it was last used: another checkout (a
	// second worktree, CI) may be testing other code on the same server at
	// the same time, and its template must not go from under it.
	touch := func() error {
		_, err := conn.ExecContext(ctx, `COMMENT ON DATABASE `+name+` IS '`+strconv.FormatInt(time.Now().Unix(), 10)+`'`)
		return err
	}
	if exists {
		return name, touch()
	}
	if err := dropStale(ctx, conn); err != nil {
		return "", err
	}
	building := name + "_build"
	if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+building); err != nil {
		return "", err
	}
	db, err := store.Open(ctx, withDatabase(t, building), store.Options{})
	if err != nil {
		return "", err
	}
	_, err = schema.Migrate(ctx, db)
	db.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, `ALTER DATABASE `+building+` RENAME TO `+name); err != nil {
		return "", err
	}
	return name, touch()
}

// staleAfter is how long a template of other code stays unused before it
// and its leftover test databases are dropped.
const staleAfter = 6 * time.Hour

// dropStale drops the templates of other fingerprints unused for
// staleAfter, with the test databases made from them (left by killed runs),
// and test databases whose template is gone and that nobody is connected to.
func dropStale(ctx context.Context, conn *sql.Conn) error {
	rows, err := conn.QueryContext(ctx, `SELECT d.datname, COALESCE(shobj_description(d.oid, 'pg_database'), ''),
		EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)
		FROM pg_database d WHERE d.datname LIKE 'zhixing\_tpl\_%' OR d.datname LIKE 'zt\_%'`)
	if err != nil {
		return err
	}
	type db struct {
		name, comment string
		busy          bool
	}
	var all []db
	for rows.Next() {
		var d db
		if err := rows.Scan(&d.name, &d.comment, &d.busy); err != nil {
			rows.Close()
			return err
		}
		all = append(all, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	mine := fingerprint()
	live := map[string]bool{} // fingerprints whose template is in use
	var drop []string
	for _, d := range all {
		fp, ok := strings.CutPrefix(d.name, "zhixing_tpl_")
		if !ok || fp == mine {
			continue
		}
		if strings.HasSuffix(fp, "_build") { // being built right now, or left by a crash
			live[strings.TrimSuffix(fp, "_build")] = true
			continue
		}
		if used, err := strconv.ParseInt(d.comment, 10, 64); err == nil && time.Since(time.Unix(used, 0)) < staleAfter {
			live[fp] = true
			continue
		}
		drop = append(drop, d.name)
	}
	for _, d := range all {
		rest, ok := strings.CutPrefix(d.name, "zt_")
		if !ok {
			continue
		}
		fp, _, _ := strings.Cut(rest, "_")
		if fp != mine && !live[fp] && !d.busy {
			drop = append(drop, d.name)
		}
	}
	for _, n := range drop {
		if _, err := conn.ExecContext(ctx, `DROP DATABASE IF EXISTS `+n+` WITH (FORCE)`); err != nil {
			return err
		}
	}
	return nil
}
