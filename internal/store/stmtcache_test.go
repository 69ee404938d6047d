package store

import (
	"context"
	"path/filepath"
	"testing"
)

func TestStatementCache(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "c.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string, args ...any) {
		t.Helper()
		err := db.Transact(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.Exec(ctx, q, args...)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	exec(`CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)`)
	const ins = `INSERT INTO t (v) VALUES (?)`
	for _, v := range []string{"a", "b", "c"} {
		exec(ins, v)
	}
	db.stmts.mu.Lock()
	_, cached := db.stmts.write[ins]
	db.stmts.mu.Unlock()
	if !cached {
		t.Fatal("a statement run in transactions was not prepared")
	}
	var n int
	for range 2 {
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE v <> ?`, "x").Scan(&n); err != nil || n != 3 {
			t.Fatalf("count = %d, %v", n, err)
		}
	}
	// A schema change under cached statements: they are re-prepared.
	exec(`ALTER TABLE t ADD COLUMN w TEXT NOT NULL DEFAULT 'w'`)
	exec(ins, "d")
	var w string
	if err := db.QueryRow(ctx, `SELECT w FROM t WHERE v = ?`, "d").Scan(&w); err != nil || w != "w" {
		t.Fatalf("after ALTER: %q, %v", w, err)
	}
	if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM t WHERE v <> ?`, "x").Scan(&n); err != nil || n != 4 {
		t.Fatalf("count after ALTER = %d, %v", n, err)
	}
}
