package ruleparams_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/ruleparams"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

var userSeq atomic.Int64

// signIn makes a user of role in the court of code and returns a context
// carrying their principal, as a request of theirs would.
func signIn(t *testing.T, db *store.DB, role, code string) context.Context {
	t.Helper()
	sys := access.With(context.Background(), access.System("测试"))
	court, err := org.CourtByCode(sys, db, code)
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(db, auth.Config{Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}, IPRate: 1e6, IPBurst: 1e6})
	name := fmt.Sprintf("rp%d.%s", userSeq.Add(1), role)
	if _, err := svc.CreateUser(sys, auth.UserInput{CourtID: court.ID, Username: name, DisplayName: "测试" + role, Role: role,
		Password: "secret123"}); err != nil {
		t.Fatal(err)
	}
	res, err := svc.Login(context.Background(), auth.LoginInput{Username: name, Password: "secret123", Kind: auth.KindBearer, IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := svc.Authenticate(context.Background(), res.Token)
	if err != nil {
		t.Fatal(err)
	}
	return access.With(context.Background(), p)
}

func courtID(t *testing.T, db *store.DB, code string) uuid.UUID {
	t.Helper()
	c, err := org.CourtByCode(context.Background(), db, code)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func set(ctx context.Context, db *store.DB, in ruleparams.SetInput) (ruleparams.Row, error) {
	return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (ruleparams.Row, error) {
		return ruleparams.Set(ctx, tx, in)
	})
}

func del(ctx context.Context, db *store.DB, id uuid.UUID) error {
	_, err := store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (ruleparams.Row, error) {
		return ruleparams.Delete(ctx, tx, id)
	})
	return err
}

