package intake_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/calendar"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// setRule sets a court's rule parameter from today, as the system.
func setRule(t *testing.T, s *intaketest.Staff, court uuid.UUID, rule, param, value string) {
	t.Helper()
	if _, err := store.TransactValue(s.Sys, s.DB, func(ctx context.Context, tx *store.Tx) (ruleparams.Row, error) {
		return ruleparams.Set(ctx, tx, ruleparams.SetInput{CourtID: court, RuleID: rule, Param: param, Value: value,
			EffectiveFrom: legal.Today(timeNow())})
	}); err != nil {
		t.Fatalf("set %s/%s: %v", rule, param, err)
	}
}

// CLOCK-4 is configurable: a court's decision period in force on the day of
// receipt sets the decision day of its new applications, and only its.
func TestDecisionDayFollowsCourtRule(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		other := intaketest.NewStaff(t, db, "粤0605")
		cal, err := calendar.Load(s.Sys, db)
		if err != nil {
			t.Fatal(err)
		}
		before := register(t, s, intaketest.Application(s.CourtID, 800))
		if want := cal.DaysPeriodEnd(before.ReceivedOn, 7); before.DecisionDue != want {
			t.Fatalf("seeded CLOCK-4: decision due %s, want %s", before.DecisionDue, want)
		}
		setRule(t, s, s.CourtID, "CLOCK-4", "decision_days", "3")
		a := register(t, s, intaketest.Application(s.CourtID, 801))
		if want := cal.DaysPeriodEnd(a.ReceivedOn, 3); a.DecisionDue != want {
			t.Errorf("CLOCK-4 = 3: decision due %s, want %s", a.DecisionDue, want)
		}
		b := register(t, other, intaketest.Application(other.CourtID, 802))
		if want := cal.DaysPeriodEnd(b.ReceivedOn, 7); b.DecisionDue != want {
			t.Errorf("another court: decision due %s, want %s", b.DecisionDue, want)
		}
		// The stored application keeps its day.
		got, err := intake.GetApplication(s.Judge, db, before.ID)
		if err != nil || got.DecisionDue != before.DecisionDue {
			t.Errorf("earlier application: %v %s", err, got.DecisionDue)
		}
	})
}

// CLOCK-2 and the node limits are configurable: a case gets the term and
// limits of its court in force on its filing day; CLOCK-3 and CLOCK-9
// requests are checked against the values in force on the day asked.
func TestCaseClockFollowsCourtRules(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		setRule(t, s, s.CourtID, "CLOCK-2", "term_months", "4")
		setRule(t, s, s.CourtID, "CLOCK-5", "assign_handler_days", "5")
		setRule(t, s, s.CourtID, "PER-6", "roll_internal", "false")
		filed := file(t, s, register(t, s, intaketest.Application(s.CourtID, 810)).ID, intake.FileInput{})
		// Filing stores the deadline under the court's values at once.
		if want := filed.FiledOn.AddMonths(4); filed.Deadline != want || filed.Clock.Deadline.Effective != want {
			t.Errorf("filed with deadline %s (clock %s), want %s", filed.Deadline, filed.Clock.Deadline.Effective, want)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM cases WHERE id = ? AND deadline = ?`, filed.ID, filed.FiledOn.AddMonths(4)); n != 1 {
			t.Errorf("stored deadline is not the court's")
		}

		c, err := cases.Get(s.Judge, db, filed.ID)
		if err != nil {
			t.Fatal(err)
		}
		d := c.Clock.Deadline
		if want := c.FiledOn.AddMonths(4); d.Base != want || d.Effective != want {
			t.Errorf("CLOCK-2 = 4 months, PER-6 off: base %s effective %s, want %s", d.Base, d.Effective, want)
		}
		if !strings.Contains(strings.Join(d.Reasons, "\n"), "4 个月（CLOCK-2）") {
			t.Errorf("reasons %q", d.Reasons)
		}
		var assign legal.Date
		for _, m := range c.Clock.Milestones {
			if m.Code == "assign_handler" {
				assign = m.Due
			}
		}
		if want := c.FiledOn.AddDays(5); assign != want {
			t.Errorf("CLOCK-5 = 5 days: handler due %s, want %s", assign, want)
		}
		// Once the clock is recomputed in a change, the stored deadline
		// (lists and supervision sort by it) follows too.
		from := legal.Today(timeNow())
		c, err = store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestDeduction(ctx, tx, c.ID, cases.DeductionInput{Kind: "appraisal", From: from, To: from, Reason: "委托评估"})
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := c.FiledOn.AddMonths(4); c.Deadline != want {
			t.Errorf("stored deadline %s, want %s", c.Deadline, want)
		}

		// CLOCK-3: at most 1 month per extension from today on.
		setRule(t, s, s.CourtID, "CLOCK-3", "extension_max_months", "1")
		_, err = store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.RequestExtension(ctx, tx, c.ID, 2, "财产处置尚未完成")
		})
		if e, ok := apperr.As(err); !ok || e.Code != "invalid_extension" || !strings.Contains(e.Detail, "1 至 1 个月") {
			t.Errorf("2-month extension under a 1-month limit: %v", err)
		}
		// CLOCK-9: 暂缓 at most 1 month from today on.
		setRule(t, s, s.CourtID, "CLOCK-9", "defer_max_months", "1")
		_, err = move(s.Judge, db, c.ID, cases.TransitionInput{To: "deferred", Reason: "双方和解", Until: from.AddMonths(2)})
		if e, ok := apperr.As(err); !ok || e.Code != "invalid_transition" || !strings.Contains(e.Detail, "不得超过 1 个月") {
			t.Errorf("2-month deferral under a 1-month limit: %v", err)
		}
		if _, err := move(s.Judge, db, c.ID, cases.TransitionInput{To: "deferred", Reason: "双方和解", Until: from.AddMonths(1)}); err != nil {
			t.Errorf("1-month deferral: %v", err)
		}
	})
}
