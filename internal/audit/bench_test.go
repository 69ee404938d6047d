package audit_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// BenchmarkWrite compares one committed transaction holding a single-row
// INSERT (the "raw INSERT rate" PERFORMANCE.md measures against) with the
// same transaction plus its audit record in the court's hash chain: the cost
// every audited change pays. Serially on both engines; on PostgreSQL also with
// 8 concurrent writers, all into one court's chain and spread over 8 courts.
func BenchmarkWrite(b *testing.B) {
	for _, e := range storetest.Engines(b) {
		db := storetest.New(b, e)
		ts := "TIMESTAMP"
		if e == store.Postgres {
			ts = "TIMESTAMPTZ"
		}
		err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `CREATE TABLE bench (id TEXT PRIMARY KEY, court TEXT NOT NULL, at `+ts+` NOT NULL, note TEXT NOT NULL)`)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
		var courts []uuid.UUID
		rows, err := db.Query(sys, `SELECT id FROM courts WHERE level = 'basic' ORDER BY code LIMIT 8`)
		if err != nil {
			b.Fatal(err)
		}
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				b.Fatal(err)
			}
			courts = append(courts, id)
		}
		rows.Close()
		write := func(withAudit bool, court uuid.UUID) error {
			return db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
				id := store.NewID()
				if _, err := tx.Exec(ctx, `INSERT INTO bench (id, court, at, note) VALUES (?, ?, CURRENT_TIMESTAMP, ?)`, id, court, "备注"); err != nil {
					return err
				}
				if !withAudit {
					return nil
				}
				return audit.Log(ctx, tx, audit.Entry{CourtID: court, Action: "bench.wrote", ObjectType: "bench",
					ObjectID: id.String(), Summary: "写入一行", Changes: audit.Changes{"note": {To: "备注"}}})
			})
		}
		for _, mode := range []struct {
			name  string
			audit bool
		}{{"raw-insert", false}, {"insert+audit", true}} {
			b.Run(fmt.Sprintf("%s/%s/serial", e, mode.name), func(b *testing.B) {
				for b.Loop() {
					if err := write(mode.audit, courts[0]); err != nil {
						b.Fatal(err)
					}
				}
			})
			if e != store.Postgres {
				continue
			}
			for _, spread := range []int{1, 8} {
				b.Run(fmt.Sprintf("%s/%s/8writers-%dcourts", e, mode.name, spread), func(b *testing.B) {
					b.SetParallelism(4) // 4 × GOMAXPROCS(2) = 8 writers
					var n atomic.Int64
					b.RunParallel(func(pb *testing.PB) {
						court := courts[int(n.Add(1))%spread]
						for pb.Next() {
							if err := write(mode.audit, court); err != nil {
								b.Error(err)
								return
							}
						}
					})
				})
			}
		}
	}
}
