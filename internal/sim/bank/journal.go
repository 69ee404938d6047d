package bank

import (
	"container/heap"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/sim/simkit"
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

// replay rebuilds the state from the journal.
func (s *Sim) replay(j *simkit.Journal) error {
	apply := func(line []byte, _ int64) error {
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
	if err := j.Read(s.log, apply); err != nil {
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
		s.log.Info("专户银行模拟器已从日志恢复", "path", j.Path(), "accounts", len(s.accounts), "instructions", len(s.instrs),
			"results", len(s.results), "pending", pending, "returns_pending", returns)
	}
	return nil
}
