package bank

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
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
	mux.HandleFunc("GET /healthz", simkit.Healthz)
	return mux
}

// fail answers the error of a simulator method.
func fail(w http.ResponseWriter, err error) {
	var be *bank.BusyError
	var se *bank.StatusError
	switch {
	case errors.As(err, &be):
		simkit.RetryAfter(w, be.RetryAfter)
		simkit.Problem(w, be.Status, be.Message)
	case errors.As(err, &se):
		simkit.Problem(w, se.Status, se.Message)
	default:
		simkit.Problem(w, http.StatusInternalServerError, "内部错误")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		simkit.Problem(w, http.StatusInternalServerError, "应答编码失败")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// open reads the body and verifies the signature (simkit.Gate), before
// anything in the request is looked at. It returns the body, or false when
// it has answered.
func (s *Sim) open(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return s.gate.Open(w, r)
}

func (s *Sim) handleInstructions(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r)
	if !ok {
		return
	}
	var b bank.Batch
	if err := json.Unmarshal(body, &b); err != nil {
		simkit.Problem(w, http.StatusBadRequest, "报文不是有效的 JSON 指令批次："+err.Error())
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
	after, limit, ok := simkit.AfterLimit(w, r.URL.Query())
	if !ok {
		return
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
	if !simkit.Decode(w, body, &in) {
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
	if !simkit.Decode(w, body, &in) {
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
	if body, ok := s.open(w, r); ok {
		simkit.Put(w, body, Fault.valid, s.SetFault)
	}
}

func (s *Sim) handleStats(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r); !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.Stats())
}
