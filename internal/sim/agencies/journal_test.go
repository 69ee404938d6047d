package agencies

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

func journalHarness(t *testing.T) (*harness, Options) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sim", "agencies.jsonl")
	h := newHarness(t, func(o *Options) { o.JournalPath = path })
	opts := testOptions(h.clock)
	opts.JournalPath = path
	return h, opts
}

// restart serves a new simulator from the journal; crash drops the old one
// without closing it properly.
func (h *harness) restart(opts Options, crash bool) {
	h.t.Helper()
	if crash {
		h.sim.abandon()
	} else if err := h.sim.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.srv.Close()
	h.start(opts)
}

func TestJournalRestart(t *testing.T) {
	t.Parallel()
	h, opts := journalHarness(t)
	subj := person(1)
	h.account("icbc", subj, "A1", 100_000, 0)
	f1 := h.freeze("icbc", agency.BankDeposit, subj, "A1", 60_000)
	r1 := h.do("icbc", f1)
	wantControl(t, r1, agency.ResultDone, 60_000, 1)
	i1 := h.inquiry("icbc", agency.BankDeposit, subj)
	f2 := h.freeze("icbc", agency.BankDeposit, subj, "A1", 60_000)
	h.accept("icbc", i1, f2) // accepted, not answered

	h.restart(opts, true)
	for i, a := range h.send("icbc", f1, i1, f2) {
		if a.Status != agency.AckDuplicate {
			t.Errorf("request %d after restart: %+v", i, a)
		}
	}
	if n := h.run(); n != 2 {
		t.Fatalf("answered %d after restart, want the 2 pending", n)
	}
	ri := h.result(i1.ID)
	if len(ri.Holdings) != 1 || ri.Holdings[0].ValueFen != 100_000 || ri.Holdings[0].AvailableFen != 40_000 {
		t.Errorf("inquiry after restart: %+v", ri.Holdings)
	}
	wantControl(t, h.result(f2.ID), agency.ResultPartial, 40_000, 1)
	h.result(f1.ID) // called back once, before the crash, not again
	rs := h.poll("icbc", 0, 10)
	if len(rs.Results) != 3 || rs.Results[0].RequestID != f1.ID || rs.Results[0].Seq != r1.Seq || rs.Results[2].Seq != 3 {
		t.Fatalf("polled after restart: %+v", rs)
	}
	if d := cmp.Diff(r1, rs.Results[0]); d != "" {
		t.Errorf("the first result changed (-before +after):\n%s", d)
	}

	// A clean stop and start: nothing more to answer, state and ids kept.
	h.restart(opts, false)
	if n := h.run(); n != 0 {
		t.Errorf("answered %d after a clean restart", n)
	}
	if a := h.send("icbc", f2)[0]; a.Status != agency.AckDuplicate {
		t.Errorf("after clean restart: %+v", a)
	}
	if got := h.available(agency.BankDeposit, "icbc", subj, "A1"); got != 0 {
		t.Errorf("available %d after restart, want 0", got)
	}
	d := h.onControl(agency.OpDeduct, "icbc", agency.BankDeposit, subj, "A1", r1.Control.Ref, 60_000)
	wantControl(t, h.do("icbc", d), agency.ResultDone, 60_000, 1)
	if rs := h.poll("icbc", 3, 10); len(rs.Results) != 1 || rs.Results[0].Seq != 4 {
		t.Errorf("seq after restart: %+v", rs)
	}
	if st := h.sim.Stats(); st.DoubleActions != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestJournalKeepsDueTimesAndCallbacks(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "j.jsonl")
	h := newHarness(t, func(o *Options) { o.JournalPath, o.TimeScale = path, 1 })
	opts := testOptions(h.clock)
	opts.JournalPath, opts.TimeScale = path, 1
	q1 := h.inquiry("tenpay", agency.Tenpay, person(1))
	q2 := h.inquiry("tenpay", agency.Tenpay, person(2))
	h.accept("tenpay", q1, q2)
	d1, d2 := Delay(1, agency.Tenpay, q1.ID), Delay(1, agency.Tenpay, q2.ID)
	if d1 > d2 {
		q1, q2, d1, d2 = q2, q1, d2, d1
	}
	h.cb.failN.Store(1)
	h.clock.Add(d1)
	if n := h.run(); n != 1 || h.cb.count() != 0 {
		t.Fatalf("answered %d, called back %d", n, h.cb.count())
	}
	h.restart(opts, true)
	// The first result's callback failed before the crash: it is sent again;
	// the second request is still waiting for its time.
	if n := h.run(); n != 0 {
		t.Fatalf("answered %d before the second delay", n)
	}
	h.result(q1.ID)
	h.clock.Add(d2 - d1)
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d after the second delay", n)
	}
	h.result(q2.ID)
}

