package bench

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/sample"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
)

// LedgerOptions size the ledger benchmark (P5).
type LedgerOptions struct {
	Transfers int // transfers per measure
	Workers   int // concurrent writers (each its own cases)
	Cases     int // cases whose accounts the transfers move money between
	Courts    int // courts the uniform measure spreads its cases over
	Runs      int
	Progress  io.Writer
}

// LedgerReport is P5 measured on one engine.
type LedgerReport struct {
	Engine                store.Engine
	Workers, Courts       int
	Raw, Uniform, Hot     Measure // medians
	RawRuns, UniformRuns  []Measure
	HotRuns               []Measure
	CustodyShare          float64 // of the transfers, those touching a custody account
	VerifiedTransfers     int     // transfers in the ledger at the end, all verified
	VerifiedBalanced      bool
	VerifyProblems        []string
	UniformCourtsObserved int
}

// UniformRatio is the ledger's rate over the raw INSERT rate (P5 asks ≥ 0.5).
func (r LedgerReport) UniformRatio() float64 { return ratio(r.Uniform, r.Raw) }

// HotRatio is the rate with 80 % of transfers on one court's custody account
// over the uniform rate (P5 asks ≥ 0.8).
func (r LedgerReport) HotRatio() float64 { return ratio(r.Hot, r.Uniform) }

// ledgerCase is a case whose accounts a worker moves money through.
type ledgerCase struct {
	court                 uuid.UUID
	custody               *funds.Account
	respondent, applicant *funds.Account
}

// Ledger measures P5 on db (a scratch database from Scratch). Every
// transfer is one committed transaction through funds.Post, the code every
// receipt, allocation and payout goes through: its postings, the
// idempotency check on its reference, the overdraft guard on party
// balances. A worker repeats a cycle of five transfers on each of its
// cases — two receipts into the debtor's account (custody → debtor), their
// allocation to the creditor (debtor → creditor), and two payouts settled
// (creditor → custody) — so four transfers in five touch a custody account:
//   - uniform: the cases are spread over Courts courts, so those transfers
//     spread over as many custody accounts;
//   - hot: every case is in one court, so 80 % of all transfers touch that
//     court's custody account.
//
// raw is the same number of single-row INSERTs, one transaction each, by as
// many workers. The ledger is verified at the end.
func Ledger(ctx context.Context, db *store.DB, opts LedgerOptions) (LedgerReport, error) {
	if opts.Transfers <= 0 {
		opts.Transfers = 5000
	}
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Cases < opts.Workers {
		opts.Cases = max(opts.Workers*25, 100)
	}
	if opts.Courts <= 0 {
		opts.Courts = 9
	}
	if opts.Runs <= 0 {
		opts.Runs = 3
	}
	rep := LedgerReport{Engine: db.Engine(), Workers: opts.Workers}
	sys := access.With(ctx, access.System("基准测试"))
	courts, err := basicCourts(sys, db, opts.Courts)
	if err != nil {
		return rep, err
	}
	rep.Courts = len(courts)
	uniform, err := ledgerCases(sys, db, courts, opts.Cases, 0)
	if err != nil {
		return rep, fmt.Errorf("filing the uniform cases: %w", err)
	}
	hot, err := ledgerCases(sys, db, courts[:1], opts.Cases, opts.Cases)
	if err != nil {
		return rep, fmt.Errorf("filing the hot cases: %w", err)
	}
	if err := createRawTable(ctx, db); err != nil {
		return rep, err
	}
	var custody, total atomic.Int64
	for run := range opts.Runs {
		raw, err := timed(opts.Transfers, func() error {
			return parallel(opts.Workers, opts.Transfers, func(w, n int) error { return rawInserts(ctx, db, courts[0], n) })
		})
		if err != nil {
			return rep, fmt.Errorf("raw inserts: %w", err)
		}
		rep.RawRuns = append(rep.RawRuns, raw)
		for _, m := range []struct {
			mode  string
			cases []ledgerCase
			runs  *[]Measure
		}{{"uniform", uniform, &rep.UniformRuns}, {"hot", hot, &rep.HotRuns}} {
			me, err := timed(opts.Transfers, func() error {
				return parallel(opts.Workers, opts.Transfers, func(w, n int) error {
					c, t, err := ledgerWork(sys, db, m.cases, w, opts.Workers, n, fmt.Sprintf("%s:%d", m.mode, run))
					custody.Add(int64(c))
					total.Add(int64(t))
					return err
				})
			})
			if err != nil {
				return rep, fmt.Errorf("ledger transfers: %w", err)
			}
			*m.runs = append(*m.runs, me)
		}
		if opts.Progress != nil {
			fmt.Fprintf(opts.Progress, "run %d/%d: raw %.0f/s, ledger uniform %.0f/s, ledger hot %.0f/s\n", run+1, opts.Runs,
				raw.Rate(), rep.UniformRuns[run].Rate(), rep.HotRuns[run].Rate())
		}
	}
	rep.Raw, rep.Uniform, rep.Hot = Median(rep.RawRuns), Median(rep.UniformRuns), Median(rep.HotRuns)
	if total.Load() > 0 {
		rep.CustodyShare = float64(custody.Load()) / float64(total.Load())
	}
	v, err := funds.Verify(ctx, db)
	if err != nil {
		return rep, err
	}
	rep.VerifiedTransfers, rep.VerifiedBalanced, rep.VerifyProblems = v.Transfers, v.OK(), v.Problems
	rep.UniformCourtsObserved = len(v.Courts)
	return rep, nil
}

