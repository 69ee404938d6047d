package store_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/schema"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var ctx = context.Background()

// probeTable creates a scratch table for a test.
func probeTable(t *testing.T, db *store.DB) {
	t.Helper()
	ts := "TIMESTAMP"
	if db.Engine() == store.Postgres {
		ts = "TIMESTAMPTZ"
	}
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `CREATE TABLE probe (id TEXT PRIMARY KEY, n INTEGER NOT NULL, at `+ts+`, note TEXT NOT NULL DEFAULT '')`)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTransact(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		probeTable(t, db)
		t.Run("commits", func(t *testing.T) {
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "a", 1)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if n := count(t, db, "probe"); n != 1 {
				t.Fatalf("rows = %d, want 1", n)
			}
		})
		t.Run("a failure leaves nothing written", func(t *testing.T) {
			boom := errors.New("boom")
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "b", 2); err != nil {
					return err
				}
				return boom
			})
			if !errors.Is(err, boom) {
				t.Fatalf("err = %v, want boom", err)
			}
			if n := count(t, db, "probe"); n != 1 {
				t.Fatalf("rows = %d, want 1", n)
			}
		})
		t.Run("a panic rolls back", func(t *testing.T) {
			func() {
				defer func() { _ = recover() }()
				_ = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
					_, _ = tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "c", 3)
					panic("crash mid-operation")
				})
			}()
			if n := count(t, db, "probe"); n != 1 {
				t.Fatalf("rows = %d, want 1", n)
			}
			// The writer is usable again afterwards.
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "d", 4)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		})
		t.Run("a failing before-commit hook rolls back", func(t *testing.T) {
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				tx.BeforeCommit(func(context.Context, *store.Tx) error { return errors.New("hook") })
				_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "e", 5)
				return err
			})
			if err == nil || count(t, db, "probe") != 2 {
				t.Fatalf("err = %v, rows = %d; want an error and 2 rows", err, count(t, db, "probe"))
			}
		})
		t.Run("after-commit hooks run only on commit", func(t *testing.T) {
			var ran []string
			_ = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				tx.AfterCommit(func() { ran = append(ran, "ok") })
				return nil
			})
			_ = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				tx.AfterCommit(func() { ran = append(ran, "rolled back") })
				return errors.New("no")
			})
			if diff := cmp.Diff([]string{"ok"}, ran); diff != "" {
				t.Fatal(diff)
			}
		})
		t.Run("nested transactions are refused", func(t *testing.T) {
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				return db.Transact(ctx, func(context.Context, *store.Tx) error { return nil })
			})
			if !errors.Is(err, store.ErrNestedTransaction) {
				t.Fatalf("err = %v, want ErrNestedTransaction", err)
			}
		})
		t.Run("unique violations are recognised", func(t *testing.T) {
			err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, "a", 9)
				return err
			})
			if !store.IsUniqueViolation(err) {
				t.Fatalf("err = %v, want a unique violation", err)
			}
		})
	})
}

func TestTransactRetriesSerializationFailures(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		probeTable(t, db)
		attempts := 0
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			attempts++
			if _, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, fmt.Sprint(attempts), attempts); err != nil {
				return err
			}
			if attempts < 3 {
				return fmt.Errorf("wrapped: %w", &pgconn.PgError{Code: "40001", Message: "could not serialize access"})
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 3 {
			t.Fatalf("attempts = %d, want 3", attempts)
		}
		// Only the attempt that committed left a row.
		if n := count(t, db, "probe"); n != 1 {
			t.Fatalf("rows = %d, want 1", n)
		}
		// A failure that never clears gives up with a 503-kind error.
		err = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			return &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}
		})
		if apperr.KindOf(err) != apperr.Unavailable || apperr.CodeOf(err) != "database_busy" {
			t.Fatalf("err = %v, want database_busy", err)
		}
	})
}