func TestJournalTornLastLine(t *testing.T) {
	t.Parallel()
	h, opts := journalHarness(t)
	subj := person(1)
	h.account("ccb", subj, "A1", 100_000, 0)
	f := h.freeze("ccb", agency.BankDeposit, subj, "A1", 30_000)
	wantControl(t, h.do("ccb", f), agency.ResultDone, 30_000, 1)
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(opts.JournalPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, torn := range []string{`{"t":"res","a":"ccb","r":{"request_id":"x","se`, "{\"t\":\"req\",\"a\":\"ccb\",\"due\":\"garbage\n", "\x00\x00\x00"} {
		if err := os.WriteFile(opts.JournalPath, append(bytes.Clone(good), torn...), 0o600); err != nil {
			t.Fatal(err)
		}
		h.restart(opts, false)
		if a := h.send("ccb", f)[0]; a.Status != agency.AckDuplicate {
			t.Errorf("torn %q: %+v", torn, a)
		}
		if got := h.available(agency.BankDeposit, "ccb", subj, "A1"); got != 70_000 {
			t.Errorf("torn %q: available %d", torn, got)
		}
		if err := h.sim.Close(); err != nil {
			t.Fatal(err)
		}
		now, _ := os.ReadFile(opts.JournalPath)
		if !bytes.Equal(now, good) {
			t.Errorf("torn %q: journal not cut back to its good part (%d bytes, want %d)", torn, len(now), len(good))
		}
	}
	// Work goes on after a torn line.
	h.restart(opts, false)
	f2 := h.freeze("ccb", agency.BankDeposit, subj, "A1", 30_000)
	wantControl(t, h.do("ccb", f2), agency.ResultDone, 30_000, 1)
	h.restart(opts, false)
	if got := h.available(agency.BankDeposit, "ccb", subj, "A1"); got != 40_000 {
		t.Errorf("available %d", got)
	}

	// A bad line before the last one is corruption, not a crash.
	if err := h.sim.Close(); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(opts.JournalPath)
	lines := strings.SplitAfter(string(data), "\n")
	lines[1] = "not json\n"
	if err := os.WriteFile(opts.JournalPath, []byte(strings.Join(lines, "")), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("corrupt journal: %v", err)
	}
}

func TestJournalInUse(t *testing.T) {
	t.Parallel()
	_, opts := journalHarness(t)
	if _, err := New(opts); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second simulator on one journal: %v", err)
	}
}

func TestNewOptions(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]Options{
		"no key":         {Secret: testSecret},
		"no secret":      {KeyID: "k"},
		"negative scale": {KeyID: "k", Secret: testSecret, TimeScale: -1},
		"twice":          {KeyID: "k", Secret: testSecret, Directory: []agency.Entry{agency.Directory()[0], agency.Directory()[0]}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	s, err := New(Options{KeyID: "k", Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, a := range s.order {
		if a.entry.Channel == agency.ChannelPortal {
			t.Errorf("portal agency %s played by default", a.entry.Code)
		}
	}
	if s.agencies["mnr"].shard != s.agencies["fs-bdc"].shard || s.agencies["icbc"].shard == s.agencies["ccb"].shard {
		t.Error("shards: registries and their control agencies share one, banks have their own")
	}
}
