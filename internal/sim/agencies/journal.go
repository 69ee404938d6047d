package agencies

import (
	"bufio"
	"bytes"
	"cmp"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"

	"github.com/zhixing-court/zhixing/internal/assets/agency"
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

var errJournalClosed = errors.New("agencies: journal closed")

type journal struct {
	path string
	lock *flock.Flock

	mu     sync.Mutex // guards f's writes, size, closed and err
	f      *os.File
	size   int64
	closed bool
	err    error // a failed write: the end of the file is unknown, nothing more is written

	syncMu sync.Mutex // one fsync at a time; the others wait and usually find their data synced (group commit)
	synced atomic.Int64
}

func openJournal(path string) (*journal, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("agencies: journal directory: %w", err)
		}
	}
	lk := flock.New(path + ".lock")
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("agencies: locking journal %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("agencies: journal %s is in use by another simulator", path)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		_ = lk.Unlock()
		return nil, fmt.Errorf("agencies: opening journal: %w", err)
	}
	if errors.Is(statErr, os.ErrNotExist) {
		// A new file: make its directory entry durable too.
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			_ = d.Sync()
			_ = d.Close()
		}
	}
	return &journal{path: path, lock: lk, f: f}, nil
}

// read calls apply on every line in order. A last line that is incomplete
// or unreadable is taken for a write cut short by a crash: it is logged and
// cut off the file. An unreadable line before the last is an error.
func (j *journal) read(log *slog.Logger, apply func(line []byte, off int64) error) error {
	r := bufio.NewReaderSize(j.f, 1<<20)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("agencies: reading journal: %w", err)
		}
		if err == io.EOF {
			log.Warn("协执单位模拟器日志末行不完整（上次运行中断），已忽略", "path", j.path, "line", n, "bytes", len(line))
			break
		}
		if body := bytes.TrimSpace(line); len(body) > 0 {
			lead := len(line) - len(bytes.TrimLeft(line, " \t\r\n"))
			if aerr := apply(body, good+int64(lead)); aerr != nil {
				if _, perr := r.Peek(1); perr == io.EOF {
					log.Warn("协执单位模拟器日志末行无法解析（上次运行中断），已忽略", "path", j.path, "line", n, "err", aerr)
					break
				}
				return fmt.Errorf("agencies: journal %s line %d: %w", j.path, n, aerr)
			}
		}
		good += int64(len(line))
	}
	st, err := j.f.Stat()
	if err != nil {
		return err
	}
	if st.Size() > good {
		if err := j.f.Truncate(good); err != nil {
			return fmt.Errorf("agencies: cutting the torn end of the journal: %w", err)
		}
		if err := j.f.Sync(); err != nil {
			return err
		}
	}
	if _, err := j.f.Seek(good, io.SeekStart); err != nil {
		return err
	}
	j.size = good
	j.synced.Store(good)
	return nil
}

// append writes b at the end and returns the size of the journal after it.
// A nil journal (memory only) does nothing.
func (j *journal) append(b []byte) (int64, error) {
	if j == nil {
		return 0, nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return j.size, errJournalClosed
	}
	if j.err != nil {
		return j.size, j.err
	}
	n, err := j.f.Write(b)
	j.size += int64(n)
	if err != nil {
		j.err = fmt.Errorf("agencies: writing journal: %w", err)
		return j.size, j.err
	}
	return j.size, nil
}

// readAt reads n bytes at off (safe beside appends).
func (j *journal) readAt(off int64, n int32) ([]byte, error) {
	b := make([]byte, n)
	if _, err := j.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("agencies: reading journal: %w", err)
	}
	return b, nil
}

// written is the size of the journal so far.
func (j *journal) written() int64 {
	if j == nil {
		return 0
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.size
}

// sync makes the journal durable at least up to off.
func (j *journal) sync(off int64) error {
	if j == nil || off <= j.synced.Load() {
		return nil
	}
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if off <= j.synced.Load() {
		return nil
	}
	j.mu.Lock()
	target, closed := j.size, j.closed
	j.mu.Unlock()
	if closed {
		return errJournalClosed
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("agencies: syncing journal: %w", err)
	}
	j.synced.Store(target)
	return nil
}

func (j *journal) close() error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	if uerr := j.lock.Unlock(); err == nil {
		err = uerr
	}
	return err
}

// abandon closes the file without syncing, as a crash leaves it.
func (j *journal) abandon() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return
	}
	j.closed = true
	_ = j.f.Close()
	_ = j.lock.Unlock()
}

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
func (s *Sim) replay(j *journal) error {
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
	if err := j.read(s.log, apply); err != nil {
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
		s.log.Info("协执单位模拟器已从日志恢复", "path", j.path, "requests", len(order), "pending", len(pending), "callbacks", len(out))
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
