package agencies

import (
	"strings"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

func wantControl(t *testing.T, r agency.Result, st agency.ResultStatus, amount int64, rank int) *agency.ControlResult {
	t.Helper()
	wantStatus(t, r, st)
	c := r.Control
	if c == nil {
		t.Fatalf("request %s: no control in %+v", r.RequestID, r)
	}
	if c.AmountFen != amount || c.Rank != rank || c.Ref == "" || c.EffectiveAt.IsZero() {
		t.Fatalf("request %s: control %+v, want amount %d rank %d (%s)", r.RequestID, c, amount, rank, r.Message)
	}
	return c
}

func wantFailed(t *testing.T, r agency.Result, msg string) {
	t.Helper()
	wantStatus(t, r, agency.ResultFailed)
	if !strings.Contains(r.Message, msg) {
		t.Fatalf("request %s: message %q, want %q", r.RequestID, r.Message, msg)
	}
}

func TestDuplicateFreezesOnce(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("icbc", subj, "A1", 100_000, 0)
	q := h.freeze("icbc", agency.BankDeposit, subj, "A1", 60_000)
	acks := h.send("icbc", q, q) // the same id twice in one batch
	if acks[0].Status != agency.AckAccepted || acks[1].Status != agency.AckDuplicate {
		t.Fatalf("acks %+v", acks)
	}
	if a := h.send("icbc", q)[0]; a.Status != agency.AckDuplicate {
		t.Fatalf("resent before the answer: %+v", a)
	}
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d", n)
	}
	c := wantControl(t, h.result(q.ID), agency.ResultDone, 60_000, 1)
	if a := h.send("icbc", q)[0]; a.Status != agency.AckDuplicate {
		t.Fatalf("resent after the answer: %+v", a)
	}
	if n := h.run(); n != 0 {
		t.Fatalf("answered %d more", n)
	}
	if got := h.available(agency.BankDeposit, "icbc", subj, "A1"); got != 40_000 {
		t.Errorf("available %d, want 40,000: frozen more than once", got)
	}
	if c.TermTo != q.TermTo || !c.EffectiveAt.Equal(t0) {
		t.Errorf("control %+v", c)
	}
	if st := h.sim.Stats(); st.DoubleActions != 0 || st.ByOp[agency.OpFreeze] != 1 || st.Duplicates != 3 {
		t.Errorf("stats %+v", st)
	}
}

func TestFreezePartialAndWaiting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("icbc", subj, "A1", 50_000, 0)
	r := h.do("icbc", h.freeze("icbc", agency.BankDeposit, subj, "A1", 80_000))
	wantControl(t, r, agency.ResultPartial, 50_000, 1)
	r = h.do("icbc", h.freeze("icbc", agency.BankDeposit, subj, "A1", 10_000))
	wantControl(t, r, agency.ResultPartial, 0, 2)
	if !strings.Contains(r.Message, "轮候") {
		t.Errorf("message %q", r.Message)
	}
	// What an inquiry shows.
	q := h.inquiry("icbc", agency.BankDeposit, subj)
	r = h.do("icbc", q)
	if hd := r.Holdings[0]; hd.ValueFen != 50_000 || hd.AvailableFen != 0 || hd.Attributes["frozen_fen"] != "50000" || hd.Attributes["controls"] != "2" {
		t.Errorf("inquiry after freezes: %+v", hd)
	}

	// Money frozen by another court before: the first freeze here is second.
	other := person(2)
	h.account("icbc", other, "B1", 100_000, 30_000)
	// Money frozen by another court before: what is left is frozen, in
	// effect (rank 1); a freeze that gets nothing waits behind (rank 2+).
	wantControl(t, h.do("icbc", h.freeze("icbc", agency.BankDeposit, other, "B1", 50_000)), agency.ResultPartial, 30_000, 1)
	wantControl(t, h.do("icbc", h.freeze("icbc", agency.BankDeposit, other, "B1", 50_000)), agency.ResultPartial, 0, 3)

	// An empty account: the freeze is registered for money to come.
	empty := person(3)
	h.account("icbc", empty, "C1", 0, 0)
	wantControl(t, h.do("icbc", h.freeze("icbc", agency.BankDeposit, empty, "C1", 5_000)), agency.ResultPartial, 0, 1)
	// Money arrives: the registered freeze takes it.
	h.account("icbc", empty, "C1", 8_000, 0)
	if got := h.available(agency.BankDeposit, "icbc", empty, "C1"); got != 3_000 {
		t.Errorf("available %d after 8,000 arrived under a freeze of 5,000", got)
	}

	// Unknown asset.
	wantStatus(t, h.do("icbc", h.freeze("icbc", agency.BankDeposit, subj, "NOPE", 1)), agency.ResultNotFound)
	// Another subject's asset is unknown too.
	wantStatus(t, h.do("icbc", h.freeze("icbc", agency.BankDeposit, other, "A1", 1)), agency.ResultNotFound)
}

