package agencies

import (
	"bytes"
	"cmp"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
)

// The journal is an append-only file of JSON lines, one record per line:
//
//	{"t":"req","a":code,"due":time,"q":Request}          a request accepted
//	{"t":"res","a":code,"r":Result,"fx":[asset…]}        a result produced, and the state of the assets it changed
//	{"t":"hold","a":registry,"k":kind,"id":…,"h":[…],"fx":[…]}  holdings set by SetHoldings
//	{"t":"dlv","d":[{"a":code,"from":seq,"to":seq}…]}     callbacks handled (not synced: a lost one repeats a callback)
//
// Requests are synced before they are acknowledged, results before they are
// polled or called back. Replaying the records in order rebuilds the seen
// ids, the pending requests, the results with their Seq and the state of
// every asset. A last line cut short by a crash is ignored and cut off.

// record is any journal line.
type record struct {
	T   string           `json:"t"`
	A   string           `json:"a"`
	Due time.Time        `json:"due"`
	Q   *agency.Request  `json:"q"`
	R   json.RawMessage  `json:"r"`
	Fx  []*asset         `json:"fx"`
	K   agency.Kind      `json:"k"`
	ID  string           `json:"id"`
	H   []agency.Holding `json:"h"`
	D   []dlvRange       `json:"d"`
}

// resultHead is the part of a result replay needs.
type resultHead struct {
	RequestID string `json:"request_id"`
	Seq       int64  `json:"seq"`
}

type seqKey struct {
	ag  *agencyState
	seq int64
}

// replay rebuilds the state from the journal.
func (s *Sim) replay(j *simkit.Journal) error {
	pending := map[string]*pendingItem{} // by agency code + "|" + request id
	var order []*pendingItem
	undelivered := map[seqKey]string{} // result → callback URL
	skipped := 0
	apply := func(line []byte, lineOff int64) error {
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		switch rec.T {
		case "req":
			if rec.Q == nil || rec.Q.ID == "" {
				return errors.New("request record without request")
			}
			ag := s.agencies[rec.A]
			if ag == nil {
				skipped++
				return nil
			}
			ag.seen.add(rec.Q.ID)
			it := &pendingItem{due: rec.Due, order: s.seq.Add(1), ag: ag, req: *rec.Q}
			pending[rec.A+"|"+rec.Q.ID] = it
			order = append(order, it)
		case "res":
			var h resultHead
			if err := json.Unmarshal(rec.R, &h); err != nil || h.RequestID == "" || h.Seq <= 0 {
				return fmt.Errorf("result record without request id or seq: %v", err)
			}
			ag := s.agencies[rec.A]
			if ag == nil {
				skipped++
				return nil
			}
			st := stored{seq: h.Seq, off: int64(len(ag.mem))}
			if prefix := resultPrefix(nil, rec.A); bytes.HasPrefix(line, prefix) && bytes.HasPrefix(line[len(prefix):], rec.R) {
				st.off, st.n = lineOff+int64(len(prefix)), int32(len(rec.R)) // read from the file when polled
			} else {
				ag.mem = append(ag.mem, rec.R) // written otherwise: kept in memory
			}
			ag.results = append(ag.results, st)
			ag.nextSeq = max(ag.nextSeq, h.Seq+1)
			ag.visible = max(ag.visible, h.Seq)
			if it := pending[rec.A+"|"+h.RequestID]; it != nil {
				delete(pending, rec.A+"|"+h.RequestID)
				if it.req.Op.Control() {
					ag.shard.acted.add(h.RequestID)
				}
				undelivered[seqKey{ag, h.Seq}] = it.req.CallbackURL
			}
			for _, a := range rec.Fx {
				ag.shard.assets[a.Key] = a
			}
		case "hold":
			sh := s.registryShard(rec.A)
			if sh == nil {
				skipped++
				return nil
			}
			hs := rec.H
			if hs == nil {
				hs = []agency.Holding{}
			}
			sh.overrides[overrideKey(rec.A, rec.K, rec.ID)] = hs
			for _, a := range rec.Fx {
				sh.assets[a.Key] = a
			}
		case "dlv":
			for _, r := range rec.D {
				ag := s.agencies[r.A]
				if ag == nil {
					continue
				}
				for seq := r.From; seq <= r.To; seq++ {
					delete(undelivered, seqKey{ag, seq})
				}
			}
		default:
			return fmt.Errorf("unknown record type %q", rec.T)
		}
		return nil
	}
	if err := j.Read(s.log, apply); err != nil {
		return err
	}
	if skipped > 0 {
		s.log.Warn("协执单位模拟器日志中有不再模拟的单位的记录，已跳过", "records", skipped)
	}
	for _, it := range order {
		if pending[it.ag.entry.Code+"|"+it.req.ID] == it {
			heap.Push(&it.ag.shard.pending, it)
		}
	}
	// Results whose callback was not handled before the stop are called back again.
	keys := make([]seqKey, 0, len(undelivered))
	for k := range undelivered {
		keys = append(keys, k)
	}
	index := map[*agencyState]int{}
	for i, a := range s.order {
		index[a] = i
	}
	slices.SortFunc(keys, func(a, b seqKey) int {
		return cmp.Or(cmp.Compare(index[a.ag], index[b.ag]), cmp.Compare(a.seq, b.seq))
	})
	var out []produced
	for _, k := range keys {
		rs := k.ag.results
		i := sort.Search(len(rs), func(i int) bool { return rs[i].seq >= k.seq })
		if i == len(rs) || rs[i].seq != k.seq {
			continue
		}
		var mem []byte
		if rs[i].n == 0 {
			mem = k.ag.mem[rs[i].off]
		}
		raw, err := s.resultJSON(rs[i], mem)
		if err != nil {
			return err
		}
		var res agency.Result
		if err := json.Unmarshal(raw, &res); err != nil {
			return err
		}
		out = append(out, produced{ag: k.ag, url: undelivered[k], res: res})
	}
	s.enqueue(out)
	if len(order) > 0 {
		s.log.Info("协执单位模拟器已从日志恢复", "path", j.Path(), "requests", len(order), "pending", len(pending), "callbacks", len(out))
	}
	return nil
}

// registryShard is the shard holding the assets of registry code.
func (s *Sim) registryShard(code string) *shard {
	if a := s.agencies[code]; a != nil {
		return a.shard
	}
	for _, a := range s.order {
		for _, r := range a.regs {
			if r.Code == code {
				return a.shard
			}
		}
	}
	return nil
}
