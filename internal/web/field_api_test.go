package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/tasks"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// fieldGroup makes a field group of a court covering region.
func fieldGroup(t *testing.T, env *apptest.Env, court, name, region string) uuid.UUID {
	t.Helper()
	g, err := store.TransactValue(env.Sys, env.DB, func(ctx context.Context, tx *store.Tx) (org.Team, error) {
		return org.CreateTeam(ctx, tx, org.TeamInput{CourtID: env.Court(t, court), Kind: tasks.TeamKindField, Name: name, Region: region})
	})
	if err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// fieldUser makes a user in a team and signs them in.
func fieldUser(t *testing.T, env *apptest.Env, username, role, court string, team uuid.UUID) (auth.User, string) {
	t.Helper()
	u, err := env.App.AuthService().CreateUser(env.Sys, auth.UserInput{CourtID: env.Court(t, court), TeamID: team, Username: username,
		DisplayName: "测试" + username, Role: role, Password: apptest.Password})
	if err != nil {
		t.Fatal(err)
	}
	return u, env.Login(t, username, apptest.Password)
}

func fieldPNG(t *testing.T, shade uint8) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 3, 3))
	img.Set(0, 0, color.RGBA{0, shade, 0, 255})
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// fieldUpload posts a photo as multipart/form-data.
func fieldUpload(t *testing.T, env *apptest.Env, token, task string, data []byte, key string) *apptest.Response {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	if err := mw.SetBoundary("zhixing-field-photo"); err != nil { // a retry sends the same bytes
		t.Fatal(err)
	}
	fw, err := mw.CreateFormFile("photo", "现场.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	h := map[string]string{"Content-Type": mw.FormDataContentType()}
	if key != "" {
		h["Idempotency-Key"] = key
	}
	return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/field-tasks/" + task + "/photos", Token: token, Body: b.Bytes(), Header: h})
}

func fieldProblem(t *testing.T, what string, r *apptest.Response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: %d %s, want %d %s", what, r.Status, r.Body, status, code)
	}
	if p := r.Problem(t); p.Code != code || p.Detail == "" {
		t.Fatalf("%s: code %q detail %q, want %s", what, p.Code, p.Detail, code)
	}
}

