package bank

import (
	"container/heap"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/legal"
)

var _ bank.Client = (*Sim)(nil)

// Send takes a batch of instructions and acknowledges each, in order. It
// implements bank.Client: tests may use the simulator without HTTP, with
// the same answers and faults.
func (s *Sim) Send(ctx context.Context, batch []bank.Instruction) ([]bank.Ack, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(batch) > bank.MaxBatch {
		return nil, &bank.StatusError{Status: http.StatusRequestEntityTooLarge, Message: "每批至多 " + strconv.Itoa(bank.MaxBatch) + " 条指令"}
	}
	s.mu.Lock()
	if err := s.usable(true); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	now := s.now()
	acks := make([]bank.Ack, len(batch))
	var buf []byte
	var err error
	for i, in := range batch {
		s.stats.received.Add(1)
		acks[i] = bank.Ack{Ref: in.Ref}
		if prev := s.instrs[in.Ref]; prev != nil {
			s.stats.duplicates.Add(1)
			acks[i].Status = bank.AckDuplicate
			if prev.in != in {
				acks[i].Reason, acks[i].Code = "该指令编号已受理，本次内容与原指令不同，以原指令为准", bank.CodeChanged
			}
			continue
		}
		reason, code := s.check(in)
		var a *account
		if reason == "" {
			if a, buf, err = s.account(buf, in.Account, now); err != nil {
				reason, code = "付款账号“"+in.Account+"”不是本行开立的执行款专户", bank.CodeUnknownAccount
			}
		}
		if reason == "" && a.number == in.PayeeAccount {
			reason, code = "收款账号不能是付款专户本身", bank.CodeInvalid
		}
		if reason != "" {
			s.stats.rejected.Add(1)
			acks[i].Status, acks[i].Reason, acks[i].Code = bank.AckRejected, reason, code
			continue
		}
		s.accepted++
		it := &instr{in: in, order: s.accepted, due: now.Add(s.scaled(SettleDelay(s.opts.Seed, in.Ref)))}
		s.instrs[in.Ref] = it
		heap.Push(&s.due, event{due: it.due, order: it.order, ref: in.Ref})
		if buf, err = appendRecord(buf, record{T: "ins", I: &it.in, Due: it.due}); err != nil {
			s.broken = err
			s.mu.Unlock()
			return nil, &bank.StatusError{Status: http.StatusInternalServerError, Message: "模拟器日志写入失败，暂停受理"}
		}
		s.stats.accepted.Add(1)
		acks[i].Status = bank.AckAccepted
	}
	if err := s.write(buf); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	fail := s.roll(s.fault.FailAfterAccept)
	s.mu.Unlock()
	s.poke()
	if fail {
		s.stats.faults.Add(1)
		return nil, &bank.StatusError{Status: http.StatusInternalServerError, Message: "内部错误（模拟故障：已受理但应答失败）"}
	}
	return acks, nil
}

// check validates an instruction on its own; it returns a Chinese reason
// and a code when it must be rejected.
func (s *Sim) check(in bank.Instruction) (string, string) {
	bad := func(msg string) (string, string) { return msg, bank.CodeInvalid }
	switch {
	case in.Ref == "":
		return bad("缺少指令编号（ref）")
	case len(in.Ref) > maxRefLen || strings.TrimSpace(in.Ref) != in.Ref:
		return bad(fmt.Sprintf("指令编号（ref）至多 %d 个字符，首尾不能有空白", maxRefLen))
	case in.Account == "":
		return bad("缺少付款专户账号（account）")
	case in.AmountFen <= 0:
		return bad("金额（amount_fen）应大于零")
	case in.AmountFen > legal.MaxAmountFen:
		return bad("金额（amount_fen）超出上限")
	case strings.TrimSpace(in.PayeeName) == "":
		return bad("缺少收款人户名（payee_name）")
	case tooLong(in.PayeeName, maxNameLen):
		return bad(fmt.Sprintf("收款人户名（payee_name）至多 %d 字", maxNameLen))
	case in.PayeeAccount == "":
		return bad("缺少收款人账号（payee_account）")
	case accountNumber(in.PayeeAccount) != "":
		return bad("收款人账号（payee_account）" + accountNumber(in.PayeeAccount))
	case tooLong(in.PayeeBank, maxNameLen):
		return bad(fmt.Sprintf("收款人开户行（payee_bank）至多 %d 字", maxNameLen))
	case tooLong(in.Purpose, maxTextLen):
		return bad(fmt.Sprintf("用途（purpose）至多 %d 字", maxTextLen))
	}
	return "", ""
}

// roll reports whether an event of probability p happens, from the seeded
// fault dice. Call it holding mu.
func (s *Sim) roll(p float64) bool {
	return p > 0 && s.rng.Float64() < p
}

