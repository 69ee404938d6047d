package remedies_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/remedies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func d(s string) legal.Date { return legal.MustDate(s) }

func fileCase(t *testing.T, s *intaketest.Staff, seed int) *cases.Case {
	t.Helper()
	c, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		a, err := intake.Register(ctx, tx, intaketest.Application(s.CourtID, seed))
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

func do(t *testing.T, ctx context.Context, db *store.DB, fn func(context.Context, *store.Tx) (*remedies.Remedy, error)) *remedies.Remedy {
	t.Helper()
	r, err := store.TransactValue(ctx, db, fn)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func refused(t *testing.T, what string, ctx context.Context, db *store.DB, kind apperr.Kind, code string, fn func(context.Context, *store.Tx) (*remedies.Remedy, error)) {
	t.Helper()
	_, err := store.TransactValue(ctx, db, fn)
	e, ok := apperr.As(err)
	if !ok || e.Kind != kind || e.Code != code || e.Detail == "" {
		t.Fatalf("%s: got %v, want %v %s", what, err, kind, code)
	}
}

var numberRE = regexp.MustCompile(`^（2025）粤0607执异\d+号$`)

// TestObjectionReviewRemand runs an objection through its steps with the
// clocks of DOMAIN.md §3 worked example 2 (OBJ-2), then a 复议 to the next
// higher court: late applications are refused (OBJ-3), the first remand
// sends the objection back, a second is refused.
func TestObjectionReviewRemand(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c := fileCase(t, s, 7001)
		judge := s.Judge
		higher := intaketest.User(t, db, "粤06", access.RolePostJudge, "")
		president := intaketest.User(t, db, "粤06", access.RolePresident, "")
		stranger := intaketest.User(t, db, "皖01", access.RolePostJudge, "")

		o := do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.File(ctx, tx, c.ID, remedies.FileInput{Kind: remedies.Objection, ApplicantName: "李四", Request: "撤销对住房的查封",
				Grounds: "该房屋为唯一住房", ReceivedOn: d("2025-01-20")})
		})
		if o.State != remedies.Filed || o.Clock.RegisterBy != d("2025-01-23") || o.Clock.DecideBy != d("2025-02-05") || o.DueOn != d("2025-01-23") {
			t.Fatalf("filed: %+v", o)
		}
		// Examining before registration is refused, nothing changes.
		refused(t, "examine before register", judge, db, apperr.Conflict, "invalid_transition", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Examine(ctx, tx, o.ID, d("2025-01-22"), "听证")
		})
		// Another court's people do not see it.
		if _, err := remedies.Get(stranger, db, o.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("stranger get: %v", err)
		}
		refused(t, "stranger register", stranger, db, apperr.NotFound, "not_found", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, o.ID, d("2025-01-21"))
		})
		o = do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, o.ID, d("2025-01-21"))
		})
		if !numberRE.MatchString(o.Number) || o.State != remedies.Registered || o.DueOn != d("2025-02-05") {
			t.Fatalf("registered: %q %s due %s", o.Number, o.State, o.DueOn)
		}
		o = do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Examine(ctx, tx, o.ID, d("2025-01-24"), "组织听证，双方到庭")
		})
		o = do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Decide(ctx, tx, o.ID, remedies.DecideInput{On: d("2025-02-05"), Outcome: remedies.Rejected, Decision: "驳回异议"})
		})
		// A 复议 before service is refused.
		refused(t, "review before service", judge, db, apperr.Conflict, "ruling_not_served", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.File(ctx, tx, c.ID, remedies.FileInput{Kind: remedies.Review, ApplicantName: "李四", Request: "撤销异议裁定",
				ReviewedID: o.ID, ReceivedOn: d("2025-02-06")})
		})
		o = do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Serve(ctx, tx, o.ID, d("2025-02-07"))
		})
		if o.State != remedies.Served || o.ReviewBy != d("2025-02-17") {
			t.Fatalf("served: %s review by %s", o.State, o.ReviewBy)
		}
		review := func(on string) func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.File(ctx, tx, c.ID, remedies.FileInput{Kind: remedies.Review, ApplicantName: "李四", Request: "撤销异议裁定",
					ReviewedID: o.ID, ReceivedOn: d(on)})
			}
		}
		// OBJ-3: the 11th day is too late.
		refused(t, "review late", judge, db, apperr.Conflict, "review_late", review("2025-02-18"))
		rv := do(t, judge, db, review("2025-02-17"))
		if rv.CourtName != "佛山中院" || rv.OriginCourtName != "三水法院" || rv.Clock.ForwardBy != d("2025-02-24") || rv.ReviewedNumber != o.Number {
			t.Fatalf("review: %+v", rv)
		}
		refused(t, "second review pending", judge, db, apperr.Conflict, "review_pending", review("2025-02-17"))
		// The higher court registers only once the file is forwarded; the
		// lower court cannot register it.
		refused(t, "register unforwarded", higher, db, apperr.Conflict, "invalid_transition", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, rv.ID, d("2025-02-20"))
		})
		rv = do(t, judge, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Forward(ctx, tx, rv.ID, d("2025-02-19"))
		})
		refused(t, "lower court registers", judge, db, apperr.Forbidden, "forbidden", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, rv.ID, d("2025-02-20"))
		})
		rv = do(t, higher, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, rv.ID, d("2025-02-20"))
		})
		if !regexp.MustCompile(`^（2025）粤06执复\d+号$`).MatchString(rv.Number) || rv.Clock.DecideBy != d("2025-03-24") {
			t.Fatalf("review registered: %q decide by %s", rv.Number, rv.Clock.DecideBy)
		}
		// +30 days with the president's approval, once (OBJ-3).
		refused(t, "judge extends", higher, db, apperr.Forbidden, "forbidden", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Extend(ctx, tx, rv.ID, d("2025-03-10"), "案情复杂")
		})
		rv = do(t, president, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Extend(ctx, tx, rv.ID, d("2025-03-10"), "案情复杂")
		})
		if !rv.Extended || rv.Clock.DecideBy != d("2025-04-21") {
			t.Fatalf("extended: %v %s", rv.Extended, rv.Clock.DecideBy)
		}
		refused(t, "extend twice", president, db, apperr.Conflict, "already_extended", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Extend(ctx, tx, rv.ID, d("2025-03-11"), "再延长")
		})
		rv = do(t, higher, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Examine(ctx, tx, rv.ID, d("2025-03-12"), "合议庭审查")
		})
		rv = do(t, higher, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Decide(ctx, tx, rv.ID, remedies.DecideInput{On: d("2025-03-14"), Outcome: remedies.Remanded, Decision: "事实不清，发回重新审查"})
		})
		o, err := remedies.Get(judge, db, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if o.State != remedies.Registered || o.Remands != 1 || o.RestartedOn != d("2025-03-14") || o.Clock.DecideBy != d("2025-03-31") || o.Outcome != "" {
			t.Fatalf("remanded objection: %s remands %d restarted %s decide by %s", o.State, o.Remands, o.RestartedOn, o.Clock.DecideBy)
		}
		// The objection is examined again, ruled, served; a second 复议 may
		// not be remanded again.
		for _, step := range []func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error){
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Examine(ctx, tx, o.ID, d("2025-03-20"), "重新审查")
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Decide(ctx, tx, o.ID, remedies.DecideInput{On: d("2025-03-25"), Outcome: remedies.Rejected, Decision: "仍驳回"})
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Serve(ctx, tx, o.ID, d("2025-03-26"))
			},
		} {
			o = do(t, judge, db, step)
		}
		rv2 := do(t, judge, db, review("2025-03-28"))
		for _, step := range []func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error){
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Forward(ctx, tx, rv2.ID, d("2025-03-31"))
			},
		} {
			rv2 = do(t, judge, db, step)
		}
		for _, step := range []func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error){
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Register(ctx, tx, rv2.ID, d("2025-04-01"))
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Examine(ctx, tx, rv2.ID, d("2025-04-02"), "审查")
			},
		} {
			rv2 = do(t, higher, db, step)
		}
		refused(t, "second remand", higher, db, apperr.Conflict, "second_remand", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Decide(ctx, tx, rv2.ID, remedies.DecideInput{On: d("2025-04-03"), Outcome: remedies.Remanded, Decision: "再发回"})
		})
		rv2 = do(t, higher, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Decide(ctx, tx, rv2.ID, remedies.DecideInput{On: d("2025-04-03"), Outcome: remedies.Affirmed, Decision: "维持"})
		})
		if rv2.State != remedies.Decided || len(rv2.Steps) != 5 {
			t.Fatalf("second review: %s, %d steps", rv2.State, len(rv2.Steps))
		}
		// Lists: the higher court sees its reviews, the lower court all of
		// the case's; overdue filter; the stranger none.
		pg, err := remedies.List(higher, db, remedies.Filter{}, page.Request{})
		if err != nil || len(pg.Items) != 2 {
			t.Fatalf("higher list: %d %v", len(pg.Items), err)
		}
		pg, err = remedies.List(judge, db, remedies.Filter{CaseID: c.ID}, page.Request{Limit: 2})
		if err != nil || len(pg.Items) != 2 || pg.NextCursor == "" {
			t.Fatalf("case list: %d %v", len(pg.Items), err)
		}
		pg, err = remedies.List(judge, db, remedies.Filter{CaseID: c.ID, Kind: remedies.Objection, Overdue: true}, page.Request{})
		if err != nil || len(pg.Items) != 0 {
			t.Fatalf("overdue list: %d %v", len(pg.Items), err)
		}
		pg, err = remedies.List(stranger, db, remedies.Filter{}, page.Request{})
		if err != nil || len(pg.Items) != 0 {
			t.Fatalf("stranger list: %d %v", len(pg.Items), err)
		}
	})
}

