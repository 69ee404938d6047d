package bank_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
)

var (
	secret = []byte("0123456789abcdef0123456789abcdef")
	now    = time.Date(2025, 3, 14, 2, 0, 0, 0, time.UTC)
)

// fake serves handler behind httptest after checking every request's
// signature, and counts the requests.
func fake(t *testing.T, handler func(w http.ResponseWriter, r *http.Request, body []byte)) (*bank.HTTPClient, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		body, _ := io.ReadAll(r.Body)
		if _, err := agency.Verify(r.Header, body, now, func(k string) ([]byte, bool) { return secret, k == "zhixing" }); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		handler(w, r, body)
	}))
	t.Cleanup(srv.Close)
	c := bank.NewHTTPClient(srv.URL+"/", "zhixing", secret, 10*time.Second)
	c.Now = func() time.Time { return now }
	return c, &n
}

func answer(v any) func(w http.ResponseWriter, r *http.Request, body []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

func instruction(ref string) bank.Instruction {
	return bank.Instruction{Ref: ref, Account: "44060401040012345", PayeeName: "李四", PayeeAccount: "6222021234567890123", AmountFen: 100}
}

func TestSendSignsAndChecksAcks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var got bank.Batch
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		if r.Method != http.MethodPost || r.URL.Path != bank.PathInstructions || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "wrong request", http.StatusBadRequest)
			return
		}
		if err := json.Unmarshal(body, &got); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		acks := bank.Acks{}
		for _, in := range got.Instructions {
			acks.Acks = append(acks.Acks, bank.Ack{Ref: in.Ref, Status: bank.AckAccepted})
		}
		answer(acks)(w, r, body)
	})
	acks, err := c.Send(ctx, []bank.Instruction{instruction("a"), instruction("b")})
	if err != nil || len(acks) != 2 || acks[1].Ref != "b" || len(got.Instructions) != 2 {
		t.Fatalf("send: %+v %v", acks, err)
	}
}

func TestLocalChecksSendNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c, n := fake(t, answer(bank.Acks{}))
	big := make([]bank.Instruction, bank.MaxBatch+1)
	if _, err := c.Send(ctx, big); err == nil {
		t.Error("batch above MaxBatch sent")
	}
	if acks, err := c.Send(ctx, nil); err != nil || len(acks) != 0 {
		t.Errorf("empty batch: %v %v", acks, err)
	}
	if _, err := c.Results(ctx, -1, 0); err == nil {
		t.Error("results after -1")
	}
	if _, err := c.Results(ctx, 0, -1); err == nil {
		t.Error("results limit -1")
	}
	if _, err := c.Statement(ctx, "", "2025-03-14"); err == nil {
		t.Error("statement without account")
	}
	for _, d := range []string{"", "2025-3-14", "2025-02-30", "yesterday"} {
		if _, err := c.Statement(ctx, "44060401040012345", d); err == nil {
			t.Errorf("statement on %q", d)
		}
	}
	if n.Load() != 0 {
		t.Errorf("%d requests sent", n.Load())
	}
}

func TestBusyAndStatusErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cases := []struct {
		name    string
		status  int
		header  string
		body    string
		busy    bool
		retry   time.Duration
		message string
	}{
		{"429 seconds", http.StatusTooManyRequests, "7", `{"error":"请求过于频繁"}`, true, 7 * time.Second, "请求过于频繁"},
		{"503 date", http.StatusServiceUnavailable, now.Add(90 * time.Second).Format(http.TimeFormat), `{"error":"系统维护中"}`, true, 90 * time.Second, "系统维护中"},
		{"503 without", http.StatusServiceUnavailable, "", "", true, time.Second, ""},
		{"500", http.StatusInternalServerError, "", `{"error":"内部错误"}`, false, 0, "内部错误"},
		{"400 text", http.StatusBadRequest, "", "bad things\n", false, 0, "bad things"},
		{"404", http.StatusNotFound, "", `{"error":"账号不是本行开立的执行款专户"}`, false, 0, "执行款专户"},
	}
	for _, tc := range cases {
		c, _ := fake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			if tc.header != "" {
				w.Header().Set("Retry-After", tc.header)
			}
			w.WriteHeader(tc.status)
			_, _ = io.WriteString(w, tc.body)
		})
		_, err := c.Results(ctx, 0, 0)
		var be *bank.BusyError
		var se *bank.StatusError
		switch {
		case tc.busy && errors.As(err, &be):
			if be.Status != tc.status || be.RetryAfter != tc.retry || be.Message != tc.message {
				t.Errorf("%s: %+v", tc.name, be)
			}
		case !tc.busy && errors.As(err, &se):
			if se.Status != tc.status || !strings.Contains(se.Message, tc.message) {
				t.Errorf("%s: %+v", tc.name, se)
			}
		default:
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	c, _ := fake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		select { // a bank that does not answer
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Send(ctx, []bank.Instruction{instruction("a")}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("context deadline: %v", err)
	}
	c.HTTP.Timeout = 50 * time.Millisecond
	if _, err := c.Results(context.Background(), 0, 0); err == nil || !strings.Contains(err.Error(), "Timeout") {
		t.Errorf("client timeout: %v", err)
	}
}

func TestProtocolViolations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ack := func(ref string, st bank.AckStatus) bank.Ack { return bank.Ack{Ref: ref, Status: st} }
	res := func(seq int64) bank.Result { return bank.Result{Seq: seq, Ref: "a", Status: bank.Settled} }
	sends := map[string]any{
		"fewer acks":    bank.Acks{Acks: []bank.Ack{ack("a", bank.AckAccepted)}},
		"other ref":     bank.Acks{Acks: []bank.Ack{ack("a", bank.AckAccepted), ack("c", bank.AckAccepted)}},
		"bad status":    bank.Acks{Acks: []bank.Ack{ack("a", bank.AckAccepted), ack("b", "maybe")}},
		"not json":      "nonsense",
		"acks not list": map[string]any{"acks": 3},
	}
	for name, v := range sends {
		c, _ := fake(t, answer(v))
		if _, err := c.Send(ctx, []bank.Instruction{instruction("a"), instruction("b")}); err == nil {
			t.Errorf("send, %s: no error", name)
		}
	}
	polls := map[string]bank.Results{
		"seq not after cursor": {Results: []bank.Result{res(5)}, Next: 5},
		"seq going back":       {Results: []bank.Result{res(7), res(6)}, Next: 7},
		"next before last":     {Results: []bank.Result{res(7), res(8)}, Next: 7},
		"next before cursor":   {Next: 3},
		"no status":            {Results: []bank.Result{{Seq: 6, Ref: "a"}}, Next: 6},
	}
	for name, v := range polls {
		c, _ := fake(t, answer(v))
		if _, err := c.Results(ctx, 5, 0); err == nil {
			t.Errorf("results, %s: no error", name)
		}
	}
	c, _ := fake(t, answer(bank.Results{Results: []bank.Result{res(6), res(9)}, Next: 9}))
	if rs, err := c.Results(ctx, 5, 0); err != nil || rs.Next != 9 {
		t.Errorf("results with gaps: %+v %v", rs, err)
	}
	c, _ = fake(t, answer(bank.Statement{Account: "44060401040012345", Date: "2025-03-13"}))
	if _, err := c.Statement(ctx, "44060401040012345", "2025-03-14"); err == nil {
		t.Error("statement of another day accepted")
	}
	c, _ = fake(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
		q := r.URL.Query()
		answer(bank.Statement{Account: q.Get("account"), Date: q.Get("date")})(w, r, body)
	})
	st, err := c.Statement(ctx, "44060401040012345", " 2025-03-14 ")
	if err != nil || st.Lines == nil || st.Date != "2025-03-14" {
		t.Errorf("statement %+v %v", st, err)
	}
}

func TestStatementCheck(t *testing.T) {
	t.Parallel()
	line := func(id string, d bank.Direction, fen int64) bank.Line {
		return bank.Line{ID: id, Date: "2025-03-14", Direction: d, AmountFen: fen}
	}
	good := bank.Statement{Account: "1", Date: "2025-03-14", OpeningFen: 1_000, ClosingFen: 1_300,
		Lines: []bank.Line{line("1", bank.Credit, 500), line("2", bank.Debit, 200)}}
	if err := good.Check(); err != nil {
		t.Fatal(err)
	}
	bad := map[string]func(*bank.Statement){
		"closing":     func(s *bank.Statement) { s.ClosingFen++ },
		"opening":     func(s *bank.Statement) { s.OpeningFen-- },
		"same id":     func(s *bank.Statement) { s.Lines[1].ID = "1" },
		"no id":       func(s *bank.Statement) { s.Lines[0].ID = "" },
		"other day":   func(s *bank.Statement) { s.Lines[0].Date = "2025-03-13" },
		"zero amount": func(s *bank.Statement) { s.Lines[0].AmountFen, s.ClosingFen = 0, 800 },
		"direction":   func(s *bank.Statement) { s.Lines[0].Direction = "sideways" },
	}
	for name, mod := range bad {
		s := good
		s.Lines = append([]bank.Line(nil), good.Lines...)
		mod(&s)
		if err := s.Check(); !errors.Is(err, bank.ErrStatement) {
			t.Errorf("%s: %v", name, err)
		}
	}
}