// Results returns up to limit results after the cursor (limit 0:
// bank.PollDefault; at most bank.PollMax). It implements bank.Client.
func (s *Sim) Results(ctx context.Context, after int64, limit int) (bank.Results, error) {
	if err := ctx.Err(); err != nil {
		return bank.Results{}, err
	}
	if after < 0 {
		return bank.Results{}, badRequest("after 应为非负整数")
	}
	if limit < 0 {
		return bank.Results{}, badRequest("limit 应为非负整数")
	}
	if limit == 0 {
		limit = bank.PollDefault
	}
	limit = min(limit, bank.PollMax)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.usable(true); err != nil {
		return bank.Results{}, err
	}
	out := bank.Results{Results: []bank.Result{}, Next: after}
	if after < int64(len(s.results)) {
		end := min(after+int64(limit), int64(len(s.results)))
		out.Results = append(out.Results, s.results[after:end]...)
		out.Next = end
	}
	return out, nil
}

// event is an instruction falling due, or a paid one coming back (ret).
type event struct {
	due   time.Time
	order int64
	ref   string
	ret   bool
}

type eventHeap []event

func (h eventHeap) Len() int { return len(h) }
func (h eventHeap) Less(i, j int) bool {
	if !h[i].due.Equal(h[j].due) {
		return h[i].due.Before(h[j].due)
	}
	if h[i].order != h[j].order {
		return h[i].order < h[j].order
	}
	return !h[i].ret && h[j].ret
}
func (h eventHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)   { *h = append(*h, x.(event)) }
func (h *eventHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// process carries out everything due at now — payouts, then the returns
// they cause when those are due too — journals the results and the lines
// in one write and returns how many results it produced.
func (s *Sim) process(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usable(false) != nil {
		return 0
	}
	var buf []byte
	n := 0
	for len(s.due) > 0 && !s.due[0].due.After(now) {
		ev := heap.Pop(&s.due).(event)
		it := s.instrs[ev.ref]
		var rec record
		switch {
		case it == nil:
			continue
		case ev.ret:
			if it.status != bank.Settled {
				continue
			}
			rec = s.bounce(it, now)
		default:
			if it.status != "" {
				// Carried out already: never again.
				s.stats.doublePayments.Add(1)
				s.log.Error("专户银行模拟器拒绝重复支付", "ref", it.in.Ref)
				continue
			}
			rec = s.settle(it, now)
		}
		rec.R.Seq = int64(len(s.results)) + 1
		s.results = append(s.results, *rec.R)
		var err error
		if buf, err = appendRecord(buf, rec); err != nil {
			s.broken = err
			return n
		}
		n++
	}
	if s.write(buf) != nil {
		return 0
	}
	if n > 0 && s.processed != nil {
		s.processed(n)
	}
	return n
}

// settle pays an instruction from its custody account, or fails it.
func (s *Sim) settle(it *instr, now time.Time) record {
	in := it.in
	a := s.accounts[in.Account]
	r := &bank.Result{Ref: in.Ref, At: now.In(legal.Shanghai())}
	rec := record{T: "res", R: r}
	if a.balance < in.AmountFen {
		it.status = bank.Failed
		r.Status, r.Code = bank.Failed, bank.CodeInsufficientFunds
		r.Reason = "专户余额不足：余额" + yuan(a.balance) + "元，应付" + yuan(in.AmountFen) + "元，未支付"
		s.stats.failed.Add(1)
		return rec
	}
	l := s.book(a, bank.Line{Direction: bank.Debit, AmountFen: in.AmountFen, CounterpartyName: in.PayeeName,
		CounterpartyAccount: in.PayeeAccount, Memo: in.Purpose, InstructionRef: in.Ref}, now)
	it.status = bank.Settled
	r.Status, r.BankRef, r.AmountFen, r.At = bank.Settled, l.ID, in.AmountFen, l.At
	rec.L = &l
	if Bounces(in.PayeeAccount) {
		it.returnDue = now.Add(s.scaled(ReturnDelay(s.opts.Seed, in.Ref)))
		rec.Due = it.returnDue
		heap.Push(&s.due, event{due: it.returnDue, order: it.order, ref: in.Ref, ret: true})
	}
	s.stats.settled.Add(1)
	return rec
}

// bounce books the return of a settled payout.
func (s *Sim) bounce(it *instr, now time.Time) record {
	in := it.in
	a := s.accounts[in.Account]
	const why = "收款人开户行退回：收款账户已销户或户名不符"
	l := s.book(a, bank.Line{Direction: bank.Credit, AmountFen: in.AmountFen, CounterpartyName: in.PayeeName,
		CounterpartyAccount: in.PayeeAccount, Memo: "退汇：" + why, InstructionRef: in.Ref}, now)
	it.status = bank.Returned
	s.stats.returned.Add(1)
	return record{T: "res", L: &l, R: &bank.Result{Ref: in.Ref, Status: bank.Returned, BankRef: l.ID, AmountFen: in.AmountFen,
		Reason: why + "，款项已退回专户", Code: bank.CodePayeeReturned, At: l.At}}
}
