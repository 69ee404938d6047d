package funds_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/funds/bank"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// fakeBank is a bank.Client that pays each reference once, answers what a
// test tells it to, and can fail a send after taking it (the answer lost).
type fakeBank struct {
	mu       sync.Mutex
	paid     map[string]int // ref → times accepted
	results  []bank.Result
	outcome  map[string]bank.ResultStatus
	loseNext bool // take the next batch, then fail the call
	hold     bool // keep results back until release
	held     []bank.Result
}

// release makes the held results visible.
func (b *fakeBank) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, r := range b.held {
		r.Seq = int64(len(b.results) + 1)
		b.results = append(b.results, r)
	}
	b.held, b.hold = nil, false
}

func newFakeBank() *fakeBank {
	return &fakeBank{paid: map[string]int{}, outcome: map[string]bank.ResultStatus{}}
}

func (b *fakeBank) Send(_ context.Context, batch []bank.Instruction) ([]bank.Ack, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	acks := make([]bank.Ack, len(batch))
	for i, in := range batch {
		acks[i] = bank.Ack{Ref: in.Ref, Status: bank.AckAccepted}
		if b.paid[in.Ref] > 0 {
			acks[i].Status = bank.AckDuplicate
			continue
		}
		if in.AmountFen <= 0 || in.PayeeAccount == "" {
			acks[i] = bank.Ack{Ref: in.Ref, Status: bank.AckRejected, Reason: "指令不完整"}
			continue
		}
		b.paid[in.Ref]++
		status := b.outcome[in.PayeeAccount]
		if status == "" {
			status = bank.Settled
		}
		res := bank.Result{Seq: int64(len(b.results) + 1), Ref: in.Ref, Status: status, BankRef: "B" + strconv.Itoa(len(b.paid)),
			Reason: map[bank.ResultStatus]string{bank.Failed: "账户冻结"}[status], At: time.Now()}
		if b.hold {
			b.held = append(b.held, res)
		} else {
			b.results = append(b.results, res)
		}
	}
	if b.loseNext {
		b.loseNext = false
		return nil, errors.New("connection reset after the bank took the batch")
	}
	return acks, nil
}

// returnLater appends a return of a settled payout.
func (b *fakeBank) returnLater(ref string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.results = append(b.results, bank.Result{Seq: int64(len(b.results) + 1), Ref: ref, Status: bank.Returned, Reason: "收款账户已销户", At: time.Now()})
}

func (b *fakeBank) Results(_ context.Context, after int64, limit int) (bank.Results, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := bank.Results{Next: after}
	for _, r := range b.results {
		if r.Seq > after && len(out.Results) < limit {
			out.Results = append(out.Results, r)
			out.Next = r.Seq
		}
	}
	return out, nil
}

func (b *fakeBank) Statement(context.Context, string, string) (bank.Statement, error) {
	return bank.Statement{}, errors.New("not played")
}

// settle runs the payer until it has nothing left to do.
func settle(t *testing.T, p *funds.Payer) funds.Round {
	t.Helper()
	var total funds.Round
	for range 10 {
		r, err := p.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		total.Sent += r.Sent
		total.Settled += r.Settled
		total.Failed += r.Failed
		total.Returned += r.Returned
		total.SendErrors += r.SendErrors
		total.Rejected += r.Rejected
		if !r.Busy() {
			return total
		}
	}
	t.Fatal("payer did not settle")
	return total
}

func tx[T any](t *testing.T, ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	t.Helper()
	return store.TransactValue(ctx, db, fn)
}

func mustCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Errorf("error %v, want %s", err, code)
	}
}

