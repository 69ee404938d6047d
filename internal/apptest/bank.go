package apptest

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/app"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
)

// Bank is the custody-bank simulator on a loopback port and a Payer sending
// to it, driven by the test: nothing runs in the background.
type Bank struct {
	Sim    *simbank.Sim
	Payer  *funds.Payer
	Client bank.Client // the Payer's client of the simulator
}

// Bank starts the custody-bank simulator (seed 7, custody accounts opened
// on demand with app.BankSimOpeningFen) and a Payer.
func (e *Env) Bank(t testing.TB) *Bank {
	t.Helper()
	keyID, secret, err := e.App.BankKey()
	if err != nil {
		t.Fatal(err)
	}
	sim, err := simbank.New(simbank.Options{KeyID: keyID, Secret: secret, Seed: 7, AutoOpen: true, AutoOpenFen: app.BankSimOpeningFen})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	client := bank.NewHTTPClient(srv.URL, keyID, secret, 10*time.Second)
	p := funds.NewPayer(e.DB, funds.PayerConfig{Bank: client, Lease: time.Nanosecond, Backoff: time.Nanosecond})
	return &Bank{Sim: sim, Payer: p, Client: client}
}

// Settle runs the Payer and the simulator until neither has work left:
// every approved payout sent, carried out and its result applied.
func (b *Bank) Settle(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	for range 100 {
		r, err := b.Payer.RunOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n := b.Sim.RunDue(ctx); !r.Busy() && n == 0 {
			return
		}
	}
	t.Fatal("payer and bank simulator did not settle")
}
