package sanctions_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/sanctions"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var today = legal.Today(time.Now())

// fileCase files a case against respondent for claimFen.
func fileCase(t *testing.T, s *intaketest.Staff, seed int, respondent intake.PartyInput, claimFen int64) (*cases.Case, uuid.UUID) {
	t.Helper()
	in := intaketest.Application(s.CourtID, seed)
	in.Respondents = []intake.PartyInput{respondent}
	in.ClaimAmountFen = claimFen
	c, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, in)
		if err != nil {
			return nil, err
		}
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatalf("filing: %v", err)
	}
	full, err := cases.Get(s.Judge, s.DB, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return full, full.Respondents()[0].PartyID
}

func do[T any](ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx) (T, error)) (T, error) {
	return store.TransactValue(ctx, db, fn)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if apperr.CodeOf(err) != code {
		t.Fatalf("got %v (code %q), want code %q", err, apperr.CodeOf(err), code)
	}
}

func facts(t *testing.T, ctx context.Context, db *store.DB, caseID uuid.UUID) legal.ZhongbenFacts {
	t.Helper()
	z, err := cases.CheckZhongben(ctx, db, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return z.Facts
}

func TestReportOrderFeedsTheGate(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c, party := fileCase(t, s, 7101, intaketest.Person(7101), 5_000_000)
		if f := facts(t, s.Judge, db, c.ID); f.ReportOrdered || f.ReportChecked {
			t.Fatalf("facts before any order: %+v", f)
		}
		r, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.IssueReportOrder(ctx, tx, c.ID, sanctions.ReportOrderInput{PartyID: party, IssuedOn: today, DueOn: today.AddDays(10),
				DocumentNo: "（2026）粤0607执1号"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if f := facts(t, s.Judge, db, c.ID); !f.ReportOrdered || f.ReportChecked {
			t.Fatalf("after the order: %+v, want ordered, not checked", f)
		}
		// A second order while the first is open.
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.IssueReportOrder(ctx, tx, c.ID, sanctions.ReportOrderInput{PartyID: party, IssuedOn: today, DueOn: today.AddDays(10)})
		})
		wantCode(t, err, "report_order_open")
		// Not reported before the deadline cannot be found.
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.VerifyReport(ctx, tx, r.ID, sanctions.VerifyInput{VerifiedOn: today, Verdict: sanctions.VerdictNotReported, Note: "未报告"})
		})
		wantCode(t, err, "invalid_date")
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.RecordReport(ctx, tx, r.ID, sanctions.ReportInput{ReportedOn: today, Summary: "名下有工商银行存款一笔"})
		}); err != nil {
			t.Fatal(err)
		}
		// False: the gate waits for the penalty (ZB-2).
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.VerifyReport(ctx, tx, r.ID, sanctions.VerifyInput{VerifiedOn: today, Verdict: sanctions.VerdictFalse,
				Note: "隐瞒车辆一台"})
		}); err != nil {
			t.Fatal(err)
		}
		if f := facts(t, s.Judge, db, c.ID); f.ReportChecked {
			t.Fatalf("a false report without penalty satisfied ZB-2")
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.PenaliseReport(ctx, tx, r.ID, sanctions.PenaltyInput{On: today, FineFen: -1})
		})
		wantCode(t, err, "invalid_amount")
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.PenaliseReport(ctx, tx, r.ID, sanctions.PenaltyInput{On: today, DetentionDays: 16})
		})
		wantCode(t, err, "invalid_days")
		got, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.PenaliseReport(ctx, tx, r.ID, sanctions.PenaltyInput{On: today, FineFen: 1_000_000, DetentionDays: 5, Note: "罚款决定书"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Ground4() || got.FineFen != 1_000_000 || got.DetentionDays != 5 {
			t.Fatalf("penalised order = %+v", got)
		}
		if f := facts(t, s.Judge, db, c.ID); !f.ReportChecked {
			t.Fatalf("penalised false report does not satisfy ZB-2")
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.PenaliseReport(ctx, tx, r.ID, sanctions.PenaltyInput{On: today, FineFen: 1})
		})
		wantCode(t, err, "already_penalised")
		// A repeat order after verification (INV-1).
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.IssueReportOrder(ctx, tx, c.ID, sanctions.ReportOrderInput{PartyID: party, IssuedOn: today, DueOn: today.AddDays(5)})
		}); err != nil {
			t.Fatal(err)
		}
		// Outsiders see nothing.
		other := intaketest.User(t, db, "粤0604", "post_judge", "")
		_, err = do(other, db, func(ctx context.Context, tx *store.Tx) (*sanctions.ReportOrder, error) {
			return sanctions.RecordReport(ctx, tx, r.ID, sanctions.ReportInput{ReportedOn: today, Summary: "x"})
		})
		wantCode(t, err, "not_found")
	})
}

