package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// fieldBrowser signs a user in to the pages.
func fieldBrowser(t *testing.T, env *apptest.Env, username string) *browser {
	t.Helper()
	b := newBrowser(t, env)
	if p := b.login(username, apptest.Password); p.status != http.StatusSeeOther {
		t.Fatalf("login %s: %d", username, p.status)
	}
	return b
}

// postFieldForm sends a form with files as a browser does.
func (b *browser) postFieldForm(path string, fields map[string]string, photos map[string][]byte) webPage {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	if len(photos) == 0 { // an empty file input is still sent
		fw, _ := mw.CreateFormFile("photos", "")
		fw.Write(nil)
	}
	for name, data := range photos {
		fw, _ := mw.CreateFormFile("photos", name)
		fw.Write(data)
	}
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, b.env.URL+path, &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := b.http.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return webPage{res.StatusCode, res.Header.Get("Location"), string(data)}
}

// TestFieldPages: the judge asks for a task on its own page (a refused
// form keeps what was typed); the field center registers and assigns it
// from the inbox in one click; the officer finds it among their tasks and
// sends the result form with a photo (a refused result stores nothing);
// the photo is served to readers of the case only.
func TestFieldPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		west := fieldGroup(t, env, "粤0607", "西南外勤组", "西南街道")
		center, err := org.TeamByName(env.Sys, db, env.Court(t, "粤0607"), "执行指挥中心")
		if err != nil {
			t.Fatal(err)
		}
		_, reception := env.Token(t, "fp.window", access.RoleWindowReception, "粤0607")
		env.User(t, "fp.judge", access.RolePostJudge, "粤0607")
		fieldUser(t, env, "fp.command", access.RoleCommandCenter, "粤0607", center)
		officer, _ := fieldUser(t, env, "fp.officer", access.RoleFieldOfficer, "粤0607", west)
		env.User(t, "fp.outsider", access.RolePostJudge, "皖01")

		r := env.Do(t, http.MethodPost, "/api/v1/applications", reception, applicationBody(t, env, 1207))
		var app api.ApplicationOut
		r.JSON(t, &app)
		r = env.Do(t, http.MethodPost, "/api/v1/applications/"+app.ID+"/filing", reception, map[string]any{})
		var c api.CaseOut
		r.JSON(t, &c)

		judge := fieldBrowser(t, env, "fp.judge")
		judge.get("/cases/"+c.ID+"/field-tasks").must(t, http.StatusOK, "本案还没有外勤任务", `href="/cases/`+c.ID+`/field-tasks/new"`)
		judge.get("/cases/"+c.ID+"/field-tasks/new").must(t, http.StatusOK, `id="field-request-form"`, `<label for="instructions">`,
			`<option value="西南街道">`)
		form := url.Values{"kind": {"seize"}, "address": {" "}, "area": {"西南街道"}, "instructions": {"查封仓库内的钢材"}}
		p := judge.post("/cases/"+c.ID+"/field-tasks", form)
		p.must(t, http.StatusUnprocessableEntity, "请填写地址", "查封仓库内的钢材")
		form.Set("address", "佛山市三水区西南街道建设路 8 号仓库")
		p = judge.post("/cases/"+c.ID+"/field-tasks", form)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/field-tasks/") {
			t.Fatalf("request: %d %q\n%.2000s", p.status, p.location, p.body)
		}
		task := strings.TrimSuffix(p.location, "?done=field_requested")
		judge.get(p.location).must(t, http.StatusOK, "外勤任务已发起", "待登记", "建设路 8 号仓库", `id="cancellation-form"`)

		// The inbox: one click registers and assigns.
		command := fieldBrowser(t, env, "fp.command")
		command.get("/").must(t, http.StatusOK, `href="/field-tasks">外勤事务</a>`)
		command.get("/field-tasks").must(t, http.StatusOK, "建设路 8 号仓库", "西南外勤组（按片区）", officer.DisplayName)
		id := strings.TrimPrefix(task, "/field-tasks/")
		p = command.post(task+"/registration", url.Values{"back": {"/field-tasks"}, "area": {"西南街道"}, "officer_id": {officer.ID.String()}})
		p.redirected(t, "/field-tasks?done=field_assigned")
		p = command.post(task+"/registration", url.Values{"back": {"//evil.example/"}})
		p.must(t, http.StatusConflict, "不能登记")
		command.get("/field-tasks").must(t, http.StatusOK, "没有符合条件的外勤任务")
		command.get("/field-tasks?status=assigned").must(t, http.StatusOK, "建设路 8 号仓库")

		// The officer's phone.
		field := fieldBrowser(t, env, "fp.officer")
		field.get("/").must(t, http.StatusOK, `href="/field-tasks/mine">我的外勤任务</a>`)
		field.get("/field-tasks/mine").must(t, http.StatusOK, "派给我的（1）", `href="`+task+`"`)
		field.get(task).must(t, http.StatusOK, `id="result-form"`, `enctype="multipart/form-data"`,
			`<input id="photos" name="photos" type="file" accept="image/*" capture="environment" multiple>`)
		arrived := time.Now().In(legal.Shanghai()).Format("2006-01-02T15:04")
		fields := map[string]string{"outcome": "seized", "findings": "已张贴封条", "arrived_at": arrived, "left_at": arrived,
			"officers_present": "张法警"}
		p = field.postFieldForm(task+"/result", fields, map[string][]byte{"notes.txt": []byte("not a photo at all")})
		p.must(t, http.StatusUnprocessableEntity, "只接受 JPEG 或 PNG", "已张贴封条", "请重新选择照片")
		p = field.postFieldForm(task+"/result", fields, nil)
		p.must(t, http.StatusUnprocessableEntity, "须附现场照片")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM field_task_photos`); n != 0 {
			t.Fatalf("refused results stored %d photos", n)
		}
		p = field.postFieldForm(task+"/result", fields, map[string][]byte{"封条.png": fieldPNG(t, 7)})
		p.redirected(t, task+"?done=field_done")
		page := field.get(p.location)
		page.must(t, http.StatusOK, "现场结果已记录", "已查封、扣押", "张法警", `id="field-photos"`)
		page.lacks(t, `id="result-form"`)
		photo := strings.Split(strings.SplitN(page.body, task+"/photos/", 2)[1], `"`)[0]
		if _, err := uuid.Parse(photo); err != nil {
			t.Fatalf("photo link %q", photo)
		}
		res := judge.get(task + "/photos/" + photo)
		if res.status != http.StatusOK || !bytes.Equal([]byte(res.body), fieldPNG(t, 7)) {
			t.Fatalf("photo: %d %d bytes", res.status, len(res.body))
		}
		outsider := fieldBrowser(t, env, "fp.outsider")
		outsider.get(task+"/photos/"+photo).must(t, http.StatusNotFound)
		outsider.get(task).must(t, http.StatusNotFound)
		judge.get("/cases/"+c.ID+"/field-tasks").must(t, http.StatusOK, "已办结", "结果：已查封、扣押")
		field.get("/field-tasks/mine?status=done").must(t, http.StatusOK, id)
		judge.get("/field-tasks").must(t, http.StatusForbidden)
	})
}
