package massclaim_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/massclaim"
	simbank "github.com/zhixing-court/zhixing/internal/sim/bank"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func code(t *testing.T, db *store.DB, phone string) string {
	t.Helper()
	var body string
	if err := db.QueryRow(context.Background(), `SELECT body FROM sms_outbox WHERE phone = ? ORDER BY created_at DESC LIMIT 1`, phone).Scan(&body); err != nil {
		t.Fatal(err)
	}
	i := strings.Index(body, "验证码 ")
	return body[i+len("验证码 ") : i+len("验证码 ")+6]
}

// must(f())(t) is f's value, the test stopped on f's error.
func must[T any](v T, err error) func(*testing.T) T {
	return func(t *testing.T) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Errorf("error %v, want %s", err, code)
	}
}

// MASS-1…7 on a small campaign: a victim list, online registration with
// phone codes, review against the list, confirmation and an objection,
// one pro-rata round paid through the ledger and the bank.
func TestCampaign(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		staff := intaketest.NewStaff(t, db, "")
		fraudster := intaketest.Person(7001)
		in := intaketest.Application(staff.CourtID, 7002)
		in.Respondents = []intake.PartyInput{fraudster}
		c := must(store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			a, err := intake.Register(ctx, tx, in)
			if err != nil {
				return nil, err
			}
			return intake.File(ctx, tx, a.ID, intake.FileInput{})
		}))(t)
		c = must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) { return cases.Get(ctx, tx, c.ID) }))(t)
		var debtor uuid.UUID
		for _, p := range c.Parties {
			if p.Role == "respondent" {
				debtor = p.PartyID
			}
		}
		const n = 30
		const recovered = 1_000_000_00
		must(store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c.CourtID, CaseID: c.ID, PartyID: debtor, AmountFen: recovered, RequestID: uuid.New()})
		}))(t)
		m := must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Campaign, error) {
			return massclaim.CreateCampaign(ctx, tx, c.ID, massclaim.CampaignInput{DebtorPartyID: debtor, Title: "某公司非法吸收公众存款案退赔",
				JudgmentNo: "（2025）赣05刑初12号", RegistrationUntil: legal.Today(time.Now()).AddDays(7)})
		}))(t)
		victims := make([]intake.PartyInput, n)
		var list strings.Builder
		list.WriteString("身份证号,姓名,损失金额\n")
		var losses int64
		for i := range victims {
			victims[i] = intaketest.Person(71_000 + i)
			loss := int64(50_000_00 + i*1_000_00)
			losses += loss
			fmt.Fprintf(&list, "%s,%s,%d.%02d\n", victims[i].IDNumber, victims[i].Name, loss/100, loss%100)
		}
		_, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Campaign, error) {
			return massclaim.Open(ctx, tx, m.ID)
		})
		wantCode(t, err, "no_victims")
		if k := must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (int, error) {
			return massclaim.ImportVictims(ctx, tx, m.ID, strings.NewReader(list.String()))
		}))(t); k != n {
			t.Fatalf("imported %d victims", k)
		}
		must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Campaign, error) {
			return massclaim.Open(ctx, tx, m.ID)
		}))(t)

		register := func(p intake.PartyInput, phone, code string) (string, error) {
			_, token, err := transact2(ctx, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, string, error) {
				return massclaim.Register(ctx, tx, m.ID, massclaim.RegisterInput{IDNumber: p.IDNumber, Name: p.Name, Phone: phone, Code: code,
					ClaimedFen: 60_000_00, PayeeAccountNo: "6228" + phone, PayeeBank: "农业银行新余分行"})
			})
			return token, err
		}
		sendCode := func(phone string) error {
			return db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error { return massclaim.SendCode(ctx, tx, m.ID, phone) })
		}
		tokens := make([]string, n)
		for i, v := range victims {
			phone := fmt.Sprintf("139%08d", i)
			if err := sendCode(phone); err != nil {
				t.Fatal(err)
			}
			if i == 0 {
				wantCode(t, sendCode(phone), "too_soon")
				_, err := register(v, phone, "000000")
				if code(t, db, phone) != "000000" {
					wantCode(t, err, "wrong_code")
				}
			}
			tokens[i], err = register(v, phone, code(t, db, phone))
			if err != nil {
				t.Fatalf("register %d: %v", i, err)
			}
		}
		// The same ID again; a bad ID number; someone not on the list.
		if err := sendCode("13800000001"); err != nil {
			t.Fatal(err)
		}
		_, err = register(victims[3], "13800000001", code(t, db, "13800000001"))
		wantCode(t, err, "already_registered")
		bad := victims[4]
		bad.IDNumber = bad.IDNumber[:17] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(bad.IDNumber, "1")]
		_, err = register(bad, "13800000001", code(t, db, "13800000001"))
		wantCode(t, err, "invalid_id_number")
		stranger := intaketest.Person(79_999)
		strangerToken, err := register(stranger, "13800000001", code(t, db, "13800000001"))
		if err != nil {
			t.Fatal(err)
		}

		e, ie := must2(transact2(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (int, int, error) {
			return massclaim.ReviewByList(ctx, tx, m.ID)
		}))(t)
		if e != n || ie != 1 {
			t.Fatalf("review: %d eligible, %d not", e, ie)
		}
		if cl := must(massclaim.ClaimByToken(ctx, db, strangerToken))(t); cl.Status != "ineligible" {
			t.Errorf("stranger: %+v", cl)
		}
		answer := func(token string, confirm bool, objection string) (*massclaim.Claim, error) {
			return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
				return massclaim.Answer(ctx, tx, token, confirm, objection)
			})
		}
		for i := 1; i < n; i++ {
			must(answer(tokens[i], true, ""))(t)
		}
		_, err = answer(tokens[1], true, "")
		wantCode(t, err, "not_awaiting_answer")
		objected := must(answer(tokens[0], false, "另有一笔 1 万元的转账未计入"))(t)
		must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Claim, error) {
			return massclaim.DecideObjection(ctx, tx, objected.ID, objected.ReviewedFen+10_000_00, "核实转账凭证，异议成立")
		}))(t)
		losses += 10_000_00
		if _, err := massclaim.ClaimByToken(ctx, db, "nope"); apperr.CodeOf(err) != "not_found" {
			t.Errorf("unknown link: %v", err)
		}

		r := must(store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*massclaim.Round, error) {
			return massclaim.PayRound(ctx, tx, m.ID, 0)
		}))(t)
		if r.AmountFen != recovered || r.PaidFen+r.CarriedFen != recovered || r.Claims != n || len(r.Payouts) != n || r.BatchID == uuid.Nil || r.PaidFen > recovered {
			t.Fatalf("round %+v", r)
		}
		// Each got loss × ratio, floored.
		for i := range n {
			cl := must(massclaim.ClaimByToken(ctx, db, tokens[i]))(t)
			want := cl.FinalFen * recovered / losses
			if cl.PaidFen != want {
				t.Errorf("claim %d: %d of %d, want %d", i, cl.PaidFen, cl.FinalFen, want)
			}
		}
		// A payout of the round cannot be decided alone; the batch is, at
		// the levels its total needs (FUND-6).
		if items := funds.DecidePayouts(staff.Leader, db, r.Payouts[:1], funds.Decision{Approve: true}); items[0].Code != "in_batch" {
			t.Errorf("one payout of the batch decided alone: %+v", items[0])
		}
		for _, who := range []context.Context{staff.Leader, staff.Chief} {
			b := must(store.TransactValue(who, db, func(ctx context.Context, tx *store.Tx) (*funds.PayoutBatch, error) {
				return funds.DecideBatch(ctx, tx, r.BatchID, funds.Decision{Approve: true})
			}))(t)
			if b.Status == funds.BatchApproved {
				break
			}
		}
		sim := must(simbank.New(simbank.Options{KeyID: "k", Secret: []byte("0123456789abcdef0123456789abcdef"), AutoOpen: true,
			AutoOpenFen: 10_000_000_000}))(t)
		defer sim.Close()
		payer := funds.NewPayer(db, funds.PayerConfig{Bank: sim})
		for range 5 {
			if _, err := payer.RunOnce(ctx); err != nil {
				t.Fatal(err)
			}
			sim.RunDue(ctx)
		}
		if st := sim.Stats(); st.Settled != n || st.DoublePayments != 0 {
			t.Errorf("bank %+v", st)
		}
		rep := must(funds.Verify(ctx, db))(t)
		if !rep.OK() {
			t.Errorf("verify: %v", rep.Problems)
		}
	})
}

func must2[A, B any](a A, b B, err error) func(*testing.T) (A, B) {
	return func(t *testing.T) (A, B) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return a, b
	}
}

// transact2 runs fn in a transaction and returns its two values.
func transact2[A, B any](ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx) (A, B, error)) (A, B, error) {
	var a A
	var b B
	err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
		var err error
		a, b, err = fn(ctx, tx)
		return err
	})
	return a, b, err
}