// parallel splits n operations over w workers and waits for them.
func parallel(w, n int, fn func(worker, n int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, w)
	for i := range w {
		share := n / w
		if i < n%w {
			share++
		}
		wg.Go(func() { errs[i] = fn(i, share) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// basicCourts returns up to n basic courts.
func basicCourts(ctx context.Context, db *store.DB, n int) ([]uuid.UUID, error) {
	first, err := org.CourtByCode(ctx, db, benchCourt)
	if err != nil {
		return nil, err
	}
	out := []uuid.UUID{first.ID}
	rows, err := db.Query(ctx, `SELECT id FROM courts WHERE level = 'basic' AND active AND id <> ? ORDER BY code`, first.ID)
	if err != nil {
		return nil, err
	}
	more, err := store.ScanAll(rows, func(sc store.Scanner) (uuid.UUID, error) {
		var id uuid.UUID
		return id, sc.Scan(&id)
	})
	if err != nil {
		return nil, err
	}
	out = append(out, more...)
	return out[:min(n, len(out))], nil
}

// ledgerCases files n cases round-robin over courts (by a window clerk of
// each) and returns their accounts.
func ledgerCases(ctx context.Context, db *store.DB, courts []uuid.UUID, n, seed int) ([]ledgerCase, error) {
	clerks := make(map[uuid.UUID]context.Context, len(courts))
	for _, court := range courts {
		c, err := windowClerk(ctx, db, court)
		if err != nil {
			return nil, err
		}
		clerks[court] = c
	}
	out := make([]ledgerCase, 0, n)
	for i := range n {
		court := courts[i%len(courts)]
		var lc ledgerCase
		err := db.Transact(clerks[court], func(ctx context.Context, tx *store.Tx) error {
			a, err := intake.Register(ctx, tx, sample.Application(court, 700_000+seed+i))
			if err != nil {
				return err
			}
			c, err := intake.File(ctx, tx, a.ID, intake.FileInput{})
			if err != nil {
				return err
			}
			accounts, err := funds.OpenCaseAccounts(ctx, tx, c.ID)
			if err != nil {
				return err
			}
			lc.court = court
			for _, acc := range accounts {
				if acc.Role == "respondent" && lc.respondent == nil {
					lc.respondent = acc
				} else if acc.Role == "applicant" && lc.applicant == nil {
					lc.applicant = acc
				}
			}
			if lc.custody, err = funds.CourtAccount(ctx, tx, court, funds.Custody); err != nil {
				return err
			}
			if lc.respondent == nil || lc.applicant == nil || lc.custody == nil {
				return fmt.Errorf("case %s: accounts %+v", c.CaseNo, accounts)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		out = append(out, lc)
	}
	return out, nil
}

// windowClerk makes a window clerk of a court and returns a context acting
// as them.
func windowClerk(ctx context.Context, db *store.DB, court uuid.UUID) (context.Context, error) {
	return userAs(ctx, db, court, access.RoleWindowReception)
}

// userAs makes a user of a role in a court and returns a context acting as
// them.
func userAs(ctx context.Context, db *store.DB, court uuid.UUID, role string) (context.Context, error) {
	svc := auth.New(db, auth.Config{})
	password, name := randomHex(12), "bench."+role+"."+randomHex(4)
	if _, err := svc.CreateUsers(ctx, []auth.UserInput{{CourtID: court, Username: name, DisplayName: "基准" + role,
		Role: role, Password: password}}); err != nil {
		return nil, err
	}
	res, err := svc.Login(ctx, auth.LoginInput{Username: name, Password: password, Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		return nil, err
	}
	p, err := svc.Authenticate(ctx, res.Token)
	if err != nil {
		return nil, err
	}
	return access.With(ctx, p), nil
}

// ledgerWork makes n transfers on the cases of worker w (every workers-th
// case), five per cycle per case, and returns how many touched a custody
// account.
func ledgerWork(ctx context.Context, db *store.DB, cases []ledgerCase, w, workers, n int, run string) (custody, total int, err error) {
	var mine []ledgerCase
	for i := w; i < len(cases); i += workers {
		mine = append(mine, cases[i])
	}
	const amount = 1_000_00
	for k := 0; k < n; k++ {
		c := mine[(k/5)%len(mine)]
		var t *funds.Transfer
		switch k % 5 {
		case 0, 1: // a receipt: custody → debtor
			t = &funds.Transfer{Kind: funds.KindReceipt, Postings: []funds.Posting{funds.Debit(c.custody, amount), funds.Credit(c.respondent, amount)},
				Ref: fmt.Sprintf("bench:%s:%d:%d", run, w, k)}
		case 2: // the allocation: debtor → creditor
			t = &funds.Transfer{Kind: funds.KindAllocation, Postings: []funds.Posting{funds.Debit(c.respondent, 2*amount),
				funds.Credit(c.applicant, 2*amount)}}
		default: // a payout settled: creditor → out of custody
			t = &funds.Transfer{Kind: funds.KindPayoutSettled, Postings: []funds.Posting{funds.Debit(c.applicant, amount),
				funds.Credit(c.custody, amount)}, Ref: fmt.Sprintf("bench:%s:%d:%d", run, w, k)}
		}
		t.CourtID, t.Memo = c.court, "基准测试"
		if k%5 != 2 {
			custody++
		}
		total++
		if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
			_, err := funds.Post(ctx, tx, t)
			return err
		}); err != nil {
			return custody, total, err
		}
	}
	return custody, total, nil
}
