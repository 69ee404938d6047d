package agencies

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

func TestInquiryAnsweredByCallback(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("icbc", subj, "6222020000000000001", 123_456, 0)
	q := h.inquiry("icbc", agency.BankDeposit, subj)
	h.accept("icbc", q)
	if n := h.cb.count(); n != 0 {
		t.Fatalf("%d results called back before RunDue", n)
	}
	if n := h.run(); n != 1 {
		t.Fatalf("RunDue answered %d, want 1", n)
	}
	r := h.result(q.ID)
	wantStatus(t, r, agency.ResultDone)
	want := []agency.Holding{{Ref: "6222020000000000001", Kind: agency.BankDeposit, Institution: "中国工商银行", Description: "测试账户", ValueFen: 123_456, AvailableFen: 123_456}}
	if d := cmp.Diff(want, r.Holdings); d != "" {
		t.Errorf("holdings (-want +got):\n%s", d)
	}
	if r.Agency != "icbc" || r.Seq != 1 || !r.AnsweredAt.Equal(t0) {
		t.Errorf("result %+v", r)
	}
	if h.run() != 0 || len(h.cb.of(q.ID)) != 1 {
		t.Error("answered twice")
	}
	if h.cb.badSigs != 0 {
		t.Errorf("%d callbacks with a bad signature", h.cb.badSigs)
	}
	st := h.sim.Stats()
	if st.Received != 1 || st.Accepted != 1 || st.Answered != 1 || st.CallbacksDelivered != 1 || st.CallbackPosts != 1 || st.ByOp[agency.OpInquire] != 1 || st.ByStatus[agency.ResultDone] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestInquiryGenerated(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	// A subject with nothing and one with something, as generated.
	var none, some agency.Subject
	for i := 0; none.IDNumber == "" || some.IDNumber == ""; i++ {
		if len(h.sim.Holdings(agency.BankDeposit, "ccb", person(i))) == 0 {
			none = person(i)
		} else {
			some = person(i)
		}
	}
	q1, q2 := h.inquiry("ccb", agency.BankDeposit, none), h.inquiry("ccb", agency.BankDeposit, some)
	h.accept("ccb", q1, q2)
	h.run()
	r1, r2 := h.result(q1.ID), h.result(q2.ID)
	wantStatus(t, r1, agency.ResultDone)
	wantStatus(t, r2, agency.ResultDone)
	if len(r1.Holdings) != 0 || !strings.Contains(r1.Message, "未查询到") {
		t.Errorf("nothing held: %+v", r1)
	}
	if d := cmp.Diff(h.sim.Holdings(agency.BankDeposit, "ccb", some), r2.Holdings); d != "" || len(r2.Holdings) == 0 {
		t.Errorf("holdings differ from Holdings():\n%s", d)
	}
}

func TestIdentityAndLocate(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.Directory = agency.Directory() })
	good := person(3)
	bad := good
	bad.IDNumber = bad.IDNumber[:17] + map[bool]string{true: "0", false: "1"}[bad.IDNumber[17] != '0']
	q1, q2 := h.inquiry("mps-identity", agency.Identity, good), h.inquiry("mps-identity", agency.Identity, bad)
	h.accept("mps-identity", q1, q2)
	q3 := h.base("fs-police", agency.PersonTrace, agency.OpLocate, good)
	h.accept("fs-police", q3)
	h.run()
	r1, r2, r3 := h.result(q1.ID), h.result(q2.ID), h.result(q3.ID)
	wantStatus(t, r1, agency.ResultDone)
	if len(r1.Holdings) != 1 || r1.Holdings[0].Attributes["household_address"] == "" {
		t.Errorf("identity: %+v", r1)
	}
	wantStatus(t, r2, agency.ResultNotFound)
	wantStatus(t, r3, agency.ResultDone)
	if want := locate(1, good.IDNumber); r3.Location == nil || *r3.Location != want {
		t.Errorf("location %+v, want %+v", r3.Location, want)
	}
}