func TestRestrictionBindsTheLegalRepresentative(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		org := intaketest.Organization(7201)
		c, party := fileCase(t, s, 7201, org, 5_000_000)
		r, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.IssueRestriction(ctx, tx, c.ID, sanctions.RestrictionInput{PartyID: party, DecidedOn: today, GraceMonths: 1,
				Persons: []sanctions.BoundPerson{{Role: sanctions.RoleController, Name: "实控人甲",
					IDNumber: legal.MakeResidentID("440607", legal.MustDate("1980-05-05"), 21)}}})
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Persons) != 2 || r.Persons[0].Role != sanctions.RoleLegalRep || r.Persons[0].Name != org.LegalRep ||
			r.Persons[1].Role != sanctions.RoleController {
			t.Fatalf("persons = %+v, want the legal representative %s and the controller", r.Persons, org.LegalRep)
		}
		if r.StartOn != today.AddMonths(1) {
			t.Errorf("start %s, want %s (SX-4 grace)", r.StartOn, today.AddMonths(1))
		}
		if f := facts(t, s.Judge, db, c.ID); !f.ConsumptionBanned {
			t.Fatal("restriction did not satisfy ZB-1 (2)")
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.IssueRestriction(ctx, tx, c.ID, sanctions.RestrictionInput{PartyID: party, DecidedOn: today})
		})
		wantCode(t, err, "already_restricted")
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.IssueRestriction(ctx, tx, c.ID, sanctions.RestrictionInput{PartyID: party, DecidedOn: today, GraceMonths: 4})
		})
		wantCode(t, err, "invalid_grace")
		// The 限消名单 finds the order by the bound person's name.
		pg, err := sanctions.SearchRestrictions(s.Judge, db, sanctions.Filter{Query: "实控人甲"}, page.Request{})
		if err != nil {
			t.Fatal(err)
		}
		if len(pg.Items) != 1 || pg.Items[0].ID != r.ID || len(pg.Items[0].Persons) != 2 {
			t.Fatalf("search by bound person: %+v", pg.Items)
		}
		pg, err = sanctions.SearchRestrictions(s.Judge, db, sanctions.Filter{Query: org.CreditCode}, page.Request{})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("search by credit code: %+v %v", pg.Items, err)
		}
		// Lifting on a guarantee needs one recorded.
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.LiftRestriction(ctx, tx, r.ID, sanctions.LiftInput{Ground: sanctions.LiftGuarantee, On: today})
		})
		wantCode(t, err, "no_guarantee")
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Guarantee, error) {
			return sanctions.RecordGuarantee(ctx, tx, c.ID, sanctions.GuaranteeInput{PartyID: party, Guarantor: "担保公司", AmountFen: 5_000_000,
				AcceptedOn: today})
		}); err != nil {
			t.Fatal(err)
		}
		lifted, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.LiftRestriction(ctx, tx, r.ID, sanctions.LiftInput{Ground: sanctions.LiftGuarantee, On: today})
		})
		if err != nil || lifted.Status != sanctions.RestrictionLifted || lifted.LiftedOnTime != nil {
			t.Fatalf("lifted = %+v, %v", lifted, err)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.LiftRestriction(ctx, tx, r.ID, sanctions.LiftInput{Ground: sanctions.LiftGuarantee, On: today})
		})
		wantCode(t, err, "already_lifted")
	})
}

