package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// bulkJobs runs the due batch jobs, as the server's runner does.
func bulkJobs(t *testing.T, db *store.DB) int {
	t.Helper()
	r := jobs.NewRunner(db, jobs.Options{Log: slog.New(slog.DiscardHandler)})
	r.Register(intake.BatchKind, intake.BatchJobHandler(db))
	n, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func bulkCount(t *testing.T, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// bulkCSV is a CSV file of valid applications of 三水 for the seeds, with
// edit applied to the cells of each row.
func bulkCSV(t *testing.T, env *apptest.Env, seeds []int, edit func(i int, row map[string]string)) []byte {
	t.Helper()
	var header []string
	for _, c := range intake.BatchColumns() {
		header = append(header, c.Header)
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	_ = w.Write(header)
	for i, seed := range seeds {
		in := intaketest.Application(env.Court(t, "粤0607"), seed)
		a, r := in.Applicants[0], in.Respondents[0]
		row := map[string]string{"申请执行人名称": a.Name, "申请执行人证件号码": a.IDNumber, "申请执行人联系电话": a.Phone,
			"被执行人名称": r.Name, "被执行人证件号码": r.IDNumber + r.CreditCode, "被执行人法定代表人": r.LegalRep,
			"执行依据类型": "判决书", "执行依据文号": in.Basis.DocumentNo, "作出机关": in.Basis.IssuedBy,
			"生效日期": in.Basis.EffectiveDate.String(), "申请执行金额（元）": fmt.Sprintf("%d.%02d", in.ClaimAmountFen/100, in.ClaimAmountFen%100),
			"已收材料": "全部"}
		if edit != nil {
			edit(i, row)
		}
		line := make([]string, len(header))
		for j, h := range header {
			line[j] = row[h]
		}
		_ = w.Write(line)
	}
	w.Flush()
	return buf.Bytes()
}

// multipartForm encodes fields and one file.
func multipartForm(t *testing.T, fields map[string]string, fileName string, content []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(content); err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

func upload(t *testing.T, env *apptest.Env, token, court, fileName string, content []byte) *apptest.Response {
	t.Helper()
	body, ct := multipartForm(t, map[string]string{"court_code": court}, fileName, content)
	return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/application-batches", Token: token, Body: body,
		Header: map[string]string{"Content-Type": ct}})
}

func TestBulkJSONEndpoint(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "bj.window", access.RoleWindowReception, "粤0607")
		_, mediator := env.Token(t, "bj.mediator", access.RoleMediator, "粤0607")
		_, outsider := env.Token(t, "bj.outsider", access.RoleWindowReception, "粤0604")

		badID := applicationBody(t, env, 3)
		badID.Applicants[0].IDNumber = badID.Applicants[0].IDNumber[:17] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(badID.Applicants[0].IDNumber, "1")]
		negative := applicationBody(t, env, 4)
		negative.ClaimAmountFen = -100
		badDate := applicationBody(t, env, 5)
		badDate.Basis.EffectiveDate = "2024-02-30"
		elsewhere := applicationBody(t, env, 6)
		elsewhere.CourtCode = "粤0604"
		rows := []api.ApplicationIn{applicationBody(t, env, 1), applicationBody(t, env, 2), badID, negative, badDate,
			applicationBody(t, env, 1), elsewhere}
		req := api.BulkIn{CourtCode: "粤0607", Rows: rows}

		first := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", reception, req)
		if first.Status != http.StatusCreated {
			t.Fatalf("bulk: %d %s", first.Status, first.Body)
		}
		var out api.BulkOut
		first.JSON(t, &out)
		b := out.Batch
		if b.Status != "done" || b.Format != "json" || b.TotalRows != 7 || b.DoneRows != 7 || b.CreatedRows != 2 || b.ErrorRows != 5 || len(out.Rows) != 7 {
			t.Fatalf("batch %+v, %d rows", b, len(out.Rows))
		}
		want := []struct {
			status, field, detail string
		}{
			{"created", "", ""},
			{"created", "", ""},
			{"invalid", "body.rows[2].applicants[0].id_number", "校验码"},
			{"invalid", "body.rows[3].claim_amount_fen", "负数"},
			{"invalid", "body.rows[4].basis.effective_date", "2024-02-30"},
			{"duplicate", "body.rows[5].basis.document_no", "第 1 条"},
			{"invalid", "body.rows[6].court_code", "粤0607"},
		}
		for i, w := range want {
			r := out.Rows[i]
			if r.Row != i+1 || r.Status != w.status {
				t.Errorf("row %d: %+v, want %s", i+1, r, w.status)
				continue
			}
			if w.status == "created" {
				if r.ApplicationID == nil || len(r.Errors) != 0 {
					t.Errorf("row %d: %+v", i+1, r)
				}
				continue
			}
			if r.ApplicationID != nil || len(r.Errors) == 0 || r.Errors[0].Field != w.field || !strings.Contains(r.Errors[0].Detail, w.detail) {
				t.Errorf("row %d: %+v, want %s …%s…", i+1, r, w.field, w.detail)
			}
		}
		var app api.ApplicationOut
		env.Do(t, http.MethodGet, "/api/v1/applications/"+*out.Rows[0].ApplicationID, reception, nil).JSON(t, &app)
		if app.Channel != "bulk" || app.Basis.DocumentNo != rows[0].Basis.DocumentNo {
			t.Errorf("registered %+v", app)
		}

		// The identical request again: the same answer, nothing created.
		again := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", reception, req)
		if again.Status != http.StatusOK {
			t.Fatalf("resend: %d %s", again.Status, again.Body)
		}
		var out2 api.BulkOut
		again.JSON(t, &out2)
		if !bytes.Equal(again.Body, first.Body) || out2.Batch.ID != b.ID || len(out2.Rows) != 7 {
			t.Errorf("resend answered %s\nfirst %s", again.Body, first.Body)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM applications`); n != 2 {
			t.Errorf("%d applications after the resend", n)
		}
		// The job enqueued with the batch finds it done.
		if n := bulkJobs(t, db); n != 1 || bulkCount(t, db, `SELECT COUNT(*) FROM applications`) != 2 {
			t.Errorf("job ran %d", n)
		}

		// Under an Idempotency-Key the first answer is replayed.
		keyed := api.BulkIn{CourtCode: "粤0607", Rows: []api.ApplicationIn{applicationBody(t, env, 60), applicationBody(t, env, 61)}}
		send := func() *apptest.Response {
			return env.Send(t, apptest.Request{Method: http.MethodPost, Path: "/api/v1/applications:bulk", Token: reception, Body: keyed,
				Header: map[string]string{"Idempotency-Key": "bulk-60"}})
		}
		k1, k2 := send(), send()
		if k1.Status != http.StatusCreated || k2.Status != http.StatusCreated || k2.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(k1.Body, k2.Body) {
			t.Errorf("keyed: %d %d %q", k1.Status, k2.Status, k2.Header.Get("Idempotent-Replayed"))
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM applications`); n != 4 {
			t.Errorf("%d applications after the keyed requests", n)
		}

		// More than 1,000 rows are refused whole.
		many := api.BulkIn{CourtCode: "粤0607"}
		for i := range 1001 {
			many.Rows = append(many.Rows, applicationBody(t, env, 1000+i))
		}
		r := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", reception, many)
		if p := r.Problem(t); r.Status != http.StatusUnprocessableEntity || len(p.Errors) == 0 || p.Errors[0].Field != "body.rows" {
			t.Errorf("1001 rows: %d %s", r.Status, r.Body)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM bulk_batches`); n != 2 {
			t.Errorf("%d batches after the refused request", n)
		}
		// An unknown court, a role that may not register, no credentials.
		if r := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", reception, api.BulkIn{CourtCode: "粤9999", Rows: rows[:1]}); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "unknown_court" {
			t.Errorf("unknown court: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", mediator, api.BulkIn{CourtCode: "粤0607", Rows: []api.ApplicationIn{applicationBody(t, env, 50)}}); r.Status != http.StatusForbidden {
			t.Errorf("mediator: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodPost, "/api/v1/applications:bulk", "", req); r.Status != http.StatusUnauthorized {
			t.Errorf("anonymous: %d", r.Status)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/application-batches/"+b.ID, outsider, nil); r.Status != http.StatusNotFound {
			t.Errorf("outsider: %d", r.Status)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM applications`); n != 4 {
			t.Errorf("%d applications after refused requests", n)
		}
	})
}

func TestBulkFileUploadAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		_, reception := env.Token(t, "bu.window", access.RoleWindowReception, "粤0607")
		_, mediator := env.Token(t, "bu.mediator", access.RoleMediator, "粤0607")
		_, outsider := env.Token(t, "bu.outsider", access.RoleWindowReception, "粤0604")

		content := bulkCSV(t, env, []int{11, 12, 13, 14}, func(i int, row map[string]string) {
			switch i {
			case 1:
				row["申请执行金额（元）"] = "-5"
			case 3:
				row["生效日期"] = "2024-13-01"
			}
		})
		r := upload(t, env, reception, "粤0607", "导入.csv", content)
		if r.Status != http.StatusAccepted {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		var b api.BatchOut
		r.JSON(t, &b)
		if b.Status != "running" || b.TotalRows != 4 || b.DoneRows != 0 || b.Format != "csv" || b.FileName != "导入.csv" || b.ProgressPercent != 0 {
			t.Fatalf("uploaded %+v", b)
		}
		if n := bulkJobs(t, db); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		env.Do(t, http.MethodGet, "/api/v1/application-batches/"+b.ID, reception, nil).JSON(t, &b)
		if b.Status != "done" || b.DoneRows != 4 || b.CreatedRows != 2 || b.ErrorRows != 2 || b.ProgressPercent != 100 || b.FinishedAt == nil {
			t.Fatalf("processed %+v", b)
		}
		var rows api.List[api.BatchRowOut]
		env.Do(t, http.MethodGet, "/api/v1/application-batches/"+b.ID+"/rows?status=error", reception, nil).JSON(t, &rows)
		if len(rows.Items) != 2 || rows.Items[0].Row != 3 || rows.Items[0].Errors[0].Field != "申请执行金额（元）" ||
			rows.Items[1].Row != 5 || rows.Items[1].Errors[0].Field != "生效日期" {
			t.Errorf("error rows %+v", rows.Items)
		}
		// Paged, one at a time.
		var seen []int
		path := "/api/v1/application-batches/" + b.ID + "/rows?limit=1"
		for range 10 {
			var pg api.List[api.BatchRowOut]
			env.Do(t, http.MethodGet, path, reception, nil).JSON(t, &pg)
			for _, it := range pg.Items {
				seen = append(seen, it.Row)
			}
			if pg.NextCursor == "" {
				break
			}
			path = "/api/v1/application-batches/" + b.ID + "/rows?limit=1&cursor=" + url.QueryEscape(pg.NextCursor)
		}
		if fmt.Sprint(seen) != "[2 3 4 5]" {
			t.Errorf("paged rows %v", seen)
		}
		var list api.List[api.BatchOut]
		env.Do(t, http.MethodGet, "/api/v1/application-batches", reception, nil).JSON(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != b.ID {
			t.Errorf("list %+v", list.Items)
		}

		// The same file again: the first batch, 200, nothing new.
		r = upload(t, env, reception, "粤0607", "again.csv", content)
		var same api.BatchOut
		r.JSON(t, &same)
		if r.Status != http.StatusOK || same.ID != b.ID || same.CreatedRows != 2 {
			t.Errorf("re-upload: %d %s", r.Status, r.Body)
		}
		if n := bulkJobs(t, db); n != 0 || bulkCount(t, db, `SELECT COUNT(*) FROM applications`) != 2 {
			t.Errorf("re-upload ran %d jobs", n)
		}

		// An XLSX file, told by its content.
		f := excelize.NewFile()
		for i, c := range intake.BatchColumns() {
			cell, _ := excelize.CoordinatesToCellName(i+1, 1)
			_ = f.SetCellStr("Sheet1", cell, c.Header)
		}
		in := intaketest.Application(env.Court(t, "粤0607"), 17) // a person against a person
		for col, v := range map[string]any{"申请执行人名称": in.Applicants[0].Name, "申请执行人证件号码": in.Applicants[0].IDNumber,
			"被执行人名称": in.Respondents[0].Name, "被执行人证件号码": in.Respondents[0].IDNumber, "执行依据类型": "民事判决书",
			"执行依据文号": in.Basis.DocumentNo, "作出机关": in.Basis.IssuedBy, "生效日期": in.Basis.EffectiveDate.Start(), "申请执行金额（元）": 5000} {
			for i, c := range intake.BatchColumns() {
				if c.Header == col {
					cell, _ := excelize.CoordinatesToCellName(i+1, 2)
					_ = f.SetCellValue("Sheet1", cell, v)
				}
			}
		}
		var xb bytes.Buffer
		if err := f.Write(&xb); err != nil {
			t.Fatal(err)
		}
		r = upload(t, env, reception, "粤0607", "银行.xlsx", xb.Bytes())
		var xbatch api.BatchOut
		r.JSON(t, &xbatch)
		if r.Status != http.StatusAccepted || xbatch.Format != "xlsx" || xbatch.TotalRows != 1 {
			t.Fatalf("xlsx: %d %s", r.Status, r.Body)
		}
		bulkJobs(t, db)
		env.Do(t, http.MethodGet, "/api/v1/application-batches/"+xbatch.ID, reception, nil).JSON(t, &xbatch)
		if xbatch.CreatedRows != 1 {
			t.Errorf("xlsx processed %+v", xbatch)
		}

		// Refused whole: bad headers, an unknown court, no file, too large,
		// a role that may not register; another court sees nothing.
		bad := []byte("申请执行人名称,客户经理\n张三,李四\n")
		if r := upload(t, env, reception, "粤0607", "bad.csv", bad); r.Status != http.StatusUnprocessableEntity ||
			r.Problem(t).Code != "invalid_bulk_columns" || !strings.Contains(r.Problem(t).Detail, "客户经理") {
			t.Errorf("bad header: %d %s", r.Status, r.Body)
		}
		if r := upload(t, env, reception, "粤9999", "a.csv", content); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "unknown_court" {
			t.Errorf("unknown court: %d %s", r.Status, r.Body)
		}
		if r := upload(t, env, reception, "粤0607", "", nil); r.Status != http.StatusUnprocessableEntity || r.Problem(t).Code != "missing_file" {
			t.Errorf("no file: %d %s", r.Status, r.Body)
		}
		if r := upload(t, env, reception, "粤0607", "huge.csv", make([]byte, intake.MaxBatchBytes+10)); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("too large: %d %s", r.Status, r.Body)
		}
		if r := upload(t, env, mediator, "粤0607", "m.csv", bulkCSV(t, env, []int{16}, nil)); r.Status != http.StatusForbidden {
			t.Errorf("mediator: %d %s", r.Status, r.Body)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/application-batches/"+b.ID+"/rows", outsider, nil); r.Status != http.StatusNotFound {
			t.Errorf("outsider rows: %d", r.Status)
		}
		env.Do(t, http.MethodGet, "/api/v1/application-batches", outsider, nil).JSON(t, &list)
		if len(list.Items) != 0 {
			t.Errorf("outsider lists %+v", list.Items)
		}
		if r := env.Do(t, http.MethodGet, "/api/v1/application-batches/nope", reception, nil); r.Status != http.StatusBadRequest {
			t.Errorf("malformed id: %d", r.Status)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM bulk_batches`); n != 2 {
			t.Errorf("%d batches", n)
		}

		// The OpenAPI document has the operations, the colon path included.
		doc := string(env.Do(t, http.MethodGet, "/api/v1/openapi.json", "", nil).Body)
		for _, p := range []string{`"/api/v1/applications:bulk"`, `"/api/v1/application-batches"`, `"/api/v1/application-batches/{id}/rows"`, `"multipart/form-data"`} {
			if !strings.Contains(doc, p) {
				t.Errorf("openapi lacks %s", p)
			}
		}
	})
}

// pageUpload posts the upload form as a browser does.
func pageUpload(t *testing.T, b *browser, court, fileName string, content []byte) webPage {
	t.Helper()
	body, ct := multipartForm(t, map[string]string{"court": court}, fileName, content)
	req, err := http.NewRequest(http.MethodPost, b.env.URL+"/intake/batches", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Origin", b.env.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := b.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	return webPage{res.StatusCode, res.Header.Get("Location"), string(data)}
}

func TestBulkPages(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		env.User(t, "bp.window", access.RoleWindowReception, "粤0607")
		env.User(t, "bp.mediator", access.RoleMediator, "粤0607")
		env.User(t, "bp.outsider", access.RoleWindowReception, "粤0604")
		court := env.Court(t, "粤0607").String()
		b := newBrowser(t, env)
		b.login("bp.window", apptest.Password)

		b.get("/intake/batches").must(t, 200, "批量立案", `enctype="multipart/form-data"`, `name="file"`, "申请执行金额（元）",
			"/intake/batches/template.xlsx", "还没有提交过批量立案文件")

		// The templates download.
		csvTpl := b.get("/intake/batches/template.csv")
		if csvTpl.status != 200 || !strings.HasPrefix(csvTpl.body, "\ufeff申请执行人名称,") {
			t.Errorf("csv template: %d %.200s", csvTpl.status, csvTpl.body)
		}
		if x := b.get("/intake/batches/template.xlsx"); x.status != 200 || !strings.HasPrefix(x.body, "PK\x03\x04") {
			t.Errorf("xlsx template: %d", x.status)
		}

		// Upload: to the progress page, which refreshes itself while running.
		content := bulkCSV(t, env, []int{21, 22, 23}, func(i int, row map[string]string) {
			if i == 1 {
				row["被执行人证件号码"] = "12345"
			}
		})
		p := pageUpload(t, b, court, "三水银行.csv", content)
		m := regexp.MustCompile(`^/intake/batches/([0-9a-f-]{36})\?done=uploaded$`).FindStringSubmatch(p.location)
		if p.status != http.StatusSeeOther || m == nil {
			t.Fatalf("upload: %d %q %.500s", p.status, p.location, p.body)
		}
		id := m[1]
		b.get(p.location).must(t, 200, "文件已上传", "三水银行.csv", `<progress id="batch-progress" value="0" max="3"`,
			`hx-trigger="every 2s"`, `hx-get="/intake/batches/`+id+`"`, "正在处理")
		b.get("/intake/batches").must(t, 200, "三水银行.csv", `hx-trigger="every 2s"`, "处理中")

		// Processed: no more polling; counts; the invalid row first, with the
		// column at fault.
		if n := bulkJobs(t, db); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		done := b.get("/intake/batches/" + id)
		done.must(t, 200, `<progress id="batch-progress" value="3" max="3"`, "处理完毕", `<dd id="count-created">2</dd>`,
			`<dd id="count-errors">1</dd>`, "<strong>被执行人证件号码</strong>", "查看申请")
		if strings.Contains(done.body, "hx-trigger") {
			t.Error("a finished batch still polls")
		}
		if i3, i2 := strings.Index(done.body, "第 3 行"), strings.Index(done.body, "第 2 行"); i3 < 0 || i2 < 0 || i3 > i2 {
			t.Errorf("the invalid row is not first (%d, %d)", i3, i2)
		}
		created := b.get("/intake/batches/" + id + "?status=created")
		created.must(t, 200, "第 2 行", "第 4 行")
		if strings.Contains(created.body, "第 3 行") {
			t.Error("the created filter shows the invalid row")
		}

		// The same file again: the first batch, nothing new.
		p = pageUpload(t, b, court, "again.csv", content)
		if p.status != http.StatusSeeOther || p.location != "/intake/batches/"+id+"?done=duplicate" {
			t.Fatalf("re-upload: %d %q", p.status, p.location)
		}
		b.get(p.location).must(t, 200, "同一文件已上传过")
		// A file with a wrong header comes back with the reason; nothing is kept.
		pageUpload(t, b, court, "bad.csv", []byte("申请执行人名称,客户经理\n张三,李四\n")).must(t, 422, "无法识别的列：“客户经理”", `name="file"`)
		pageUpload(t, b, court, "", nil).must(t, 422, "请选择要上传的 CSV 或 XLSX 文件")
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM bulk_batches`); n != 1 {
			t.Errorf("%d batches", n)
		}

		// A mediator may not; another court's staff find nothing.
		mb := newBrowser(t, env)
		mb.login("bp.mediator", apptest.Password)
		if p := mb.get("/intake/batches"); p.status != http.StatusForbidden {
			t.Errorf("mediator page: %d", p.status)
		}
		if p := pageUpload(t, mb, court, "m.csv", bulkCSV(t, env, []int{30}, nil)); p.status != http.StatusForbidden {
			t.Errorf("mediator upload: %d", p.status)
		}
		ob := newBrowser(t, env)
		ob.login("bp.outsider", apptest.Password)
		if p := ob.get("/intake/batches/" + id); p.status != http.StatusNotFound {
			t.Errorf("outsider: %d", p.status)
		}
		if p := pageUpload(t, ob, court, "o.csv", bulkCSV(t, env, []int{31}, nil)); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "不在您的管辖范围内") {
			t.Errorf("outsider upload: %d %.300s", p.status, p.body)
		}
		if n := bulkCount(t, db, `SELECT COUNT(*) FROM applications`); n != 2 {
			t.Errorf("%d applications", n)
		}
	})
}
