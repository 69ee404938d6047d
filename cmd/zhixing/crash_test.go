package main

import (
	"context"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestMain lets the crash test run this test binary as the server: with
// ZHIXING_TEST_SERVE set it runs `zhixing serve` with the arguments given
// (one per line) instead of the tests.
func TestMain(m *testing.M) {
	if args := os.Getenv("ZHIXING_TEST_SERVE"); args != "" {
		os.Exit(run(context.Background(), strings.Split(args, "\n"), os.Stdin, os.Stdout, os.Stderr, os.Getenv))
	}
	os.Exit(m.Run())
}

// TestPayoutsSurviveAKilledServer (issue 5): hundreds of approved payouts;
// the server is killed (SIGKILL) twice while it pays them and started
// again; in the end every payout is paid exactly once at the bank, nothing
// is left in transit, and `zhixing funds verify` passes.
func TestPayoutsSurviveAKilledServer(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts a server")
	}
	t.Parallel()
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			testPayoutsSurviveAKilledServer(t, e)
		})
	}
}

func testPayoutsSurviveAKilledServer(t *testing.T, e store.Engine) {
	ctx := context.Background()
	dsn := storetest.NewDSN(t, e)
	db, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const n = 300
	staff := intaketest.NewStaff(t, db, "")
	for i := range n {
		approvedPayout(t, db, staff, 40_000+i)
	}

	// The bank lives outside the server, as a real one does.
	dataDir := t.TempDir()
	secret, err := app.ReadOrCreateSecret(filepath.Join(dataDir, simbank.SecretFile))
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simbank.New(simbank.Options{KeyID: simbank.DefaultKeyID, Secret: secret, Seed: 3, AutoOpen: true, AutoOpenFen: app.BankSimOpeningFen})
	if err != nil {
		t.Fatal(err)
	}
	defer sim.Close()
	simCtx, stopSim := context.WithCancel(ctx)
	defer stopSim()
	bankURL := serveSim(t, simCtx, sim)

	settled := func() int {
		var k int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM payouts WHERE status = 'settled'`).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k
	}
	start := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ZHIXING_TEST_SERVE="+strings.Join([]string{"serve", "--db", dsn, "--data-dir", dataDir,
			"--addr", "127.0.0.1:0", "--bank-url", bankURL, "--demo=false", "--log-level", "warn"}, "\n"))
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	waitFor := func(what string, limit time.Duration, ok func() bool) {
		t.Helper()
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(limit)
		for !ok() {
			select {
			case <-tick.C:
			case <-deadline:
				t.Fatalf("%s: not within %s (%d of %d settled)", what, limit, settled(), n)
			}
		}
	}

	claimed := func() bool {
		var k int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM payouts WHERE attempts > 0`).Scan(&k); err != nil {
			t.Fatal(err)
		}
		return k > 0
	}
	kill := func(server *exec.Cmd, when string) {
		t.Helper()
		if err := server.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		_ = server.Wait()
		t.Logf("server killed %s, with %d of %d payouts settled", when, settled(), n)
	}
	// Killed first when the bank has taken a batch whose answer never
	// came back (the bank answers 500 after recording it), then once
	// results are coming in.
	sim.SetFault(simbank.Fault{FailAfterAccept: 1})
	server := start()
	waitFor("a batch taken by the bank", time.Minute, func() bool { return claimed() && sim.Stats().Accepted > 0 })
	kill(server, "with a batch taken by the bank but not recorded")
	sim.SetFault(simbank.Fault{})
	server = start()
	waitFor("first payouts", time.Minute, func() bool { return settled() > 0 })
	kill(server, "while results came in")

	server = start()
	waitFor("every payout", 2*time.Minute, func() bool { return settled() == n })
	kill(server, "at the end")

	st := sim.Stats()
	t.Logf("bank: %d accepted, %d duplicates acknowledged, %d settled, %d double payments", st.Accepted, st.Duplicates, st.Settled,
		st.DoublePayments)
	// The payouts the bank took unrecorded are settled by its results or
	// resent as duplicates, depending on which comes first.
	if st.DoublePayments != 0 || st.Settled != n || st.Accepted != n {
		t.Errorf("bank: %+v, want %d payments made once each", st, n)
	}
	rep, err := funds.Verify(ctx, db)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	zhixing(t, ctx, "", nil, "funds", "verify", "--db", dsn, "--data-dir", dataDir).must(t, exitOK, "案款账完好")
	var inTransit int64
	if err := db.QueryRow(ctx, `SELECT COALESCE(SUM(p.amount_fen), 0) FROM fund_postings p JOIN fund_accounts a ON a.id = p.account_id
		WHERE a.kind = 'in_transit'`).Scan(&inTransit); err != nil || inTransit != 0 {
		t.Errorf("money left in transit: %d (%v)", inTransit, err)
	}
}

// approvedPayout files a case, receives money for it, allocates it and
// approves a payout of the creditor's share to a confirmed account.
func approvedPayout(t *testing.T, db *store.DB, staff *intaketest.Staff, seed int) {
	t.Helper()
	in := intaketest.Application(staff.CourtID, seed)
	in.ClaimAmountFen = 50_000_00
	c, err := store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatal(err)
	}
	if c, err = store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return cases.Get(ctx, tx, c.ID)
	}); err != nil {
		t.Fatal(err)
	}
	var debtor, creditor uuid.UUID
	for _, p := range c.Parties {
		if p.Role == "respondent" {
			debtor = p.PartyID
		} else {
			creditor = p.PartyID
		}
	}
	step := func(ctx context.Context, fn func(context.Context, *store.Tx) error) {
		t.Helper()
		if err := db.Transact(ctx, fn); err != nil {
			t.Fatal(err)
		}
	}
	step(staff.Sys, func(ctx context.Context, tx *store.Tx) error {
		_, err := funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: debtor, AmountFen: 60_000_00,
			RequestID: uuid.New(), ReceiptRef: "HD"})
		return err
	})
	var share int64
	step(staff.Judge, func(ctx context.Context, tx *store.Tx) error {
		al, err := funds.Allocate(ctx, tx, c.ID)
		if err == nil {
			share = al.CreditorsFen
			_, err = funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: creditor, HolderName: "申请人", AccountNo: "62220000" + strings.Repeat("1", 8),
				BankName: "工商银行", Confirmation: "收款账户确认书"})
		}
		return err
	})
	var id uuid.UUID
	step(staff.Judge, func(ctx context.Context, tx *store.Tx) error {
		o, err := funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: creditor, AmountFen: share})
		if err == nil {
			id = o.ID
		}
		return err
	})
	step(staff.Leader, func(ctx context.Context, tx *store.Tx) error {
		_, err := funds.DecidePayout(ctx, tx, id, funds.Decision{Approve: true})
		return err
	})
}

// serveSim serves the bank simulator on a loopback port and carries out
// what becomes due until ctx ends.
func serveSim(t *testing.T, ctx context.Context, sim *simbank.Sim) string {
	t.Helper()
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	done := make(chan struct{})
	go func() { defer close(done); _ = sim.Run(ctx) }()
	t.Cleanup(func() { <-done })
	return srv.URL
}
