package bank

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func TestJournalRestart(t *testing.T) {
	t.Parallel()
	for _, crash := range []bool{true, false} {
		name := "clean stop"
		if crash {
			name = "crash"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, func(o *Options) { withJournal(t)(o); o.TimeScale = 1 })
			va := legal.VirtualAccountNo("440604", 2025, 1, 77, 1)
			fine := payout(fen(1_000), "6222021234567890123")
			bounce := payout(fen(2_000), "6222021234560000")
			h.accept(fine, bounce)
			h.clock.Add(SettleMax)
			if n := h.run(); n != 2 {
				t.Fatalf("carried out %d", n)
			}
			_, err := h.sim.Pay(custody, PaymentIn{PayerName: "张三", PayerAccount: "6222020200112233445", AmountFen: fen(300), Memo: "还款", VirtualAccount: va})
			must(t, err)
			pending := payout(fen(4_000), "6222021234567890124")
			h.accept(pending) // due later
			results := h.results(0, 0)
			stmt := h.statement(custody, h.today())

			h.restart(crash)
			for i, a := range h.send(fine, bounce, pending) {
				if a.Status != bank.AckDuplicate {
					t.Errorf("instruction %d after restart: %+v", i, a)
				}
			}
			if d := cmp.Diff(results, h.results(0, 0)); d != "" {
				t.Errorf("results changed (-before +after):\n%s", d)
			}
			if d := cmp.Diff(stmt, h.statement(custody, h.today())); d != "" {
				t.Errorf("statement changed (-before +after):\n%s", d)
			}
			if s := h.sim.Stats(); s.Pending != 1 || s.ReturnsPending != 1 || s.Accounts != 1 {
				t.Fatalf("stats after restart %+v", s)
			}
			if n := h.run(); n != 0 {
				t.Fatalf("carried out %d before their time", n)
			}
			h.clock.Add(SettleMax)
			if n := h.run(); n != 1 {
				t.Fatalf("carried out %d after restart, want the pending one", n)
			}
			if r := h.result(pending.Ref); r.Seq != 3 || r.Status != bank.Settled {
				t.Errorf("pending: %+v", r)
			}
			h.clock.Add(ReturnMax)
			if n := h.run(); n != 1 {
				t.Fatalf("returned %d after restart", n)
			}

			// Once more, and everything is there once.
			h.restart(crash)
			if n := h.run(); n != 0 {
				t.Errorf("carried out %d after the second restart", n)
			}
			later := payout(fen(10), "6222021234567890123")
			h.accept(later)
			h.clock.Add(SettleMax)
			if n := h.run(); n != 1 {
				t.Fatalf("carried out %d new after the second restart", n)
			}
			ids := map[string]bool{}
			count := map[string]int{}
			var total int64
			for day := legal.Today(t0); !day.After(legal.Today(h.clock.Now())); day = day.AddDays(1) {
				st := h.statement(custody, day.String())
				for _, l := range st.Lines {
					if ids[l.ID] {
						t.Errorf("line id %s twice", l.ID)
					}
					ids[l.ID] = true
					if l.Direction == bank.Debit {
						count[l.InstructionRef]++
						total -= l.AmountFen
					} else {
						total += l.AmountFen
					}
				}
			}
			for _, q := range []bank.Instruction{fine, bounce, pending, later} {
				if count[q.Ref] != 1 {
					t.Errorf("%s paid %d times", q.Ref, count[q.Ref])
				}
			}
			want := 10_000_000 + fen(300) - fen(1_000) - fen(4_000) - fen(10) // the bounced payout came back
			if b := h.balance(custody); b != want || 10_000_000+total != want {
				t.Errorf("balance %d, lines add up to %d, want %d", b, 10_000_000+total, want)
			}
			if rs := h.resultsOf(bounce.Ref); len(rs) != 2 || rs[1].Status != bank.Returned {
				t.Errorf("bounce: %+v", rs)
			}
			if s := h.sim.Stats(); s.DoublePayments != 0 {
				t.Errorf("stats %+v", s)
			}
		})
	}
}

func TestJournalTornTail(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withJournal(t))
	q := payout(fen(10), "6222021234567890123")
	h.accept(q)
	h.run()
	must(t, h.sim.Close())
	f, err := os.OpenFile(h.opts.JournalPath, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	_, err = f.WriteString(`{"t":"ins","i":{"ref":"half`)
	must(t, err)
	must(t, f.Close())
	h.start()
	if a := h.send(q)[0]; a.Status != bank.AckDuplicate {
		t.Fatalf("after a torn tail: %+v", a)
	}
	q2 := payout(fen(20), "6222021234567890123")
	h.accept(q2)
	h.run()
	h.restart(false)
	if rs := h.results(0, 0); len(rs.Results) != 2 || rs.Results[1].Ref != q2.Ref {
		t.Fatalf("results %+v", rs)
	}
	data, err := os.ReadFile(h.opts.JournalPath)
	must(t, err)
	if strings.Contains(string(data), "half") {
		t.Error("the torn line was not cut off")
	}
}

func TestJournalDamaged(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "bank.journal")
	must(t, os.WriteFile(path, []byte("{\"t\":\"open\",\"a\":\"123456\",\"name\":\"x\",\"at\":\"2025-03-14T10:00:00+08:00\"}\nnonsense\n{\"t\":\"pay\"}\n"), 0o600))
	if _, err := New(Options{KeyID: testKeyID, Secret: testSecret, JournalPath: path}); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("damaged journal: %v", err)
	}
}

func TestJournalInUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t, withJournal(t))
	if _, err := New(h.opts); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second simulator on the journal: %v", err)
	}
	must(t, h.sim.Close())
	s, err := New(h.opts)
	must(t, err)
	must(t, s.Close())
}

func TestClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	must(t, h.sim.Close())
	if _, err := h.client.Send(t.Context(), []bank.Instruction{payout(1, "6222021234567890123")}); statusOf(err) != http.StatusServiceUnavailable {
		t.Errorf("send to a closed simulator: %v", err)
	}
	if _, err := h.sim.Pay(custody, PaymentIn{PayerName: "张三", AmountFen: 1}); statusOf(err) != http.StatusServiceUnavailable {
		t.Errorf("pay into a closed simulator: %v", err)
	}
	if n := h.run(); n != 0 {
		t.Errorf("run after close: %d", n)
	}
}