// S1 money out: a deduction allocated to the creditor and the fee, the
// creditor's confirmed account paid once after one approval, both sides
// told, the ledger balanced. On the way every wrong move is refused.
func TestPayoutOfAllocatedMoney(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 6330) // a claim of ¥2,272.70: one approval
		var applicant uuid.UUID
		for _, p := range c.Parties {
			if p.Role == "applicant" {
				applicant = p.PartyID
			}
		}
		if _, err := tx(t, staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: c.ClaimAmountFen * 2,
				RequestID: uuid.New(), ReceiptRef: "HD1"})
		}); err != nil {
			t.Fatal(err)
		}
		al, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		st := al.Statement
		if al.FeeFen != st.Claim.FeeFen || al.CreditorsFen != st.PrincipalPaidFen+st.InterestPaidFen || st.PrincipalOwedFen != 0 ||
			st.UnallocatedFen != st.SurplusFen || al.DueOn.IsZero() {
			t.Fatalf("allocation %+v, statement %+v", al, st)
		}
		_, err = tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		})
		mustCode(t, err, "nothing_to_allocate")

		request := func(ctx context.Context, party uuid.UUID, amount int64) (*funds.Payout, error) {
			return tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: party, AmountFen: amount})
			})
		}
		_, err = request(staff.Judge, applicant, al.CreditorsFen)
		mustCode(t, err, "no_payee")
		payee, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
			return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant, HolderName: "申请人", AccountNo: "6222 0000 1111 2222",
				BankName: "工商银行佛山分行"})
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = request(staff.Judge, applicant, al.CreditorsFen)
		mustCode(t, err, "payee_unconfirmed")
		if _, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
			return funds.ConfirmPayee(ctx, tx, c.ID, payee.ID, "收款账户确认书（立案时签署）")
		}); err != nil {
			t.Fatal(err)
		}
		_, err = request(staff.Judge, applicant, al.CreditorsFen+1)
		mustCode(t, err, "insufficient_balance")
		_, err = request(staff.Judge, respondent(c), 1)
		mustCode(t, err, "no_payee")
		_, err = request(staff.Reception, applicant, 1)
		mustCode(t, err, "forbidden")
		_, err = request(staff.Judge, applicant, 0)
		mustCode(t, err, "invalid_amount")

		o, err := request(staff.Judge, applicant, al.CreditorsFen)
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != funds.PayoutPending || o.Levels != 1 || o.DueOn != al.DueOn {
			t.Errorf("payout %+v", o)
		}
		_, err = request(staff.Judge, applicant, 1)
		mustCode(t, err, "insufficient_balance") // the pending payout holds the rest

		decide := func(ctx context.Context, d funds.Decision) (*funds.Payout, error) {
			return tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.DecidePayout(ctx, tx, o.ID, d)
			})
		}
		_, err = decide(staff.Judge, funds.Decision{Approve: true})
		mustCode(t, err, "forbidden") // a judge does not approve payouts
		_, err = decide(staff.Leader, funds.Decision{Approve: false})
		mustCode(t, err, "note_required")
		o, err = decide(staff.Leader, funds.Decision{Approve: true, Note: "核对无误"})
		if err != nil {
			t.Fatal(err)
		}
		if o.Status != funds.PayoutApproved {
			t.Fatalf("after approval: %+v", o)
		}
		_, err = decide(staff.Chief, funds.Decision{Approve: true})
		mustCode(t, err, "not_pending")

		fb := newFakeBank()
		fb.loseNext, fb.hold = true, true // the bank takes the batch, the answer is lost, the result comes later
		payer := funds.NewPayer(db, funds.PayerConfig{Bank: fb, Lease: time.Nanosecond, Backoff: time.Nanosecond})
		r := settle(t, payer)
		if r.SendErrors != 1 || r.Sent != 1 || r.Settled != 0 {
			t.Errorf("rounds before the result: %+v, want a failed send, then a resend the bank knows", r)
		}
		fb.release()
		if r := settle(t, payer); r.Settled != 1 {
			t.Errorf("rounds after the result: %+v", r)
		}
		if fb.paid[o.ID.String()] != 1 {
			t.Errorf("the bank paid %d times", fb.paid[o.ID.String()])
		}
		got, err := funds.GetPayout(staff.Judge, db, o.ID)
		if err != nil || got.Status != funds.PayoutSettled || got.BankRef == "" {
			t.Fatalf("payout after the bank: %+v %v", got, err)
		}
		l, err := funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range l.Accounts {
			if a.Role == "applicant" && a.Balance != 0 || a.Role == "respondent" && a.Balance != st.SurplusFen {
				t.Errorf("account after payout %+v", a)
			}
		}
		rep := verify(t, db)
		if !rep.OK() || rep.Courts[0].HeldFen != st.SurplusFen+al.FeeFen {
			t.Errorf("verify: %+v", rep)
		}
		tl, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) { return cases.Get(ctx, tx, c.ID) })
		if err != nil {
			t.Fatal(err)
		}
		var lines []string
		for _, e := range tl.Events {
			lines = append(lines, e.Summary)
		}
		if all := strings.Join(lines, "\n"); !strings.Contains(all, "已向申请执行人") || !strings.Contains(all, "应于") {
			t.Errorf("timeline:\n%s", all)
		}
		// The debtor's surplus is theirs once the claim is paid.
		if st.SurplusFen > 0 {
			if _, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
				return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: respondent(c), HolderName: "被执行人", AccountNo: "6222000033334444",
					BankName: "建设银行", Confirmation: "退款账户确认书"})
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := request(staff.Judge, respondent(c), st.SurplusFen); err != nil {
				t.Errorf("refund of the surplus: %v", err)
			}
		}
	})
}