func TestPollingWithCursor(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	var ids []string
	for i := range 5 {
		q := h.inquiry("boc", agency.BankDeposit, person(i))
		ids = append(ids, q.ID)
		h.accept("boc", q)
	}
	if rs := h.poll("boc", 0, 10); len(rs.Results) != 0 || rs.Next != 0 {
		t.Errorf("before answering: %+v", rs)
	}
	h.run()
	var got []string
	cursor := int64(0)
	for range 3 {
		rs := h.poll("boc", cursor, 2)
		for _, r := range rs.Results {
			if r.Seq <= cursor {
				t.Errorf("seq %d not after cursor %d", r.Seq, cursor)
			}
			got = append(got, r.RequestID)
		}
		if len(rs.Results) > 0 && rs.Next != rs.Results[len(rs.Results)-1].Seq {
			t.Errorf("next %d, last seq %d", rs.Next, rs.Results[len(rs.Results)-1].Seq)
		}
		cursor = rs.Next
	}
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("polled results in another order (-sent +polled):\n%s", d)
	}
	// At the end the cursor stays.
	if rs := h.poll("boc", cursor, 2); len(rs.Results) != 0 || rs.Next != cursor {
		t.Errorf("past the end: %+v", rs)
	}
	// Other agencies have their own sequence.
	if rs := h.poll("icbc", 0, 10); len(rs.Results) != 0 {
		t.Errorf("icbc polls boc's results: %+v", rs)
	}
	for _, bad := range []string{"after=-1", "after=x", "limit=-1", "limit=abc"} {
		if resp := h.signed("GET", "/agencies/boc/results?"+bad, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: HTTP %d", bad, resp.StatusCode)
		}
	}
	// The limit is capped at 1000, defaults to 500 (also when 0).
	resp := h.signed("GET", "/agencies/boc/results?limit=0", nil)
	var rs agency.Results
	if err := json.NewDecoder(resp.Body).Decode(&rs); err != nil || len(rs.Results) != 5 || rs.Next != 5 {
		t.Errorf("default limit: %v %+v", err, rs)
	}
}

