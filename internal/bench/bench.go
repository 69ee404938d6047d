// Package bench is the measuring harness behind `zhixing bench`: it runs the
// real feature code against a scratch database and reports each figure of
// PERFORMANCE.md as a ratio to a baseline measured in the same run on the
// same engine.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/zhixing-court/zhixing/internal/schema"
	"github.com/zhixing-court/zhixing/internal/store"
)

// Scratch creates an empty, migrated database for a benchmark and returns it
// with a function that closes and deletes it. For SQLite (dsn not a
// postgres:// URL) the file goes in dir; for PostgreSQL it is a new database
// zhixing_bench_<random> on the server dsn names (the user needs CREATEDB).
// The database dsn itself is never touched.
func Scratch(ctx context.Context, dsn, dir string) (*store.DB, func() error, error) {
	suffix := randomHex(4)
	var target string
	var drop func() error
	if store.IsPostgresURL(dsn) {
		u, err := url.Parse(dsn)
		if err != nil {
			return nil, nil, err
		}
		name := "zhixing_bench_" + suffix
		if err := store.ExecOutside(ctx, dsn, `CREATE DATABASE `+name); err != nil {
			return nil, nil, fmt.Errorf("无法在 %s 上建临时数据库（需要 CREATEDB 权限）：%w", u.Redacted(), err)
		}
		u.Path = "/" + name
		target = u.String()
		drop = func() error {
			return store.ExecOutside(context.Background(), dsn, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`)
		}
	} else {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, nil, err
		}
		target = filepath.Join(dir, "bench-"+suffix+".db")
		drop = func() error {
			for _, ext := range []string{"", "-wal", "-shm"} {
				if err := os.Remove(target + ext); err != nil && !os.IsNotExist(err) {
					return err
				}
			}
			return nil
		}
	}
	db, err := store.Open(ctx, target, store.Options{})
	if err != nil {
		_ = drop()
		return nil, nil, err
	}
	cleanup := func() error {
		cerr := db.Close()
		if err := drop(); err != nil {
			return err
		}
		return cerr
	}
	if _, err := schema.Migrate(ctx, db); err != nil {
		_ = cleanup()
		return nil, nil, err
	}
	return db, cleanup, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Measure is one timed run: ops operations in elapsed.
type Measure struct {
	Ops     int
	Elapsed time.Duration
}

// Rate is operations per second.
func (m Measure) Rate() float64 {
	if m.Elapsed <= 0 {
		return 0
	}
	return float64(m.Ops) / m.Elapsed.Seconds()
}

// PerOp is the mean time of one operation.
func (m Measure) PerOp() time.Duration {
	if m.Ops == 0 {
		return 0
	}
	return m.Elapsed / time.Duration(m.Ops)
}

// Median returns the run of median rate.
func Median(runs []Measure) Measure {
	if len(runs) == 0 {
		return Measure{}
	}
	s := slices.Clone(runs)
	slices.SortFunc(s, func(a, b Measure) int {
		switch {
		case a.Rate() < b.Rate():
			return -1
		case a.Rate() > b.Rate():
			return 1
		}
		return 0
	})
	return s[len(s)/2]
}

// timed runs fn and measures it as ops operations.
func timed(ops int, fn func() error) (Measure, error) {
	start := time.Now()
	err := fn()
	return Measure{Ops: ops, Elapsed: time.Since(start)}, err
}
