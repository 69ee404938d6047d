package store

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Seed is a versioned set of reference data (courts, case types, roles …)
// that Migrate loads after the SQL migrations, with the feature package's own
// code, so that every row gets its UUIDv7 key and its audit record. Load
// receives the version already loaded (0 at first) and the version to reach;
// it inserts only the rows introduced in between and only where they are
// missing, so an administrator's later edits and deletions survive upgrades.
type Seed struct {
	Name    string
	Version int
	Digest  string // a hash of the seed's data, so that tests notice any change
	Load    func(ctx context.Context, tx *Tx, from, to int) error
}

// Migrations is the full set of schema changes: one SQL folder per engine
// (files named NNNNN_name.sql, goose format) and the seeds, in load order.
type Migrations struct {
	SQLite   fs.FS
	Postgres fs.FS
	Seeds    []Seed
}

// MigrationStatus tells where a database stands.
type MigrationStatus struct {
	Current int64 // highest applied SQL version (0: none)
	Latest  int64 // highest known SQL version
	Pending int   // SQL migrations and seeds not yet applied
}

func (db *DB) provider(m Migrations) (*goose.Provider, error) {
	var (
		dialect goose.Dialect
		fsys    fs.FS
		// Out of order: features land from parallel branches, so a
		// database may meet a migration numbered below one it already has.
		// Each migration touches only its own feature's tables.
		opts = []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithAllowOutofOrder(true)}
	)
	switch db.engine {
	case Postgres:
		dialect, fsys = goose.DialectPostgres, m.Postgres
		// Several servers may start at once on one PostgreSQL: an advisory
		// lock makes the second wait for the first to finish migrating.
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return nil, err
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	default:
		// On SQLite the server lock (see ClaimServer) keeps a second server
		// away, and every migration runs under BEGIN IMMEDIATE.
		dialect, fsys = goose.DialectSQLite3, m.SQLite
	}
	return goose.NewProvider(dialect, db.write, fsys, opts...)
}

// MigrateResult says what Migrate did. Both lists are empty when the
// database was already current, which is not an error.
type MigrateResult struct {
	Versions []int64  // SQL migrations applied
	Seeds    []string // seeds loaded, as "name v1→v2"
}

// Migrate applies every pending SQL migration, then loads every seed whose
// version is ahead of the database's, each seed in its own transaction under
// ctx's principal.
func (db *DB) Migrate(ctx context.Context, m Migrations) (MigrateResult, error) {
	var res MigrateResult
	p, err := db.provider(m)
	if err != nil {
		return res, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return res, classify(fmt.Errorf("migrate: %w", err))
	}
	for _, r := range results {
		res.Versions = append(res.Versions, r.Source.Version)
	}
	for _, s := range m.Seeds {
		var from int
		err := db.Transact(ctx, func(ctx context.Context, tx *Tx) error {
			// Lock the seed's row, creating it if needed: a server migrating
			// at the same time waits here, then sees the version this one
			// loaded. (A SELECT … FOR UPDATE would lock nothing on a fresh
			// database, and both would load.)
			err := tx.QueryRow(ctx, `INSERT INTO reference_seeds (name, version, applied_at) VALUES (?, 0, ?)
				ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING version`, s.Name, time.Now()).Scan(&from)
			if err != nil {
				return err
			}
			if from >= s.Version {
				return nil
			}
			if err := s.Load(ctx, tx, from, s.Version); err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE reference_seeds SET version = ?, applied_at = ? WHERE name = ?`, s.Version, time.Now(), s.Name)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("seed %s: %w", s.Name, err)
		}
		if from < s.Version {
			res.Seeds = append(res.Seeds, fmt.Sprintf("%s v%d→v%d", s.Name, from, s.Version))
		}
	}
	return res, nil
}

// Status reports the applied and latest versions.
func (db *DB) Status(ctx context.Context, m Migrations) (MigrationStatus, error) {
	p, err := db.provider(m)
	if err != nil {
		return MigrationStatus{}, err
	}
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return MigrationStatus{}, classify(err)
	}
	var st MigrationStatus
	st.Current = cur
	for _, s := range p.ListSources() {
		st.Latest = max(st.Latest, s.Version)
		if s.Version > cur {
			st.Pending++
		}
	}
	if st.Pending > 0 {
		return st, nil
	}
	// Seeds count as pending too: a database without its reference data is
	// not ready to serve.
	for _, s := range m.Seeds {
		var v int
		err := db.QueryRow(ctx, `SELECT version FROM reference_seeds WHERE name = ?`, s.Name).Scan(&v)
		if err != nil && !IsNoRows(err) {
			return st, err
		}
		if v < s.Version {
			st.Pending++
		}
	}
	return st, nil
}
