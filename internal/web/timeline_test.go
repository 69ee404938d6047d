package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestCaseTimeline: the case read carries the most recent 50 entries of the
// timeline, oldest first, and says when there are more; GET
// /cases/{id}/timeline pages through all of them, newest first, entries
// recorded at the same instant included; the case page shows the recent
// ones and all of them on request.
func TestCaseTimeline(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		c := uiFile(t, s, intaketest.Application(s.CourtID, 11))
		id := c.ID.String()
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)

		// A fresh case: its whole timeline, nothing more, and its parties in
		// their order (they come with the timeline in one query).
		var fresh api.CaseOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+id, judge, nil).JSON(t, &fresh)
		if len(fresh.Timeline) == 0 || fresh.TimelineMore {
			t.Fatalf("fresh case: %d entries, more %v", len(fresh.Timeline), fresh.TimelineMore)
		}
		rows, err := db.Query(s.Judge, `SELECT party_id, role FROM case_parties WHERE case_id = ? ORDER BY seq`, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantParties, err := store.ScanAll(rows, func(sc store.Scanner) (string, error) {
			var party uuid.UUID
			var role string
			err := sc.Scan(&party, &role)
			return party.String() + " " + role, err
		})
		if err != nil {
			t.Fatal(err)
		}
		var gotParties []string
		for _, pt := range fresh.Parties {
			gotParties = append(gotParties, pt.PartyID+" "+pt.Role)
		}
		if len(wantParties) < 2 || !slices.Equal(gotParties, wantParties) {
			t.Fatalf("parties %v, want %v", gotParties, wantParties)
		}

		// 100 entries in one transaction, then 5 at one and the same instant.
		events := make([]cases.Event, 100)
		for i := range events {
			events[i] = cases.Event{Kind: "test.note", Summary: fmt.Sprintf("记录%03d", i)}
		}
		same := time.Now().UTC().Add(time.Hour).Truncate(time.Microsecond)
		if err := db.Transact(s.Judge, func(ctx context.Context, tx *store.Tx) error {
			if err := cases.AppendEvents(ctx, tx, c.ID, events...); err != nil {
				return err
			}
			for i := range 5 {
				if _, err := tx.Exec(ctx, `INSERT INTO case_events (id, case_id, at, kind, summary, actor_id, actor_name) VALUES (?, ?, ?, ?, ?, NULL, ?)`,
					store.NewID(), c.ID, same, "test.tie", fmt.Sprintf("同刻%d", i), "测试"); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		total := len(fresh.Timeline) + 105

		var got api.CaseOut
		env.Do(t, http.MethodGet, "/api/v1/cases/"+id, judge, nil).JSON(t, &got)
		if len(got.Timeline) != cases.RecentEvents || !got.TimelineMore {
			t.Fatalf("case read: %d entries, more %v; want %d and more", len(got.Timeline), got.TimelineMore, cases.RecentEvents)
		}
		if first, last := got.Timeline[0].Summary, got.Timeline[len(got.Timeline)-1]; first != "记录055" || last.Kind != "test.tie" {
			t.Fatalf("case read: from %q to %+v, want the 50 latest oldest first", first, last)
		}

		// Paging through everything, 37 at a time.
		var all []api.EventOut
		cursor, pages := "", 0
		for {
			r := env.Do(t, http.MethodGet, "/api/v1/cases/"+id+"/timeline?limit=37&cursor="+cursor, judge, nil)
			if r.Status != http.StatusOK {
				t.Fatalf("timeline: %d %s", r.Status, r.Body)
			}
			var pg api.List[api.EventOut]
			r.JSON(t, &pg)
			all = append(all, pg.Items...)
			pages++
			if cursor = pg.NextCursor; cursor == "" {
				break
			}
		}
		if len(all) != total || pages != (total+36)/37 {
			t.Fatalf("timeline: %d entries in %d pages, want %d", len(all), pages, total)
		}
		seen := map[string]bool{}
		for i, e := range all {
			if seen[e.Summary] {
				t.Fatalf("entry %q twice", e.Summary)
			}
			seen[e.Summary] = true
			if i > 0 && e.At.After(all[i-1].At) {
				t.Fatalf("entry %d (%v) is later than the one before (%v)", i, e.At, all[i-1].At)
			}
		}
		if all[len(all)-1].Kind != "filed" {
			t.Fatalf("the last page ends with %+v, want the filing", all[len(all)-1])
		}

		r := env.Do(t, http.MethodGet, "/api/v1/cases/"+id+"/timeline?cursor=xyz", judge, nil)
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || p.Code != "invalid_cursor" {
			t.Fatalf("bad cursor: %d %+v", r.Status, p)
		}
		_, stranger := env.Token(t, "tl.stranger", access.RolePostJudge, "赣0502")
		if r := env.Do(t, http.MethodGet, "/api/v1/cases/"+id+"/timeline", stranger, nil); r.Status != http.StatusNotFound {
			t.Fatalf("another court's judge: %d %s", r.Status, r.Body)
		}

		// The case page: the recent entries and a link to all of them.
		b := staffBrowser(t, env, s.Judge)
		path := "/cases/" + id
		p := b.get(path)
		p.must(t, 200, "记录099", "同刻4", "显示全部")
		p.lacks(t, "记录054", "立案，案号")
		b.get(path+"?timeline=all").must(t, 200, "记录000", "记录099", "同刻0", "立案，案号 "+c.CaseNo)
	})
}
