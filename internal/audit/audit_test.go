package audit_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/audit"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/reqid"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var sys = access.With(reqid.With(context.Background(), "req-1"), access.System("测试"))

func court(t *testing.T, db *store.DB, code string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := db.QueryRow(sys, `SELECT id FROM courts WHERE code = ?`, code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// logN appends n records to court's chain, one transaction each.
func logN(t *testing.T, db *store.DB, c uuid.UUID, n int) {
	t.Helper()
	for i := range n {
		err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
			return audit.Log(ctx, tx, audit.Entry{CourtID: c, Action: "test.did", ObjectType: "thing",
				ObjectID: fmt.Sprint(i), Summary: fmt.Sprintf("第 %d 件事", i), Changes: audit.Changes{"n": {To: i}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, db *store.DB) audit.Report {
	t.Helper()
	rep, err := audit.Verify(sys, db)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func TestLog(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui := court(t, db, "粤0607")
		before := verify(t, db)
		if !before.OK() || before.Records == 0 {
			t.Fatalf("the seeded log should verify and not be empty: %+v", before)
		}

		t.Run("records are chained and carry actor and request", func(t *testing.T) {
			logN(t, db, sanshui, 3)
			pg, err := audit.List(sys, db, audit.Filter{CourtID: sanshui, Action: "test.did"}, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if len(pg.Items) != 3 {
				t.Fatalf("records = %d, want 3", len(pg.Items))
			}
			newest, prev := pg.Items[0], pg.Items[1]
			if newest.Seq != prev.Seq+1 || newest.PrevHash != prev.Hash || newest.Hash == "" {
				t.Fatalf("not chained: %+v after %+v", newest, prev)
			}
			if newest.ActorName != "测试" || newest.ActorRole != "system" || newest.RequestID != "req-1" {
				t.Fatalf("actor/request not recorded: %+v", newest)
			}
			if newest.Changes != `{"n":{"to":2}}` {
				t.Fatalf("changes = %s", newest.Changes)
			}
		})

		t.Run("one transaction appends more records than one statement holds", func(t *testing.T) {
			n := store.MaxParams/16 + 3
			err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
				for i := range n {
					if err := audit.Log(ctx, tx, audit.Entry{CourtID: sanshui, Action: "test.many", ObjectType: "thing",
						ObjectID: fmt.Sprint(i)}); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			pg, err := audit.List(sys, db, audit.Filter{CourtID: sanshui, Action: "test.many"}, page.Request{Limit: 2})
			if err != nil || len(pg.Items) != 2 || pg.Items[0].ObjectID != fmt.Sprint(n-1) || pg.Items[0].PrevHash != pg.Items[1].Hash {
				t.Fatalf("newest records %+v: %v", pg.Items, err)
			}
			if rep := verify(t, db); !rep.OK() {
				t.Fatalf("chain broken: %+v", rep)
			}
		})

		t.Run("a rolled-back change leaves no record", func(t *testing.T) {
			n := verify(t, db).Records
			err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
				if err := audit.Log(ctx, tx, audit.Entry{CourtID: sanshui, Action: "test.failed", ObjectType: "thing", ObjectID: "x"}); err != nil {
					return err
				}
				return errors.New("the change failed")
			})
			if err == nil {
				t.Fatal("want the error")
			}
			if got := verify(t, db).Records; got != n {
				t.Fatalf("records %d → %d after a rollback", n, got)
			}
		})

		t.Run("no actor, no change", func(t *testing.T) {
			err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
				return audit.Log(ctx, tx, audit.Entry{CourtID: sanshui, Action: "test.anon", ObjectType: "thing", ObjectID: "x"})
			})
			if !errors.Is(err, audit.ErrNoActor) {
				t.Fatalf("err = %v, want ErrNoActor", err)
			}
		})

		t.Run("the log refuses updates and deletes", func(t *testing.T) {
			for _, stmt := range []string{`UPDATE audit_log SET summary = 'x'`, `DELETE FROM audit_log`} {
				err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
					_, err := tx.Exec(ctx, stmt)
					return err
				})
				if err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: err = %v, want append-only refusal", stmt, err)
				}
			}
		})

		t.Run("concurrent writers keep one unbroken chain", func(t *testing.T) {
			nanhai := court(t, db, "粤0605")
			var wg sync.WaitGroup
			for w := range 6 {
				wg.Go(func() {
					for i := range 10 {
						err := db.Transact(sys, func(ctx context.Context, tx *store.Tx) error {
							// Two chains in one transaction, in both orders.
							first, second := sanshui, nanhai
							if w%2 == 0 {
								first, second = second, first
							}
							for _, c := range []uuid.UUID{first, second} {
								if err := audit.Log(ctx, tx, audit.Entry{CourtID: c, Action: "test.concurrent", ObjectType: "thing",
									ObjectID: fmt.Sprintf("%d-%d", w, i)}); err != nil {
									return err
								}
							}
							return nil
						})
						if err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if rep := verify(t, db); !rep.OK() {
				t.Fatalf("chain broken by concurrency: %v", rep.Problems)
			}
		})
	})
}

// tamper runs stmt on the audit log with its protection switched off, as
// someone with direct database access could.
func tamper(t *testing.T, db *store.DB, stmts ...string) {
	t.Helper()
	conn, err := db.Conn(sys)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if db.Engine() == store.Postgres {
		stmts = append(append([]string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`}, stmts...),
			`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`)
	} else {
		stmts = append([]string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, stmts...)
	}
	for _, s := range stmts {
		if db.Engine() == store.Postgres {
			s = store.Rebind(s)
		}
		if _, err := conn.ExecContext(sys, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

func TestVerifyFindsTampering(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		stmts    func(c string) []string
		wantSeq  int64
		wantKind string
	}{
		{"a record's content altered", func(c string) []string {
			return []string{`UPDATE audit_log SET summary = '改过的摘要' WHERE court_id = '` + c + `' AND seq = 3`}
		}, 3, "altered"},
		{"who did it altered", func(c string) []string {
			return []string{`UPDATE audit_log SET actor_name = '别人' WHERE court_id = '` + c + `' AND seq = 4`}
		}, 4, "altered"},
		{"a record removed from the middle", func(c string) []string {
			return []string{`DELETE FROM audit_log WHERE court_id = '` + c + `' AND seq = 2`}
		}, 2, "removed"},
		{"the last record removed", func(c string) []string {
			return []string{`DELETE FROM audit_log WHERE court_id = '` + c + `' AND seq = (SELECT MAX(seq) FROM audit_log WHERE court_id = '` + c + `')`}
		}, 0, "removed"},
		{"two records swapped", func(c string) []string {
			// Swap records 2 and 3 whole, sequence numbers included, so each
			// still sits at a valid position.
			return []string{
				`UPDATE audit_log SET seq = -2 WHERE court_id = '` + c + `' AND seq = 2`,
				`UPDATE audit_log SET seq = 2 WHERE court_id = '` + c + `' AND seq = 3`,
				`UPDATE audit_log SET seq = 3 WHERE court_id = '` + c + `' AND seq = -2`,
			}
		}, 2, "altered"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				c := court(t, db, "粤0607")
				logN(t, db, c, 6)
				if rep := verify(t, db); !rep.OK() {
					t.Fatalf("untouched log fails: %v", rep.Problems)
				}
				var last int64
				if err := db.QueryRow(sys, `SELECT seq FROM audit_heads WHERE court_id = ?`, c).Scan(&last); err != nil {
					t.Fatal(err)
				}
				tamper(t, db, tc.stmts(c.String())...)
				rep := verify(t, db)
				if len(rep.Problems) != 1 {
					t.Fatalf("problems = %v, want exactly one (in 粤0607's chain)", rep.Problems)
				}
				p := rep.Problems[0]
				want := tc.wantSeq
				if want == 0 {
					want = last
				}
				if p.CourtCode != "粤0607" || p.Seq != want || p.Kind != tc.wantKind {
					t.Fatalf("problem = %+v (%s), want %s at seq %d", p, p, tc.wantKind, want)
				}
			})
		})
	}
}

func TestReadScope(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui, nanhai := court(t, db, "粤0607"), court(t, db, "粤0605")
		logN(t, db, sanshui, 2)
		logN(t, db, nanhai, 2)
		reader := access.NewPrincipal(access.Principal{UserID: store.NewID(), Username: "r", CourtID: sanshui, Scope: access.ScopeCourt},
			[]access.Permission{access.AuditRead}, []uuid.UUID{sanshui})
		ctx := access.With(context.Background(), reader)
		pg, err := audit.List(ctx, db, audit.Filter{}, page.Request{Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Items {
			if r.CourtID != sanshui {
				t.Fatalf("a 三水 reader saw a record of %v", r.CourtID)
			}
		}
		// Someone else's record reads as absent.
		other, err := audit.List(sys, db, audit.Filter{CourtID: nanhai}, page.Request{Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := audit.Get(ctx, db, other.Items[0].ID); err == nil {
			t.Fatal("a 三水 reader read a 南海 record")
		}
		// Without audit.read, nothing.
		clerk := access.NewPrincipal(access.Principal{UserID: store.NewID(), CourtID: sanshui, Scope: access.ScopeCourt}, nil, []uuid.UUID{sanshui})
		if _, err := audit.List(access.With(context.Background(), clerk), db, audit.Filter{}, page.Request{}); err == nil {
			t.Fatal("listing without audit.read succeeded")
		}
		// Paging walks the whole log without repeats.
		seen := map[uuid.UUID]bool{}
		req := page.Request{Limit: 7}
		for {
			pg, err := audit.List(sys, db, audit.Filter{}, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range pg.Items {
				if seen[r.ID] {
					t.Fatalf("record %v on two pages", r.ID)
				}
				seen[r.ID] = true
			}
			if pg.NextCursor == "" {
				break
			}
			req.Cursor = pg.NextCursor
		}
		if int64(len(seen)) != verify(t, db).Records {
			t.Fatalf("paged %d records, log has %d", len(seen), verify(t, db).Records)
		}
	})
}