func TestListingExclusions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		minor := intake.PartyInput{Kind: intake.Person, Name: "未成年人甲", IDNumber: legal.MakeResidentID("440607", today.AddYears(-17), 33),
			Address: "佛山市三水区"}
		c, party := fileCase(t, s, 7301, minor, 1_000_000)
		_, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c.ID, sanctions.ListingInput{PartyID: party, Grounds: []legal.DishonestGround{4}, DecidedOn: today})
		})
		wantCode(t, err, "dishonest_minor")
		if f := facts(t, s.Judge, db, c.ID); f.DishonestDecided {
			t.Fatal("a refused listing recorded a measure")
		}
		// The examination recorded instead (dishonest_not_due).
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Measure, error) {
			return sanctions.RecordNotDue(ctx, tx, c.ID, sanctions.NotDueInput{PartyID: party, DecidedOn: today, Note: "被执行人系未成年人（SX-2）"})
		}); err != nil {
			t.Fatal(err)
		}
		if f := facts(t, s.Judge, db, c.ID); !f.DishonestDecided {
			t.Fatal("not-due finding did not satisfy ZB-1 (2)")
		}

		adult := intaketest.Person(7303)
		c2, party2 := fileCase(t, s, 7302, adult, 1_000_000)
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Guarantee, error) {
			return sanctions.RecordGuarantee(ctx, tx, c2.ID, sanctions.GuaranteeInput{PartyID: party2, Guarantor: "担保人乙", AmountFen: 1_000_000,
				AcceptedOn: today})
		}); err != nil {
			t.Fatal(err)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c2.ID, sanctions.ListingInput{PartyID: party2, Grounds: []legal.DishonestGround{1}, DecidedOn: today})
		})
		wantCode(t, err, "dishonest_guaranteed")

		c3, party3 := fileCase(t, s, 7304, intaketest.Person(7305), 1_000_000)
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c3.ID, sanctions.ListingInput{PartyID: party3, Grounds: []legal.DishonestGround{4}, DecidedOn: today,
				ExtraYears: 1})
		})
		wantCode(t, err, "invalid_term")
		l, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c3.ID, sanctions.ListingInput{PartyID: party3, Grounds: []legal.DishonestGround{4, 5},
				DecidedOn: today, ExtraYears: 1, GraceMonths: 2})
		})
		if err != nil {
			t.Fatal(err)
		}
		if !l.FixedTerm || l.TermYears != 3 || l.PublishOn != today.AddMonths(2) || l.EndsOn != l.PublishOn.AddYears(3).AddDays(-1) {
			t.Fatalf("listing = %+v, want 3 years from publication after 2 months", l)
		}
		if f := facts(t, s.Judge, db, c3.ID); !f.DishonestDecided {
			t.Fatal("listing did not satisfy ZB-1 (2)")
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c3.ID, sanctions.ListingInput{PartyID: party3, Grounds: []legal.DishonestGround{4}, DecidedOn: today})
		})
		wantCode(t, err, "already_listed")
		ext, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ExtendListing(ctx, tx, l.ID, sanctions.ExtendInput{Years: 2, Reason: "情节严重"})
		})
		if err != nil || ext.TermYears != 5 {
			t.Fatalf("extended = %+v, %v", ext, err)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ExtendListing(ctx, tx, l.ID, sanctions.ExtendInput{Years: 1, Reason: "再延长"})
		})
		wantCode(t, err, "invalid_years")
		// The list masks nothing itself but finds by the whole ID number.
		pg, err := sanctions.SearchListings(s.Judge, db, sanctions.Filter{Query: adult.IDNumber}, page.Request{})
		if err != nil || len(pg.Items) != 0 {
			t.Fatalf("search for an unlisted person: %+v %v", pg.Items, err)
		}
		p3 := intaketest.Person(7305)
		pg, err = sanctions.SearchListings(s.Judge, db, sanctions.Filter{Query: p3.IDNumber}, page.Request{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].MaskedID() == p3.IDNumber {
			t.Fatalf("search by ID number: %+v %v", pg.Items, err)
		}
		pg, err = sanctions.SearchListings(s.Judge, db, sanctions.Filter{CaseNo: c3.CaseNo}, page.Request{})
		if err != nil || len(pg.Items) != 1 {
			t.Fatalf("search by case number: %+v %v", pg.Items, err)
		}
	})
}

