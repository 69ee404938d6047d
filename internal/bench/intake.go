package bench

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// IntakeOptions size the intake benchmark (P1).
type IntakeOptions struct {
	Cases int // cases filed one per transaction in each run (and raw rows inserted)
	Runs  int // runs of each measure; the report gives the median
	// Progress, when set, receives a line per finished run.
	Progress io.Writer
}

// IntakeReport is P1 measured on one engine.
type IntakeReport struct {
	Engine            store.Engine
	Raw, Single, Bulk Measure   // medians
	RawRuns           []Measure // every run, in order
	SingleRuns        []Measure
	BulkRuns          []Measure
}

// BulkRatio is the rate of bulk intake (applications registered per second
// from a submitted batch) over the raw INSERT rate (P1 asks ≥ 1.0).
func (r IntakeReport) BulkRatio() float64 { return ratio(r.Bulk, r.Raw) }

// SingleRatio is the rate of full single-case intake over the raw INSERT
// rate (P1 asks ≥ 0.35).
func (r IntakeReport) SingleRatio() float64 { return ratio(r.Single, r.Raw) }

func ratio(a, b Measure) float64 {
	if b.Rate() == 0 {
		return 0
	}
	return a.Rate() / b.Rate()
}

// benchCourt is the court the benchmark files into (scenario S1's court).
const benchCourt = "粤0607"

// Intake measures P1 on db (a scratch database from Scratch):
//   - raw: one committed transaction holding one single-row INSERT of a
//     case-sized row, through the same store layer as the product;
//   - single: the full intake of one case in one transaction, as the window
//     does it for a party at the counter: the application registered (parties
//     validated and matched, basis checked, materials, audit) and filed
//     (案号 from the court's counter, triage by the active rule set, team and
//     handler by load, the clock, the 受理通知书, audit);
//   - bulk: a batch of as many applications submitted as an institutional
//     creditor does (POST /applications:bulk) and processed as the job does,
//     many rows per transaction, each row validated, registered, audited and
//     its outcome recorded.
//
// Runs alternate between the two so that drift (WAL growth, autovacuum,
// caches) weighs on both alike.
func Intake(ctx context.Context, db *store.DB, opts IntakeOptions) (IntakeReport, error) {
	if opts.Cases <= 0 {
		opts.Cases = 1000
	}
	if opts.Runs <= 0 {
		opts.Runs = 3
	}
	rep := IntakeReport{Engine: db.Engine()}
	staff, err := newStaff(ctx, db)
	if err != nil {
		return rep, err
	}
	if err := createRawTable(ctx, db); err != nil {
		return rep, err
	}
	seed := 0
	for run := range opts.Runs {
		raw, err := timed(opts.Cases, func() error { return rawInserts(ctx, db, staff.court, opts.Cases) })
		if err != nil {
			return rep, fmt.Errorf("raw inserts: %w", err)
		}
		rep.RawRuns = append(rep.RawRuns, raw)
		single, err := timed(opts.Cases, func() error {
			for range opts.Cases {
				seed++
				if err := fileOne(staff, db, seed); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return rep, fmt.Errorf("single intake: %w", err)
		}
		rep.SingleRuns = append(rep.SingleRuns, single)
		content, err := batchContent(staff, seed, opts.Cases)
		if err != nil {
			return rep, err
		}
		seed += opts.Cases
		bulk, err := timed(opts.Cases, func() error { return bulkIntake(staff, db, run, content) })
		if err != nil {
			return rep, fmt.Errorf("bulk intake: %w", err)
		}
		rep.BulkRuns = append(rep.BulkRuns, bulk)
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "run %d/%d: raw %.0f/s, intake %.0f/s, bulk %.0f/s\n", run+1, opts.Runs, raw.Rate(), single.Rate(), bulk.Rate())
		}
	}
	rep.Raw, rep.Single, rep.Bulk = Median(rep.RawRuns), Median(rep.SingleRuns), Median(rep.BulkRuns)
	return rep, nil
}

// staff is who works the benchmark's court: a window clerk who registers and
// files, and judges in the teams filing assigns to.
type staff struct {
	court  uuid.UUID
	window context.Context
}

