package metrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

func TestPreviousWeek(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ today, from, to string }{
		{"2026-04-13", "2026-04-06", "2026-04-12"}, // a Monday
		{"2026-04-15", "2026-04-06", "2026-04-12"}, // a Wednesday
		{"2026-04-19", "2026-04-06", "2026-04-12"}, // a Sunday
		{"2026-01-01", "2025-12-22", "2025-12-28"}, // across a year
	} {
		from, to := metrics.PreviousWeek(legal.MustDate(tc.today))
		if from.String() != tc.from || to.String() != tc.to || from.Weekday() != time.Monday {
			t.Errorf("PreviousWeek(%s) = %s … %s, want %s … %s", tc.today, from, to, tc.from, tc.to)
		}
	}
}

// fileCase registers and files an application as the window reception.
func fileCase(t *testing.T, s *intaketest.Staff, n int) *cases.Case {
	t.Helper()
	a, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*intake.Application, error) {
		return intake.Register(ctx, tx, intaketest.Application(s.CourtID, n))
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	c, err := store.TransactValue(s.Reception, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
		return intake.File(ctx, tx, a.ID, intake.FileInput{})
	})
	if err != nil {
		t.Fatalf("File: %v", err)
	}
	return c
}

// item is a supervision item as the bulletin reads it.
type item struct {
	team, handler                       uuid.UUID
	status                              string
	raised, answerDue, answered, closed string // dates; "" for none
	closeReason                         string
}