// A failed payout and a returned one put the money back on the creditor's
// account; a payout above the threshold needs the bureau chief too; and
// nobody approves their own request.
func TestPayoutFailuresAndApprovals(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 5601)
		var applicant uuid.UUID
		for _, p := range c.Parties {
			if p.Role == "applicant" {
				applicant = p.PartyID
			}
		}
		const big = 30_000_000_00 // ¥30,000,000: above any threshold
		if _, err := tx(t, staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: big,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		al, err := tx(t, staff.Leader, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		setPayee := func(account string) {
			t.Helper()
			if _, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
				return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant, HolderName: "申请人", AccountNo: account, BankName: "农业银行",
					Confirmation: "收款账户确认书"})
			}); err != nil {
				t.Fatal(err)
			}
		}
		request := func(ctx context.Context, amount int64) *funds.Payout {
			t.Helper()
			o, err := tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: applicant, AmountFen: amount})
			})
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		decide := func(ctx context.Context, id uuid.UUID) (*funds.Payout, error) {
			return tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.DecidePayout(ctx, tx, id, funds.Decision{Approve: true})
			})
		}
		fb := newFakeBank()
		payer := funds.NewPayer(db, funds.PayerConfig{Bank: fb})
		balance := func() int64 {
			t.Helper()
			l, err := funds.ForCase(staff.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range l.Accounts {
				if a.Role == "applicant" {
					return a.Balance
				}
			}
			return -1
		}

		// The whole amount: two levels (FUND-6).
		setPayee("6228000011112222")
		fb.outcome["6228000011112222"] = bank.Failed
		o := request(staff.Leader, al.CreditorsFen)
		if o.Levels != 2 {
			t.Fatalf("levels %d, want 2", o.Levels)
		}
		_, err = decide(staff.Leader, o.ID)
		mustCode(t, err, "forbidden") // asked for it
		if o, err = decide(staff.Chief, o.ID); err != nil || o.Status != funds.PayoutPending || o.ApprovedLevels != 1 {
			t.Fatalf("first level by the chief: %+v %v", o, err)
		}
		_, err = decide(staff.Chief, o.ID)
		mustCode(t, err, "forbidden") // both levels by one person
		judgeAsApprover := staff.Judge
		_, err = decide(judgeAsApprover, o.ID)
		mustCode(t, err, "forbidden")
		// A second chief finishes it.
		chief2 := intaketest.NewStaff(t, db, "").Chief
		if o, err = decide(chief2, o.ID); err != nil || o.Status != funds.PayoutApproved {
			t.Fatalf("second level: %+v %v", o, err)
		}
		if balance() != 0 {
			t.Errorf("balance while in transit: %d", balance())
		}
		if r := settle(t, payer); r.Failed != 1 {
			t.Errorf("rounds %+v, want one failure", r)
		}
		if got, _ := funds.GetPayout(staff.Judge, db, o.ID); got.Status != funds.PayoutFailed || !strings.Contains(got.EndReason, "账户冻结") {
			t.Errorf("failed payout: %+v", got)
		}
		if balance() != al.CreditorsFen {
			t.Errorf("balance after the failure %d, want %d back", balance(), al.CreditorsFen)
		}

		// A small payout to a new account, paid and then returned.
		setPayee("6228000055550000")
		small := request(staff.Judge, 1_000_00)
		if small.Levels != 1 {
			t.Fatalf("small payout levels %d", small.Levels)
		}
		if _, err := decide(staff.Leader, small.ID); err != nil {
			t.Fatal(err)
		}
		settle(t, payer)
		fb.returnLater(small.ID.String())
		if r := settle(t, payer); r.Returned != 1 {
			t.Errorf("rounds %+v, want one return", r)
		}
		if got, _ := funds.GetPayout(staff.Judge, db, small.ID); got.Status != funds.PayoutReturned {
			t.Errorf("returned payout: %+v", got)
		}
		if balance() != al.CreditorsFen {
			t.Errorf("balance after the return %d, want %d", balance(), al.CreditorsFen)
		}
		// Results seen again change nothing.
		if r := settle(t, payer); r.Busy() {
			t.Errorf("a quiet bank made the payer busy: %+v", r)
		}
		if rep := verify(t, db); !rep.OK() {
			t.Errorf("verify: %v", rep.Problems)
		}
	})
}