func TestFreezeTerm(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("icbc", subj, "A1", 50_000, 0)
	q := h.freeze("icbc", agency.BankDeposit, subj, "A1", 1_000)
	q.TermTo = "2026-03-15" // more than a year for a deposit
	wantFailed(t, h.do("icbc", q), "最长期限")
	q = h.freeze("icbc", agency.BankDeposit, subj, "A1", 1_000)
	q.TermTo = "2025-03-13"
	wantFailed(t, h.do("icbc", q), "早于")
	q = h.freeze("icbc", agency.BankDeposit, subj, "A1", 1_000)
	q.TermTo = ""
	c := wantControl(t, h.do("icbc", q), agency.ResultDone, 1_000, 1)
	if c.TermTo != "2026-03-13" {
		t.Errorf("default term %s, want a year less a day", c.TermTo)
	}
	// Real estate may be seized for three years.
	s := h.sim
	s.SetHoldings(agency.RealEstate, "mnr", subj.IDNumber, []agency.Holding{{Ref: "R1", ValueFen: 100, Attributes: map[string]string{"city": "佛山市"}}})
	q = h.base("fs-bdc", agency.RealEstate, agency.OpSeize, subj)
	q.AssetRef, q.TermTo = "R1", "2028-03-14"
	wantControl(t, h.do("fs-bdc", q), agency.ResultDone, 0, 1)
}

func TestDeduct(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.sim.SetHoldings(agency.Alipay, "alipay", subj.IDNumber, []agency.Holding{{Ref: "2088000000000009", ValueFen: 100_000}})
	f := wantControl(t, h.do("alipay", h.freeze("alipay", agency.Alipay, subj, "2088000000000009", 50_000)), agency.ResultDone, 50_000, 1)
	d := h.onControl(agency.OpDeduct, "alipay", agency.Alipay, subj, "2088000000000009", f.Ref, 30_000)
	c := wantControl(t, h.do("alipay", d), agency.ResultDone, 30_000, 1)
	if c.ReceiptRef == "" || c.Ref != f.Ref {
		t.Errorf("deduction %+v", c)
	}
	hs := h.sim.Holdings(agency.Alipay, "alipay", subj)
	if hs[0].ValueFen != 70_000 || hs[0].AvailableFen != 50_000 {
		t.Errorf("after deducting 30,000 of 50,000 frozen from 100,000: %+v", hs[0])
	}
	// More than is frozen under the control.
	wantFailed(t, h.do("alipay", h.onControl(agency.OpDeduct, "alipay", agency.Alipay, subj, "2088000000000009", f.Ref, 20_001)), "超过")
	wantControl(t, h.do("alipay", h.onControl(agency.OpDeduct, "alipay", agency.Alipay, subj, "2088000000000009", f.Ref, 20_000)), agency.ResultDone, 20_000, 1)
	if got := h.available(agency.Alipay, "alipay", subj, "2088000000000009"); got != 50_000 {
		t.Errorf("available %d", got)
	}
	// Unknown control, another court's control.
	wantFailed(t, h.do("alipay", h.onControl(agency.OpDeduct, "alipay", agency.Alipay, subj, "2088000000000009", "NOPE", 1)), "控制措施不存在或已解除")
	f2 := wantControl(t, h.do("alipay", h.freeze("alipay", agency.Alipay, subj, "2088000000000009", 1_000)), agency.ResultDone, 1_000, 1)
	d = h.onControl(agency.OpDeduct, "alipay", agency.Alipay, subj, "2088000000000009", f2.Ref, 1_000)
	d.Court = "粤0605"
	wantFailed(t, h.do("alipay", d), "非由贵院")
	// Nothing on the asset at all.
	h.account("icbc", subj, "A9", 10, 0)
	wantFailed(t, h.do("icbc", h.onControl(agency.OpDeduct, "icbc", agency.BankDeposit, subj, "A9", "X", 1)), "控制措施不存在或已解除")
}