func TestRejectedRequests(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	ok := func(code string, k agency.Kind, op agency.Op) agency.Request {
		q := h.base(code, k, op, subj)
		q.AssetRef, q.ControlRef, q.AmountFen = "x", "y", 100
		return q
	}
	cases := []struct {
		name   string
		code   string
		mod    func(*agency.Request)
		q      agency.Request
		reason string
	}{
		{"no id", "icbc", func(q *agency.Request) { q.ID = "" }, h.inquiry("icbc", agency.BankDeposit, subj), "请求编号"},
		{"kind not served", "icbc", nil, h.inquiry("icbc", agency.Vehicle, subj), "不办理车辆"},
		{"unknown kind", "icbc", func(q *agency.Request) { q.Kind = "gold" }, h.inquiry("icbc", agency.BankDeposit, subj), "未知的财产类型"},
		{"unknown op", "icbc", func(q *agency.Request) { q.Op = "steal" }, h.inquiry("icbc", agency.BankDeposit, subj), "未知的操作类型"},
		{"other agency's request", "icbc", func(q *agency.Request) { q.Agency = "ccb" }, h.inquiry("icbc", agency.BankDeposit, subj), "不符"},
		{"inquiry at a control-only agency", "fs-bdc", nil, h.inquiry("fs-bdc", agency.RealEstate, subj), "不受理查询"},
		{"control at an inquiry-only agency", "mnr", nil, ok("mnr", agency.RealEstate, agency.OpSeize), "不办理冻结"},
		{"control of an information kind", "mca", nil, ok("mca", agency.Marriage, agency.OpFreeze), "不办理冻结"},
		{"freeze of real estate", "fs-bdc", nil, ok("fs-bdc", agency.RealEstate, agency.OpFreeze), "应当查封"},
		{"seize of a deposit", "icbc", nil, ok("icbc", agency.BankDeposit, agency.OpSeize), "应当冻结"},
		{"deduct of securities", "csdc", nil, ok("csdc", agency.Securities, agency.OpDeduct), "不能扣划"},
		{"control without asset", "icbc", func(q *agency.Request) { q.AssetRef = "" }, ok("icbc", agency.BankDeposit, agency.OpFreeze), "asset_ref"},
		{"freeze without amount", "icbc", func(q *agency.Request) { q.AmountFen = 0 }, ok("icbc", agency.BankDeposit, agency.OpFreeze), "冻结金额"},
		{"deduct without amount", "icbc", func(q *agency.Request) { q.AmountFen = 0 }, ok("icbc", agency.BankDeposit, agency.OpDeduct), "扣划金额"},
		{"negative amount", "mps-vehicle", func(q *agency.Request) { q.AmountFen = -1 }, ok("mps-vehicle", agency.Vehicle, agency.OpSeize), "负数"},
		{"release without control", "icbc", func(q *agency.Request) { q.ControlRef = "" }, ok("icbc", agency.BankDeposit, agency.OpRelease), "control_ref"},
		{"renew without control", "icbc", func(q *agency.Request) { q.ControlRef = "" }, ok("icbc", agency.BankDeposit, agency.OpRenew), "control_ref"},
		{"deduct without control", "icbc", func(q *agency.Request) { q.ControlRef = "" }, ok("icbc", agency.BankDeposit, agency.OpDeduct), "control_ref"},
		{"renew without term", "icbc", nil, ok("icbc", agency.BankDeposit, agency.OpRenew), "term_to"},
		{"bad term", "icbc", func(q *agency.Request) { q.TermTo = "2025-02-30" }, ok("icbc", agency.BankDeposit, agency.OpFreeze), "YYYY-MM-DD"},
		{"no callback", "icbc", func(q *agency.Request) { q.CallbackURL = "" }, h.inquiry("icbc", agency.BankDeposit, subj), "callback_url"},
		{"bad callback", "icbc", func(q *agency.Request) { q.CallbackURL = "ftp://x" }, h.inquiry("icbc", agency.BankDeposit, subj), "callback_url"},
		{"no subject id", "icbc", func(q *agency.Request) { q.Subject.IDNumber = " " }, h.inquiry("icbc", agency.BankDeposit, subj), "证件号码"},
		{"bad subject kind", "icbc", func(q *agency.Request) { q.Subject.Kind = "robot" }, h.inquiry("icbc", agency.BankDeposit, subj), "person"},
		{"person-only kind for an organization", "mca", nil, h.inquiry("mca", agency.Marriage, organization(1)), "仅适用于自然人"},
		{"locate of a deposit", "icbc", nil, h.base("icbc", agency.BankDeposit, agency.OpLocate, subj), "locate"},
	}
	for _, c := range cases {
		q := c.q
		if c.mod != nil {
			c.mod(&q)
		}
		acks := h.send(c.code, q)
		if acks[0].Status != agency.AckRejected || !strings.Contains(acks[0].Reason, c.reason) {
			t.Errorf("%s: %s %q, want rejected with %q", c.name, acks[0].Status, acks[0].Reason, c.reason)
		}
	}
	if n := h.run(); n != 0 {
		t.Errorf("%d results for rejected requests", n)
	}
	if st := h.sim.Stats(); st.Rejected != int64(len(cases)) || st.Accepted != 0 {
		t.Errorf("stats %+v", st)
	}
	// A rejected request is not remembered: corrected, the same id is accepted.
	q := h.inquiry("icbc", agency.BankDeposit, subj)
	q.CallbackURL = ""
	if a := h.send("icbc", q)[0]; a.Status != agency.AckRejected {
		t.Fatalf("%+v", a)
	}
	q.CallbackURL = h.cb.url()
	h.accept("icbc", q)
	// A batch mixes statuses, in order.
	bad := h.inquiry("icbc", agency.Vehicle, subj)
	fresh := h.inquiry("icbc", agency.BankDeposit, subj)
	acks := h.send("icbc", q, bad, fresh)
	if acks[0].Status != agency.AckDuplicate || acks[1].Status != agency.AckRejected || acks[2].Status != agency.AckAccepted {
		t.Errorf("mixed batch: %+v", acks)
	}
}

func TestSignatureRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	body, _ := json.Marshal(agency.Batch{Requests: []agency.Request{h.inquiry("icbc", agency.BankDeposit, person(1))}})
	cases := map[string]func(http.Header){
		"missing":      func(http.Header) {},
		"wrong secret": func(hd http.Header) { agency.Sign(hd, testKeyID, []byte("other"), body, h.clock.Now()) },
		"unknown key":  func(hd http.Header) { agency.Sign(hd, "other", testSecret, body, h.clock.Now()) },
		"stale": func(hd http.Header) {
			agency.Sign(hd, testKeyID, testSecret, body, h.clock.Now().Add(-agency.MaxSkew-time.Minute))
		},
		"future": func(hd http.Header) {
			agency.Sign(hd, testKeyID, testSecret, body, h.clock.Now().Add(agency.MaxSkew+time.Minute))
		},
		"other body": func(hd http.Header) { agency.Sign(hd, testKeyID, testSecret, []byte("{}"), h.clock.Now()) },
		"malformed":  func(hd http.Header) { hd.Set(agency.HeaderKey, testKeyID); hd.Set(agency.HeaderSignature, "v1=00") },
		"no v1": func(hd http.Header) {
			hd.Set(agency.HeaderKey, testKeyID)
			hd.Set(agency.HeaderSignature, fmt.Sprintf("t=%d", h.clock.Now().Unix()))
		},
		"tampered hmac": func(hd http.Header) {
			agency.Sign(hd, testKeyID, testSecret, body, h.clock.Now())
			hd.Set(agency.HeaderSignature, hd.Get(agency.HeaderSignature)+"0")
		},
	}
	for name, sign := range cases {
		for _, route := range []struct{ method, path string }{{"POST", "/agencies/icbc/requests"}, {"GET", "/agencies/icbc/results"}, {"GET", "/sim/stats"}, {"PUT", "/sim/faults"}} {
			b := body
			if route.method == "GET" {
				b = nil
			}
			req, _ := http.NewRequest(route.method, h.srv.URL+route.path, bytes.NewReader(b))
			sign(req.Header)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s, %s %s: HTTP %d, want 401", name, route.method, route.path, resp.StatusCode)
			}
		}
	}
	if st := h.sim.Stats(); st.Received != 0 || st.Accepted != 0 {
		t.Errorf("unsigned requests got in: %+v", st)
	}
	// Within the allowed skew it passes; /healthz needs no signature.
	h.clock.Add(agency.MaxSkew - time.Second)
	req, _ := http.NewRequest("POST", h.srv.URL+"/agencies/icbc/requests", bytes.NewReader(body))
	agency.Sign(req.Header, testKeyID, testSecret, body, t0)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("signature within skew: %v %v", err, resp.Status)
	}
	resp, err := http.Get(h.srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(b) != "ok" {
		t.Errorf("healthz: %d %q", resp.StatusCode, b)
	}
}

func TestUnknownAgencyAndLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	if _, err := h.client.Send(context.Background(), h.ep("nobank"), []agency.Request{h.inquiry("nobank", agency.BankDeposit, person(1))}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown agency: %v", err)
	}
	// Portal agencies are not played by default.
	if _, err := h.client.Poll(context.Background(), h.ep("fs-police"), 0, 1); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("portal agency: %v", err)
	}
	reqs := make([]agency.Request, agency.MaxBatch+1)
	for i := range reqs {
		reqs[i] = h.inquiry("icbc", agency.BankDeposit, person(i))
	}
	body, _ := json.Marshal(agency.Batch{Requests: reqs})
	if resp := h.signed("POST", "/agencies/icbc/requests", body); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("batch of %d: HTTP %d", len(reqs), resp.StatusCode)
	}
	big := bytes.Repeat([]byte(" "), agency.MaxBodyBytes+1)
	if resp := h.signed("POST", "/agencies/icbc/requests", big); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("body of %d bytes: HTTP %d", len(big), resp.StatusCode)
	}
	if resp := h.signed("POST", "/agencies/icbc/requests", []byte("{not json")); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("malformed JSON: HTTP %d", resp.StatusCode)
	}
	if st := h.sim.Stats(); st.Received != 0 {
		t.Errorf("refused batches counted: %+v", st)
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	slow := agency.Entry{Code: "slowbank", Name: "慢速银行", Kinds: []agency.Kind{agency.BankDeposit}, Inquire: true, Control: true, Channel: agency.ChannelDDD, RatePerSec: 2}
	free := agency.Entry{Code: "freebank", Name: "不限速银行", Kinds: []agency.Kind{agency.BankDeposit}, Inquire: true, Control: true, Channel: agency.ChannelDDD}
	h := newHarness(t, func(o *Options) { o.Directory = []agency.Entry{slow, free} })
	batch := func(code string, n int) []agency.Request {
		out := make([]agency.Request, n)
		for i := range out {
			out[i] = h.inquiry(code, agency.BankDeposit, person(i))
		}
		return out
	}
	// 2 × RatePerSec = 4 messages a second, burst 4.
	h.accept("slowbank", batch("slowbank", 4)...)
	_, err := h.client.Send(context.Background(), h.ep("slowbank"), batch("slowbank", 1))
	if !isBusy(err, http.StatusTooManyRequests) {
		t.Fatalf("over the limit: %v", err)
	}
	if be := busyOf(err); be.RetryAfter < time.Second {
		t.Errorf("Retry-After %s", be.RetryAfter)
	}
	if _, err := h.client.Poll(context.Background(), h.ep("slowbank"), 0, 10); !isBusy(err, http.StatusTooManyRequests) {
		t.Errorf("poll over the limit: %v", err)
	}
	h.clock.Add(time.Second)
	h.accept("slowbank", batch("slowbank", 4)...)
	// A batch larger than the burst passes when the bucket is full and puts
	// it in debt.
	h.clock.Add(time.Second)
	h.accept("slowbank", batch("slowbank", 10)...)
	_, err = h.client.Send(context.Background(), h.ep("slowbank"), batch("slowbank", 1))
	if !isBusy(err, http.StatusTooManyRequests) || busyOf(err).RetryAfter < 2*time.Second {
		t.Errorf("after a big batch: %v", err)
	}
	if st := h.sim.Stats(); st.Accepted != 18 || st.RateLimited != 3 {
		t.Errorf("stats %+v", st)
	}
	// RatePerSec 0: unlimited.
	for range 10 {
		h.accept("freebank", batch("freebank", 100)...)
	}
}

func TestDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	q := h.inquiry("icbc", agency.BankDeposit, person(1))
	h.accept("icbc", q)
	h.sim.SetFault(Fault{Down: true})
	if _, err := h.client.Send(context.Background(), h.ep("icbc"), []agency.Request{h.inquiry("icbc", agency.BankDeposit, person(2))}); !isBusy(err, http.StatusServiceUnavailable) {
		t.Errorf("send while down: %v", err)
	}
	if _, err := h.client.Poll(context.Background(), h.ep("icbc"), 0, 10); !isBusy(err, http.StatusServiceUnavailable) {
		t.Errorf("poll while down: %v", err)
	}
	if resp := h.signed("GET", "/sim/stats", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("stats while down: %d", resp.StatusCode)
	}
	h.sim.SetFault(Fault{})
	h.run()
	if rs := h.poll("icbc", 0, 10); len(rs.Results) != 1 || rs.Results[0].RequestID != q.ID {
		t.Errorf("after recovery: %+v", rs)
	}
	if st := h.sim.Stats(); st.Faults != 2 || st.Accepted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestFailAfterAcceptThenRetry(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	h.account("icbc", subj, "A1", 100_000, 0)
	q := h.freeze("icbc", agency.BankDeposit, subj, "A1", 60_000)
	h.sim.SetFault(Fault{FailAfterAccept: 1})
	_, err := h.client.Send(context.Background(), h.ep("icbc"), []agency.Request{q})
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Fatalf("want HTTP 500, got %v", err)
	}
	h.sim.SetFault(Fault{})
	for range 2 { // the client retries, maybe more than once
		if a := h.send("icbc", q)[0]; a.Status != agency.AckDuplicate {
			t.Fatalf("retry: %+v", a)
		}
	}
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d, want 1", n)
	}
	r := h.result(q.ID)
	wantStatus(t, r, agency.ResultDone)
	if got := h.available(agency.BankDeposit, "icbc", subj, "A1"); got != 40_000 {
		t.Errorf("available %d after one freeze of 60,000 of 100,000", got)
	}
	if st := h.sim.Stats(); st.Accepted != 1 || st.Duplicates != 2 || st.DoubleActions != 0 || st.Faults != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDropCallbacksRecoveredByPolling(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.sim.SetFault(Fault{DropCallbacks: 1})
	var ids []string
	for i := range 3 {
		q := h.inquiry("abc", agency.BankDeposit, person(i))
		ids = append(ids, q.ID)
		h.accept("abc", q)
	}
	if n := h.run(); n != 3 {
		t.Fatalf("answered %d", n)
	}
	if n := h.cb.count(); n != 0 {
		t.Errorf("%d callbacks delivered while dropping", n)
	}
	rs := h.poll("abc", 0, 100)
	var got []string
	for _, r := range rs.Results {
		got = append(got, r.RequestID)
	}
	if d := cmp.Diff(ids, got); d != "" {
		t.Errorf("polled (-want +got):\n%s", d)
	}
	if st := h.sim.Stats(); st.CallbacksDropped != 3 || st.CallbacksDelivered != 0 || st.Outbox != 0 {
		t.Errorf("stats %+v", st)
	}
	// Dropped callbacks are not retried.
	h.sim.SetFault(Fault{})
	h.run()
	if n := h.cb.count(); n != 0 {
		t.Errorf("dropped callbacks delivered later: %d", n)
	}
}

