package intake_test

import (
	"context"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func move(ctx context.Context, db *store.DB, id uuid.UUID, in cases.TransitionInput) (*cases.Case, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return cases.Transition(ctx, tx, id, in)
	})
}

// FLOW-10, CLOCK-3, CLOCK-8, CLOCK-9: the state machine and the clock.
func TestCaseStatesAndClock(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		c := file(t, s, register(t, s, intaketest.Application(s.CourtID, 300)).ID, intake.FileInput{})
		today := legal.Today(time.Now())

		// CLOCK-9: 暂缓 longer than 3 months is refused, with the reason.
		_, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "deferred", Reason: "双方和解", Until: today.AddMonths(4)})
		if apperr.CodeOf(err) != "invalid_transition" || apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("long deferral: %v", err)
		}
		// 终本 within 3 months of filing is refused with the rest of what
		// is missing (DOMAIN §5, ZB-1).
		if _, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "zhongben", Reason: "无财产可供执行"}); apperr.CodeOf(err) != "zhongben_conditions_unmet" ||
			!strings.Contains(err.Error(), "须已超过 3 个月") {
			t.Errorf("early 终本: %v", err)
		}
		// 中止 stops the clock; resuming closes the deduction (CLOCK-8).
		got, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "suspended", Reason: "案外人提出异议"})
		if err != nil || got.Status != cases.StatusSuspended || !got.Clock.Deadline.Running {
			t.Fatalf("suspend: %v %+v", err, got)
		}
		got, err = move(s.Judge, db, c.ID, cases.TransitionInput{To: "in_progress", Reason: "异议已审查驳回"})
		if err != nil || got.Status != cases.StatusInProgress || got.Clock.Deadline.Running || got.Clock.Deadline.DeductedDays != 1 {
			t.Fatalf("resume: %v %+v", err, got.Clock)
		}
		if want := c.FiledOn.AddMonths(6).AddDays(1); got.Deadline.Before(want) {
			t.Errorf("deadline %s, want at least %s after one deducted day", got.Deadline, want)
		}
		// An extension: a judge asks, only the president approves (CLOCK-3).
		ext, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestExtension(ctx, tx, c.ID, 2, "财产处置尚未完成")
		})
		if err != nil {
			t.Fatal(err)
		}
		entry := ext.Clock.Entries[len(ext.Clock.Entries)-1].ID
		decide := func(ctx context.Context) (*cases.Case, error) {
			return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
				return cases.DecideEntry(ctx, tx, c.ID, entry, true, "")
			})
		}
		if _, err := decide(s.Judge); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("judge approving an extension: %v", err)
		}
		before := got.Deadline
		got, err = decide(s.President)
		if err != nil {
			t.Fatalf("approve: %v", err)
		}
		if !got.Deadline.After(before.AddMonths(2).AddDays(-1)) {
			t.Fatalf("approve: %v deadline %s (before %s)", err, got.Deadline, before)
		}
		if _, err := decide(s.President); apperr.CodeOf(err) != "already_decided" {
			t.Errorf("approving twice: %v", err)
		}
		// Asked fewer than 5 days before expiry: refused (CLOCK-3).
		old := file(t, s, register(t, s, intaketest.Application(s.CourtID, 301)).ID, intake.FileInput{})
		if err := db.Transact(s.Sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE cases SET filed_on = ? WHERE id = ?`, today.AddMonths(-6).AddDays(3), old.ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		_, err = store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestExtension(ctx, tx, old.ID, 1, "尚需评估")
		})
		if apperr.CodeOf(err) != "extension_too_late" {
			t.Errorf("late extension: %v", err)
		}
		// Close, then nothing moves any more.
		if _, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "performed", Reason: "已履行完毕"}); apperr.CodeOf(err) != "invalid_transition" {
			t.Errorf("执行完毕 without money: %v", err)
		}
		if _, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true}); err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{"in_progress", "suspended", "zhongben"} {
			if _, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: to, Reason: "再次变更"}); apperr.CodeOf(err) != "invalid_transition" {
				t.Errorf("from closed to %s: %v", to, err)
			}
		}
		// A closed case's clock no longer runs: no deductions or extensions.
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestExtension(ctx, tx, c.ID, 1, "结案后申请")
		}); apperr.CodeOf(err) != "case_closed" {
			t.Errorf("extension on a closed case: %v", err)
		}
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestDeduction(ctx, tx, c.ID, cases.DeductionInput{Kind: "appraisal", From: c.FiledOn, To: c.FiledOn.AddDays(3), Reason: "评估"})
		}); apperr.CodeOf(err) != "case_closed" {
			t.Errorf("deduction on a closed case: %v", err)
		}
		// A clerk cannot move cases.
		if _, err := move(s.Reception, db, old.ID, cases.TransitionInput{To: "suspended", Reason: "x"}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("reception moving a case: %v", err)
		}
	})
}

// TestWorkloadsFollowCases: the open-case counters that team and handler
// choice read stay equal to the cases themselves through filing,
// reassignment and closure.
func TestWorkloadsFollowCases(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		var filed []*cases.Case
		for i := range 6 {
			a := register(t, s, intaketest.Application(s.CourtID, 700+i))
			filed = append(filed, file(t, s, a.ID, intake.FileInput{}))
		}
		if _, err := move(s.Judge, db, filed[0].ID, cases.TransitionInput{To: "performed", Reason: "被执行人直接履行", PerformedOutside: true}); err != nil {
			t.Fatal(err)
		}
		other := "ordinary"
		if filed[1].Lane == "ordinary" {
			other = "fast"
		}
		if _, err := store.TransactValue(s.Leader, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Assign(ctx, tx, filed[1].ID, cases.AssignmentInput{Lane: other, Reason: "案情复杂，转普通程序"})
		}); err != nil {
			t.Fatal(err)
		}
		counts := func(q string) map[string]int {
			t.Helper()
			rows, err := db.Query(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			m := map[string]int{}
			for rows.Next() {
				var id string
				var n int
				if err := rows.Scan(&id, &n); err != nil {
					t.Fatal(err)
				}
				if n != 0 {
					m[id] = n
				}
			}
			return m
		}
		want := counts(`SELECT owner, COUNT(*) FROM (SELECT team_id AS owner FROM cases WHERE status <> 'closed' AND team_id IS NOT NULL
			UNION ALL SELECT handler_id FROM cases WHERE status <> 'closed' AND handler_id IS NOT NULL) o GROUP BY owner`)
		got := counts(`SELECT owner_id, open_cases FROM workloads`)
		if len(want) == 0 || !maps.Equal(want, got) {
			t.Fatalf("workloads %v, cases say %v", got, want)
		}
	})
}