func TestReleasePromotesWaiting(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("ccb", subj, "A1", 100_000, 0)
	a := wantControl(t, h.do("ccb", h.freeze("ccb", agency.BankDeposit, subj, "A1", 100_000)), agency.ResultDone, 100_000, 1)
	b := wantControl(t, h.do("ccb", h.freeze("ccb", agency.BankDeposit, subj, "A1", 40_000)), agency.ResultPartial, 0, 2)
	c := wantControl(t, h.do("ccb", h.freeze("ccb", agency.BankDeposit, subj, "A1", 70_000)), agency.ResultPartial, 0, 3)
	// A waiting freeze holds nothing yet.
	wantFailed(t, h.do("ccb", h.onControl(agency.OpDeduct, "ccb", agency.BankDeposit, subj, "A1", b.Ref, 1)), "超过")

	rel := h.onControl(agency.OpRelease, "ccb", agency.BankDeposit, subj, "A1", a.Ref, 0)
	wantControl(t, h.do("ccb", rel), agency.ResultDone, 100_000, 0)
	// b takes 40,000, c the remaining 60,000 of its 70,000.
	if got := h.available(agency.BankDeposit, "ccb", subj, "A1"); got != 0 {
		t.Errorf("available %d after the release", got)
	}
	wantControl(t, h.do("ccb", h.onControl(agency.OpDeduct, "ccb", agency.BankDeposit, subj, "A1", b.Ref, 40_000)), agency.ResultDone, 40_000, 1)
	wantFailed(t, h.do("ccb", h.onControl(agency.OpDeduct, "ccb", agency.BankDeposit, subj, "A1", c.Ref, 60_001)), "超过")
	wantControl(t, h.do("ccb", h.onControl(agency.OpDeduct, "ccb", agency.BankDeposit, subj, "A1", c.Ref, 60_000)), agency.ResultDone, 60_000, 1)

	// Releasing again, or something unknown, fails.
	wantFailed(t, h.do("ccb", h.onControl(agency.OpRelease, "ccb", agency.BankDeposit, subj, "A1", a.Ref, 0)), "控制措施不存在或已解除")
	wantFailed(t, h.do("ccb", h.onControl(agency.OpRelease, "ccb", agency.BankDeposit, subj, "A1", "CCB-DJ-0", 0)), "控制措施不存在或已解除")
	wantStatus(t, h.do("ccb", h.onControl(agency.OpRelease, "ccb", agency.BankDeposit, subj, "NOPE", a.Ref, 0)), agency.ResultNotFound)
}