func TestCallbackRetried(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	h.cb.failN.Store(2)
	q := h.inquiry("cmb", agency.BankDeposit, person(1))
	h.accept("cmb", q)
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d", n)
	}
	if h.cb.count() != 0 || h.sim.Stats().CallbacksFailed != 1 || h.sim.Stats().Outbox != 1 {
		t.Fatalf("after a failed callback: %+v", h.sim.Stats())
	}
	h.run() // TimeScale 0: retried at the next RunDue
	h.run()
	h.result(q.ID)
	if st := h.sim.Stats(); st.CallbacksFailed != 2 || st.CallbacksDelivered != 1 || st.Outbox != 0 {
		t.Errorf("stats %+v", st)
	}
	// With a time scale, the retry waits for the backoff.
	h2 := newHarness(t, func(o *Options) { o.TimeScale = 1 })
	h2.cb.failN.Store(1)
	q = h2.inquiry("cmb", agency.BankDeposit, person(1))
	h2.accept("cmb", q)
	h2.clock.Add(Delay(1, agency.BankDeposit, q.ID))
	if n := h2.run(); n != 1 {
		t.Fatalf("answered %d", n)
	}
	h2.clock.Add(5 * time.Second)
	h2.run()
	if h2.cb.count() != 0 {
		t.Error("retried before the backoff")
	}
	h2.clock.Add(5 * time.Second)
	h2.run()
	h2.result(q.ID)
}

func TestAnswerDelay(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) { o.TimeScale = 0.5 })
	qb := h.inquiry("icbc", agency.BankDeposit, person(1))
	qr := h.inquiry("mnr", agency.RealEstate, person(1))
	h.accept("icbc", qb)
	h.accept("mnr", qr)
	if n := h.run(); n != 0 {
		t.Fatalf("answered %d at once", n)
	}
	db, dr := Delay(1, agency.BankDeposit, qb.ID)/2, Delay(1, agency.RealEstate, qr.ID)/2
	h.clock.Add(db - time.Millisecond)
	if n := h.run(); n != 0 {
		t.Fatalf("answered %d before the delay", n)
	}
	h.clock.Add(time.Millisecond)
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d after the bank's delay", n)
	}
	h.result(qb.ID)
	h.clock.Add(dr - db)
	if n := h.run(); n != 1 {
		t.Fatalf("answered %d after the registry's delay", n)
	}
	if r := h.result(qr.ID); !r.AnsweredAt.Equal(t0.Add(dr)) {
		t.Errorf("answered at %s, want %s", r.AnsweredAt, t0.Add(dr))
	}
}