// FUND-5: money owed to a creditor held back for a listed reason with the
// bureau chief's approval has no deadline while held; when the reason ends
// it is due within the resume period.
func TestPostponement(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 6330)
		var applicant uuid.UUID
		for _, p := range c.Parties {
			if p.Role == "applicant" {
				applicant = p.PartyID
			}
		}
		if _, err := tx(t, staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: c.ClaimAmountFen,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		al, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		due := func() *funds.Due {
			t.Helper()
			pg, err := funds.DuePayouts(staff.Judge, db, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range pg.Items {
				if d.Account.CaseID == c.ID {
					return d
				}
			}
			t.Fatal("the creditor's account is not on the due list")
			return nil
		}
		if d := due(); d.DueOn != al.DueOn || d.Postponed || d.Overdue {
			t.Errorf("before: %+v, want due %s", d, al.DueOn)
		}
		request := func(ctx context.Context, in funds.PostponeInput) (*funds.Postponement, error) {
			return tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Postponement, error) {
				return funds.RequestPostponement(ctx, tx, c.ID, in)
			})
		}
		_, err = request(staff.Judge, funds.PostponeInput{PartyID: applicant, Reason: "weather", Note: "x"})
		mustCode(t, err, "invalid_reason")
		_, err = request(staff.Judge, funds.PostponeInput{PartyID: respondent(c), Reason: "other", Note: "x"})
		mustCode(t, err, "not_an_applicant")
		pp, err := request(staff.Judge, funds.PostponeInput{PartyID: applicant, Reason: "applicant_unreachable", Note: "申请执行人电话停机，地址无人"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = request(staff.Judge, funds.PostponeInput{PartyID: applicant, Reason: "other", Note: "再申请"})
		mustCode(t, err, "already_postponed")
		decide := func(ctx context.Context, approve bool, note string) (*funds.Postponement, error) {
			return tx(t, ctx, db, func(ctx context.Context, tx *store.Tx) (*funds.Postponement, error) {
				return funds.DecidePostponement(ctx, tx, pp.ID, approve, note)
			})
		}
		_, err = decide(staff.Leader, true, "")
		mustCode(t, err, "forbidden") // a team leader cannot
		if pp, err = decide(staff.Chief, true, ""); err != nil || pp.Status != "approved" {
			t.Fatalf("approve: %+v %v", pp, err)
		}
		if d := due(); !d.Postponed || !d.DueOn.IsZero() || d.Overdue {
			t.Errorf("while postponed: %+v", d)
		}
		pp, err = tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Postponement, error) {
			return funds.EndPostponement(ctx, tx, pp.ID, "已联系上申请执行人")
		})
		if err != nil {
			t.Fatal(err)
		}
		today := legal.Today(time.Now())
		if pp.Status != "ended" || pp.ResumeDue.Before(today.AddDays(10)) {
			t.Errorf("ended: %+v", pp)
		}
		later := al.DueOn
		if pp.ResumeDue.After(later) {
			later = pp.ResumeDue
		}
		if d := due(); d.Postponed || d.DueOn != later {
			t.Errorf("after: %+v, want %s, the later of %s and %s", d, later, al.DueOn, pp.ResumeDue)
		}
	})
}

// The debtor is refunded only the surplus: money the statement gives the
// creditors and the court stays until it is allocated.
func TestRefundOnlyTheSurplus(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		c := fileCase(t, db, staff, 6330)
		if _, err := tx(t, staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: c.ClaimAmountFen * 2,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
			return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: respondent(c), HolderName: "被执行人", AccountNo: "6222000033334444",
				BankName: "建设银行", Confirmation: "退款账户确认书"})
		}); err != nil {
			t.Fatal(err)
		}
		st, err := funds.CaseStatement(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		refund := func(fen int64) error {
			_, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
				return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: respondent(c), AmountFen: fen})
			})
			return err
		}
		mustCode(t, refund(c.ClaimAmountFen*2), "not_surplus")
		if err := refund(st.SurplusFen); err != nil {
			t.Errorf("refund of the surplus %d: %v", st.SurplusFen, err)
		}
	})
}

func TestParseStatementCSVInGBK(t *testing.T) {
	t.Parallel()
	text := "流水号,记账日期,收支,金额,对方户名,对方账号,附言,虚拟账号\nA1,2026-11-20,收入,12.00,某公司,1,还款,\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	st, err := funds.ParseStatementCSV("x", strings.NewReader(gbk))
	if err != nil || len(st.Lines) != 1 || st.Lines[0].CounterpartyName != "某公司" {
		t.Errorf("GBK statement: %+v %v", st, err)
	}
}
