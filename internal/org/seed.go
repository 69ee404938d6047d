package org

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/csvdata"
	"github.com/zhixing-court/zhixing/internal/store"
)

// The reference data zhixing ships with (DOMAIN.md §1.2, §2): the seed courts
// and their provinces' high courts under 最高人民法院, with their real 法院代字
// (CODE-1); the team kinds; the standard teams of an enforcing court; the
// enforcement case types (CODE-2). Rows carry the seed version that added them.
//
//go:embed seed/*.csv
var seedFS embed.FS

func mustRead(name string) []csvdata.Row {
	rows, err := csvdata.Read(seedFS, "seed/"+name)
	if err != nil {
		panic(err) // embedded at build time; TestSeedData reads every table
	}
	return rows
}

func version(tables ...[]csvdata.Row) int {
	v := 0
	for _, t := range tables {
		for _, r := range t {
			v = max(v, r.Since())
		}
	}
	return v
}

// Seeds returns org's reference data sets, in load order.
func Seeds() []store.Seed {
	kinds := mustRead("team_kinds.csv")
	courts, templates := mustRead("courts.csv"), mustRead("team_templates.csv")
	types := mustRead("case_types.csv")
	return []store.Seed{
		{Name: "team_kinds", Version: version(kinds), Digest: csvdata.Digest(seedFS, "seed/team_kinds.csv"), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			return seedTeamKinds(ctx, tx, csvdata.Between(kinds, from, to))
		}},
		{Name: "courts", Version: version(courts, templates), Digest: csvdata.Digest(seedFS, "seed/courts.csv", "seed/team_templates.csv"), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			return seedCourts(ctx, tx, courts, templates, from, to)
		}},
		{Name: "case_types", Version: version(types), Digest: csvdata.Digest(seedFS, "seed/case_types.csv"), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			return seedCaseTypes(ctx, tx, csvdata.Between(types, from, to))
		}},
	}
}

func exists(ctx context.Context, tx *store.Tx, query string, args ...any) (bool, error) {
	var one int
	err := tx.QueryRow(ctx, query, args...).Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

func seedTeamKinds(ctx context.Context, tx *store.Tx, rows []csvdata.Row) error {
	for _, r := range rows {
		res, err := tx.Exec(ctx, `INSERT INTO team_kinds (code, name, description, sort_order, active) VALUES (?, ?, ?, ?, TRUE)
			ON CONFLICT DO NOTHING`, r["code"], r["name"], r["description"], r.Int("sort_order"))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		err = audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "team_kind.created", ObjectType: "team_kind",
			ObjectID: r["code"], Summary: "载入团队类别 " + r["name"], Changes: audit.Changes{"name": {To: r["name"]}}})
		if err != nil {
			return err
		}
	}
	return nil
}

// seedCourts adds the courts introduced in (from, to] that are missing, each
// enforcing court (intermediate or basic) with the standard teams; and gives
// the courts that already exist the team templates introduced in (from, to].
func seedCourts(ctx context.Context, tx *store.Tx, courts, templates []csvdata.Row, from, to int) error {
	now := time.Now().UTC()
	fresh := map[uuid.UUID]bool{}
	for _, r := range csvdata.Between(courts, from, to) {
		found, err := exists(ctx, tx, `SELECT 1 FROM courts WHERE code = ?`, r["code"])
		if err != nil {
			return err
		}
		if found {
			continue
		}
		c := Court{ID: store.NewID(), Code: r["code"], Name: r["name"], ShortName: r["short_name"],
			Level: Level(r["level"]), DivisionCode: r["division_code"], Confidence: r["confidence"], Active: true,
			CreatedAt: now, UpdatedAt: now}
		in := CourtInput{Code: c.Code, Name: c.Name, ShortName: c.ShortName, Level: c.Level, DivisionCode: c.DivisionCode, Confidence: c.Confidence}
		if err := in.normalize(); err != nil {
			return fmt.Errorf("court %s: %w", c.Code, err)
		}
		c.Path = "/" + c.ID.String() + "/"
		if pc := r["parent_code"]; pc != "" {
			parent, err := CourtByCode(ctx, tx, pc)
			if err != nil {
				return fmt.Errorf("court %s: parent %s: %w", c.Code, pc, err)
			}
			c.ParentID, c.Path = parent.ID, parent.Path+c.ID.String()+"/"
		}
		if err := insertCourt(ctx, tx, c); err != nil {
			return err
		}
		fresh[c.ID] = true
	}
	all, err := Courts(ctx, tx)
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.Level != Intermediate && c.Level != Basic {
			continue
		}
		rows := csvdata.Between(templates, from, to)
		if fresh[c.ID] {
			rows = csvdata.Between(templates, 0, to)
		}
		for _, r := range rows {
			found, err := exists(ctx, tx, `SELECT 1 FROM teams WHERE court_id = ? AND name = ?`, c.ID, r["name"])
			if err != nil {
				return err
			}
			if found {
				continue
			}
			t := Team{ID: store.NewID(), CourtID: c.ID, Kind: r["kind"], Name: r["name"], Region: r["region"],
				Active: true, CreatedAt: now, UpdatedAt: now}
			if err := insertTeam(ctx, tx, t, c); err != nil {
				return err
			}
		}
	}
	return nil
}

func seedCaseTypes(ctx context.Context, tx *store.Tx, rows []csvdata.Row) error {
	now := time.Now().UTC()
	for _, r := range rows {
		res, err := tx.Exec(ctx, `INSERT INTO case_types (`+caseTypeColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, TRUE, ?)
			ON CONFLICT DO NOTHING`, r["code"], r["zi"], r["legacy_zi"], r["name"], r["category"], r["confidence"],
			r.Int("sort_order"), now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		err = audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "case_type.created", ObjectType: "case_type",
			ObjectID: r["code"], Summary: "载入案件类型 " + r["code"] + "（" + r["zi"] + "）",
			Changes: audit.Changes{"zi": {To: r["zi"]}, "name": {To: r["name"]}}})
		if err != nil {
			return err
		}
	}
	return nil
}