func TestClosureQueuesDeletion(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c, party := fileCase(t, s, 7401, intaketest.Person(7401), 1_000_000)
		l, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c.ID, sanctions.ListingInput{PartyID: party, Grounds: []legal.DishonestGround{1}, DecidedOn: today})
		})
		if err != nil {
			t.Fatal(err)
		}
		r, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.IssueRestriction(ctx, tx, c.ID, sanctions.RestrictionInput{PartyID: party, DecidedOn: today})
		})
		if err != nil {
			t.Fatal(err)
		}
		queue := func() []*sanctions.QueueItem {
			pg, err := sanctions.Queue(s.Judge, db, page.Request{})
			if err != nil {
				t.Fatal(err)
			}
			var mine []*sanctions.QueueItem
			for _, it := range pg.Items {
				if it.CaseID == c.ID {
					mine = append(mine, it)
				}
			}
			return mine
		}
		if q := queue(); len(q) != 0 {
			t.Fatalf("queue before closure: %+v", q)
		}
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, c.ID, cases.TransitionInput{To: "performed", Reason: "被执行人已直接履行", PerformedOutside: true})
		}); err != nil {
			t.Fatal(err)
		}
		want := legal.DeletionDue(legal.DefaultCalendar(), today, legal.DefaultPeriodRules())
		q := queue()
		if len(q) != 2 {
			t.Fatalf("queue after closure = %+v, want the listing and the restriction", q)
		}
		for _, it := range q {
			if it.Due.Trigger != sanctions.TriggerPerformed || it.Due.TriggerOn != today || it.Due.DueOn != want {
				t.Errorf("%s due %+v, want performed on %s, due %s", it.Kind, it.Due, today, want)
			}
		}
		del, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.DeleteListing(ctx, tx, l.ID, sanctions.DeleteInput{})
		})
		if err != nil {
			t.Fatal(err)
		}
		if del.DeleteGround != sanctions.TriggerPerformed || del.DeletedOnTime == nil || !*del.DeletedOnTime || del.DeleteDueOn != want {
			t.Fatalf("deleted = %+v", del)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.DeleteListing(ctx, tx, l.ID, sanctions.DeleteInput{})
		})
		wantCode(t, err, "already_deleted")
		lifted, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Restriction, error) {
			return sanctions.LiftRestriction(ctx, tx, r.ID, sanctions.LiftInput{Ground: sanctions.LiftPerformed, On: today})
		})
		if err != nil || lifted.LiftedOnTime == nil || !*lifted.LiftedOnTime {
			t.Fatalf("lifted = %+v, %v", lifted, err)
		}
		if q := queue(); len(q) != 0 {
			t.Fatalf("queue after deletion: %+v", q)
		}
		// New sanctions on a closed case are refused.
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c.ID, sanctions.ListingInput{PartyID: party, Grounds: []legal.DishonestGround{1}, DecidedOn: today})
		})
		wantCode(t, err, "case_closed")
	})
}

