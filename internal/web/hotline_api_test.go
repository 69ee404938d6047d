package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// TestHotlineAPI: the command center records calls (a repeated request
// under one Idempotency-Key records one), lists them overdue first with
// masked phones, routes and answers them; judges may not record and other
// courts do not see them; a case's readers see its calls.
func TestHotlineAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "hl.window", access.RoleWindowReception, "粤0607")
		judgeUser, judge := env.Token(t, "hl.judge", access.RolePostJudge, "粤0607")
		_, desk := env.Token(t, "hl.command", access.RoleCommandCenter, "粤0607")
		_, outsider := env.Token(t, "hl.outsider", access.RoleCommandCenter, "皖01")
		c := remedyCase(t, env, reception, 2301)

		call := map[string]any{"kind": "progress", "caller_name": "张三", "caller_phone": "13812345678", "case_id": c.ID, "question": "案件进展如何",
			"received_at": "2024-09-27T02:00:00Z"}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/hotline/calls", Token: desk, Body: call,
				Header: map[string]string{"Idempotency-Key": "call-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) {
			t.Fatalf("record: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		var old api.HotlineCallOut
		first.JSON(t, &old)
		if old.DueOn != "2024-09-29" || !old.Overdue || old.CaseNo != c.CaseNo || old.CallerPhone != "13812345678" {
			t.Fatalf("recorded: %+v", old)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM hotline_calls`); n != 1 {
			t.Fatalf("%d calls after a repeated request", n)
		}
		r := env.Do(t, http.MethodPost, "/api/v1/hotline/calls", desk, map[string]any{"kind": "consult", "caller_name": "李四",
			"caller_phone": "0757-87654321", "question": "如何申请执行"})
		var fresh api.HotlineCallOut
		r.JSON(t, &fresh)
		if r.Status != http.StatusCreated || fresh.Overdue || fresh.CourtName != "三水法院" {
			t.Fatalf("consult: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "bad kind", env.Do(t, http.MethodPost, "/api/v1/hotline/calls", desk, map[string]any{"kind": "gossip", "caller_name": "x",
			"caller_phone": "1", "question": "x"}), http.StatusUnprocessableEntity, "invalid_input")
		fieldProblem(t, "bad case id", env.Do(t, http.MethodPost, "/api/v1/hotline/calls", desk, map[string]any{"kind": "consult", "caller_name": "x",
			"caller_phone": "1", "question": "x", "case_id": "12"}), http.StatusBadRequest, "invalid_id")
		fieldProblem(t, "judge records", env.Do(t, http.MethodPost, "/api/v1/hotline/calls", judge, call), http.StatusForbidden, "forbidden")
		fieldProblem(t, "outsider reads", env.Do(t, http.MethodGet, "/api/v1/hotline/calls/"+old.ID, outsider, nil), http.StatusNotFound, "not_found")
		fieldProblem(t, "outsider routes", env.Do(t, http.MethodPost, "/api/v1/hotline/calls/"+old.ID+"/routing", outsider,
			map[string]any{"user_id": judgeUser.ID.String()}), http.StatusNotFound, "not_found")

		var list api.List[api.HotlineCallOut]
		env.Do(t, http.MethodGet, "/api/v1/hotline/calls?limit=1", desk, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != old.ID || list.Items[0].CallerPhone != "138****5678" || list.NextCursor == "" {
			t.Fatalf("list: %+v", list)
		}
		next := list.NextCursor
		list = api.List[api.HotlineCallOut]{}
		env.Do(t, http.MethodGet, "/api/v1/hotline/calls?limit=1&cursor="+next, desk, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != fresh.ID || list.NextCursor != "" {
			t.Fatalf("page 2: %+v", list)
		}
		fieldProblem(t, "bad cursor", env.Do(t, http.MethodGet, "/api/v1/hotline/calls?cursor=zzz", desk, nil), http.StatusUnprocessableEntity, "invalid_cursor")
		list = api.List[api.HotlineCallOut]{}
		env.Do(t, http.MethodGet, "/api/v1/hotline/calls?case_id="+c.ID, judge, nil).JSON(t, &list)
		if len(list.Items) != 1 {
			t.Fatalf("case calls for the judge: %d", len(list.Items))
		}
		fieldProblem(t, "judge lists all", env.Do(t, http.MethodGet, "/api/v1/hotline/calls", judge, nil), http.StatusForbidden, "forbidden")

		r = env.Do(t, http.MethodPost, "/api/v1/hotline/calls/"+old.ID+"/routing", desk, map[string]any{"user_id": judgeUser.ID.String(), "note": "请回电"})
		var routed api.HotlineCallOut
		r.JSON(t, &routed)
		if r.Status != http.StatusOK || routed.State != "routed" || routed.RoutedUserName != judgeUser.DisplayName {
			t.Fatalf("route: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "empty answer", env.Do(t, http.MethodPost, "/api/v1/hotline/calls/"+old.ID+"/closing", desk, map[string]any{"answer": " "}),
			http.StatusUnprocessableEntity, "answer_required")
		r = env.Do(t, http.MethodPost, "/api/v1/hotline/calls/"+old.ID+"/closing", desk, map[string]any{"answer": "已告知进展"})
		var closed api.HotlineCallOut
		r.JSON(t, &closed)
		if r.Status != http.StatusOK || closed.State != "closed" || closed.OnTime == nil || *closed.OnTime || closed.Overdue {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "close twice", env.Do(t, http.MethodPost, "/api/v1/hotline/calls/"+old.ID+"/closing", desk, map[string]any{"answer": "x"}),
			http.StatusConflict, "invalid_transition")
		// The case's timeline shows the call.
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID+"/timeline", judge, nil)
		if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "热线来电（询问案件进度，张三）已答复") {
			t.Fatalf("timeline lacks the call: %s", r.Body)
		}
	})
}