func TestSeizureRanks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// Find, through the national registry, a subject with a home in 佛山
	// and one with a home elsewhere.
	var local, away agency.Subject
	var localRef, awayRef string
	for i := 0; localRef == "" || awayRef == ""; i++ {
		for _, x := range h.sim.Holdings(agency.RealEstate, "mnr", person(i)) {
			if x.Attributes["city"] == "佛山市" && localRef == "" && x.AvailableFen > 0 {
				local, localRef = person(i), x.Ref
			} else if x.Attributes["city"] != "佛山市" && awayRef == "" {
				away, awayRef = person(i), x.Ref
			}
		}
	}
	seize := func(subj agency.Subject, ref, court string) agency.Request {
		q := h.base("fs-bdc", agency.RealEstate, agency.OpSeize, subj)
		q.AssetRef, q.Court, q.TermTo = ref, court, "2028-01-01"
		return q
	}
	first := wantControl(t, h.do("fs-bdc", seize(local, localRef, "粤0604")), agency.ResultDone, 0, 1)
	r2 := h.do("fs-bdc", seize(local, localRef, "粤0605"))
	second := wantControl(t, r2, agency.ResultDone, 0, 2)
	third := wantControl(t, h.do("fs-bdc", seize(local, localRef, "粤0606")), agency.ResultDone, 0, 3)
	if first.Ref == second.Ref || !strings.Contains(r2.Message, "轮候") {
		t.Errorf("second seizure: %+v %q", second, r2.Message)
	}
	// The registry's inquiry shows the seizures.
	r := h.do("mnr", h.inquiry("mnr", agency.RealEstate, local))
	for _, x := range r.Holdings {
		if x.Ref == localRef && (x.Attributes["controls"] != "3" || x.AvailableFen != 0) {
			t.Errorf("after three seizures: %+v", x)
		}
	}
	// Lifting the first moves the others up.
	rel := h.onControl(agency.OpRelease, "fs-bdc", agency.RealEstate, local, localRef, first.Ref, 0)
	rel.Court = "粤0604"
	wantControl(t, h.do("fs-bdc", rel), agency.ResultDone, 0, 0)
	renew := h.onControl(agency.OpRenew, "fs-bdc", agency.RealEstate, local, localRef, third.Ref, 0)
	renew.Court, renew.TermTo = "粤0606", "2028-02-01"
	wantControl(t, h.do("fs-bdc", renew), agency.ResultDone, 0, 2)
	// Not this registry's city.
	wantFailed(t, h.do("fs-bdc", seize(away, awayRef, "粤0604")), "不属本单位辖区")
}

func TestRenewAndExpiry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("boc", subj, "A1", 100_000, 0)
	q := h.freeze("boc", agency.BankDeposit, subj, "A1", 60_000)
	q.TermTo = "2025-12-31"
	f := wantControl(t, h.do("boc", q), agency.ResultDone, 60_000, 1)
	renew := func(term string) agency.Request {
		r := h.onControl(agency.OpRenew, "boc", agency.BankDeposit, subj, "A1", f.Ref, 0)
		r.TermTo = term
		return r
	}
	c := wantControl(t, h.do("boc", renew("2026-03-01")), agency.ResultDone, 60_000, 1)
	if c.TermTo != "2026-03-01" {
		t.Errorf("renewed to %s", c.TermTo)
	}
	wantFailed(t, h.do("boc", renew("2026-02-01")), "应晚于")
	wantFailed(t, h.do("boc", renew("2026-03-15")), "最长期限")
	// A later freeze waits behind this one.
	w := wantControl(t, h.do("boc", h.freeze("boc", agency.BankDeposit, subj, "A1", 70_000)), agency.ResultPartial, 40_000, 1)

	// The term runs out: the control lapses and the waiting one takes the money.
	h.clock.Add(time.Duration(legal.MustDate("2026-03-02").Sub(legal.Today(t0))) * 24 * time.Hour)
	wantFailed(t, h.do("boc", renew("2026-06-01")), "期满失效")
	if got := h.available(agency.BankDeposit, "boc", subj, "A1"); got != 30_000 {
		t.Errorf("available %d after the first freeze lapsed", got)
	}
	wantControl(t, h.do("boc", h.onControl(agency.OpDeduct, "boc", agency.BankDeposit, subj, "A1", w.Ref, 70_000)), agency.ResultDone, 70_000, 1)
}

func TestNonMoneyFreeze(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.sim.SetHoldings(agency.Securities, "csdc", subj.IDNumber, []agency.Holding{{Ref: "A123456789", ValueFen: 1_000_000}})
	f := wantControl(t, h.do("csdc", h.freeze("csdc", agency.Securities, subj, "A123456789", 300_000)), agency.ResultDone, 300_000, 1)
	wantControl(t, h.do("csdc", h.freeze("csdc", agency.Securities, subj, "A123456789", 200_000)), agency.ResultDone, 200_000, 2)
	if got := h.available(agency.Securities, "csdc", subj, "A123456789"); got != 500_000 {
		t.Errorf("available %d", got)
	}
	wantControl(t, h.do("csdc", h.onControl(agency.OpRelease, "csdc", agency.Securities, subj, "A123456789", f.Ref, 0)), agency.ResultDone, 300_000, 0)
	if got := h.available(agency.Securities, "csdc", subj, "A123456789"); got != 800_000 {
		t.Errorf("available %d after release", got)
	}
}
