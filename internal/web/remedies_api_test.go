package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/remedies"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// remedyCase files a case of 粤0607 through the API.
func remedyCase(t *testing.T, env *apptest.Env, reception string, seed int) api.CaseOut {
	t.Helper()
	r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, applicationBody(t, env, seed))
	var app api.ApplicationOut
	r.JSON(t, &app)
	r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
	var c api.CaseOut
	r.JSON(t, &c)
	if c.ID == "" {
		t.Fatalf("filing: %d %s", r.Status, r.Body)
	}
	return c
}

// remedyStep posts a step and decodes the remedy.
func remedyStep(t *testing.T, env *apptest.Env, token, id, step string, b map[string]any) api.RemedyOut {
	t.Helper()
	r := env.Do(t, http.MethodPost, "/api/v1/remedies/"+id+"/"+step, token, b)
	if r.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", step, r.Status, r.Body)
	}
	var out api.RemedyOut
	r.JSON(t, &out)
	return out
}

// TestRemediesAPI runs the remedies through the API: an objection with the
// clocks of worked example 2 (OBJ-2), filed once under a repeated
// Idempotency-Key; its steps with who and when; a 复议 after 10 days
// refused, one in time sent to the higher court, remanded once, the second
// remand refused (OBJ-3); an outsider objection upheld blocks the asset
// (OBJ-4); an objection after the case ended refused (OBJ-2). Bad ids,
// dates and kinds, outsiders (404) and users without the permission (403)
// are refused and nothing is half-written.
func TestRemediesAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "rm.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "rm.judge", access.RolePostJudge, "粤0607")
		_, command := env.Token(t, "rm.command", access.RoleCommandCenter, "粤0607")
		_, higher := env.Token(t, "rm.higher", access.RolePostJudge, "粤06")
		_, outsider := env.Token(t, "rm.outsider", access.RolePostJudge, "皖01")
		c := remedyCase(t, env, reception, 2201)
		path := "/api/v1/cases/" + c.ID + "/remedies"

		objection := map[string]any{"kind": "objection", "applicant_name": "李四", "applicant_phone": "13812345678",
			"request": "撤销对住房的查封", "grounds": "唯一住房", "received_on": "2025-01-20"}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: path, Token: judge, Body: objection,
				Header: map[string]string{"Idempotency-Key": "remedy-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("file: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		var o api.RemedyOut
		first.JSON(t, &o)
		if o.State != "filed" || o.Clock.RegisterBy != "2025-01-23" || o.Clock.DecideBy != "2025-02-05" || o.Clock.OverallBy != "2025-02-20" ||
			!o.Clock.Overdue || len(o.Steps) != 1 || o.Steps[0].ActorName == "" {
			t.Fatalf("filed: %+v", o)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM remedies`); n != 1 {
			t.Fatalf("%d remedies after a repeated request", n)
		}

		// Bad input, outsiders, no permission: refused, nothing written.
		fieldProblem(t, "malformed case id", env.Do(t, http.MethodPost, "/api/v1/cases/nope/remedies", judge, objection), http.StatusBadRequest, "invalid_id")
		fieldProblem(t, "malformed remedy id", env.Do(t, http.MethodGet, "/api/v1/remedies/123", judge, nil), http.StatusBadRequest, "invalid_id")
		bad := map[string]any{"kind": "objection", "applicant_name": "李四", "request": "x", "received_on": "2025-02-30"}
		fieldProblem(t, "bad date", env.Do(t, http.MethodPost, path, judge, bad), http.StatusUnprocessableEntity, "invalid_date")
		bad = map[string]any{"kind": "outsider", "applicant_name": "王五", "request": "x", "asset_id": "abc"}
		fieldProblem(t, "bad asset id", env.Do(t, http.MethodPost, path, judge, bad), http.StatusBadRequest, "invalid_id")
		bad = map[string]any{"kind": "objection", "applicant_name": " ", "request": "x", "received_on": "2099-01-01"}
		r := env.Do(t, http.MethodPost, path, judge, bad)
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || len(p.Errors) != 2 {
			t.Fatalf("bad fields: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "outsider files", env.Do(t, http.MethodPost, path, outsider, objection), http.StatusNotFound, "not_found")
		fieldProblem(t, "outsider reads", env.Do(t, http.MethodGet, "/api/v1/remedies/"+o.ID, outsider, nil), http.StatusNotFound, "not_found")
		fieldProblem(t, "outsider registers", env.Do(t, http.MethodPost, "/api/v1/remedies/"+o.ID+"/registration", outsider, map[string]any{}),
			http.StatusNotFound, "not_found")
		fieldProblem(t, "command center files", env.Do(t, http.MethodPost, path, command, objection), http.StatusForbidden, "forbidden")
		fieldProblem(t, "wrong state", env.Do(t, http.MethodPost, "/api/v1/remedies/"+o.ID+"/service", judge, map[string]any{"on": "2025-01-21"}),
			http.StatusConflict, "invalid_transition")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM remedies`); n != 1 {
			t.Fatalf("%d remedies after refusals", n)
		}
		var list api.List[api.RemedyOut]
		env.Do(t, http.MethodGet, "/api/v1/remedies?case_id="+c.ID+"&kind=objection&overdue=true", judge, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ApplicantPhone != "138****5678" {
			t.Fatalf("list: %+v", list)
		}
		list = api.List[api.RemedyOut]{}
		env.Do(t, http.MethodGet, "/api/v1/remedies", outsider, nil).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Fatalf("outsider list: %d", len(list.Items))
		}

		// The steps.
		o = remedyStep(t, env, judge, o.ID, "registration", map[string]any{"on": "2025-01-21"})
		if !strings.HasPrefix(o.Number, "（2025）粤0607执异") || o.Clock.DueOn != "2025-02-05" {
			t.Fatalf("registered: %+v", o)
		}
		o = remedyStep(t, env, judge, o.ID, "examination", map[string]any{"on": "2025-01-24", "notes": "听证"})
		fieldProblem(t, "bad outcome", env.Do(t, http.MethodPost, "/api/v1/remedies/"+o.ID+"/decision", judge,
			map[string]any{"on": "2025-02-05", "outcome": "remanded", "decision": "x"}), http.StatusUnprocessableEntity, "invalid_outcome")
		o = remedyStep(t, env, judge, o.ID, "decision", map[string]any{"on": "2025-02-05", "outcome": "rejected", "decision": "驳回异议"})
		o = remedyStep(t, env, judge, o.ID, "service", map[string]any{"on": "2025-02-07"})
		if o.State != "served" || o.Clock.ReviewBy != "2025-02-17" || len(o.Steps) != 5 {
			t.Fatalf("served: %+v", o)
		}

		// 复议: too late, then in time.
		review := map[string]any{"kind": "review", "applicant_name": "李四", "request": "撤销异议裁定", "reviewed_id": o.ID, "received_on": "2025-02-18"}
		fieldProblem(t, "review late", env.Do(t, http.MethodPost, path, judge, review), http.StatusConflict, "review_late")
		review["received_on"] = "2025-02-17"
		r = env.Do(t, http.MethodPost, path, judge, review)
		var rv api.RemedyOut
		r.JSON(t, &rv)
		if r.Status != http.StatusCreated || rv.CourtName != "佛山中院" || rv.Clock.ForwardBy != "2025-02-24" {
			t.Fatalf("review: %d %s", r.Status, r.Body)
		}
		remand := func(rv api.RemedyOut, day string) *apptest.Response {
			remedyStep(t, env, judge, rv.ID, "forwarding", map[string]any{"on": day})
			remedyStep(t, env, higher, rv.ID, "registration", map[string]any{"on": day})
			remedyStep(t, env, higher, rv.ID, "examination", map[string]any{"on": day, "notes": "合议庭审查"})
			return env.Do(t, http.MethodPost, "/api/v1/remedies/"+rv.ID+"/decision", higher, map[string]any{"on": day, "outcome": "remanded", "decision": "发回"})
		}
		if r := remand(rv, "2025-02-20"); r.Status != http.StatusOK {
			t.Fatalf("remand: %d %s", r.Status, r.Body)
		}
		env.Do(t, http.MethodGet, "/api/v1/remedies/"+o.ID, judge, nil).JSON(t, &o)
		if o.State != "registered" || o.Remands != 1 || o.RestartedOn != "2025-02-20" {
			t.Fatalf("remanded: %+v", o)
		}
		remedyStep(t, env, judge, o.ID, "examination", map[string]any{"on": "2025-02-21", "notes": "重新审查"})
		remedyStep(t, env, judge, o.ID, "decision", map[string]any{"on": "2025-02-24", "outcome": "rejected", "decision": "仍驳回"})
		remedyStep(t, env, judge, o.ID, "service", map[string]any{"on": "2025-02-25"})
		review["received_on"] = "2025-02-26"
		env.Do(t, http.MethodPost, path, judge, review).JSON(t, &rv)
		fieldProblem(t, "second remand", remand(rv, "2025-02-27"), http.StatusConflict, "second_remand")

		// An outsider's objection upheld stops enforcement against the asset.
		asset := remedyAsset(t, env, c.ID)
		out := map[string]any{"kind": "outsider", "applicant_name": "王五", "request": "停止执行该房屋", "asset_id": asset, "received_on": "2025-03-03"}
		r = env.Do(t, http.MethodPost, path, judge, out)
		var x api.RemedyOut
		r.JSON(t, &x)
		if r.Status != http.StatusCreated || x.ApplicantRole != "outsider" || x.AssetLabel == "" {
			t.Fatalf("outsider: %d %s", r.Status, r.Body)
		}
		remedyStep(t, env, judge, x.ID, "registration", map[string]any{"on": "2025-03-04"})
		remedyStep(t, env, judge, x.ID, "examination", map[string]any{"on": "2025-03-10", "notes": "查明权属"})
		x = remedyStep(t, env, judge, x.ID, "decision", map[string]any{"on": "2025-03-14", "outcome": "upheld", "decision": "中止执行"})
		blocked, err := remedies.AssetBlocked(context.Background(), db, mustID(t, asset))
		if err != nil || !blocked || !x.AssetStopped {
			t.Fatalf("asset not blocked: %v %v %v", blocked, err, x.AssetStopped)
		}
		x = remedyStep(t, env, judge, x.ID, "service", map[string]any{"on": "2025-03-17"})
		if x.Clock.SuitBy != "2025-04-01" {
			t.Fatalf("suit by %s", x.Clock.SuitBy)
		}

		// The case ends: objections are refused.
		r = env.Do(t, http.MethodPost, "/api/v1/cases/"+c.ID+"/transitions", judge, map[string]any{"to": "cancelled", "reason": "撤回申请"})
		if r.Status != http.StatusOK {
			t.Fatalf("close: %d %s", r.Status, r.Body)
		}
		objection["received_on"] = time.Now().Format("2006-01-02")
		fieldProblem(t, "objection after end", env.Do(t, http.MethodPost, path, judge, objection), http.StatusConflict, "case_ended")
	})
}

// remedyAsset stores a flat of the case's respondent (as an inquiry would
// have found it) and returns its id.
func remedyAsset(t *testing.T, env *apptest.Env, caseID string) string {
	t.Helper()
	id := store.NewID()
	err := env.DB.Transact(env.Sys, func(ctx context.Context, tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO assets (id, party_id, agency_id, kind, ref, first_found_at, last_seen_at)
			SELECT ?, cp.party_id, (SELECT id FROM agencies ORDER BY code LIMIT 1), 'real_estate', '粤(2023)三水区不动产权第0002201号', ?, ?
			FROM case_parties cp WHERE cp.case_id = ? AND cp.role = 'respondent' ORDER BY cp.seq LIMIT 1`, id, time.Now().UTC(), time.Now().UTC(),
			mustID(t, caseID))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

func mustID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
