package bank

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
)

const (
	testKeyID = "zhixing"
	custody   = "44060401040012345" // the court's custody account
	custody2  = "44060401040067890"
)

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	t0         = time.Date(2025, 3, 14, 10, 0, 0, 0, legal.Shanghai())
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness is a simulator behind an httptest server and the HTTP client of
// internal/funds/bank, on a settable clock.
type harness struct {
	t      *testing.T
	opts   Options
	sim    *Sim
	srv    *httptest.Server
	clock  *clock
	client *bank.HTTPClient
}

// newHarness starts a simulator (TimeScale 0, in memory, the custody
// account open with ¥100,000.00) changed by mod.
func newHarness(t *testing.T, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clock: &clock{t: t0}}
	h.opts = Options{KeyID: testKeyID, Secret: testSecret, Seed: 1, Now: h.clock.Now}
	if mod != nil {
		mod(&h.opts)
	}
	h.start()
	if err := h.sim.OpenAccount(custody, "佛山市禅城区人民法院", 10_000_000); err != nil {
		t.Fatal(err)
	}
	return h
}

// withJournal keeps the journal in the test's directory.
func withJournal(t *testing.T) func(*Options) {
	path := filepath.Join(t.TempDir(), "sim", "bank.journal")
	return func(o *Options) { o.JournalPath = path }
}

func (h *harness) start() {
	h.t.Helper()
	s, err := New(h.opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = s.Close() })
	h.sim = s
	h.srv = httptest.NewServer(s.Handler())
	h.t.Cleanup(h.srv.Close)
	h.client = &bank.HTTPClient{Base: h.srv.URL, KeyID: testKeyID, Secret: testSecret,
		HTTP: &http.Client{Timeout: 10 * time.Second}, Now: h.clock.Now}
}

// restart serves a new simulator from the same journal; crash drops the
// old one without closing it properly.
func (h *harness) restart(crash bool) {
	h.t.Helper()
	if crash {
		h.sim.abandon()
	} else if err := h.sim.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.srv.Close()
	h.start()
}

// payout is an instruction of amount to a payee account.
func payout(amount int64, payeeAccount string) bank.Instruction {
	return bank.Instruction{Ref: uuid.NewString(), Account: custody, PayeeName: "李四", PayeeAccount: payeeAccount,
		PayeeBank: "中国工商银行佛山分行", AmountFen: amount, Purpose: "（2025）粤0604执1234号 执行款"}
}

func (h *harness) send(batch ...bank.Instruction) []bank.Ack {
	h.t.Helper()
	acks, err := h.client.Send(context.Background(), batch)
	if err != nil {
		h.t.Fatalf("send: %v", err)
	}
	return acks
}

// accept sends batch and fails unless every instruction is accepted.
func (h *harness) accept(batch ...bank.Instruction) {
	h.t.Helper()
	for i, a := range h.send(batch...) {
		if a.Status != bank.AckAccepted {
			h.t.Fatalf("instruction %d: %s %s (%s)", i, a.Status, a.Reason, a.Code)
		}
	}
}

func (h *harness) run() int { return h.sim.RunDue(context.Background()) }

func (h *harness) results(after int64, limit int) bank.Results {
	h.t.Helper()
	rs, err := h.client.Results(context.Background(), after, limit)
	if err != nil {
		h.t.Fatalf("results after %d: %v", after, err)
	}
	return rs
}

// resultsOf is every result of ref, in order.
func (h *harness) resultsOf(ref string) []bank.Result {
	h.t.Helper()
	var out []bank.Result
	for _, r := range h.results(0, bank.PollMax).Results {
		if r.Ref == ref {
			out = append(out, r)
		}
	}
	return out
}

// result is the one result of ref.
func (h *harness) result(ref string) bank.Result {
	h.t.Helper()
	rs := h.resultsOf(ref)
	if len(rs) != 1 {
		h.t.Fatalf("instruction %s: %d results, want 1: %+v", ref, len(rs), rs)
	}
	return rs[0]
}

// statement fetches a statement and checks that it adds up.
func (h *harness) statement(account, date string) bank.Statement {
	h.t.Helper()
	st, err := h.client.Statement(context.Background(), account, date)
	if err != nil {
		h.t.Fatalf("statement of %s on %s: %v", account, date, err)
	}
	if err := st.Check(); err != nil {
		h.t.Fatalf("statement of %s on %s: %v\n%+v", account, date, err, st)
	}
	return st
}

func (h *harness) today() string { return legal.Today(h.clock.Now()).String() }

func (h *harness) balance(account string) int64 {
	h.t.Helper()
	b, ok := h.sim.Balance(account)
	if !ok {
		h.t.Fatalf("no account %s", account)
	}
	return b
}

// signed makes a signed HTTP request to the simulator.
func (h *harness) signed(method, path string, body []byte) *http.Response {
	h.t.Helper()
	req, err := http.NewRequest(method, h.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	agency.Sign(req.Header, testKeyID, testSecret, body, h.clock.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// signedJSON makes a signed request with v as its body, wants status and
// decodes the answer into out (unless nil).
func (h *harness) signedJSON(method, path string, v any, status int, out any) {
	h.t.Helper()
	var body []byte
	if v != nil {
		var err error
		if body, err = json.Marshal(v); err != nil {
			h.t.Fatal(err)
		}
	}
	resp := h.signed(method, path, body)
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		h.t.Fatalf("%s %s: HTTP %d, want %d: %s", method, path, resp.StatusCode, status, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			h.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// lines returns the lines of a statement carrying instruction ref.
func linesOf(st bank.Statement, ref string) []bank.Line {
	var out []bank.Line
	for _, l := range st.Lines {
		if l.InstructionRef == ref {
			out = append(out, l)
		}
	}
	return out
}

func statusOf(err error) int {
	var se *bank.StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	var be *bank.BusyError
	if errors.As(err, &be) {
		return be.Status
	}
	return 0
}

func wantStatus(t *testing.T, r bank.Result, st bank.ResultStatus) {
	t.Helper()
	if r.Status != st {
		t.Fatalf("instruction %s: %s (%s %s), want %s", r.Ref, r.Status, r.Code, r.Reason, st)
	}
}

func fen(yuan int64) int64 { return yuan * 100 }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