func newStaff(ctx context.Context, db *store.DB) (*staff, error) {
	sys := access.With(ctx, access.System("基准测试"))
	court, err := org.CourtByCode(sys, db, benchCourt)
	if err != nil {
		return nil, err
	}
	svc := auth.New(db, auth.Config{})
	password := randomHex(12)
	users := []auth.UserInput{{CourtID: court.ID, Username: "bench.window", DisplayName: "基准窗口", Role: access.RoleWindowReception, Password: password}}
	for i, team := range []string{"速执团队", "普执团队", "金融团队", "执保团队", "恢复异议审查团队"} {
		teamID, err := org.TeamByName(sys, db, court.ID, team)
		if err != nil {
			continue // a court need not have every kind of team
		}
		for j := range 3 {
			users = append(users, auth.UserInput{CourtID: court.ID, TeamID: teamID, Username: fmt.Sprintf("bench.judge%d.%d", i, j),
				DisplayName: fmt.Sprintf("基准法官%d-%d", i, j), Role: access.RolePostJudge, Password: password})
		}
	}
	if _, err := svc.CreateUsers(sys, users); err != nil {
		return nil, err
	}
	res, err := svc.Login(ctx, auth.LoginInput{Username: "bench.window", Password: password, Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	p, err := svc.Authenticate(ctx, res.Token)
	if err != nil {
		return nil, err
	}
	return &staff{court: court.ID, window: access.With(ctx, p)}, nil
}

// fileOne registers and files the application of seed in one transaction.
func fileOne(s *staff, db *store.DB, seed int) error {
	in := sample.Application(s.court, seed)
	in.Channel = "window"
	return db.Transact(s.window, func(ctx context.Context, tx *store.Tx) error {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return err
		}
		_, err = intake.File(ctx, tx, a.ID, intake.FileInput{AcceptanceNotice: "当场送达"})
		return err
	})
}

// batchContent is a JSON batch of n applications from seed on.
func batchContent(s *staff, seed, n int) ([]byte, error) {
	rows := make([]intake.JSONRow, n)
	for i := range rows {
		rows[i].Input = sample.Application(s.court, seed+i+1)
	}
	return intake.EncodeJSONRows(rows)
}

// bulkIntake submits a batch and processes it; every row must register.
func bulkIntake(s *staff, db *store.DB, run int, content []byte) error {
	b, _, err := intake.SubmitBatch(s.window, db, intake.BatchInput{CourtID: s.court, FileName: fmt.Sprintf("bench-%d.json", run),
		Format: "json", Content: content})
	if err != nil {
		return err
	}
	if err := intake.ProcessBatch(s.window, db, b.ID); err != nil {
		return err
	}
	if b, err = intake.GetBatch(s.window, db, b.ID); err != nil {
		return err
	}
	if b.CreatedRows != b.TotalRows {
		return fmt.Errorf("batch registered %d of %d rows (%d errors)", b.CreatedRows, b.TotalRows, b.ErrorRows)
	}
	return nil
}

// createRawTable makes the baseline's table: a row the size of a case row,
// with a primary key and one secondary index, as most product tables have.
func createRawTable(ctx context.Context, db *store.DB) error {
	ddl := `CREATE TABLE bench_raw (id TEXT PRIMARY KEY, court_id TEXT NOT NULL, name TEXT NOT NULL,
		amount_fen BIGINT NOT NULL, created_at TIMESTAMP NOT NULL)`
	if db.Engine() == store.Postgres {
		ddl = `CREATE TABLE bench_raw (id UUID PRIMARY KEY, court_id UUID NOT NULL, name TEXT NOT NULL,
			amount_fen BIGINT NOT NULL, created_at TIMESTAMPTZ NOT NULL)`
	}
	return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		if _, err := tx.Exec(ctx, ddl); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `CREATE INDEX bench_raw_court ON bench_raw (court_id, created_at)`)
		return err
	})
}

// rawInserts commits n single-row INSERTs, one transaction each.
func rawInserts(ctx context.Context, db *store.DB, court uuid.UUID, n int) error {
	for i := range n {
		err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO bench_raw (id, court_id, name, amount_fen, created_at) VALUES (?, ?, ?, ?, ?)`,
				uuid.Must(uuid.NewV7()), court, fmt.Sprintf("申请执行人%d", i), int64(i)*100, time.Now().UTC())
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}
