package agencies

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
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
	mux.HandleFunc("GET /healthz", simkit.Healthz)
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		simkit.Problem(w, http.StatusInternalServerError, "应答编码失败")
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(b)
}

// open runs the checks every signed route shares: closed or broken
// simulator, the Down fault (agency routes), then body size and signature
// (simkit.Gate). It returns the body, or false when it has answered.
func (s *Sim) open(w http.ResponseWriter, r *http.Request, agencyRoute bool) ([]byte, bool) {
	if s.closed.Load() {
		simkit.Problem(w, http.StatusServiceUnavailable, "模拟器已关闭")
		return nil, false
	}
	if s.brokenErr() != nil {
		simkit.Problem(w, http.StatusInternalServerError, "模拟器日志写入失败，暂停受理")
		return nil, false
	}
	if agencyRoute && s.currentFault().Down {
		s.stats.faults.Add(1)
		simkit.RetryAfter(w, 30*time.Second)
		simkit.Problem(w, http.StatusServiceUnavailable, "系统维护中，暂停服务（模拟故障）")
		return nil, false
	}
	return s.gate.Open(w, r)
}

func (s *Sim) agencyOf(w http.ResponseWriter, r *http.Request) *agencyState {
	ag := s.agencies[r.PathValue("code")]
	if ag == nil {
		simkit.Problem(w, http.StatusNotFound, "没有代码为“"+r.PathValue("code")+"”的协执单位")
	}
	return ag
}

func (s *Sim) limited(w http.ResponseWriter, ag *agencyState, n int) bool {
	ok, wait := ag.admit(s.now(), n)
	if !ok {
		s.stats.rateLimited.Add(1)
		simkit.RetryAfter(w, wait)
		simkit.Problem(w, http.StatusTooManyRequests, "请求过于频繁，请稍后重试")
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
		simkit.Problem(w, http.StatusBadRequest, "报文不是有效的 JSON 批次："+err.Error())
		return
	}
	if len(b.Requests) > agency.MaxBatch {
		simkit.Problem(w, http.StatusRequestEntityTooLarge, "每批至多 "+strconv.Itoa(agency.MaxBatch)+" 条请求")
		return
	}
	if s.limited(w, ag, len(b.Requests)) {
		return
	}
	s.stats.received.Add(int64(len(b.Requests)))
	acks, off, err := s.accept(ag, b.Requests, s.now())
	if err == nil {
		err = s.journal.Sync(off)
	}
	if err != nil {
		s.fail(err)
		simkit.Problem(w, http.StatusInternalServerError, "受理失败：日志写入错误")
		return
	}
	if s.roll(s.currentFault().FailAfterAccept) {
		s.stats.faults.Add(1)
		simkit.Problem(w, http.StatusInternalServerError, "内部错误（模拟故障：已受理但应答失败）")
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
	after, n, ok := simkit.AfterLimit(w, r.URL.Query())
	if !ok {
		return
	}
	limit := pollDefault
	if n > 0 { // 0: the default
		limit = min(n, pollMax)
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
			simkit.Problem(w, http.StatusInternalServerError, "读取结果失败")
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
	if !simkit.Decode(w, body, &in) {
		return
	}
	ag := s.agencies[in.Agency]
	switch {
	case ag == nil:
		simkit.Problem(w, http.StatusNotFound, "没有代码为“"+in.Agency+"”的协执单位")
		return
	case !in.Kind.Valid() || ag.regs[in.Kind].Code == "":
		simkit.Problem(w, http.StatusBadRequest, "该协执单位不办理此类财产")
		return
	case in.IDNumber == "":
		simkit.Problem(w, http.StatusBadRequest, "缺少证件号码（id_number）")
		return
	}
	for _, h := range in.Holdings {
		if h.Ref == "" || h.ValueFen < 0 || h.AvailableFen < 0 {
			simkit.Problem(w, http.StatusBadRequest, "每项财产须有 ref，金额不能为负数")
			return
		}
	}
	s.SetHoldings(in.Kind, in.Agency, in.IDNumber, in.Holdings)
	if err := s.brokenErr(); err != nil {
		simkit.Problem(w, http.StatusInternalServerError, "日志写入失败")
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Sim) handleFaults(w http.ResponseWriter, r *http.Request) {
	if body, ok := s.open(w, r, false); ok {
		simkit.Put(w, body, Fault.valid, s.SetFault)
	}
}

func (s *Sim) handleStats(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.open(w, r, false); !ok {
		return
	}
	writeJSON(w, s.Stats())
}
