package schema_test

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// columns returns "table.column" for every column of every table of db.
func columns(t *testing.T, db *store.DB) []string {
	t.Helper()
	ctx := context.Background()
	var q string
	if db.Engine() == store.Postgres {
		q = `SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'public'`
	} else {
		q = `SELECT m.name || '.' || p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'`
	}
	rows, err := db.Query(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// The two engines' migrations must expose the same tables and columns: one
// code path needs one schema.
func TestSchemasMatch(t *testing.T) {
	t.Parallel()
	engines := storetest.Engines(t)
	if len(engines) < 2 {
		t.Skip("PostgreSQL not configured")
	}
	sqlite := columns(t, storetest.New(t, store.SQLite))
	pg := columns(t, storetest.New(t, store.Postgres))
	if diff := cmp.Diff(sqlite, pg); diff != "" {
		t.Fatalf("schemas differ (-sqlite +postgres):\n%s", diff)
	}
	// Court-owned tables carry court_id.
	for _, table := range []string{"teams", "users", "sessions", "audit_log"} {
		if !contains(sqlite, table+".court_id") {
			t.Errorf("%s has no court_id", table)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