func count(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func resolve(t *testing.T, db *store.DB, court uuid.UUID, on legal.Date) ruleparams.Values {
	t.Helper()
	v, err := ruleparams.Resolve(context.Background(), db, court, on)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// The seed loads every parameter for the platform from 2000-01-01 with its
// citation, audited; the values are those of DOMAIN.md §3.
func TestSeeded(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		n := len(ruleparams.Catalogue())
		if got := count(t, db, `SELECT COUNT(*) FROM rule_params WHERE court_id IS NULL AND effective_from = ? AND citation <> ''`,
			ruleparams.SeedDate); got != n {
			t.Errorf("%d seeded rows, want %d", got, n)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'rule_params.loaded'`); got != 1 {
			t.Errorf("%d seed audit records", got)
		}
		today := legal.Today(time.Now())
		v := resolve(t, db, courtID(t, db, "粤0607"), today)
		if v.ClockRules() != legal.DefaultClockRules() || v.DecisionDays() != 7 {
			t.Errorf("seeded values %+v, decision %d", v.ClockRules(), v.DecisionDays())
		}
		if got := v.Get(ruleparams.KeyTermMonths); got.Source != ruleparams.SourcePlatform || !strings.Contains(got.Citation(), "法发〔2006〕35号") {
			t.Errorf("CLOCK-2 in force: %+v", got)
		}
		entries, err := ruleparams.List(signIn(t, db, access.RoleClerk, "粤0607"), db, uuid.Nil)
		if err != nil || len(entries) != n {
			t.Fatalf("list: %d entries, %v", len(entries), err)
		}
		for _, e := range entries {
			if len(e.Rows) != 1 || e.Rows[0].Status != ruleparams.StatusInForce || !e.Rows[0].Applies || e.Current.Value != e.Param.Seed {
				t.Errorf("%s: %+v", e.Param.Key, e)
			}
		}
	})
}

// A court's row overrides the platform's for that court only; a future row
// applies from its day; the cache follows every change at once.
func TestSetAndResolve(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui, nanhai := courtID(t, db, "粤0607"), courtID(t, db, "粤0605")
		admin := signIn(t, db, access.RoleCourtAdmin, "粤0607")
		sysadmin := signIn(t, db, access.RoleSysAdmin, "最高法")
		today := legal.Today(time.Now())
		// Warm the cache first: the change must drop it.
		if v := resolve(t, db, sanshui, today); v.ClockRules().TermMonths != 6 {
			t.Fatalf("CLOCK-2 before: %d", v.ClockRules().TermMonths)
		}

		// CLOCK-2: 三水 sets 4 months from today.
		r, err := set(admin, db, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-2", Param: "term_months", Value: " 4 ",
			EffectiveFrom: today, Note: "试点"})
		if err != nil {
			t.Fatal(err)
		}
		if r.Value != "4" || r.CourtID != sanshui || !strings.Contains(r.Citation, "法发〔2006〕35号") || r.SetBy == "" {
			t.Errorf("stored %+v", r)
		}
		if v := resolve(t, db, sanshui, today).Get(ruleparams.KeyTermMonths); v.Value != "4" || v.Source != ruleparams.SourceCourt {
			t.Errorf("三水 today: %+v", v)
		}
		if v := resolve(t, db, sanshui, today.AddDays(-1)); v.ClockRules().TermMonths != 6 {
			t.Errorf("三水 yesterday: %d", v.ClockRules().TermMonths)
		}
		if v := resolve(t, db, nanhai, today); v.ClockRules().TermMonths != 6 {
			t.Errorf("南海 today: %d", v.ClockRules().TermMonths)
		}

		// The platform's CLOCK-9 changes next month: 待生效 until then.
		next := today.AddMonths(1)
		if _, err := set(sysadmin, db, ruleparams.SetInput{RuleID: "CLOCK-9", Param: "defer_max_months", Value: "2", EffectiveFrom: next,
			Citation: "测试通知"}); err != nil {
			t.Fatal(err)
		}
		if v := resolve(t, db, nanhai, today); v.ClockRules().DeferMaxMonths != 3 {
			t.Errorf("CLOCK-9 before its day: %d", v.ClockRules().DeferMaxMonths)
		}
		if v := resolve(t, db, nanhai, next); v.ClockRules().DeferMaxMonths != 2 {
			t.Errorf("CLOCK-9 on its day: %d", v.ClockRules().DeferMaxMonths)
		}
		entries, err := ruleparams.List(admin, db, sanshui)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			switch e.Param.Key {
			case ruleparams.KeyDeferMaxMonths:
				if !e.Pending() || len(e.Rows) != 2 || e.Rows[0].Status != ruleparams.StatusPending || e.Rows[0].Citation != "测试通知" ||
					e.Current.Value != "3" || !e.Rows[1].Applies {
					t.Errorf("CLOCK-9 listed %+v", e)
				}
			case ruleparams.KeyTermMonths:
				if e.Current.Source != ruleparams.SourceCourt || len(e.Rows) != 2 || !e.Rows[0].Applies ||
					e.Rows[1].Status != ruleparams.StatusInForce || e.Rows[1].Applies {
					t.Errorf("CLOCK-2 listed %+v", e)
				}
			}
		}

		// A value for the same pending day corrects the row; one for a day
		// already in force is refused.
		c, err := set(sysadmin, db, ruleparams.SetInput{RuleID: "CLOCK-9", Param: "defer_max_months", Value: "1", EffectiveFrom: next})
		if err != nil || c.Value != "1" {
			t.Fatalf("correction: %+v %v", c, err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM rule_params WHERE rule_id = 'CLOCK-9'`); n != 2 {
			t.Errorf("%d CLOCK-9 rows after the correction", n)
		}
		if v := resolve(t, db, nanhai, next); v.ClockRules().DeferMaxMonths != 1 {
			t.Errorf("CLOCK-9 corrected: %d", v.ClockRules().DeferMaxMonths)
		}
		_, err = set(admin, db, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-2", Param: "term_months", Value: "5", EffectiveFrom: today})
		if apperr.CodeOf(err) != "param_in_force" || apperr.KindOf(err) != apperr.Conflict {
			t.Errorf("changing a row in force: %v", err)
		}
		for _, action := range []string{"rule_param.set", "rule_param.corrected"} {
			if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ?`, action); n < 1 {
				t.Errorf("no %s audit record", action)
			}
		}
	})
}

// Bad input is refused with Chinese errors naming the field, and nothing is
// written.
func TestSetRefusesBadInput(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui := courtID(t, db, "粤0607")
		admin := signIn(t, db, access.RoleCourtAdmin, "粤0607")
		today := legal.Today(time.Now())
		before := count(t, db, `SELECT COUNT(*) FROM rule_params`)
		for _, tc := range []struct {
			name, code, field string
			in                ruleparams.SetInput
		}{
			{"unknown rule", "unknown_param", "body.rule_id", ruleparams.SetInput{RuleID: "CLOCK-99", Param: "term_months", Value: "6", EffectiveFrom: today}},
			{"unknown param", "unknown_param", "body.param", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_days", Value: "6", EffectiveFrom: today}},
			{"CLOCK-2 negative", "invalid_value", "body.value", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "-6", EffectiveFrom: today}},
			{"CLOCK-2 absurd", "invalid_value", "body.value", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "600", EffectiveFrom: today}},
			{"CLOCK-4 not a number", "invalid_value", "body.value", ruleparams.SetInput{RuleID: "CLOCK-4", Param: "decision_days", Value: "七", EffectiveFrom: today}},
			{"PER-6 not a boolean", "invalid_value", "body.value", ruleparams.SetInput{RuleID: "PER-6", Param: "roll_internal", Value: "maybe", EffectiveFrom: today}},
			{"no date", "invalid_date", "body.effective_from", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "6"}},
			{"past date", "effective_date_past", "body.effective_from", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "6",
				EffectiveFrom: today.AddDays(-1)}},
			{"date too far", "invalid_date", "body.effective_from", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "6",
				EffectiveFrom: legal.MustDate("2101-01-01")}},
			{"citation too long", "invalid_citation", "body.citation", ruleparams.SetInput{RuleID: "CLOCK-2", Param: "term_months", Value: "6",
				EffectiveFrom: today, Citation: strings.Repeat("依", 301)}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tc.in.CourtID = sanshui
				_, err := set(admin, db, tc.in)
				e, ok := apperr.As(err)
				if !ok || e.Kind != apperr.Invalid || e.Code != tc.code || len(e.Fields) == 0 || e.Fields[0].Field != tc.field {
					t.Fatalf("got %v (%+v)", err, e)
				}
				if e.Detail == "" || e.Fields[0].Detail == "" {
					t.Errorf("no explanation: %+v", e)
				}
			})
		}
		// Several problems are reported at once.
		_, err := set(admin, db, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-2", Param: "term_months", Value: "x"})
		if e, ok := apperr.As(err); !ok || len(e.Fields) != 2 || !strings.Contains(e.Detail, "另有 1 处问题") {
			t.Errorf("two problems: %+v", err)
		}
		if after := count(t, db, `SELECT COUNT(*) FROM rule_params`); after != before {
			t.Errorf("rows %d → %d after refused input", before, after)
		}
	})
}

// The platform's values need reference.manage; a court's need rules.manage
// and sight of the court. Refusals write nothing.
func TestSetPermissions(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui := courtID(t, db, "粤0607")
		today := legal.Today(time.Now())
		in := ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-4", Param: "decision_days", Value: "5", EffectiveFrom: today}
		before := count(t, db, `SELECT COUNT(*) FROM rule_params`)
		for _, tc := range []struct {
			name, role, court string
			platform          bool
			kind              apperr.Kind
		}{
			{"a clerk of the court", access.RoleClerk, "粤0607", false, apperr.Forbidden},
			{"a judge of the court", access.RolePostJudge, "粤0607", false, apperr.Forbidden},
			{"the court admin of another province", access.RoleCourtAdmin, "皖01", false, apperr.NotFound},
			{"the bureau chief of a sibling court", access.RoleBureauChief, "粤0605", false, apperr.NotFound},
			{"a court admin for the platform", access.RoleCourtAdmin, "粤0607", true, apperr.Forbidden},
		} {
			t.Run(tc.name, func(t *testing.T) {
				x := in
				if tc.platform {
					x.CourtID = uuid.Nil
				}
				if _, err := set(signIn(t, db, tc.role, tc.court), db, x); apperr.KindOf(err) != tc.kind {
					t.Errorf("got %v, want kind %d", err, tc.kind)
				}
			})
		}
		if after := count(t, db, `SELECT COUNT(*) FROM rule_params`); after != before {
			t.Errorf("rows %d → %d after refusals", before, after)
		}
		// Allowed: the court's bureau chief, the intermediate court's admin
		// (subtree scope), the system administrator.
		for i, who := range []context.Context{signIn(t, db, access.RoleBureauChief, "粤0607"), signIn(t, db, access.RoleCourtAdmin, "粤06"),
			signIn(t, db, access.RoleSysAdmin, "最高法")} {
			x := in
			x.EffectiveFrom = today.AddDays(i)
			if _, err := set(who, db, x); err != nil {
				t.Errorf("allowed %d: %v", i, err)
			}
		}
		// Reading a court's values needs sight of it.
		if _, err := ruleparams.List(signIn(t, db, access.RoleClerk, "皖01"), db, sanshui); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another court's clerk lists 三水: %v", err)
		}
	})
}

// Only a row not yet in effect may be deleted, by those who may set it.
func TestDelete(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui := courtID(t, db, "粤0607")
		admin := signIn(t, db, access.RoleCourtAdmin, "粤0607")
		today := legal.Today(time.Now())
		now, err := set(admin, db, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-3", Param: "extension_max_months", Value: "2", EffectiveFrom: today})
		if err != nil {
			t.Fatal(err)
		}
		later, err := set(admin, db, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-3", Param: "extension_max_months", Value: "1",
			EffectiveFrom: today.AddDays(10)})
		if err != nil {
			t.Fatal(err)
		}
		err = del(admin, db, now.ID)
		if e, ok := apperr.As(err); !ok || e.Code != "param_in_force" || e.Kind != apperr.Conflict || !strings.Contains(e.Detail, "已经生效，不能删除") {
			t.Errorf("deleting a row in force: %v", err)
		}
		var seed uuid.UUID
		if err := db.QueryRow(context.Background(), `SELECT id FROM rule_params WHERE court_id IS NULL AND rule_id = 'CLOCK-3'
			AND param = 'extension_max_months'`).Scan(&seed); err != nil {
			t.Fatal(err)
		}
		if err := del(signIn(t, db, access.RoleSysAdmin, "最高法"), db, seed); apperr.CodeOf(err) != "param_in_force" {
			t.Errorf("deleting the seed: %v", err)
		}
		if err := del(signIn(t, db, access.RoleCourtAdmin, "皖01"), db, later.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("another court's admin deletes: %v", err)
		}
		if err := del(signIn(t, db, access.RoleClerk, "粤0607"), db, later.ID); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("a clerk deletes: %v", err)
		}
		if v := resolve(t, db, sanshui, today.AddDays(10)); v.ClockRules().ExtensionMaxMonths != 1 {
			t.Fatalf("pending row before deletion: %d", v.ClockRules().ExtensionMaxMonths)
		}
		if err := del(admin, db, later.ID); err != nil {
			t.Fatal(err)
		}
		if v := resolve(t, db, sanshui, today.AddDays(10)); v.ClockRules().ExtensionMaxMonths != 2 {
			t.Errorf("after deleting the pending row: %d", v.ClockRules().ExtensionMaxMonths)
		}
		if err := del(admin, db, later.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("deleting twice: %v", err)
		}
		if n := count(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'rule_param.deleted' AND object_id = ?`, later.ID.String()); n != 1 {
			t.Errorf("%d deletion audit records", n)
		}
	})
}

// A transaction sees its own change; a change rolled back is never served
// from the cache afterwards.
func TestRolledBackChangeIsNotCached(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		sanshui := courtID(t, db, "粤0607")
		admin := signIn(t, db, access.RoleCourtAdmin, "粤0607")
		today := legal.Today(time.Now())
		rollback := errors.New("rollback")
		err := db.Transact(admin, func(ctx context.Context, tx *store.Tx) error {
			if _, err := ruleparams.Set(ctx, tx, ruleparams.SetInput{CourtID: sanshui, RuleID: "CLOCK-4", Param: "decision_days",
				Value: "3", EffectiveFrom: today}); err != nil {
				return err
			}
			v, err := ruleparams.Resolve(ctx, tx, sanshui, today) // the cache is empty: read by tx
			if err != nil {
				return err
			}
			if v.DecisionDays() != 3 {
				t.Errorf("inside the change: CLOCK-4 = %d, want 3", v.DecisionDays())
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		if v := resolve(t, db, sanshui, today); v.DecisionDays() != 7 {
			t.Errorf("after the rollback: CLOCK-4 = %d, want 7", v.DecisionDays())
		}
	})
}
