package funds_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/funds"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// fileAgainstDebtor files a case of a new applicant against debtor.
func fileAgainstDebtor(t *testing.T, db *store.DB, staff *intaketest.Staff, seed int, debtor intake.PartyInput, claimFen int64) *cases.Case {
	t.Helper()
	in := intaketest.Application(staff.CourtID, seed)
	in.Respondents, in.ClaimAmountFen = []intake.PartyInput{debtor}, claimFen
	c, err := store.TransactValue(staff.Reception, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// DIST-1/DIST-2/DIST-4: the money of a natural-person debtor held in one
// case is shared pro rata among three cases against them by a plan that is
// published, objected to, the objection countered and (no suit in time)
// dismissed, and then carried out: each case receives its share as money of
// its own and is allocated by its own statement.
func TestDistributionAmongCases(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		staff := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Person(6101)
		c1 := fileAgainstDebtor(t, db, staff, 6102, debtor, 1_000_000)
		c2 := fileAgainstDebtor(t, db, staff, 6104, debtor, 2_000_000)
		c3 := fileAgainstDebtor(t, db, staff, 6106, debtor, 3_000_000)
		full, err := store.TransactValue(staff.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) { return cases.Get(ctx, tx, c1.ID) })
		if err != nil {
			t.Fatal(err)
		}
		debtorID := respondent(full)
		if _, err := store.TransactValue(staff.Sys, db, func(ctx context.Context, tx *store.Tx) (*funds.Transfer, error) {
			return funds.ReceiveDeduction(ctx, tx, funds.Deduction{CourtID: c1.CourtID, CaseID: c1.ID, PartyID: debtorID, AmountFen: 3_000_000,
				RequestID: uuid.New()})
		}); err != nil {
			t.Fatal(err)
		}
		do := func(ctx context.Context, fn func(context.Context, *store.Tx) (*funds.Distribution, error)) (*funds.Distribution, error) {
			return store.TransactValue(ctx, db, fn)
		}
		_, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ProposeDistribution(ctx, tx, c1.ID, funds.DistributionInput{DebtorPartyID: debtorID, AmountFen: 3_000_001})
		})
		mustCode(t, err, "invalid_amount")
		d, err := do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ProposeDistribution(ctx, tx, c1.ID, funds.DistributionInput{DebtorPartyID: debtorID})
		})
		if err != nil {
			t.Fatal(err)
		}
		if d.LegalPerson || len(d.Claims) != 3 || d.AmountFen != 3_000_000 || d.LeftFen != 0 {
			t.Fatalf("plan %+v", d)
		}
		var total, owed int64
		for _, c := range d.Claims {
			total += c.Share.Total()
			owed += c.CostsFen + c.PriorityFen + c.OrdinaryFen
			if c.CostsFen == 0 || c.Share.CostsFen != c.CostsFen {
				t.Errorf("claim %s: costs %d, share of costs %d: costs come first (DIST-2)", c.CaseNo, c.CostsFen, c.Share.CostsFen)
			}
		}
		if total != 3_000_000 || owed <= 3_000_000 {
			t.Errorf("shares sum to %d of 3,000,000; claims %d", total, owed)
		}
		// Pro rata: the ordinary shares follow the ordinary claims.
		if s1, s3 := d.Claims[0].Share.OrdinaryFen, d.Claims[2].Share.OrdinaryFen; s3 < 2*s1 || s3 > 4*s1 {
			t.Errorf("ordinary shares %d and %d for claims of ¥10,000 and ¥30,000", s1, s3)
		}
		_, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ProposeDistribution(ctx, tx, c1.ID, funds.DistributionInput{DebtorPartyID: debtorID})
		})
		mustCode(t, err, "distribution_open")
		_, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ExecuteDistribution(ctx, tx, d.ID)
		})
		mustCode(t, err, "not_published")

		d, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.PublishDistribution(ctx, tx, d.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		today := legal.Today(time.Now())
		if d.Status != "published" || d.ObjectionDue.Before(today.AddDays(funds.DistObjectionDays)) {
			t.Errorf("published %+v", d)
		}
		_, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ExecuteDistribution(ctx, tx, d.ID)
		})
		mustCode(t, err, "objection_period")

		// An objection, countered; no suit in time: the plan stands.
		object := func(reason string) (*funds.Distribution, error) {
			return do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
				return funds.ObjectToDistribution(ctx, tx, d.ID, funds.ObjectionInput{CaseID: c3.ID, Objector: "申请执行人丙", Reason: reason})
			})
		}
		_, err = object(" ")
		mustCode(t, err, "reason_required")
		d, err = object("利息计算有误")
		if err != nil {
			t.Fatal(err)
		}
		obj := d.Objections[0].ID
		step := func(s funds.ObjectionStep, note string) (*funds.Distribution, error) {
			return do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
				return funds.AdvanceObjection(ctx, tx, d.ID, obj, s, note)
			})
		}
		_, err = step(funds.StepUpheld, "")
		mustCode(t, err, "wrong_step") // no counter-objection yet, but its period still runs
		if d, err = step(funds.StepCountered, "申请执行人甲反对"); err != nil || d.Objections[0].Status != "countered" {
			t.Fatalf("countered: %+v %v", d, err)
		}
		_, err = step(funds.StepDismissed, "")
		mustCode(t, err, "wrong_step") // the suit period still runs
		execSQL(t, db, `UPDATE distribution_objections SET suit_due = ? WHERE id = ?`, today.AddDays(-1), obj)
		if d, err = step(funds.StepDismissed, "异议人未在期限内起诉"); err != nil || d.Objections[0].Status != "dismissed" {
			t.Fatalf("dismissed: %+v %v", d, err)
		}
		// The objection period over, an objection comes too late.
		execSQL(t, db, `UPDATE distributions SET objection_due = ? WHERE id = ?`, today.AddDays(-1), d.ID)
		_, err = object("迟到的异议")
		mustCode(t, err, "objection_late")

		d, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ExecuteDistribution(ctx, tx, d.ID)
		})
		if err != nil {
			t.Fatal(err)
		}
		_, err = do(staff.Judge, func(ctx context.Context, tx *store.Tx) (*funds.Distribution, error) {
			return funds.ExecuteDistribution(ctx, tx, d.ID)
		})
		mustCode(t, err, "not_published")
		for i, c := range []*cases.Case{c1, c2, c3} {
			l, err := funds.ForCase(staff.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			st, err := funds.CaseStatement(staff.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			share := d.Claims[i].Share
			if l.ReceivedFen != share.Total() || st.FeePaidFen != share.CostsFen || st.AllocatedFeeFen != share.CostsFen ||
				st.AllocatedCreditorsFen != share.OrdinaryFen || st.UnallocatedFen != 0 {
				t.Errorf("case %d: received %d, statement %+v, share %+v", i+1, l.ReceivedFen, st, share)
			}
		}
		if rep := verify(t, db); !rep.OK() {
			t.Errorf("verify: %v", rep.Problems)
		}
	})
}

func execSQL(t *testing.T, db *store.DB, q string, args ...any) {
	t.Helper()
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, q, args...)
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
