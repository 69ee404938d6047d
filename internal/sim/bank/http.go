package bank

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
)

// Handler serves the bank's side of the protocol and the simulator's test
// and demo routes:
//
//	POST /v1/instructions                 bank.Batch → bank.Acks
//	GET  /v1/results?after=&limit=        bank.Results
//	GET  /v1/statement?account=&date=     bank.Statement
//	POST /sim/accounts                    {number, name, opening_fen} → AccountInfo (201)
//	GET  /sim/accounts                    [AccountInfo]
//	POST /sim/payments                    {account, payer_name, payer_account, amount_fen, memo, virtual_account} → bank.Line
//	PUT  /sim/faults                      Fault
//	GET  /sim/stats                       Stats
//	GET  /healthz                         "ok" (unsigned)
//
// Every route but /healthz must be signed with the shared key.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+bank.PathInstructions, s.handleInstructions)
	mux.HandleFunc("GET "+bank.PathResults, s.handleResults)
	mux.HandleFunc("GET "+bank.PathStatement, s.handleStatement)
	mux.HandleFunc("POST /sim/accounts", s.handleOpen)
	mux.HandleFunc("GET /sim/accounts", s.handleAccounts)
	mux.HandleFunc("POST /sim/payments", s.handlePayment)
	mux.HandleFunc("PUT /sim/faults", s.handleFaults)
	mux.HandleFunc("GET /sim/stats", s.handleStats)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok")
	})
	return mux
}

// problem answers an error with a JSON body {"error": Chinese message}.
func problem(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]string{"error": msg})
	_, _ = w.Write(append(b, '\n'))
}

// fail answers the error of a simulator method.
func fail(w http.ResponseWriter, err error) {
	var be *bank.BusyError
	var se *bank.StatusError
	switch {
	case errors.As(err, &be):
		w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(be.RetryAfter.Seconds())))))
		problem(w, be.Status, be.Message)
	case errors.As(err, &se):
		problem(w, se.Status, se.Message)
	default:
		problem(w, http.StatusInternalServerError, "内部错误")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		problem(w, http.StatusInternalServerError, "应答编码失败")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// open reads the body and verifies the signature, before anything in the
// request is looked at. It returns the body, or false when it has
// answered.
func (s *Sim) open(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, bank.MaxBodyBytes+1))
	if err != nil {
		problem(w, http.StatusBadRequest, "读取请求失败")
		return nil, false
	}
	if len(body) > bank.MaxBodyBytes {
		problem(w, http.StatusRequestEntityTooLarge, "报文超过 8 MiB 上限")
		return nil, false
	}
	if _, err := agency.Verify(r.Header, body, s.now(), s.secretFor); err != nil {
		s.stats.unauthorized.Add(1)
		problem(w, http.StatusUnauthorized, "签名无效、缺失或已过期")
		return nil, false
	}
	return body, true
}

func (s *Sim) secretFor(keyID string) ([]byte, bool) {
	if keyID != s.opts.KeyID {
		return nil, false
	}
	return s.opts.Secret, true
}

// decode reads a JSON body strictly (unknown fields refused): for the
// simulator's own routes.
func decode(w http.ResponseWriter, body []byte, v any) bool {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		problem(w, http.StatusBadRequest, "报文无效："+err.Error())
		return false
	}
	return true
}

func (s *Sim) handleInstructions(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r)
	if !ok {
		return
	}
	var b bank.Batch
	if err := json.Unmarshal(body, &b); err != nil {
		problem(w, http.StatusBadRequest, "报文不是有效的 JSON 指令批次："+err.Error())
		return
	}
	acks, err := s.Send(r.Context(), b.Instructions)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, bank.Acks{Acks: acks})
}

func (s *Sim) handleResults(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r); !ok {
		return
	}
	q := r.URL.Query()
	after, limit := int64(0), 0
	if v := q.Get("after"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "after 应为非负整数")
			return
		}
		after = n
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			problem(w, http.StatusBadRequest, "limit 应为非负整数")
			return
		}
		limit = n
	}
	rs, err := s.Results(r.Context(), after, limit)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, rs)
}

func (s *Sim) handleStatement(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r); !ok {
		return
	}
	q := r.URL.Query()
	st, err := s.Statement(r.Context(), q.Get("account"), q.Get("date"))
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// openBody is the body of POST /sim/accounts.
type openBody struct {
	Number     string `json:"number"`
	Name       string `json:"name"`
	OpeningFen int64  `json:"opening_fen"`
}

func (s *Sim) handleOpen(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r)
	if !ok {
		return
	}
	var in openBody
	if !decode(w, body, &in) {
		return
	}
	if err := s.OpenAccount(in.Number, in.Name, in.OpeningFen); err != nil {
		fail(w, err)
		return
	}
	for _, a := range s.Accounts() {
		if a.Number == in.Number {
			writeJSON(w, http.StatusCreated, a)
			return
		}
	}
}

func (s *Sim) handleAccounts(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.Accounts())
}

// paymentBody is the body of POST /sim/payments.
type paymentBody struct {
	Account string `json:"account"`
	PaymentIn
}

func (s *Sim) handlePayment(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r)
	if !ok {
		return
	}
	var in paymentBody
	if !decode(w, body, &in) {
		return
	}
	l, err := s.Pay(in.Account, in.PaymentIn)
	if err != nil {
		fail(w, err)
		return
	}
	writeJSON(w, http.StatusOK, l)
}

func (s *Sim) handleFaults(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r)
	if !ok {
		return
	}
	var f Fault
	if !decode(w, body, &f) {
		return
	}
	if err := f.valid(); err != nil {
		problem(w, http.StatusBadRequest, err.Error())
		return
	}
	s.SetFault(f)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) handleStats(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.Stats())
}
