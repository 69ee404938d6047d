package bank

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
)

// The journal is an append-only file of JSON lines, one record per line:
//
//	{"t":"open","a":number,"name":…,"fen":opening,"at":time}   an account opened
//	{"t":"ins","i":Instruction,"due":time}                      an instruction accepted
//	{"t":"res","r":Result,"l":Line,"due":time}                  an instruction carried out: its result, the line
//	                                                            booked (settled, returned) and, for a payout
//	                                                            that will bounce, when it comes back
//	{"t":"pay","a":number,"l":Line}                             money paid in
//
// Each batch of records (a batch of instructions, a round of RunDue, a
// payment) is written at once and synced before anyone is told about it.
// Replaying the records in order rebuilds the accounts, their lines and
// balances, the references seen, the results with their Seq and what is
// still due. A last line cut short by a crash is ignored and cut off.

type record struct {
	T    string            `json:"t"`
	A    string            `json:"a,omitempty"`
	Name string            `json:"name,omitempty"`
	Fen  int64             `json:"fen,omitempty"`
	At   time.Time         `json:"at,omitzero"`
	I    *bank.Instruction `json:"i,omitempty"`
	R    *bank.Result      `json:"r,omitempty"`
	L    *bank.Line        `json:"l,omitempty"`
	Due  time.Time         `json:"due,omitzero"`
}

func appendRecord(buf []byte, rec record) ([]byte, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return buf, fmt.Errorf("bank sim: journal record: %w", err)
	}
	buf = append(buf, b...)
	return append(buf, '\n'), nil
}

var errJournalClosed = errors.New("bank sim: journal closed")

// journal is the file. Its writes are serialised by Sim.mu.
type journal struct {
	path   string
	lock   *flock.Flock
	f      *os.File
	closed bool
	err    error // a failed write: the end of the file is unknown, nothing more is written
}

func openJournal(path string) (*journal, error) {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("bank sim: journal directory: %w", err)
		}
	}
	lk := flock.New(path + ".lock")
	ok, err := lk.TryLock()
	if err != nil {
		return nil, fmt.Errorf("bank sim: locking journal %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("bank sim: journal %s is in use by another simulator", path)
	}
	_, statErr := os.Stat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		_ = lk.Unlock()
		return nil, fmt.Errorf("bank sim: opening journal: %w", err)
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
func (j *journal) read(log *slog.Logger, apply func(line []byte) error) error {
	r := bufio.NewReaderSize(j.f, 1<<20)
	var good int64
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			break
		}
		if err != nil && err != io.EOF {
			return fmt.Errorf("bank sim: reading journal: %w", err)
		}
		if err == io.EOF {
			log.Warn("专户银行模拟器日志末行不完整（上次运行中断），已忽略", "path", j.path, "line", n, "bytes", len(line))
			break
		}
		if body := bytes.TrimSpace(line); len(body) > 0 {
			if aerr := apply(body); aerr != nil {
				if _, perr := r.Peek(1); perr == io.EOF {
					log.Warn("专户银行模拟器日志末行无法解析（上次运行中断），已忽略", "path", j.path, "line", n, "err", aerr)
					break
				}
				return fmt.Errorf("bank sim: journal %s line %d: %w", j.path, n, aerr)
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
			return fmt.Errorf("bank sim: cutting the torn end of the journal: %w", err)
		}
		if err := j.f.Sync(); err != nil {
			return err
		}
	}
	_, err = j.f.Seek(good, io.SeekStart)
	return err
}

// appendSync writes b at the end of the file and syncs it.
func (j *journal) appendSync(b []byte) error {
	switch {
	case j.closed:
		return errJournalClosed
	case j.err != nil:
		return j.err
	}
	if _, err := j.f.Write(b); err != nil {
		j.err = fmt.Errorf("bank sim: writing journal: %w", err)
		return j.err
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("bank sim: syncing journal: %w", err)
		return j.err
	}
	return nil
}

func (j *journal) close() error {
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
	if j.closed {
		return
	}
	j.closed = true
	_ = j.f.Close()
	_ = j.lock.Unlock()
}

// replay rebuilds the state from the journal.
func (s *Sim) replay(j *journal) error {
	apply := func(line []byte) error {
		var rec record
		if err := json.Unmarshal(line, &rec); err != nil {
			return err
		}
		switch rec.T {
		case "open":
			if rec.A == "" || s.accounts[rec.A] != nil {
				return fmt.Errorf("account %q opened twice or without a number", rec.A)
			}
			a := &account{number: rec.A, name: rec.Name, openingFen: rec.Fen, balance: rec.Fen, openedAt: rec.At}
			s.accounts[rec.A] = a
			s.order = append(s.order, a)
		case "ins":
			if rec.I == nil || rec.I.Ref == "" || s.instrs[rec.I.Ref] != nil {
				return errors.New("instruction record without a reference, or with one seen before")
			}
			if s.accounts[rec.I.Account] == nil {
				return fmt.Errorf("instruction %s on unknown account %q", rec.I.Ref, rec.I.Account)
			}
			s.accepted++
			s.instrs[rec.I.Ref] = &instr{in: *rec.I, order: s.accepted, due: rec.Due}
		case "res":
			if rec.R == nil {
				return errors.New("result record without result")
			}
			r := *rec.R
			it := s.instrs[r.Ref]
			switch {
			case it == nil:
				return fmt.Errorf("result for unknown instruction %q", r.Ref)
			case r.Seq != int64(len(s.results))+1:
				return fmt.Errorf("result seq %d, want %d", r.Seq, len(s.results)+1)
			case (r.Status == bank.Returned) != (it.status == bank.Settled) || (r.Status != bank.Returned && it.status != ""):
				return fmt.Errorf("result %s for instruction %s in state %q", r.Status, r.Ref, it.status)
			case (r.Status == bank.Failed) != (rec.L == nil):
				return fmt.Errorf("result %s for instruction %s with line %v", r.Status, r.Ref, rec.L != nil)
			}
			it.status = r.Status
			if rec.L != nil {
				s.lineNo++
				s.apply(s.accounts[it.in.Account], *rec.L)
			}
			if r.Status == bank.Settled {
				it.returnDue = rec.Due
			}
			s.results = append(s.results, r)
		case "pay":
			a := s.accounts[rec.A]
			if a == nil || rec.L == nil {
				return fmt.Errorf("payment into unknown account %q, or without line", rec.A)
			}
			s.lineNo++
			s.apply(a, *rec.L)
		default:
			return fmt.Errorf("unknown record type %q", rec.T)
		}
		return nil
	}
	if err := j.read(s.log, apply); err != nil {
		return err
	}
	pending, returns := 0, 0
	for _, it := range s.instrs {
		switch {
		case it.status == "":
			heap.Push(&s.due, event{due: it.due, order: it.order, ref: it.in.Ref})
			pending++
		case it.status == bank.Settled && !it.returnDue.IsZero():
			heap.Push(&s.due, event{due: it.returnDue, order: it.order, ref: it.in.Ref, ret: true})
			returns++
		}
	}
	if len(s.accounts) > 0 {
		s.log.Info("专户银行模拟器已从日志恢复", "path", j.path, "accounts", len(s.accounts), "instructions", len(s.instrs),
			"results", len(s.results), "pending", pending, "returns_pending", returns)
	}
	return nil
}