func TestManualTriggerAndCorrection(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c, party := fileCase(t, s, 7501, intaketest.Person(7501), 1_000_000)
		l, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.ListDishonest(ctx, tx, c.ID, sanctions.ListingInput{PartyID: party, Grounds: []legal.DishonestGround{6}, DecidedOn: today})
		})
		if err != nil {
			t.Fatal(err)
		}
		k, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Correction, error) {
			return sanctions.FileCorrection(ctx, tx, l.ID, sanctions.CorrectionInput{Kind: sanctions.CorrectionRequest, FiledOn: today,
				Applicant: "被执行人", Request: "身份信息有误"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if k.DecideDue != legal.DefaultCalendar().DaysPeriodEnd(today, 15) {
			t.Errorf("decide due %s", k.DecideDue)
		}
		k, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Correction, error) {
			return sanctions.DecideCorrection(ctx, tx, k.ID, sanctions.DecisionInput{Outcome: sanctions.OutcomeCorrect, On: today, Note: "住址登记错误"})
		})
		if err != nil || k.DecidedOnTime == nil || !*k.DecidedOnTime || k.CorrectDue.IsZero() {
			t.Fatalf("decided = %+v, %v", k, err)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Correction, error) {
			return sanctions.DecideCorrection(ctx, tx, k.ID, sanctions.DecisionInput{Outcome: sanctions.OutcomeReject, On: today, Note: "x"})
		})
		wantCode(t, err, "already_decided")
		if _, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Correction, error) {
			return sanctions.MarkCorrected(ctx, tx, k.ID, sanctions.CorrectedInput{On: today, Note: "已更正住址"})
		}); err != nil {
			t.Fatal(err)
		}
		rv, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Correction, error) {
			return sanctions.FileCorrection(ctx, tx, l.ID, sanctions.CorrectionInput{Kind: sanctions.CorrectionReview, ReviewsID: k.ID, FiledOn: today,
				Applicant: "申请执行人", Request: "不服纠正决定"})
		})
		if err != nil || rv.DecideDue != legal.DefaultCalendar().DaysPeriodEnd(today, 15) {
			t.Fatalf("review = %+v, %v", rv, err)
		}
		// A settlement performed, recorded by hand.
		got, err := do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.RecordTrigger(ctx, tx, l.ID, sanctions.TriggerInput{Kind: sanctions.TriggerSettlement, On: today, Note: "和解协议履行完毕"})
		})
		if err != nil || got.Due == nil || !got.Due.ByHand || got.Due.DueOn != legal.DeletionDue(legal.DefaultCalendar(), today, legal.DefaultPeriodRules()) {
			t.Fatalf("trigger = %+v, %v", got, err)
		}
		_, err = do(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*sanctions.Listing, error) {
			return sanctions.RecordTrigger(ctx, tx, l.ID, sanctions.TriggerInput{Kind: sanctions.TriggerApplicant, On: today})
		})
		wantCode(t, err, "trigger_recorded")
		v, err := sanctions.ForCase(s.Judge, db, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Listings) != 1 || v.Listings[0].Due == nil || len(v.Corrections) != 2 || len(v.BanItems) != 9 || len(v.Warnings) == 0 {
			t.Fatalf("view = %+v", v)
		}
	})
}

// The seeded rule parameters are DOMAIN.md's values (SX-3, SX-4, SX-6).
func TestSeededSanctionRules(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		v, err := ruleparams.Resolve(s.Judge, db, s.CourtID, today)
		if err != nil {
			t.Fatal(err)
		}
		if got := v.SanctionRules(); got != legal.DefaultSanctionRules {
			t.Fatalf("seeded %+v, want %+v", got, legal.DefaultSanctionRules)
		}
		if !v.Bool(ruleparams.KeyLiftOnGuarantee) || !v.Bool(ruleparams.KeyLiftOnConsent) || !v.Bool(ruleparams.KeyRestrictionBeforeClose) {
			t.Fatal("XG-4/XG-5 seeds are not true")
		}
	})
}
