package funds_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// FUND-8: the day's statement reconciled with the ledger. The deduction's
// money arriving on the custody account (quoting its receipt number) is
// recognized, not counted twice; a debtor's payment to the case account is
// imported; the payout the bank made matches the payout the ledger
// settled: the day is "ok". A payout the ledger calls paid that the bank
// never paid is a difference.
func TestReconciliation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		matcher := intaketest.User(t, db, "粤0607", access.RoleCommandCenter, "")
		sim, err := simbank.New(simbank.Options{KeyID: "k", Secret: []byte("0123456789abcdef0123456789abcdef")})
		if err != nil {
			t.Fatal(err)
		}
		defer sim.Close()
		c := fileCase(t, db, staff, 6330)
		var applicant uuid.UUID
		for _, p := range c.Parties {
			if p.Role == "applicant" {
				applicant = p.PartyID
			}
		}
		if _, err := tx(t, staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: respondent(c), AmountFen: 300_000,
				RequestID: uuid.New(), ReceiptRef: "HD2026112201"})
		}); err != nil {
			t.Fatal(err)
		}
		const custody = "粤0607-custody"
		if err := sim.OpenAccount(custody, "佛山市三水区人民法院执行款专户", 0); err != nil {
			t.Fatal(err)
		}
		l, err := funds.ForCase(staff.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var debtorNo string
		for _, a := range l.Accounts {
			if a.Role == "respondent" {
				debtorNo = a.Number
			}
		}
		// The deducting bank's transfer arrives, quoting its receipt; the
		// debtor pays the rest into the case account.
		if _, err := sim.Pay(custody, simbank.PaymentIn{PayerName: "工商银行佛山分行", PayerAccount: "9999000011112222", AmountFen: 300_000,
			Memo: "协助扣划 HD2026112201"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sim.Pay(custody, simbank.PaymentIn{PayerName: "被执行人", PayerAccount: "6222000099990000", AmountFen: 200_000,
			VirtualAccount: debtorNo}); err != nil {
			t.Fatal(err)
		}
		today := legal.Today(time.Now())
		reconcile := func() *funds.Reconciliation {
			t.Helper()
			r, err := funds.Reconcile(matcher, db, sim, c.CourtID, today)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		r := reconcile()
		if r.Status != "ok" || r.Import.Known != 1 || r.Import.Matched != 1 || r.CreditsFen != 500_000 || len(r.Problems) != 0 {
			t.Fatalf("first reconciliation: %+v %+v", r, r.Import)
		}
		if l, _ = funds.ForCase(staff.Judge, db, c.ID); l.ReceivedFen != 500_000 {
			t.Errorf("received %d, want the deduction once and the payment", l.ReceivedFen)
		}

		// Allocate, pay the creditor, reconcile again: the debit matches.
		al, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Allocation, error) {
			return funds.Allocate(ctx, tx, c.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payee, error) {
			return funds.SetPayee(ctx, tx, c.ID, funds.PayeeInput{PartyID: applicant, HolderName: "申请人", AccountNo: "6228000012345678", BankName: "农行",
				Confirmation: "确认书"})
		}); err != nil {
			t.Fatal(err)
		}
		o, err := tx(t, staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
			return funds.RequestPayout(ctx, tx, c.ID, funds.PayoutInput{PartyID: applicant, AmountFen: al.CreditorsFen})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx(t, staff.Leader, db, func(ctx context.Context, tx *store.Tx) (*funds.Payout, error) {
			return funds.DecidePayout(ctx, tx, o.ID, funds.Decision{Approve: true})
		}); err != nil {
			t.Fatal(err)
		}
		payer := funds.NewPayer(db, funds.PayerConfig{Bank: sim})
		for range 5 {
			if _, err := payer.RunOnce(context.Background()); err != nil {
				t.Fatal(err)
			}
			sim.RunDue(context.Background())
		}
		if got, _ := funds.GetPayout(staff.Judge, db, o.ID); got.Status != funds.PayoutSettled {
			t.Fatalf("payout %+v", got)
		}
		r = reconcile()
		if r.Status != "ok" || r.DebitsFen != al.CreditorsFen || r.Import.Repeats != 1 || r.Import.Known != 1 {
			t.Errorf("after the payout: %+v %+v %v", r, r.Import, r.Problems)
		}
		// A payout the ledger calls paid that the bank never paid.
		execSQL(t, db, `UPDATE payouts SET amount_fen = amount_fen + 1 WHERE id = ?`, o.ID)
		r = reconcile()
		if r.Status != "mismatch" || !strings.Contains(strings.Join(r.Problems, "\n"), "不符") {
			t.Errorf("after tampering: %+v %v", r, r.Problems)
		}
		pg, err := funds.Reconciliations(staff.Judge, db, pageAll())
		if err != nil || len(pg.Items) != 1 || pg.Items[0].Status != "mismatch" {
			t.Errorf("reports: %+v %v", pg.Items, err)
		}
		if rep := verify(t, db); !rep.OK() {
			t.Errorf("verify: %v", rep.Problems)
		}
	})
}

func pageAll() page.Request { return page.Request{Limit: 500} }