// TestConcurrentWritersSQLite: many goroutines in two handles on one file (as
// a server and a command-line tool would be) write at once; none fails with
// "database is locked", and nothing is lost.
func TestConcurrentWritersSQLite(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewDSN(t, store.SQLite)
	var dbs []*store.DB
	for range 2 {
		db, err := store.Open(ctx, dsn, store.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		dbs = append(dbs, db)
	}
	probeTable(t, dbs[0])
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		db := dbs[w%2]
		wg.Go(func() {
			for i := range each {
				err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
					var n int
					if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM probe`).Scan(&n); err != nil {
						return err
					}
					_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES (?, ?)`, fmt.Sprintf("%d-%d", w, i), n)
					return err
				})
				if err != nil {
					errs <- err
				}
				// Readers run alongside the writers.
				var n int
				if err := dbs[(w+1)%2].QueryRow(ctx, `SELECT COUNT(*) FROM probe`).Scan(&n); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed: %v", err)
	}
	if n := count(t, dbs[0], "probe"); n != workers*each {
		t.Fatalf("rows = %d, want %d", n, workers*each)
	}
	// Each transaction saw every earlier one: the counts are a permutation of
	// 0..n-1, so no two writers overlapped.
	var distinct int
	if err := dbs[0].QueryRow(ctx, `SELECT COUNT(DISTINCT n) FROM probe`).Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != workers*each {
		t.Fatalf("distinct counts = %d, want %d: writers overlapped", distinct, workers*each)
	}
}

func TestValuesRoundTrip(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		probeTable(t, db)
		shanghai, _ := time.LoadLocation("Asia/Shanghai")
		// An instant given in any zone, with nanoseconds, comes back as the
		// same instant in UTC at microsecond precision.
		at := time.Date(2024, 10, 8, 9, 30, 15, 123456789, shanghai)
		later := at.Add(time.Millisecond)
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			for i, v := range []time.Time{later, at} {
				if _, err := tx.Exec(ctx, `INSERT INTO probe (id, n, at) VALUES (?, ?, ?)`, fmt.Sprint(i), i, v); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var got time.Time
		if err := db.QueryRow(ctx, `SELECT at FROM probe ORDER BY at LIMIT 1`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		want := at.UTC().Truncate(time.Microsecond)
		if !got.Equal(want) || got.Location() != time.UTC {
			t.Fatalf("got %v, want %v in UTC", got, want)
		}
		// Comparison with a parameter works on stored instants.
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM probe WHERE at > ?`, at).Scan(&n); err != nil || n != 1 {
			t.Fatalf("later than at: %d (%v), want 1", n, err)
		}
		// UUIDs round-trip, NULL ones too.
		id := store.NewID()
		var back uuid.UUID
		var null uuid.NullUUID
		if err := db.QueryRow(ctx, `SELECT ?, NULL`, id).Scan(&back, &null); err != nil {
			t.Fatal(err)
		}
		if back != id || null.Valid {
			t.Fatalf("uuid %v → %v, null → %v", id, back, null)
		}
		// Real UUID columns scan too.
		var court uuid.UUID
		if err := db.QueryRow(ctx, `SELECT id FROM courts WHERE code = ?`, "粤0607").Scan(&court); err != nil || court == uuid.Nil {
			t.Fatalf("court id %v, %v", court, err)
		}
	})
}

func TestRebind(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{`SELECT ? , ?`, `SELECT $1 , $2`},
		{`SELECT '?' , ?`, `SELECT '?' , $1`},
		{`SELECT "a?" FROM t WHERE x = ? -- why?` + "\n" + `AND y = ?`, `SELECT "a?" FROM t WHERE x = $1 -- why?` + "\n" + `AND y = $2`},
		{`SELECT 'it''s ?', ?`, `SELECT 'it''s ?', $1`},
		{`SELECT 1`, `SELECT 1`},
	} {
		if got := store.Rebind(tc.in); got != tc.want {
			t.Errorf("Rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			db, err := store.Open(ctx, storetest.Empty(t, e), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			st, err := schema.Status(ctx, db)
			if err != nil || st.Pending == 0 {
				t.Fatalf("fresh database: status %+v, %v; want pending migrations", st, err)
			}
			first, err := schema.Migrate(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(first.Versions) == 0 || len(first.Seeds) == 0 {
				t.Fatalf("first run applied %+v, want migrations and seeds", first)
			}
			// A second run is a harmless no-op.
			second, err := schema.Migrate(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			if len(second.Versions) != 0 || len(second.Seeds) != 0 {
				t.Fatalf("second run applied %+v, want nothing", second)
			}
			st, err = schema.Status(ctx, db)
			if err != nil || st.Pending != 0 || st.Current != st.Latest {
				t.Fatalf("status after migrate: %+v, %v", st, err)
			}
			// Reference data is there exactly once.
			if n := count(t, db, "courts"); n < 17 {
				t.Fatalf("courts = %d, want the seed courts", n)
			}
		})
	}
}

// TestConcurrentMigrate: two servers starting at once on one PostgreSQL both
// migrate; one waits for the other, and the data is loaded once.
func TestConcurrentMigrate(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL() == "" {
		storetest.Engines(t) // fails under CI
		t.Skip("PostgreSQL not configured")
	}
	dsn := storetest.Empty(t, store.Postgres)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			db, err := store.Open(ctx, dsn, store.Options{})
			if err != nil {
				errs[i] = err
				return
			}
			defer db.Close()
			_, errs[i] = schema.Migrate(ctx, db)
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var dup int
	if err := db.QueryRow(ctx, `SELECT COUNT(*) - COUNT(DISTINCT code) FROM courts`).Scan(&dup); err != nil || dup != 0 {
		t.Fatalf("duplicate courts: %d, %v", dup, err)
	}
}

func TestOpenUnreachable(t *testing.T) {
	t.Parallel()
	t.Run("sqlite in a missing directory", func(t *testing.T) {
		t.Parallel()
		_, err := store.Open(ctx, filepath.Join(t.TempDir(), "no", "such", "dir", "z.db"), store.Options{})
		if apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("err = %v, want Unavailable", err)
		}
	})
	t.Run("postgres with nothing listening", func(t *testing.T) {
		t.Parallel()
		_, err := store.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable", store.Options{ConnectTimeout: 2 * time.Second})
		if apperr.KindOf(err) != apperr.Unavailable {
			t.Fatalf("err = %v, want Unavailable", err)
		}
		if e, _ := apperr.As(err); !strings.Contains(e.Detail, "数据库") {
			t.Fatalf("detail %q does not say what is wrong", e.Detail)
		}
	})
}

// TestDatabaseLostMidTransaction: the connection to PostgreSQL drops between
// two statements of one transaction; Transact reports the database
// unavailable and nothing of the transaction is kept.
func TestDatabaseLostMidTransaction(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL() == "" {
		storetest.Engines(t)
		t.Skip("PostgreSQL not configured")
	}
	proxy, dsn := storetest.NewProxy(t, storetest.NewDSN(t, store.Postgres))
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	probeTable(t, db)
	err = db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES ('x', 1)`); err != nil {
			return err
		}
		proxy.Cut()
		_, err := tx.Exec(ctx, `INSERT INTO probe (id, n) VALUES ('y', 2)`)
		return err
	})
	if apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("err = %v, want Unavailable", err)
	}
	if err := db.Ping(ctx); apperr.KindOf(err) != apperr.Unavailable {
		t.Fatalf("ping while cut: %v, want Unavailable", err)
	}
	proxy.Restore()
	if n := count(t, db, "probe"); n != 0 {
		t.Fatalf("rows after the lost transaction = %d, want 0", n)
	}
}