// insertItems writes supervision items for caseID directly: the feature that
// raises them is not the bulletin's concern.
func insertItems(t *testing.T, db *store.DB, court, caseID uuid.UUID, items []item) {
	t.Helper()
	date := func(s string) any {
		if s == "" {
			return nil
		}
		return legal.MustDate(s)
	}
	id := func(u uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: u, Valid: u != uuid.Nil} }
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		for i, it := range items {
			now := time.Now().UTC()
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_items (id, court_id, case_id, team_id, handler_id, subject_kind, subject_id,
				source, module, severity, title, status, level, due_on, raised_on, answer_due, answered_on, closed_on, close_reason,
				raised_by_name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'case', ?, 'manual', 'node', 'normal', ?, ?, 1, ?, ?, ?, ?, ?, ?,
				'测试', ?, ?)`, uuid.New(), court, caseID, id(it.team), id(it.handler), caseID, "测试督办事项", it.status,
				legal.MustDate("2026-01-01").AddDays(i), date(it.raised), date(it.answerDue), date(it.answered), date(it.closed),
				it.closeReason, now, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestBulletin (SUP-4): a court's week per team and handler — received and
// closed as the KPI aggregates have them, pending at the end, open cases
// past their deadline, and the supervision items raised, closed and
// overdue — summing to the team and court totals; the caller's scope and
// the period are checked.
func TestBulletin(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		ctx := context.Background()
		today := legal.Today(time.Now())
		var list []*cases.Case
		for i := range 5 {
			list = append(list, fileCase(t, s, 7100+i))
		}
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, list[0].ID, cases.TransitionInput{To: "performed", Reason: "被执行人直接履行", PerformedOutside: true})
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := store.TransactValue(s.Judge, db, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, list[1].ID, cases.TransitionInput{To: "cancelled", Reason: "申请人撤回申请"})
		}); err != nil {
			t.Fatal(err)
		}
		// Two open cases past their deadline at the end of the period; a
		// closed one past it is not late.
		for _, c := range []*cases.Case{list[2], list[3], list[0]} {
			if err := db.Transact(ctx, func(ctx context.Context, tx *store.Tx) error {
				before, err := metrics.Read(ctx, tx, c.ID)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `UPDATE cases SET deadline = ? WHERE id = ?`, today.AddDays(-3), c.ID); err != nil {
					return err
				}
				after, err := metrics.Read(ctx, tx, c.ID)
				if err != nil {
					return err
				}
				return metrics.Apply(ctx, tx, before, after)
			}); err != nil {
				t.Fatal(err)
			}
		}
		// The owners as the cases have them now.
		type owner struct{ team, handler uuid.UUID }
		owners := map[uuid.UUID]owner{}
		for _, c := range list {
			now, err := cases.Get(s.Judge, db, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			owners[c.ID] = owner{now.TeamID, now.HandlerID}
		}
		o := owners[list[2].ID]
		from, to := today.AddDays(-6), today
		day := func(n int) string { return today.AddDays(n).String() }
		insertItems(t, db, s.CourtID, list[2].ID, []item{
			{o.team, o.handler, "open", day(-2), day(-1), "", "", ""},                   // raised, overdue
			{o.team, o.handler, "closed", day(-3), day(2), "", day(-1), "cleared"},      // raised and closed (cleared)
			{o.team, o.handler, "answered", day(-3), day(-2), day(-2), "", ""},          // raised, answered in time: not overdue
			{o.team, o.handler, "warning", "", "", "", "", ""},                          // a warning: nothing
			{o.team, o.handler, "open", day(-20), day(5), "", "", ""},                   // earlier, not yet due: nothing
			{o.team, o.handler, "closed", day(-20), day(-10), "", day(-12), "accepted"}, // closed before the period: nothing
			{o.team, o.handler, "closed", day(-20), day(-10), "", day(3), "withdrawn"},  // open at the end, past due: overdue
			{uuid.Nil, uuid.Nil, "open", day(-1), day(3), "", "", ""},                   // no owner: raised
		})

		b, err := metrics.Bulletin(s.Judge, db, s.CourtID, from, to)
		if err != nil {
			t.Fatal(err)
		}
		if b.Court.ID != s.CourtID || b.From != from || b.To != to || b.Court.ShortName == "" {
			t.Errorf("the bulletin's court and period: %+v %s %s", b.Court, b.From, b.To)
		}
		// What each owner should show, from the cases.
		want := map[owner]metrics.BulletinFigures{}
		add := func(k owner, f metrics.BulletinFigures) { want[k] = want[k].Add(f) }
		for _, c := range list {
			k := owners[c.ID]
			add(k, metrics.BulletinFigures{Received: 1, PendingEnd: 1})
		}
		add(owners[list[0].ID], metrics.BulletinFigures{Closed: 1, ClosedPerformed: 1, PendingEnd: -1})
		add(owners[list[1].ID], metrics.BulletinFigures{Closed: 1, PendingEnd: -1})
		add(owners[list[2].ID], metrics.BulletinFigures{OverdueCases: 1, SupervisionRaised: 3, SupervisionClosed: 1, SupervisionOverdue: 2})
		add(owners[list[3].ID], metrics.BulletinFigures{OverdueCases: 1})
		add(owner{}, metrics.BulletinFigures{SupervisionRaised: 1})
		got := map[owner]metrics.BulletinFigures{}
		var total metrics.BulletinFigures
		for _, team := range b.Teams {
			var sum metrics.BulletinFigures
			for _, h := range team.Handlers {
				got[owner{team.TeamID, h.HandlerID}] = h.BulletinFigures
				sum = sum.Add(h.BulletinFigures)
				if h.Name == "" || (h.HandlerID == uuid.Nil) != (h.Name == metrics.Unassigned) {
					t.Errorf("handler %s named %q", h.HandlerID, h.Name)
				}
			}
			if sum != team.Total || team.Name == "" {
				t.Errorf("team %q: total %+v, its handlers sum to %+v", team.Name, team.Total, sum)
			}
			total = total.Add(team.Total)
		}
		if len(got) != len(want) {
			t.Errorf("%d lines, want %d: %+v", len(got), len(want), got)
		}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("team %s handler %s: %+v, want %+v", k.team, k.handler, got[k], w)
			}
		}
		if total != b.Total || b.Total.Received != 5 || b.Total.Closed != 2 || b.Total.PendingEnd != 3 || b.Total.OverdueCases != 2 ||
			b.Total.SupervisionRaised != 4 || b.Total.SupervisionClosed != 1 || b.Total.SupervisionOverdue != 2 {
			t.Errorf("court total %+v (teams sum to %+v)", b.Total, total)
		}
		if last := b.Teams[len(b.Teams)-1]; last.TeamID != uuid.Nil || last.Name != metrics.Unassigned {
			t.Errorf("the unassigned come last: %+v", last)
		}

		// The week after: nothing received or closed, the open cases
		// pending, the late ones late.
		next, err := metrics.Bulletin(s.Judge, db, s.CourtID, today.AddDays(1), today.AddDays(7))
		if err != nil {
			t.Fatal(err)
		}
		if n := next.Total; n.Received != 0 || n.Closed != 0 || n.PendingEnd != 3 || n.OverdueCases != 2 || n.SupervisionRaised != 0 {
			t.Errorf("the next week: %+v", n)
		}
		// Before the cases: nothing at all.
		if before, err := metrics.Bulletin(s.Judge, db, s.CourtID, legal.MustDate("2020-01-06"), legal.MustDate("2020-01-12")); err != nil ||
			len(before.Teams) != 0 || before.Total != (metrics.BulletinFigures{}) {
			t.Errorf("a week before any case: %+v %v", before, err)
		}
		// No dates: the previous full week; no court: the caller's.
		last, err := metrics.Bulletin(s.Judge, db, uuid.Nil, legal.Date{}, legal.Date{})
		if wf, wt := metrics.PreviousWeek(today); err != nil || last.From != wf || last.To != wt || last.Court.ID != s.CourtID {
			t.Errorf("the default bulletin: %+v %v", last, err)
		}

		// Scope and input.
		outsider := intaketest.User(t, db, "皖01", access.RolePostJudge, "")
		admin := intaketest.User(t, db, "粤0607", access.RoleCourtAdmin, "")
		for _, bad := range []struct {
			name     string
			ctx      context.Context
			court    uuid.UUID
			from, to legal.Date
			kind     apperr.Kind
			code     string
		}{
			{"reversed dates", s.Judge, s.CourtID, to, from, apperr.Invalid, "invalid_date_order"},
			{"only one date", s.Judge, s.CourtID, from, legal.Date{}, apperr.Invalid, "invalid_date"},
			{"a court outside the caller's", outsider, s.CourtID, from, to, apperr.NotFound, "not_found"},
			{"an unknown court", s.Judge, uuid.New(), from, to, apperr.NotFound, "not_found"},
			{"no cases.read", admin, s.CourtID, from, to, apperr.Forbidden, "forbidden"},
			{"no sign-in", context.Background(), s.CourtID, from, to, apperr.Unauthenticated, ""},
		} {
			_, err := metrics.Bulletin(bad.ctx, db, bad.court, bad.from, bad.to)
			if apperr.KindOf(err) != bad.kind || (bad.code != "" && apperr.CodeOf(err) != bad.code) {
				t.Errorf("%s: %v", bad.name, err)
			}
		}
		// The aggregates still agree with the cases.
		if rep, err := metrics.Verify(ctx, db); err != nil || !rep.OK() {
			t.Errorf("verify: %+v %v", rep, err)
		}
	})
}