// TestFieldS12 is SCENARIOS S12 through the API: a judge asks for an
// on-site seizure; the field center finds it in its inbox, registers it to
// the group of the area and assigns it; the officer uploads photos and
// records the result (a retry with the same Idempotency-Key gives the same
// answer and no second result); the case's timeline shows it; the photos
// are served only within the court. Bad ids, wrong states, wrong people and
// bad uploads are refused in Chinese with stable codes.
func TestFieldS12(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		west := fieldGroup(t, env, "粤0607", "西南外勤组", "西南街道")
		fieldGroup(t, env, "粤0607", "白坭外勤组", "白坭镇")
		center, err := org.TeamByName(env.Sys, db, env.Court(t, "粤0607"), "执行指挥中心")
		if err != nil {
			t.Fatal(err)
		}
		_, reception := env.Token(t, "fd.window", access.RoleWindowReception, "粤0607")
		_, judge := env.Token(t, "fd.judge", access.RolePostJudge, "粤0607")
		_, clerk := env.Token(t, "fd.clerk", access.RoleClerk, "粤0607")
		_, command := fieldUser(t, env, "fd.command", access.RoleCommandCenter, "粤0607", center)
		officer, officerToken := fieldUser(t, env, "fd.officer", access.RoleFieldOfficer, "粤0607", west)
		_, stranger := fieldUser(t, env, "fd.other", access.RoleFieldOfficer, "粤0607", uuid.Nil)
		_, outsider := env.Token(t, "fd.outsider", access.RolePostJudge, "皖01")

		r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, applicationBody(t, env, 1201))
		var app api.ApplicationOut
		r.JSON(t, &app)
		r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
		var c api.CaseOut
		r.JSON(t, &c)
		if c.ID == "" {
			t.Fatalf("filing: %d %s", r.Status, r.Body)
		}

		// The judge asks; a retry under the same key is the same task.
		tasksOfCase := "/api/v1/cases/" + c.ID + "/field-tasks"
		ask := map[string]any{"kind": "seize", "address": "佛山市三水区西南街道建设路 8 号", "area": "西南街道",
			"instructions": "查封仓库内被执行人的钢材，张贴封条并拍照", "due_on": time.Now().AddDate(0, 0, 5).Format("2006-01-02")}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: tasksOfCase, Token: judge, Body: ask,
				Header: map[string]string{"Idempotency-Key": "field-ask-1"}})
		}
		first, again := send(), send()
		if first.Status != http.StatusCreated || string(first.Body) != string(again.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("request: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		var ft api.FieldTaskOut
		first.JSON(t, &ft)
		if ft.Status != "requested" || ft.KindLabel != "现场查封、扣押" || ft.CaseNo != c.CaseNo || len(ft.Photos) != 0 {
			t.Fatalf("requested %+v", ft)
		}
		fieldProblem(t, "a clerk asks", env.Do(t, http.MethodPost, tasksOfCase, clerk, ask), http.StatusForbidden, "forbidden")
		fieldProblem(t, "another court asks", env.Do(t, http.MethodPost, tasksOfCase, outsider, ask), http.StatusNotFound, "not_found")
		fieldProblem(t, "malformed case id", env.Do(t, http.MethodPost, "/api/v1/cases/12/field-tasks", judge, ask), http.StatusBadRequest, "invalid_id")
		bad := map[string]any{"kind": "seize", "address": "x", "instructions": "y", "due_on": "2024-02-30"}
		fieldProblem(t, "bad date", env.Do(t, http.MethodPost, tasksOfCase, judge, bad), http.StatusUnprocessableEntity, "invalid_date")
		bad = map[string]any{"kind": "seize", "address": " ", "instructions": "y"}
		fieldProblem(t, "blank address", env.Do(t, http.MethodPost, tasksOfCase, judge, bad), http.StatusUnprocessableEntity, "address_required")
		bad = map[string]any{"kind": "party", "address": "x", "instructions": "y"}
		fieldProblem(t, "unknown kind", env.Do(t, http.MethodPost, tasksOfCase, judge, bad), http.StatusUnprocessableEntity, "invalid_input")

		// The field center's inbox has it; another court's does not.
		var inbox api.List[api.FieldTaskOut]
		r = env.Do(t, http.MethodGet, "/api/v1/field-tasks?status=requested,registered&area=西南街道", command, nil)
		r.JSON(t, &inbox)
		if r.Status != http.StatusOK || len(inbox.Items) != 1 || inbox.Items[0].ID != ft.ID {
			t.Fatalf("inbox: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "unknown status", env.Do(t, http.MethodGet, "/api/v1/field-tasks?status=lost", command, nil), http.StatusUnprocessableEntity, "invalid_input")
		fieldProblem(t, "a judge's inbox", env.Do(t, http.MethodGet, "/api/v1/field-tasks", judge, nil), http.StatusForbidden, "forbidden")
		task := "/api/v1/field-tasks/" + ft.ID
		fieldProblem(t, "assign before registration", env.Do(t, http.MethodPost, task+"/assignment", command, map[string]any{"officer_id": officer.ID.String()}),
			http.StatusConflict, "invalid_transition")

		// Registered to the group of the area, then assigned.
		r = env.Do(t, http.MethodPost, task+"/registration", command, map[string]any{})
		r.JSON(t, &ft)
		if r.Status != http.StatusOK || ft.Status != "registered" || ft.GroupName != "西南外勤组" {
			t.Fatalf("registration: %d %s", r.Status, r.Body)
		}
		fieldProblem(t, "assign a stranger", env.Do(t, http.MethodPost, task+"/assignment", command, map[string]any{"officer_id": uuid.NewString()}),
			http.StatusUnprocessableEntity, "invalid_officer")
		fieldProblem(t, "assign a malformed id", env.Do(t, http.MethodPost, task+"/assignment", command, map[string]any{"officer_id": "孙伟"}),
			http.StatusBadRequest, "invalid_id")
		r = env.Do(t, http.MethodPost, task+"/assignment", command, map[string]any{"officer_id": officer.ID.String()})
		r.JSON(t, &ft)
		if r.Status != http.StatusOK || ft.Status != "assigned" || ft.OfficerName != officer.DisplayName {
			t.Fatalf("assignment: %d %s", r.Status, r.Body)
		}

		// The officer's own list.
		var mine api.List[api.FieldTaskOut]
		r = env.Do(t, http.MethodGet, "/api/v1/field-tasks?mine=true", officerToken, nil)
		r.JSON(t, &mine)
		if len(mine.Items) != 1 || mine.Items[0].ID != ft.ID {
			t.Fatalf("officer's tasks: %s", r.Body)
		}

		// Photos: images only; only the assigned officer uploads.
		fieldProblem(t, "a text file", fieldUpload(t, env, officerToken, ft.ID, []byte("这不是照片"), ""), http.StatusUnprocessableEntity, "unsupported_file_type")
		fieldProblem(t, "another officer uploads", fieldUpload(t, env, stranger, ft.ID, fieldPNG(t, 1), ""), http.StatusForbidden, "not_your_task")
		fieldProblem(t, "an oversized photo", fieldUpload(t, env, officerToken, ft.ID, append(fieldPNG(t, 1), make([]byte, 8<<20)...), ""),
			http.StatusRequestEntityTooLarge, "file_too_large")
		fieldProblem(t, "not multipart", env.Do(t, http.MethodPost, task+"/photos", officerToken, map[string]any{"photo": "x"}), http.StatusBadRequest, "bad_multipart")
		var photos []api.FieldPhotoOut
		for i := range 2 {
			r := fieldUpload(t, env, officerToken, ft.ID, fieldPNG(t, uint8(i+1)), "photo-"+string(rune('a'+i)))
			var ph api.FieldPhotoOut
			r.JSON(t, &ph)
			if r.Status != http.StatusCreated || ph.ContentType != "image/png" || !strings.HasSuffix(ph.URL, ph.ID) {
				t.Fatalf("upload: %d %s", r.Status, r.Body)
			}
			photos = append(photos, ph)
		}
		if r := fieldUpload(t, env, officerToken, ft.ID, fieldPNG(t, 1), "photo-a"); r.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("a retried upload was not replayed: %d %s", r.Status, r.Body)
		}
		r = env.Do(t, http.MethodGet, task, judge, nil)
		r.JSON(t, &ft)
		if len(ft.Photos) != 2 {
			t.Fatalf("photos before the result: %d (a retried upload stored twice?)", len(ft.Photos))
		}

		// The result: too many photos and a missing partner are refused;
		// then recorded once, though sent twice.
		now := time.Now().UTC()
		result := map[string]any{"outcome": "seized", "findings": "仓库内螺纹钢约 30 吨，已张贴封条", "arrived_at": now.Truncate(time.Minute),
			"left_at": now, "officers_present": []string{"张法警"}, "photo_ids": []string{photos[1].ID, photos[0].ID}}
		many := map[string]any{}
		for k, v := range result {
			many[k] = v
		}
		var ids []string
		for range 13 {
			ids = append(ids, photos[0].ID)
		}
		many["photo_ids"] = ids
		fieldProblem(t, "thirteen photos", env.Do(t, http.MethodPost, task+"/result", officerToken, many), http.StatusUnprocessableEntity, "too_many_photos")
		alone := map[string]any{}
		for k, v := range result {
			alone[k] = v
		}
		delete(alone, "officers_present")
		fieldProblem(t, "a seizure alone", env.Do(t, http.MethodPost, task+"/result", officerToken, alone), http.StatusUnprocessableEntity, "officers_required")
		fieldProblem(t, "another officer records", env.Do(t, http.MethodPost, task+"/result", stranger, result), http.StatusForbidden, "not_your_task")
		fieldProblem(t, "the judge records", env.Do(t, http.MethodPost, task+"/result", judge, result), http.StatusForbidden, "forbidden")
		record := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: task + "/result", Token: officerToken, Body: result,
				Header: map[string]string{"Idempotency-Key": "field-result-1"}})
		}
		first, again = record(), record()
		if first.Status != http.StatusOK || string(first.Body) != string(again.Body) {
			t.Fatalf("result: %d %s / %d %s", first.Status, first.Body, again.Status, again.Body)
		}
		first.JSON(t, &ft)
		if ft.Status != "done" || ft.Result == nil || ft.Result.Outcome != "seized" || len(ft.Photos) != 2 || ft.Photos[0].ID != photos[1].ID ||
			len(ft.Result.OfficersPresent) != 2 {
			t.Fatalf("done: %s", first.Body)
		}
		fieldProblem(t, "a second result", env.Do(t, http.MethodPost, task+"/result", officerToken, result), http.StatusConflict, "invalid_transition")
		fieldProblem(t, "cancel a done task", env.Do(t, http.MethodPost, task+"/cancellation", judge, map[string]any{"reason": "x"}),
			http.StatusConflict, "invalid_transition")

		// The case's timeline shows the result once.
		r = env.Do(t, http.MethodGet, "/api/v1/cases/"+c.ID, judge, nil)
		var withTimeline api.CaseOut
		r.JSON(t, &withTimeline)
		results := 0
		for _, e := range withTimeline.Timeline {
			if e.Kind == "field_task.done" {
				results++
				if !strings.Contains(e.Summary, "已查封、扣押") || !strings.Contains(e.Summary, "张法警") {
					t.Errorf("result event %q", e.Summary)
				}
			}
		}
		if results != 1 {
			t.Fatalf("%d result events in the timeline, want 1: %+v", results, withTimeline.Timeline)
		}

		// Photos: the bytes, to readers of the case; 404 elsewhere.
		r = env.Do(t, http.MethodGet, ft.Photos[0].URL, judge, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/png" || !bytes.Equal(r.Body, fieldPNG(t, 2)) {
			t.Fatalf("photo: %d %s %d bytes", r.Status, r.Header.Get("Content-Type"), len(r.Body))
		}
		fieldProblem(t, "another court's photo", env.Do(t, http.MethodGet, ft.Photos[0].URL, outsider, nil), http.StatusNotFound, "not_found")
		fieldProblem(t, "another court's task", env.Do(t, http.MethodGet, task, outsider, nil), http.StatusNotFound, "not_found")
		fieldProblem(t, "malformed photo id", env.Do(t, http.MethodGet, task+"/photos/x", judge, nil), http.StatusBadRequest, "invalid_id")
		fieldProblem(t, "malformed task id", env.Do(t, http.MethodGet, "/api/v1/field-tasks/nope", judge, nil), http.StatusBadRequest, "invalid_id")

		var ofCase api.List[api.FieldTaskOut]
		r = env.Do(t, http.MethodGet, tasksOfCase, judge, nil)
		r.JSON(t, &ofCase)
		if len(ofCase.Items) != 1 || ofCase.Items[0].Status != "done" {
			t.Errorf("tasks of the case: %s", r.Body)
		}

		// A second task: the officer returns it; the judge cancels it.
		r = env.Do(t, http.MethodPost, tasksOfCase, judge, map[string]any{"kind": "investigate", "address": "佛山市三水区白坭镇岗头村 3 号",
			"area": "白坭镇", "instructions": "核实被执行人是否在此居住"})
		var second api.FieldTaskOut
		r.JSON(t, &second)
		fieldProblem(t, "return a task nobody holds", env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+second.ID+"/return", officerToken,
			map[string]any{"reason": "x"}), http.StatusConflict, "invalid_transition")
		r = env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+second.ID+"/registration", command, map[string]any{"group_id": west.String(),
			"officer_id": officer.ID.String()})
		r.JSON(t, &second)
		if second.Status != "assigned" || second.GroupName != "西南外勤组" {
			t.Fatalf("registered with an officer: %s", r.Body)
		}
		r = env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+second.ID+"/return", officerToken, map[string]any{"reason": "不属本组片区"})
		r.JSON(t, &second)
		if second.Status != "registered" || second.ReturnReason != "不属本组片区" || second.Returns != 1 {
			t.Fatalf("returned: %s", r.Body)
		}
		fieldProblem(t, "cancel without reason", env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+second.ID+"/cancellation", judge,
			map[string]any{"reason": ""}), http.StatusUnprocessableEntity, "reason_required")
		r = env.Do(t, http.MethodPost, "/api/v1/field-tasks/"+second.ID+"/cancellation", judge, map[string]any{"reason": "被执行人已到庭"})
		r.JSON(t, &second)
		if r.Status != http.StatusOK || second.Status != "cancelled" || second.CancelReason != "被执行人已到庭" {
			t.Fatalf("cancelled: %d %s", r.Status, r.Body)
		}
	})
}
