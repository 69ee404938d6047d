package simkit_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

var (
	keyID  = "k1"
	secret = []byte("a secret of the test")
	now    = time.Date(2025, 3, 14, 10, 0, 0, 0, time.UTC)
)

func TestGate(t *testing.T) {
	t.Parallel()
	var refused atomic.Int64
	g := &simkit.Gate{KeyID: keyID, Secret: secret, MaxBodyBytes: 1 << 20, Now: func() time.Time { return now }, Unauthorized: &refused}
	call := func(body []byte, sign func(h http.Header)) (*httptest.ResponseRecorder, []byte, bool) {
		r := httptest.NewRequest(http.MethodPost, "/x", bytes.NewReader(body))
		sign(r.Header)
		w := httptest.NewRecorder()
		got, ok := g.Open(w, r)
		return w, got, ok
	}
	body := []byte(`{"x":1}`)

	w, got, ok := call(body, func(h http.Header) { agency.Sign(h, keyID, secret, body, now) })
	if !ok || !bytes.Equal(got, body) || w.Body.Len() != 0 {
		t.Errorf("signed: %v %q, answered %d %s", ok, got, w.Code, w.Body)
	}
	for name, sign := range map[string]func(http.Header){
		"unsigned":   func(http.Header) {},
		"other key":  func(h http.Header) { agency.Sign(h, "k2", secret, body, now) },
		"bad secret": func(h http.Header) { agency.Sign(h, keyID, []byte("wrong"), body, now) },
		"expired":    func(h http.Header) { agency.Sign(h, keyID, secret, body, now.Add(-time.Hour)) },
	} {
		w, _, ok := call(body, sign)
		if ok || w.Code != http.StatusUnauthorized || !strings.Contains(w.Body.String(), "签名无效") {
			t.Errorf("%s: %v, answered %d %s", name, ok, w.Code, w.Body)
		}
	}
	if n := refused.Load(); n != 4 {
		t.Errorf("refused %d, want 4", n)
	}
	big := bytes.Repeat([]byte("x"), 1<<20+1)
	w, _, ok = call(big, func(h http.Header) { agency.Sign(h, keyID, secret, big, now) })
	if ok || w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "报文超过 1 MiB 上限") {
		t.Errorf("too large: %v, answered %d %s", ok, w.Code, w.Body)
	}
}

func TestProblemAndRetryAfter(t *testing.T) {
	t.Parallel()
	w := httptest.NewRecorder()
	simkit.RetryAfter(w, 1500*time.Millisecond)
	simkit.Problem(w, http.StatusServiceUnavailable, "系统维护中")
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "2" ||
		w.Header().Get("Content-Type") != "application/json; charset=utf-8" || w.Body.String() != "{\"error\":\"系统维护中\"}\n" {
		t.Errorf("answered %d %v %q", w.Code, w.Header(), w.Body)
	}
	w = httptest.NewRecorder()
	simkit.RetryAfter(w, 0)
	if w.Header().Get("Retry-After") != "1" {
		t.Errorf("Retry-After %q, want at least 1", w.Header().Get("Retry-After"))
	}
}

func TestDecode(t *testing.T) {
	t.Parallel()
	var v struct{ A int }
	if w := httptest.NewRecorder(); !simkit.Decode(w, []byte(`{"A":3}`), &v) || v.A != 3 {
		t.Errorf("decode: %+v, answered %d", v, w.Code)
	}
	for _, body := range []string{`{"A":3,"B":1}`, `{"A":"x"}`, ``} {
		w := httptest.NewRecorder()
		if simkit.Decode(w, []byte(body), &v) || w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "报文无效") {
			t.Errorf("%q: answered %d %s", body, w.Code, w.Body)
		}
	}
}

func TestAfterLimit(t *testing.T) {
	t.Parallel()
	for q, want := range map[string][2]int64{"": {0, 0}, "after=7": {7, 0}, "after=7&limit=30": {7, 30}, "limit=0": {0, 0}} {
		vals, _ := url.ParseQuery(q)
		w := httptest.NewRecorder()
		after, limit, ok := simkit.AfterLimit(w, vals)
		if !ok || after != want[0] || int64(limit) != want[1] {
			t.Errorf("%q: %d %d %v", q, after, limit, ok)
		}
	}
	for _, q := range []string{"after=-1", "after=x", "limit=-2", "limit=1.5"} {
		vals, _ := url.ParseQuery(q)
		w := httptest.NewRecorder()
		if _, _, ok := simkit.AfterLimit(w, vals); ok || w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "应为非负整数") {
			t.Errorf("%q: %v, answered %d %s", q, ok, w.Code, w.Body)
		}
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", simkit.Healthz)

	// Stopped by ctx: nil, after run has returned.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	running := make(chan struct{})
	var ranOut atomic.Bool
	done := make(chan error, 1)
	go func() {
		done <- simkit.Serve(ctx, ln, mux, quiet, func(ctx context.Context) error {
			close(running)
			<-ctx.Done()
			ranOut.Store(true)
			return nil
		})
	}()
	<-running
	resp, err := http.Get("http://" + ln.Addr().String() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "ok" {
		t.Errorf("healthz: %q", b)
	}
	cancel()
	if err := <-done; err != nil || !ranOut.Load() {
		t.Errorf("stopped by ctx: %v, run returned %v", err, ranOut.Load())
	}

	// run fails: its error.
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("journal broken")
	if err := simkit.Serve(context.Background(), ln, mux, quiet, func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("run failed: %v", err)
	}
}

func TestPut(t *testing.T) {
	t.Parallel()
	type setting struct{ Rate float64 }
	valid := func(s setting) error {
		if s.Rate < 0 || s.Rate > 1 {
			return errors.New("rate 应在 0 到 1 之间")
		}
		return nil
	}
	var got []setting
	set := func(s setting) { got = append(got, s) }
	for body, want := range map[string]int{
		`{"Rate":0.5}`:   http.StatusNoContent,
		`{"Rate":2}`:     http.StatusBadRequest,
		`{"Other":true}`: http.StatusBadRequest,
		`[`:              http.StatusBadRequest,
	} {
		w := httptest.NewRecorder()
		simkit.Put(w, []byte(body), valid, set)
		if w.Code != want {
			t.Errorf("%s: answered %d %s, want %d", body, w.Code, w.Body, want)
		}
	}
	if len(got) != 1 || got[0].Rate != 0.5 {
		t.Errorf("set %+v, want only the valid one", got)
	}
}
