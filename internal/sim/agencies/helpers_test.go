package agencies

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/legal"
)

const testKeyID = "zhixing"

var (
	testSecret = []byte("0123456789abcdef0123456789abcdef")
	t0         = time.Date(2025, 3, 14, 10, 0, 0, 0, legal.Shanghai())
)

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: t0} }

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

// callbacks is zhixing's side of the callbacks: it verifies every POST's
// signature and keeps the results.
type callbacks struct {
	srv     *httptest.Server
	now     func() time.Time
	mu      sync.Mutex
	results []agency.Result
	posts   int
	badSigs int
	failN   atomic.Int32 // the next failN POSTs answer 503
	got     chan agency.Result
}

func newCallbacks(t *testing.T, now func() time.Time) *callbacks {
	cb := &callbacks{now: now, got: make(chan agency.Result, 10_000)}
	cb.srv = httptest.NewServer(http.HandlerFunc(cb.serve))
	t.Cleanup(cb.srv.Close)
	return cb
}

func (cb *callbacks) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if _, err := agency.Verify(r.Header, body, cb.now(), func(k string) ([]byte, bool) { return testSecret, k == testKeyID }); err != nil {
		cb.mu.Lock()
		cb.badSigs++
		cb.mu.Unlock()
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if cb.failN.Load() > 0 {
		cb.failN.Add(-1)
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	var rs agency.Results
	if err := json.Unmarshal(body, &rs); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	cb.mu.Lock()
	cb.posts++
	cb.results = append(cb.results, rs.Results...)
	cb.mu.Unlock()
	for _, r := range rs.Results {
		select {
		case cb.got <- r:
		default:
		}
	}
	w.WriteHeader(http.StatusOK)
}

func (cb *callbacks) url() string { return cb.srv.URL + "/callbacks" }

// of returns every result received for request id.
func (cb *callbacks) of(id string) []agency.Result {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	var out []agency.Result
	for _, r := range cb.results {
		if r.RequestID == id {
			out = append(out, r)
		}
	}
	return out
}

func (cb *callbacks) count() int {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return len(cb.results)
}

// harness is a simulator behind an httptest server, a callback server and
// a client, on a settable clock.
type harness struct {
	t      *testing.T
	sim    *Sim
	srv    *httptest.Server
	cb     *callbacks
	clock  *clock
	client *agency.Client
}

func testOptions(c *clock) Options {
	return Options{KeyID: testKeyID, Secret: testSecret, Seed: 1, Now: c.Now}
}

func newHarness(t *testing.T, mod func(*Options)) *harness {
	t.Helper()
	h := &harness{t: t, clock: newClock()}
	h.cb = newCallbacks(t, h.clock.Now)
	opts := testOptions(h.clock)
	if mod != nil {
		mod(&opts)
	}
	h.start(opts)
	return h
}

// start serves a new simulator made with opts (a restart when one ran).
func (h *harness) start(opts Options) {
	h.t.Helper()
	s, err := New(opts)
	if err != nil {
		h.t.Fatal(err)
	}
	h.t.Cleanup(func() { _ = s.Close() })
	h.sim = s
	h.srv = httptest.NewServer(s.Handler())
	h.t.Cleanup(h.srv.Close)
	h.client = &agency.Client{HTTP: &http.Client{Timeout: 10 * time.Second}, Now: h.clock.Now}
}

func (h *harness) ep(code string) agency.Endpoint {
	return agency.Endpoint{Code: code, Base: h.srv.URL + "/agencies/" + code, KeyID: testKeyID, Secret: testSecret}
}

func (h *harness) send(code string, reqs ...agency.Request) []agency.Ack {
	h.t.Helper()
	acks, err := h.client.Send(context.Background(), h.ep(code), reqs)
	if err != nil {
		h.t.Fatalf("send to %s: %v", code, err)
	}
	return acks
}

// accept sends reqs and fails unless every one is accepted.
func (h *harness) accept(code string, reqs ...agency.Request) {
	h.t.Helper()
	for i, a := range h.send(code, reqs...) {
		if a.Status != agency.AckAccepted {
			h.t.Fatalf("request %d (%s %s): %s %s", i, reqs[i].Op, reqs[i].Kind, a.Status, a.Reason)
		}
	}
}

func (h *harness) run() int { return h.sim.RunDue(context.Background()) }

// do answers one request: accepted, answered by RunDue, called back once.
func (h *harness) do(code string, q agency.Request) agency.Result {
	h.t.Helper()
	h.accept(code, q)
	h.run()
	return h.result(q.ID)
}

// result is the one callback result of request id.
func (h *harness) result(id string) agency.Result {
	h.t.Helper()
	rs := h.cb.of(id)
	if len(rs) != 1 {
		h.t.Fatalf("request %s: %d results called back, want 1", id, len(rs))
	}
	return rs[0]
}

func (h *harness) poll(code string, after int64, limit int) agency.Results {
	h.t.Helper()
	rs, err := h.client.Poll(context.Background(), h.ep(code), after, limit)
	if err != nil {
		h.t.Fatalf("poll %s: %v", code, err)
	}
	return rs
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

func (h *harness) available(k agency.Kind, code string, subj agency.Subject, ref string) int64 {
	h.t.Helper()
	for _, x := range h.sim.Holdings(k, code, subj) {
		if x.Ref == ref {
			return x.AvailableFen
		}
	}
	h.t.Fatalf("no holding %s", ref)
	return 0
}

// person is a test subject with a valid resident identity number.
func person(n int) agency.Subject {
	return agency.Subject{Kind: "person", Name: fmt.Sprintf("测试人%d", n), IDNumber: residentID(stream(99, "person", fmt.Sprint(n)))}
}

func organization(n int) agency.Subject {
	return agency.Subject{Kind: "organization", Name: fmt.Sprintf("测试公司%d", n), IDNumber: creditCode(stream(99, "org", fmt.Sprint(n)), "440604")}
}

func (h *harness) base(code string, k agency.Kind, op agency.Op, subj agency.Subject) agency.Request {
	return agency.Request{
		ID: uuid.NewString(), Agency: code, Kind: k, Op: op,
		Court: "粤0604", CourtName: "佛山市禅城区人民法院", CaseNo: "（2025）粤0604执1234号", Purpose: "执行实施", RequestedBy: "王法官",
		Subject: subj, CallbackURL: h.cb.url(), SentAt: h.clock.Now(),
	}
}

func (h *harness) inquiry(code string, k agency.Kind, subj agency.Subject) agency.Request {
	return h.base(code, k, agency.OpInquire, subj)
}

func (h *harness) freeze(code string, k agency.Kind, subj agency.Subject, ref string, amount int64) agency.Request {
	q := h.base(code, k, agency.OpFreeze, subj)
	q.AssetRef, q.AmountFen, q.TermTo = ref, amount, legal.Today(h.clock.Now()).AddYears(1).AddDays(-1).String()
	return q
}

func (h *harness) onControl(op agency.Op, code string, k agency.Kind, subj agency.Subject, ref, controlRef string, amount int64) agency.Request {
	q := h.base(code, k, op, subj)
	q.AssetRef, q.ControlRef, q.AmountFen = ref, controlRef, amount
	return q
}

// account gives subj one account at code with balance fen (available:
// prior freezes by others when 0 < available < balance).
func (h *harness) account(code string, subj agency.Subject, ref string, balance, available int64) {
	h.sim.SetHoldings(agency.BankDeposit, code, subj.IDNumber, []agency.Holding{{Ref: ref, Description: "测试账户", ValueFen: balance, AvailableFen: available}})
}

func wantStatus(t *testing.T, r agency.Result, st agency.ResultStatus) {
	t.Helper()
	if r.Status != st {
		t.Fatalf("request %s: status %s (%s), want %s", r.RequestID, r.Status, r.Message, st)
	}
}

func isBusy(err error, status int) bool {
	be := busyOf(err)
	return be != nil && be.Status == status
}

func busyOf(err error) *agency.BusyError {
	var be *agency.BusyError
	if errors.As(err, &be) {
		return be
	}
	return nil
}

// newServer serves s on loopback and returns its URL.
func newServer(t *testing.T, s *Sim) string {
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}