func TestClaimServer(t *testing.T) {
	t.Parallel()
	dsn := storetest.NewDSN(t, store.SQLite)
	a, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	release, err := a.ClaimServer()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.ClaimServer(); err == nil || !strings.Contains(err.Error(), "另一个 zhixing 服务正在使用") {
		t.Fatalf("second claim: %v, want a clear refusal", err)
	}
	if err := release(); err != nil {
		t.Fatal(err)
	}
	release, err = b.ClaimServer()
	if err != nil {
		t.Fatalf("claim after release: %v", err)
	}
	release()
}

// TestInsertRows: a multi-row INSERT larger than one statement's placeholders
// is split into statements that together write every row once.
func TestInsertRows(t *testing.T) {
	t.Parallel()
	var ranges [][2]int
	for from, to := range store.RowBatches(2*store.MaxParams/3+1, 3) {
		ranges = append(ranges, [2]int{from, to})
	}
	if want := [][2]int{{0, store.MaxParams / 3}, {store.MaxParams / 3, 2 * store.MaxParams / 3}, {2 * store.MaxParams / 3, 2*store.MaxParams/3 + 1}}; !cmp.Equal(ranges, want) {
		t.Errorf("RowBatches: %v, want %v", ranges, want)
	}
	for range store.RowBatches(0, 3) {
		t.Error("RowBatches(0) yields a range")
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		probeTable(t, db)
		n := store.MaxParams/3 + 5 // two statements of 3 values a row
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			return store.InsertRows(ctx, tx, `INSERT INTO probe (id, n, note) VALUES `, 3, n, func(i int, args []any) []any {
				return append(args, fmt.Sprint(i), i, "批量")
			})
		})
		if err != nil {
			t.Fatal(err)
		}
		var rows, sum int
		if err := db.QueryRow(ctx, `SELECT COUNT(*), SUM(n) FROM probe WHERE note = '批量'`).Scan(&rows, &sum); err != nil {
			t.Fatal(err)
		}
		if rows != n || sum != n*(n-1)/2 {
			t.Errorf("%d rows summing to %d, want %d and %d", rows, sum, n, n*(n-1)/2)
		}
	})
}
