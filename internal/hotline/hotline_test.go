package hotline_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/hotline"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// TestHotline: calls get their HOT-1 deadline in working days, the list puts
// open calls first with the overdue at the top and pages through them,
// routing and closing record who and whether on time; other courts do not
// see the calls, people without the permission are refused.
func TestHotline(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		desk := intaketest.User(t, db, "粤0607", access.RoleCommandCenter, "")
		stranger := intaketest.User(t, db, "皖01", access.RoleCommandCenter, "")
		record := func(ctx context.Context, in hotline.RecordInput) (*hotline.Call, error) {
			return store.TransactValue(ctx, db, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) { return hotline.Record(ctx, tx, in) })
		}
		// A progress question on Fri 2024-09-27: 1 working day → Sun 09-29 (a make-up workday, PER-5).
		old, err := record(desk, hotline.RecordInput{Kind: hotline.Progress, CallerName: "张三", CallerPhone: "13812345678", Question: "案件进展如何",
			ReceivedAt: time.Date(2024, 9, 27, 2, 0, 0, 0, time.UTC)})
		if err != nil || old.DueOn != legal.MustDate("2024-09-29") || old.MaskedPhone() != "138****5678" || old.CourtName != "三水法院" {
			t.Fatalf("old call: %+v %v", old, err)
		}
		now, err := record(desk, hotline.RecordInput{Kind: hotline.Consult, CallerName: "李四", CallerPhone: "0757-87654321", Question: "如何申请执行"})
		if err != nil {
			t.Fatal(err)
		}
		cal := legal.DefaultCalendar()
		if want := cal.WorkingDaysEnd(legal.Today(time.Now()), 3, legal.DefaultPeriodRules()); now.DueOn != want {
			t.Fatalf("consult due %s, want %s", now.DueOn, want)
		}
		if _, err := record(desk, hotline.RecordInput{Kind: "gossip", CallerName: "", CallerPhone: "abc", Question: ""}); apperr.KindOf(err) != apperr.Invalid {
			t.Fatalf("bad call: %v", err)
		} else if e, _ := apperr.As(err); len(e.Fields) != 4 {
			t.Fatalf("bad call fields: %+v", e.Fields)
		}
		if _, err := record(s.Judge, hotline.RecordInput{Kind: hotline.Consult, CallerName: "x", CallerPhone: "1", Question: "x"}); apperr.KindOf(err) != apperr.Forbidden {
			t.Fatalf("judge records: %v", err)
		}
		// Overdue first, then by deadline; one per page.
		pg, err := hotline.List(desk, db, hotline.Filter{}, page.Request{Limit: 1})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != old.ID || pg.NextCursor == "" {
			t.Fatalf("page 1: %v", err)
		}
		pg, err = hotline.List(desk, db, hotline.Filter{}, page.Request{Limit: 1, Cursor: pg.NextCursor})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != now.ID || pg.NextCursor != "" {
			t.Fatalf("page 2: %+v %v", pg, err)
		}
		pg, err = hotline.List(desk, db, hotline.Filter{Overdue: true}, page.Request{})
		if err != nil || len(pg.Items) != 1 || pg.Items[0].ID != old.ID {
			t.Fatalf("overdue: %v", err)
		}
		if pg, err := hotline.List(stranger, db, hotline.Filter{}, page.Request{}); err != nil || len(pg.Items) != 0 {
			t.Fatalf("stranger list: %v", err)
		}
		if _, err := hotline.Get(stranger, db, old.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Fatalf("stranger get: %v", err)
		}
		team, err := org.TeamByName(s.Sys, db, s.CourtID, "速执团队")
		if err != nil {
			t.Fatal(err)
		}
		change := func(ctx context.Context, fn func(context.Context, *store.Tx) (*hotline.Call, error)) (*hotline.Call, error) {
			return store.TransactValue(ctx, db, fn)
		}
		if _, err := change(desk, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Route(ctx, tx, old.ID, hotline.RouteInput{UserID: uuid.New()})
		}); apperr.CodeOf(err) != "invalid_user" {
			t.Fatalf("route to nobody: %v", err)
		}
		c, err := change(desk, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Route(ctx, tx, old.ID, hotline.RouteInput{TeamID: team, Note: "请承办人回电"})
		})
		if err != nil || c.State != hotline.Routed || c.RoutedTo() != "速执团队" {
			t.Fatalf("routed: %+v %v", c, err)
		}
		c, err = change(desk, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Close(ctx, tx, old.ID, "已告知进展")
		})
		if err != nil || c.State != hotline.Closed || c.OnTime == nil || *c.OnTime {
			t.Fatalf("closed late: %+v %v", c, err)
		}
		if _, err := change(desk, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Close(ctx, tx, old.ID, "再答复")
		}); apperr.KindOf(err) != apperr.Conflict {
			t.Fatalf("close twice: %v", err)
		}
		c, err = change(desk, func(ctx context.Context, tx *store.Tx) (*hotline.Call, error) {
			return hotline.Close(ctx, tx, now.ID, "已解答")
		})
		if err != nil || c.OnTime == nil || !*c.OnTime {
			t.Fatalf("closed on time: %+v %v", c, err)
		}
		// Closed calls come after the open ones.
		if _, err := record(desk, hotline.RecordInput{Kind: hotline.ReachJudge, CallerName: "王五", CallerPhone: "13900000000", Question: "找法官"}); err != nil {
			t.Fatal(err)
		}
		pg, err = hotline.List(desk, db, hotline.Filter{}, page.Request{})
		if err != nil || len(pg.Items) != 3 || pg.Items[0].State != hotline.Open {
			t.Fatalf("list after close: %v", err)
		}
	})
}