// TestOutsiderAndEndedCase: an outsider's objection upheld stops the
// enforcement against its asset (OBJ-4); objections after the case ended are
// refused (OBJ-2) while complaints are still taken (XF-1); a user without
// the permission is refused.
func TestOutsiderAndEndedCase(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c := fileCase(t, s, 7002)
		var agencyID uuid.UUID
		if err := db.QueryRow(context.Background(), `SELECT id FROM agencies ORDER BY code LIMIT 1`).Scan(&agencyID); err != nil {
			t.Fatal(err)
		}
		asset := store.NewID()
		if err := db.Transact(s.Sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO assets (id, party_id, agency_id, kind, ref, first_found_at, last_seen_at)
				VALUES (?, ?, ?, 'real_estate', '粤(2023)三水区不动产权第0007001号', ?, ?)`, asset, c.Respondents()[0].PartyID, agencyID,
				time.Now(), time.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		file := func(in remedies.FileInput) func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.File(ctx, tx, c.ID, in)
			}
		}
		refused(t, "outsider without asset", s.Judge, db, apperr.Invalid, "asset_required", file(remedies.FileInput{Kind: remedies.Outsider,
			ApplicantName: "王五", Request: "停止执行该房屋"}))
		refused(t, "no permission", s.Mediator, db, apperr.Forbidden, "forbidden", file(remedies.FileInput{Kind: remedies.Outsider,
			ApplicantName: "王五", Request: "停止执行该房屋", AssetID: asset}))
		refused(t, "bad kind", s.Judge, db, apperr.Invalid, "invalid_kind", file(remedies.FileInput{Kind: "appeal", ApplicantName: "王五", Request: "x"}))
		r := do(t, s.Judge, db, file(remedies.FileInput{Kind: remedies.Outsider, ApplicantName: "王五", Request: "停止执行该房屋",
			Grounds: "房屋系本人所有", AssetID: asset, ReceivedOn: d("2024-09-20")}))
		if r.Clock.DecideBy != d("2024-10-08") || r.ApplicantRole != "outsider" {
			t.Fatalf("outsider filed: %+v", r.Clock)
		}
		if blocked, err := remedies.AssetBlocked(s.Sys, db, asset); err != nil || blocked {
			t.Fatalf("blocked before decision: %v %v", blocked, err)
		}
		for _, step := range []func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error){
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Register(ctx, tx, r.ID, d("2024-09-23"))
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Examine(ctx, tx, r.ID, d("2024-09-30"), "查明权属")
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Decide(ctx, tx, r.ID, remedies.DecideInput{On: d("2024-10-08"), Outcome: remedies.Upheld, Decision: "中止对该房屋的执行"})
			},
			func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
				return remedies.Serve(ctx, tx, r.ID, d("2024-10-09"))
			},
		} {
			r = do(t, s.Judge, db, step)
		}
		if blocked, err := remedies.AssetBlocked(s.Sys, db, asset); err != nil || !blocked || !r.AssetStopped || r.SuitBy != d("2024-10-24") {
			t.Fatalf("after upheld: blocked %v %v stopped %v suit by %s", blocked, err, r.AssetStopped, r.SuitBy)
		}
		// No 复议 against an outsider ruling.
		refused(t, "review of outsider ruling", s.Judge, db, apperr.Invalid, "invalid_reviewed", file(remedies.FileInput{Kind: remedies.Review,
			ApplicantName: "张三", Request: "复议", ReviewedID: r.ID, ReceivedOn: d("2024-10-10")}))

		// The case ends; an objection is refused, a complaint taken.
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, c.ID, cases.TransitionInput{To: "cancelled", Reason: "申请执行人撤回申请"})
		}); err != nil {
			t.Fatal(err)
		}
		refused(t, "objection after end", s.Judge, db, apperr.Conflict, "case_ended", file(remedies.FileInput{Kind: remedies.Objection,
			ApplicantName: "张三", Request: "撤销查封"}))
		var n int
		if err := db.QueryRow(context.Background(), `SELECT COUNT(*) FROM remedies WHERE case_id = ? AND kind = 'objection'`, c.ID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("refused objection stored: %d %v", n, err)
		}
		x := do(t, s.Reception, db, file(remedies.FileInput{Kind: remedies.Complaint, ApplicantName: "张三", Request: "反映执行不力",
			ReceivedOn: d("2024-09-27")}))
		if x.Clock.RegisterBy != d("2024-10-10") || x.Clock.DecideBy != d("2024-11-13") {
			t.Fatalf("complaint clocks: %+v", x.Clock)
		}
		x = do(t, s.Reception, db, func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Register(ctx, tx, x.ID, d("2024-09-30"))
		})
		if !regexp.MustCompile(`^（2024）粤0607信访登记第\d+号$`).MatchString(x.Number) {
			t.Fatalf("complaint number %q", x.Number)
		}
		refused(t, "complaint extension", s.President, db, apperr.Conflict, "not_extendable", func(ctx context.Context, tx *store.Tx) (*remedies.Remedy, error) {
			return remedies.Extend(ctx, tx, x.ID, d("2024-10-01"), "延长")
		})
	})
}
