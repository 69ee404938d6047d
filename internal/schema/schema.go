// Package schema is zhixing's database schema: the SQL migrations of each
// engine (sqlite/ and postgres/, twins that must expose the same tables and
// columns) and the reference data each feature package seeds.
package schema

import (
	"context"
	"embed"
	"io/fs"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/assets"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
)

//go:embed sqlite/*.sql
var sqliteFS embed.FS

//go:embed postgres/*.sql
var postgresFS embed.FS

func sub(f embed.FS, dir string) fs.FS {
	s, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return s
}

// Migrations returns the full migration set: SQL, then seeds in load order
// (team kinds before the courts whose teams use them).
func Migrations() store.Migrations {
	var seeds []store.Seed
	seeds = append(seeds, org.Seeds()...)
	seeds = append(seeds, auth.Seeds()...)
	seeds = append(seeds, calendar.Seeds()...)
	seeds = append(seeds, ruleparams.Seeds()...)
	seeds = append(seeds, intake.Seeds()...)
	seeds = append(seeds, assets.Seeds()...)
	return store.Migrations{SQLite: sub(sqliteFS, "sqlite"), Postgres: sub(postgresFS, "postgres"), Seeds: seeds}
}

// Migrate brings db up to date. Changes are audited as the system's
// ("数据迁移").
func Migrate(ctx context.Context, db *store.DB) (store.MigrateResult, error) {
	return db.Migrate(access.With(ctx, access.System("数据迁移")), Migrations())
}

// Status tells whether db is up to date.
func Status(ctx context.Context, db *store.DB) (store.MigrationStatus, error) {
	return db.Status(ctx, Migrations())
}
