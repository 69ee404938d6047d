package app

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
)

// BankSimOpeningFen is what the in-process custody-bank simulator holds on
// a court's custody account when it first hears of it: deductions moved by
// the agency simulator do not travel between the two simulators, so the
// bank starts with enough to pay what the ledger owes (¥100,000,000).
const BankSimOpeningFen = 10_000_000_000

// BankKey is the key shared with the custody bank's connector (or its
// simulator: "zhixing sim bank" reads the same file), loaded or made once
// from the data directory.
func (a *App) BankKey() (id string, secret []byte, err error) {
	if a.bankSecret == nil {
		if a.bankSecret, err = ReadOrCreateSecret(filepath.Join(a.Cfg.DataDir, simbank.SecretFile)); err != nil {
			return "", nil, err
		}
	}
	return simbank.DefaultKeyID, a.bankSecret, nil
}

// startFunds starts the Payer (money out to the custody bank) and, unless a
// bank connector is configured, the custody-bank simulator inside the
// server on a loopback port. The returned function stops both and waits for
// them.
func (a *App) startFunds(ctx context.Context) (stop func(), err error) {
	keyID, secret, err := a.BankKey()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	closeSim := func() {}
	base := a.Cfg.BankURL
	if base == "" {
		sim, err := simbank.New(simbank.Options{KeyID: keyID, Secret: secret, TimeScale: a.Cfg.SimTimeScale, Seed: 1,
			JournalPath: filepath.Join(a.Cfg.DataDir, simbank.JournalFile), AutoOpen: true, AutoOpenFen: BankSimOpeningFen,
			Log: a.log().With("component", "bank-sim")})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("启动托管银行模拟器：%w", err)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			cancel()
			_ = sim.Close()
			return nil, fmt.Errorf("启动托管银行模拟器：%w", err)
		}
		srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
		base = "http://" + ln.Addr().String()
		wg.Go(func() { _ = srv.Serve(ln) })
		wg.Go(func() { _ = sim.Run(ctx) })
		wg.Go(func() {
			<-ctx.Done()
			sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
			defer c()
			_ = srv.Shutdown(sctx)
		})
		closeSim = func() { _ = sim.Close() }
		a.log().Info("custody bank simulator started", "url", base, "time_scale", a.Cfg.SimTimeScale)
	}
	a.bank = bank.NewHTTPClient(base, keyID, secret, 30*time.Second)
	payer := funds.NewPayer(a.DB, funds.PayerConfig{Bank: a.bank, Log: a.log().With("component", "payer")})
	wg.Go(func() { _ = payer.Run(ctx, 2*time.Second) })
	return func() { cancel(); wg.Wait(); closeSim() }, nil
}

// ReconcileKind is the daily reconciliation of every court's custody
// account with the bank's statement of the day before (FUND-8).
const ReconcileKind = "funds.reconcile"

// reconcile reconciles yesterday (Asia/Shanghai) for every court.
func (a *App) reconcile(ctx context.Context) error {
	ctx = access.With(ctx, access.System("每日对账"))
	list, err := funds.ReconcileAll(ctx, a.DB, a.bank, legal.Today(time.Now()).AddDays(-1))
	for _, r := range list {
		if r != nil && r.Status != "ok" {
			a.log().Warn("custody account does not reconcile", "account", r.Account, "day", r.Day, "problems", len(r.Problems))
		}
	}
	return err
}
