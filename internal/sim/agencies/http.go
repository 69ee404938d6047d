package agencies

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
)

const (
	pollDefault = 500
	pollMax     = 1000
)

// Handler serves the agencies' side of the protocol:
//
//	POST /agencies/{code}/requests        agency.Batch → agency.Acks
//	GET  /agencies/{code}/results?after=&limit=   agency.Results
//	PUT  /sim/holdings                    {kind, agency, id_number, holdings}
//	PUT  /sim/faults                      Fault
//	GET  /sim/stats                       Stats
//	GET  /healthz                         "ok" (unsigned)
//
// Every route but /healthz must be signed with the shared key.
func (s *Sim) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /agencies/{code}/requests", s.handleRequests)
	mux.HandleFunc("GET /agencies/{code}/results", s.handleResults)
	mux.HandleFunc("PUT /sim/holdings", s.handleHoldings)
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

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		problem(w, http.StatusInternalServerError, "应答编码失败")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

func retryAfter(w http.ResponseWriter, d time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(d.Seconds())))))
}

// open runs the checks every signed route shares: closed or broken
// simulator, the Down fault (agency routes), body size and signature. It
// returns the body, or false when it has answered.
func (s *Sim) open(w http.ResponseWriter, r *http.Request, agencyRoute bool) ([]byte, bool) {
	if s.closed.Load() {
		problem(w, http.StatusServiceUnavailable, "模拟器已关闭")
		return nil, false
	}
	if s.brokenErr() != nil {
		problem(w, http.StatusInternalServerError, "模拟器日志写入失败，暂停受理")
		return nil, false
	}
	if agencyRoute && s.currentFault().Down {
		s.stats.faults.Add(1)
		retryAfter(w, 30*time.Second)
		problem(w, http.StatusServiceUnavailable, "系统维护中，暂停服务（模拟故障）")
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, agency.MaxBodyBytes+1))
	if err != nil {
		problem(w, http.StatusBadRequest, "读取请求失败")
		return nil, false
	}
	if len(body) > agency.MaxBodyBytes {
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

func (s *Sim) agencyOf(w http.ResponseWriter, r *http.Request) *agencyState {
	ag := s.agencies[r.PathValue("code")]
	if ag == nil {
		problem(w, http.StatusNotFound, "没有代码为“"+r.PathValue("code")+"”的协执单位")
	}
	return ag
}

func (s *Sim) limited(w http.ResponseWriter, ag *agencyState, n int) bool {
	ok, wait := ag.admit(s.now(), n)
	if !ok {
		s.stats.rateLimited.Add(1)
		retryAfter(w, wait)
		problem(w, http.StatusTooManyRequests, "请求过于频繁，请稍后重试")
	}
	return !ok
}

func (s *Sim) handleRequests(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r, true)
	if !ok {
		return
	}
	ag := s.agencyOf(w, r)
	if ag == nil {
		return
	}
	var b agency.Batch
	if err := json.Unmarshal(body, &b); err != nil {
		problem(w, http.StatusBadRequest, "报文不是有效的 JSON 批次："+err.Error())
		return
	}
	if len(b.Requests) > agency.MaxBatch {
		problem(w, http.StatusRequestEntityTooLarge, "每批至多 "+strconv.Itoa(agency.MaxBatch)+" 条请求")
		return
	}
	if s.limited(w, ag, len(b.Requests)) {
		return
	}
	s.stats.received.Add(int64(len(b.Requests)))
	acks, off, err := s.accept(ag, b.Requests, s.now())
	if err == nil {
		err = s.journal.sync(off)
	}
	if err != nil {
		s.fail(err)
		problem(w, http.StatusInternalServerError, "受理失败：日志写入错误")
		return
	}
	if s.roll(s.currentFault().FailAfterAccept) {
		s.stats.faults.Add(1)
		problem(w, http.StatusInternalServerError, "内部错误（模拟故障：已受理但应答失败）")
		return
	}
	writeJSON(w, agency.Acks{Acks: acks})
}

func (s *Sim) handleResults(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r, true); !ok {
		return
	}
	ag := s.agencyOf(w, r)
	if ag == nil {
		return
	}
	q := r.URL.Query()
	after, limit := int64(0), pollDefault
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
		if n > 0 { // 0: the default
			limit = min(n, pollMax)
		}
	}
	if s.limited(w, ag, 1) {
		return
	}
	sh := ag.shard
	sh.mu.Lock()
	rs := ag.results
	i := sort.Search(len(rs), func(i int) bool { return rs[i].seq > after })
	var page []stored
	var mem [][]byte
	for ; i < len(rs) && len(page) < limit && rs[i].seq <= ag.visible; i++ {
		page = append(page, rs[i])
		if rs[i].n == 0 {
			mem = append(mem, ag.mem[rs[i].off])
		} else {
			mem = append(mem, nil)
		}
	}
	sh.mu.Unlock()
	next := after
	var buf bytes.Buffer
	buf.WriteString(`{"results":[`)
	for i, st := range page {
		raw, err := s.resultJSON(st, mem[i])
		if err != nil {
			problem(w, http.StatusInternalServerError, "读取结果失败")
			return
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(raw)
		next = st.seq
	}
	buf.WriteString(`],"next":`)
	buf.WriteString(strconv.FormatInt(next, 10))
	buf.WriteString("}")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

// holdingsBody is the body of PUT /sim/holdings.
type holdingsBody struct {
	Kind     agency.Kind      `json:"kind"`
	Agency   string           `json:"agency"`
	IDNumber string           `json:"id_number"`
	Holdings []agency.Holding `json:"holdings"`
}

func (s *Sim) handleHoldings(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r, false)
	if !ok {
		return
	}
	var in holdingsBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		problem(w, http.StatusBadRequest, "报文无效："+err.Error())
		return
	}
	ag := s.agencies[in.Agency]
	switch {
	case ag == nil:
		problem(w, http.StatusNotFound, "没有代码为“"+in.Agency+"”的协执单位")
		return
	case !in.Kind.Valid() || ag.regs[in.Kind].Code == "":
		problem(w, http.StatusBadRequest, "该协执单位不办理此类财产")
		return
	case in.IDNumber == "":
		problem(w, http.StatusBadRequest, "缺少证件号码（id_number）")
		return
	}
	for _, h := range in.Holdings {
		if h.Ref == "" || h.ValueFen < 0 || h.AvailableFen < 0 {
			problem(w, http.StatusBadRequest, "每项财产须有 ref，金额不能为负数")
			return
		}
	}
	s.SetHoldings(in.Kind, in.Agency, in.IDNumber, in.Holdings)
	if err := s.brokenErr(); err != nil {
		problem(w, http.StatusInternalServerError, "日志写入失败")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) handleFaults(w http.ResponseWriter, r *http.Request) {
	body, ok := s.open(w, r, false)
	if !ok {
		return
	}
	var f Fault
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		problem(w, http.StatusBadRequest, "报文无效："+err.Error())
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
	if _, ok := s.open(w, r, false); !ok {
		return
	}
	writeJSON(w, s.Stats())
}
