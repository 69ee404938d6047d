package intake

import (
	"context"
	"embed"
	"encoding/json"

	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/csvdata"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/triage"
)

// The materials checklist per basis kind ("*" rows apply to every kind).
//
//go:embed seed/*.csv
var seedFS embed.FS

// Seeds returns intake's reference data: the materials checklist and the
// platform's default triage rule set (FLOW-5).
func Seeds() []store.Seed {
	rows, err := csvdata.Read(seedFS, "seed/material_kinds.csv")
	if err != nil {
		panic(err) // embedded at build time; the tests read it
	}
	v := 0
	for _, r := range rows {
		v = max(v, r.Since())
	}
	return []store.Seed{
		{Name: "material_kinds", Version: v, Digest: csvdata.Digest(seedFS, "seed/material_kinds.csv"), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			for _, r := range csvdata.Between(rows, from, to) {
				if _, err := tx.Exec(ctx, `INSERT INTO material_kinds (basis_kind, code, name, required, sort_order, active) VALUES (?, ?, ?, ?, ?, TRUE)
					ON CONFLICT DO NOTHING`, r["basis_kind"], r["code"], r["name"], r["required"] == "true", r.Int("sort_order")); err != nil {
					return err
				}
			}
			return audit.Log(ctx, tx, audit.Entry{CourtID: audit.Platform, Action: "material_kinds.loaded", ObjectType: "material_kinds",
				ObjectID: "checklist", Summary: "载入执行申请材料清单"})
		}},
		{Name: "triage_rules", Version: triage.DefaultRuleSet().Version, Digest: csvdata.DigestBytes(defaultRulesJSON()), Load: func(ctx context.Context, tx *store.Tx, from, to int) error {
			if from >= 1 {
				return nil
			}
			return seedRuleSet(ctx, tx)
		}},
	}
}

// defaultRulesJSON is the platform's default rule set as stored: its digest
// makes a change to the defaults visible to the seed machinery (and rebuilds
// test templates).
func defaultRulesJSON() []byte {
	b, err := json.Marshal(triage.DefaultRuleSet())
	if err != nil {
		panic(err) // plain data
	}
	return b
}