func TestSimRoutes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, nil)
	subj := person(1)
	body, _ := json.Marshal(holdingsBody{Kind: agency.Alipay, Agency: "alipay", IDNumber: subj.IDNumber, Holdings: []agency.Holding{{Ref: "2088000000000001", ValueFen: 5_000}}})
	if resp := h.signed("PUT", "/sim/holdings", body); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT /sim/holdings: %d", resp.StatusCode)
	}
	r := h.do("alipay", h.inquiry("alipay", agency.Alipay, subj))
	if len(r.Holdings) != 1 || r.Holdings[0].Ref != "2088000000000001" || r.Holdings[0].ValueFen != 5_000 {
		t.Errorf("holdings set over HTTP: %+v", r.Holdings)
	}
	for name, b := range map[string]string{
		"unknown agency": `{"kind":"alipay","agency":"nobody","id_number":"x","holdings":[]}`,
		"wrong kind":     `{"kind":"vehicle","agency":"alipay","id_number":"x","holdings":[]}`,
		"no id":          `{"kind":"alipay","agency":"alipay","holdings":[]}`,
		"no ref":         `{"kind":"alipay","agency":"alipay","id_number":"x","holdings":[{"value_fen":1}]}`,
		"unknown field":  `{"kind":"alipay","agency":"alipay","id_number":"x","holdings":[],"extra":1}`,
	} {
		if resp := h.signed("PUT", "/sim/holdings", []byte(b)); resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s: HTTP %d", name, resp.StatusCode)
		}
	}
	if resp := h.signed("PUT", "/sim/faults", []byte(`{"down":true}`)); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PUT /sim/faults: %d", resp.StatusCode)
	}
	if !h.sim.currentFault().Down {
		t.Error("fault not set")
	}
	if resp := h.signed("PUT", "/sim/faults", []byte(`{"drop_callbacks":1.5}`)); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("fraction 1.5: HTTP %d", resp.StatusCode)
	}
	resp := h.signed("GET", "/sim/stats", nil)
	var st Stats
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Answered != 1 || st.ByOp[agency.OpInquire] != 1 {
		t.Errorf("GET /sim/stats: %v %+v", err, st)
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	cb := newCallbacks(t, time.Now)
	s, err := New(Options{KeyID: testKeyID, Secret: testSecret, TimeScale: 1e-5, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	srv := newServer(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	client := agency.NewClient(10 * time.Second)
	ep := agency.Endpoint{Code: "icbc", Base: srv + "/agencies/icbc", KeyID: testKeyID, Secret: testSecret}
	want := map[string]bool{}
	var reqs []agency.Request
	for i := range 20 {
		q := agency.Request{ID: uuid.NewString(), Kind: agency.BankDeposit, Op: agency.OpInquire, Subject: person(i), CallbackURL: cb.url()}
		reqs = append(reqs, q)
		want[q.ID] = true
	}
	if _, err := client.Send(ctx, ep, reqs); err != nil {
		t.Fatal(err)
	}
	timeout := time.After(30 * time.Second)
	for len(want) > 0 {
		select {
		case r := <-cb.got:
			delete(want, r.RequestID)
		case <-timeout:
			t.Fatalf("%d results not called back", len(want))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *Options) {
		o.JournalPath = t.TempDir() + "/journal.jsonl"
		for _, e := range agency.Directory() {
			e.RatePerSec = 0 // the clock stands still: no rate limit
			o.Directory = append(o.Directory, e)
		}
	})
	const clients, batches, size = 6, 10, 40
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(context.Background())
	runner, kick := make(chan struct{}), make(chan struct{}, 1)
	go func() { // answers while the clients send, until kick is closed
		defer close(runner)
		for range kick {
			h.sim.RunDue(context.Background())
		}
	}()
	ids := make(chan string, clients*batches*size)
	for c := range clients {
		code := []string{"icbc", "ccb", "alipay"}[c%3]
		kind := map[string]agency.Kind{"icbc": agency.BankDeposit, "ccb": agency.BankDeposit, "alipay": agency.Alipay}[code]
		wg.Go(func() {
			for b := range batches {
				reqs := make([]agency.Request, size)
				for i := range reqs {
					reqs[i] = h.inquiry(code, kind, person(c*10000+b*100+i))
					ids <- reqs[i].ID
				}
				acks, err := h.client.Send(ctx, h.ep(code), reqs)
				if err != nil {
					t.Error(err)
					return
				}
				select {
				case kick <- struct{}{}:
				default:
				}
				// Resend half of it: all duplicates.
				acks2, err := h.client.Send(ctx, h.ep(code), reqs[:size/2])
				if err != nil {
					t.Error(err)
					return
				}
				for i := range acks {
					if acks[i].Status != agency.AckAccepted || (i < size/2 && acks2[i].Status != agency.AckDuplicate) {
						t.Errorf("acks %+v / %+v", acks[i], acks2[min(i, len(acks2)-1)])
						return
					}
				}
			}
		})
	}
	wg.Wait()
	cancel()
	close(kick)
	<-runner
	h.run()
	close(ids)
	n := 0
	for id := range ids {
		n++
		if rs := h.cb.of(id); len(rs) != 1 {
			t.Fatalf("request %s: %d results", id, len(rs))
		}
	}
	st := h.sim.Stats()
	if st.Answered != int64(n) || st.Accepted != int64(n) || st.Duplicates != int64(n/2) || st.Pending != 0 || st.Outbox != 0 ||
		st.CallbacksFailed != 0 || st.DoubleActions != 0 {
		t.Errorf("stats %+v (n=%d)", st, n)
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	cb := newCallbacks(t, time.Now)
	s, err := New(Options{KeyID: testKeyID, Secret: testSecret, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if len(s.Agencies()) != len(s.order) || s.Agencies()[0].Code != "icbc" {
		t.Errorf("agencies %v", s.Agencies())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	ep := agency.Endpoint{Code: "webank", Base: "http://" + ln.Addr().String() + "/agencies/webank", KeyID: testKeyID, Secret: testSecret}
	q := agency.Request{ID: uuid.NewString(), Kind: agency.InternetBank, Op: agency.OpInquire, Subject: person(1), CallbackURL: cb.url()}
	if _, err := agency.NewClient(10*time.Second).Send(ctx, ep, []agency.Request{q}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-cb.got:
		if r.RequestID != q.ID {
			t.Errorf("result %+v", r)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no callback")
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Error("still serving after Serve returned")
	}
}

// The example of docs/agency-protocol.md.
func TestSignatureExample(t *testing.T) {
	t.Parallel()
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	hd := http.Header{}
	agency.Sign(hd, "sim", secret, []byte(`{"requests":[]}`), time.Unix(1741917600, 0))
	if got, want := hd.Get(agency.HeaderSignature), "t=1741917600,v1=895467011ce8971b8e8b2a3e941219ed31b3f82b4a21dafd205cb9d89d511b9a"; got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	hd = http.Header{}
	agency.Sign(hd, "sim", secret, nil, time.Unix(1741917600, 0))
	if got, want := hd.Get(agency.HeaderSignature), "t=1741917600,v1=cdea4069ed475724d1f98d26268f8d686993ad507b41a42054958276f93d3428"; got != want {
		t.Errorf("signature of an empty body %s, want %s", got, want)
	}
}

func TestPollLimitCapped(t *testing.T) {
	t.Parallel()
	bank := agency.Entry{Code: "bigbank", Name: "大银行", Kinds: []agency.Kind{agency.BankDeposit}, Inquire: true, Control: true, Channel: agency.ChannelZDZ}
	h := newHarness(t, func(o *Options) { o.Directory = []agency.Entry{bank} })
	for b := range 3 {
		reqs := make([]agency.Request, 400)
		for i := range reqs {
			reqs[i] = h.inquiry("bigbank", agency.BankDeposit, person(b*1000+i))
		}
		h.accept("bigbank", reqs...)
	}
	if n := h.run(); n != 1200 {
		t.Fatalf("answered %d", n)
	}
	if st := h.sim.Stats(); st.CallbackPosts != 3 || st.CallbacksDelivered != 1200 {
		t.Errorf("callbacks in POSTs of at most 500: %+v", st)
	}
	rs := h.poll("bigbank", 0, 5000)
	if len(rs.Results) != 1000 || rs.Next != 1000 {
		t.Errorf("limit 5000: %d results, next %d", len(rs.Results), rs.Next)
	}
	if rs = h.poll("bigbank", rs.Next, 5000); len(rs.Results) != 200 || rs.Next != 1200 {
		t.Errorf("rest: %d results, next %d", len(rs.Results), rs.Next)
	}
}
