package intake_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apperr"
	"github.com/zhixing-court/zhixing/internal/auth"
	"github.com/zhixing-court/zhixing/internal/intake"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/jobs"
	"github.com/zhixing-court/zhixing/internal/page"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
)

// headers are the template's columns, in template order.
func headers() []string {
	var out []string
	for _, c := range intake.BatchColumns() {
		out = append(out, c.Header)
	}
	return out
}

func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// cells are the cells of a row for a valid application, by column.
func cells(in intake.ApplicationInput) map[string]string {
	kind := func(p intake.PartyInput) string {
		if p.Kind == intake.Organization {
			return "单位"
		}
		return "自然人"
	}
	id := func(p intake.PartyInput) string { return p.IDNumber + p.CreditCode }
	a, r := in.Applicants[0], in.Respondents[0]
	return map[string]string{
		"申请执行人名称": a.Name, "申请执行人类型": kind(a), "申请执行人证件号码": id(a), "申请执行人法定代表人": a.LegalRep,
		"申请执行人联系电话": a.Phone, "申请执行人地址": a.Address,
		"被执行人名称": r.Name, "被执行人类型": kind(r), "被执行人证件号码": id(r), "被执行人法定代表人": r.LegalRep,
		"被执行人地址": r.Address, "被执行人联系电话": r.Phone,
		"执行依据类型": "判决书", "执行依据文号": in.Basis.DocumentNo, "作出机关": in.Basis.IssuedBy,
		"生效日期": in.Basis.EffectiveDate.String(), "履行期限届满日": in.Basis.DueDate.String(),
		"申请执行金额（元）": yuan(in.ClaimAmountFen), "已收材料": "全部",
	}
}

// table lays rows out under header.
func table(header []string, rows []map[string]string) [][]string {
	out := [][]string{header}
	for _, r := range rows {
		line := make([]string, len(header))
		for i, h := range header {
			line[i] = r[h]
		}
		out = append(out, line)
	}
	return out
}

func csvBytes(t testing.TB, bom bool, lines [][]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	if bom {
		buf.WriteString("\ufeff")
	}
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(lines); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func submit(t *testing.T, ctx context.Context, s *intaketest.Staff, name string, content []byte) intake.Batch {
	t.Helper()
	b, created, err := intake.SubmitBatch(ctx, s.DB, intake.BatchInput{CourtID: s.CourtID, FileName: name, Content: content})
	if err != nil {
		t.Fatalf("SubmitBatch: %v", err)
	}
	if !created {
		t.Fatalf("SubmitBatch found batch %s instead of creating one", b.ID)
	}
	return b
}

// runJobs runs the due batch jobs as the server's runner would.
func runJobs(t *testing.T, db *store.DB) int {
	t.Helper()
	r := jobs.NewRunner(db, jobs.Options{Log: slog.New(slog.DiscardHandler)})
	r.Register(intake.BatchKind, intake.BatchJobHandler(db))
	n, err := r.RunOnce(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func getBatch(t *testing.T, s *intaketest.Staff, id uuid.UUID) intake.Batch {
	t.Helper()
	b, err := intake.GetBatch(s.Reception, s.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// allRows returns every row outcome of a batch, by row number.
func allRows(t *testing.T, s *intaketest.Staff, id uuid.UUID) map[int]intake.BatchRow {
	t.Helper()
	out := map[int]intake.BatchRow{}
	req := page.Request{Limit: 7} // several pages
	for {
		pg, err := intake.BatchRows(s.Reception, s.DB, id, intake.BatchRowFilter{}, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range pg.Items {
			if _, dup := out[r.RowNo]; dup {
				t.Fatalf("row %d listed twice", r.RowNo)
			}
			out[r.RowNo] = r
		}
		if pg.NextCursor == "" {
			return out
		}
		req.Cursor = pg.NextCursor
	}
}

func scalar(t testing.TB, db *store.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRow checks a row's outcome and, for errors, the column named and a
// part of its detail.
func wantRow(t *testing.T, rows map[int]intake.BatchRow, no int, status, field, detail string) {
	t.Helper()
	r, ok := rows[no]
	if !ok {
		t.Errorf("row %d: no outcome", no)
		return
	}
	if r.Status != status {
		t.Errorf("row %d: status %s, want %s (%+v)", no, r.Status, status, r.Errors)
		return
	}
	if status == intake.RowCreated {
		if r.ApplicationID == uuid.Nil || len(r.Errors) != 0 {
			t.Errorf("row %d: created %+v", no, r)
		}
		return
	}
	for _, e := range r.Errors {
		if e.Field == field && strings.Contains(e.Detail, detail) {
			return
		}
	}
	t.Errorf("row %d: errors %+v, want %s: …%s…", no, r.Errors, field, detail)
}

func TestBulkCSVRowsReportedAndRegisteredOnce(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		reception := access.From(s.Reception)

		// An application registered at the window, which the file repeats.
		existing := intaketest.Application(s.CourtID, 100)
		register(t, s, existing)

		good := func(seed int) map[string]string { return cells(intaketest.Application(s.CourtID, seed)) }
		bank := intaketest.Application(s.CourtID, 1)
		bank.Applicants = []intake.PartyInput{intaketest.Bank(1)}
		bank.ClaimAmountFen = 1_234_567
		bankRow := cells(bank)
		bankRow["申请执行人类型"] = "" // inferred from the credit code
		bankRow["申请执行金额（元）"] = "¥12,345.67"
		two := good(2)
		second := intaketest.Person(999)
		two["被执行人名称"] += "；" + second.Name
		two["被执行人证件号码"] += "；" + second.IDNumber
		two["被执行人类型"] = "自然人"
		two["被执行人地址"] += "；" + second.Address
		two["被执行人联系电话"] += "；" + second.Phone
		badID := good(3)
		badID["被执行人证件号码"] = badID["被执行人证件号码"][:17] + map[bool]string{true: "0", false: "1"}[strings.HasSuffix(badID["被执行人证件号码"], "1")]
		negative := good(4)
		negative["申请执行金额（元）"] = "-100.00"
		badDate := good(5)
		badDate["生效日期"] = "2024-02-30"
		excelID := good(7)
		excelID["申请执行人证件号码"] = "4.40607E+17"
		noRep := good(6) // seed 6: the respondent is a company
		noRep["被执行人法定代表人"] = ""
		slashDate := good(8)
		slashDate["生效日期"] = strings.ReplaceAll(slashDate["生效日期"], "-", "/")
		badMaterial := good(10)
		badMaterial["已收材料"] = "起诉状"

		rows := []map[string]string{
			bankRow,         // 2 created: 12,345.67 yuan, a bank
			two,             // 3 created: two respondents
			badID,           // 4 invalid: check digit
			negative,        // 5 invalid
			badDate,         // 6 invalid
			bankRow,         // 7 duplicate of row 2
			cells(existing), // 8 duplicate of the window's application
			excelID,         // 9 invalid: Excel ate the number
			noRep,           // 10 invalid: a company needs its legal representative
			slashDate,       // 11 created
			badMaterial,     // 12 invalid
		}
		// Columns in another order, one by its alias, some optional ones left out.
		header := headers()
		for i, h := range header {
			if h == "申请执行人法定代表人" {
				header[i] = "法定代表人"
			}
		}
		header[0], header[len(header)-1] = header[len(header)-1], header[0]
		lines := table(header, rows)
		for i, h := range header {
			if h == "法定代表人" {
				for _, l := range lines[1:] {
					l[i] = "" // the applicants are people and a bank without one on file …
				}
				lines[1][i], lines[6][i] = "张行长", "张行长" // … but the bank has one
			}
		}
		content := csvBytes(t, true, lines)

		b := submit(t, s.Reception, s, "银行批量.csv", content)
		if b.Status != intake.BatchRunning || b.TotalRows != len(rows) || b.DoneRows != 0 || b.Format != "csv" || b.FileName != "银行批量.csv" {
			t.Fatalf("submitted %+v", b)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND dedupe_key = ?`, intake.BatchKind, intake.BatchKind+":"+b.ID.String()); n != 1 {
			t.Fatalf("%d jobs enqueued", n)
		}
		if n := runJobs(t, db); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}

		b = getBatch(t, s, b.ID)
		out := allRows(t, s, b.ID)
		if b.Status != intake.BatchDone || b.DoneRows != 11 || b.CreatedRows != 3 || b.ErrorRows != 8 || b.FinishedAt.IsZero() || b.Percent() != 100 {
			t.Fatalf("processed %+v\n%+v", b, out)
		}
		if len(out) != 11 {
			t.Fatalf("%d row outcomes", len(out))
		}
		wantRow(t, out, 2, intake.RowCreated, "", "")
		wantRow(t, out, 3, intake.RowCreated, "", "")
		wantRow(t, out, 4, intake.RowInvalid, "被执行人证件号码", "校验")
		wantRow(t, out, 5, intake.RowInvalid, "申请执行金额（元）", "负数")
		wantRow(t, out, 6, intake.RowInvalid, "生效日期", "不存在")
		wantRow(t, out, 7, intake.RowDuplicate, "执行依据文号", "第 2 行")
		wantRow(t, out, 8, intake.RowDuplicate, "执行依据文号", "已于")
		wantRow(t, out, 9, intake.RowInvalid, "申请执行人证件号码", "Excel")
		wantRow(t, out, 10, intake.RowInvalid, "被执行人法定代表人", "法定代表人")
		wantRow(t, out, 11, intake.RowCreated, "", "")
		wantRow(t, out, 12, intake.RowInvalid, "已收材料", "起诉状")

		// What was registered: through the bulk channel, in the submitter's
		// name, amounts in fen, parties and materials as written.
		a, err := intake.GetApplication(s.Reception, db, out[2].ApplicationID)
		if err != nil {
			t.Fatal(err)
		}
		if a.Channel != "bulk" || a.BatchID != b.ID || a.BatchRow != 2 || a.ClaimAmountFen != 1_234_567 || a.ReceivedBy != reception.UserID ||
			!a.Parties[0].Financial || a.Parties[0].Kind != intake.Organization || a.Parties[0].LegalRep != "张行长" || len(a.MissingMaterials()) != 0 {
			t.Errorf("row 2 registered as %+v %+v", a, a.Parties)
		}
		if a, err := intake.GetApplication(s.Reception, db, out[3].ApplicationID); err != nil || len(a.Respondents()) != 2 || a.Respondents()[1].Name != second.Name {
			t.Errorf("row 3: %v %+v", err, a)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM applications WHERE batch_id = ?`, b.ID); n != 3 {
			t.Errorf("%d applications in the batch", n)
		}
		// Audited: the submission, each application (by the submitter, under
		// the job's request id), the end.
		for action, want := range map[string]int{"bulk_batch.submitted": 1, "bulk_batch.finished": 1} {
			if n := scalar(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = ? AND object_id = ?`, action, b.ID.String()); n != want {
				t.Errorf("%d %s records", n, action)
			}
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM audit_log l JOIN applications a ON l.object_id = `+idText(db, "a.id")+`
			WHERE l.action = 'application.registered' AND a.batch_id = ? AND l.actor_id = ? AND l.request_id LIKE 'job-%'`, b.ID, reception.UserID); n != 3 {
			t.Errorf("%d registrations audited in the submitter's name", n)
		}

		// The same file again creates nothing, and processing it again
		// neither.
		again, created, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: "又一次.csv", Content: content})
		if err != nil || created || again.ID != b.ID || again.CreatedRows != 3 {
			t.Fatalf("resubmitted: %v %v %+v", err, created, again)
		}
		if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
			t.Fatal(err)
		}
		if n := runJobs(t, db); n != 0 {
			t.Errorf("the resubmission enqueued %d jobs", n)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM applications`); n != 4 {
			t.Errorf("%d applications after the resubmission", n)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM bulk_batches`); n != 1 {
			t.Errorf("%d batches", n)
		}

		// Errors first, then by row; filtered by status.
		pg, err := intake.BatchRows(s.Reception, db, b.ID, intake.BatchRowFilter{ErrorsFirst: true}, page.Request{Limit: 9})
		if err != nil || len(pg.Items) != 9 || pg.Items[0].RowNo != 4 || pg.Items[7].RowNo != 12 || pg.Items[8].RowNo != 2 {
			t.Fatalf("errors first: %v %+v", err, pg.Items)
		}
		pg, err = intake.BatchRows(s.Reception, db, b.ID, intake.BatchRowFilter{ErrorsFirst: true}, page.Request{Limit: 9, Cursor: pg.NextCursor})
		if err != nil || len(pg.Items) != 2 || pg.Items[0].RowNo != 3 || pg.Items[1].RowNo != 11 || pg.NextCursor != "" {
			t.Fatalf("errors first, page 2: %v %+v", err, pg.Items)
		}
		pg, err = intake.BatchRows(s.Reception, db, b.ID, intake.BatchRowFilter{Status: intake.RowDuplicate}, page.Request{})
		if err != nil || len(pg.Items) != 2 || pg.Items[0].RowNo != 7 {
			t.Fatalf("duplicates: %v %+v", err, pg.Items)
		}
		if _, err := intake.BatchRows(s.Reception, db, b.ID, intake.BatchRowFilter{Status: "lost"}, page.Request{}); apperr.CodeOf(err) != "invalid_status" {
			t.Errorf("bad status filter: %v", err)
		}
	})
}

// idText is a uuid column as text, to compare with audit_log.object_id.
func idText(db *store.DB, col string) string {
	if db.Engine() == store.Postgres {
		return col + "::text"
	}
	return col
}

func TestBulkXLSX(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		f := excelize.NewFile()
		defer f.Close()
		const sheet = "Sheet1"
		header := headers()
		col := map[string]int{}
		for i, h := range header {
			col[h] = i + 1
		}
		set := func(row int, h string, v any) {
			cell, err := excelize.CoordinatesToCellName(col[h], row)
			if err != nil {
				t.Fatal(err)
			}
			if err := f.SetCellValue(sheet, cell, v); err != nil {
				t.Fatal(err)
			}
		}
		for _, h := range header {
			set(1, h, h)
		}
		var ins []intake.ApplicationInput
		// Rows 2, 3 and 5 (row 4 left blank): dates as Excel dates, amounts as
		// numbers, one of them with binary noise.
		for i, row := range []int{2, 3, 5} {
			in := intaketest.Application(s.CourtID, 20+i)
			ins = append(ins, in)
			for h, v := range cells(in) {
				set(row, h, v)
			}
			set(row, "生效日期", in.Basis.EffectiveDate.Start())
			set(row, "履行期限届满日", in.Basis.DueDate.Start())
		}
		set(2, "申请执行金额（元）", 1234.1)
		set(3, "申请执行金额（元）", 1234.0999999999999)
		set(5, "申请执行金额（元）", "abc")
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		b := submit(t, s.Reception, s, "导入.xlsx", buf.Bytes())
		if b.Format != "xlsx" || b.TotalRows != 3 {
			t.Fatalf("submitted %+v", b)
		}
		if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
			t.Fatal(err)
		}
		out := allRows(t, s, b.ID)
		wantRow(t, out, 2, intake.RowCreated, "", "")
		wantRow(t, out, 3, intake.RowCreated, "", "")
		wantRow(t, out, 5, intake.RowInvalid, "申请执行金额（元）", "abc")
		for i, no := range []int{2, 3} {
			a, err := intake.GetApplication(s.Reception, db, out[no].ApplicationID)
			if err != nil {
				t.Fatal(err)
			}
			if a.ClaimAmountFen != 123410 || a.Basis.EffectiveDate != ins[i].Basis.EffectiveDate || a.Basis.DueDate != ins[i].Basis.DueDate ||
				a.BatchRow != no || a.Parties[1].Name != ins[i].Respondents[0].Name {
				t.Errorf("row %d registered as %+v", no, a)
			}
		}
	})
}

func TestBulkBadFilesAreRefusedWhole(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		row := cells(intaketest.Application(s.CourtID, 1))
		withHeader := func(header []string) []byte { return csvBytes(t, false, table(header, []map[string]string{row})) }
		unknown := append(headers(), "客户经理")
		var missing []string
		for _, h := range headers() {
			if h != "执行依据文号" && h != "生效日期" {
				missing = append(missing, h)
			}
		}
		repeated := append(headers(), "联系电话") // the alias of 申请执行人联系电话
		f := excelize.NewFile()
		var empty bytes.Buffer
		if err := f.Write(&empty); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name    string
			content []byte
			code    string
			detail  []string
		}{
			{"unknown.csv", withHeader(unknown), "invalid_bulk_columns", []string{"无法识别的列：“客户经理”"}},
			{"missing.csv", withHeader(missing), "invalid_bulk_columns", []string{"缺少必需的列：“执行依据文号”、“生效日期”"}},
			{"repeated.csv", withHeader(repeated), "invalid_bulk_columns", []string{"重复的列：“申请执行人联系电话”"}},
			{"header-only.csv", csvBytes(t, true, [][]string{headers()}), "empty_bulk_file", []string{"没有申请"}},
			{"blank.csv", []byte("\ufeff\r\n,,\r\n"), "empty_bulk_file", []string{"表头"}},
			{"nothing.csv", nil, "empty_bulk_file", []string{"空"}},
			{"old.xls", append([]byte{0xD0, 0xCF, 0x11, 0xE0}, make([]byte, 100)...), "unsupported_bulk_format", []string{".xls"}},
			{"broken.xlsx", []byte("PK\x03\x04 not really a zip"), "invalid_bulk_file", []string{"Excel"}},
			{"empty.xlsx", empty.Bytes(), "empty_bulk_file", []string{"表头"}},
			{"big.csv", make([]byte, intake.MaxBatchBytes+1), "file_too_large", []string{"20 MiB"}},
		} {
			_, _, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: c.name, Content: c.content})
			e, ok := apperr.As(err)
			if !ok || e.Code != c.code {
				t.Errorf("%s: %v, want %s", c.name, err, c.code)
				continue
			}
			for _, d := range c.detail {
				if !strings.Contains(e.Detail, d) {
					t.Errorf("%s: %q lacks %q", c.name, e.Detail, d)
				}
			}
		}
		for _, table := range []string{"bulk_batches", "jobs", "applications"} {
			if n := count(t, db, table); n != 0 {
				t.Errorf("%d rows in %s after refused files", n, table)
			}
		}
	})
}

func TestBulkCSVEncodings(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		gbk := func(b []byte) []byte {
			out, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b)
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		tsv := func(b []byte) []byte { return bytes.ReplaceAll(b, []byte(","), []byte("\t")) }
		for i, enc := range []struct {
			name string
			conv func(seed int) []byte
		}{
			{"bom.csv", func(seed int) []byte {
				return csvBytes(t, true, table(headers(), []map[string]string{cells(intaketest.Application(s.CourtID, seed))}))
			}},
			{"plain.csv", func(seed int) []byte {
				return csvBytes(t, false, table(headers(), []map[string]string{cells(intaketest.Application(s.CourtID, seed))}))
			}},
			{"gbk.csv", func(seed int) []byte {
				return gbk(csvBytes(t, false, table(headers(), []map[string]string{cells(intaketest.Application(s.CourtID, seed))})))
			}},
			{"tabs.txt", func(seed int) []byte {
				return tsv(csvBytes(t, false, table(headers(), []map[string]string{cells(intaketest.Application(s.CourtID, seed))})))
			}},
		} {
			seed := 40 + i
			b := submit(t, s.Reception, s, enc.name, enc.conv(seed))
			if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
				t.Fatal(err)
			}
			out := allRows(t, s, b.ID)
			wantRow(t, out, 2, intake.RowCreated, "", "")
			if r, ok := out[2]; ok && r.Status == intake.RowCreated {
				a, err := intake.GetApplication(s.Reception, db, r.ApplicationID)
				want := intaketest.Application(s.CourtID, seed)
				if err != nil || a.Parties[0].Name != want.Applicants[0].Name || a.Basis.DocumentNo != want.Basis.DocumentNo {
					t.Errorf("%s: %v %+v", enc.name, err, a)
				}
			}
		}
	})
}

func TestBulkResumesAfterACrashWithEveryRowOnce(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		var rows []map[string]string
		for seed := 200; seed < 207; seed++ {
			rows = append(rows, cells(intaketest.Application(s.CourtID, seed)))
		}
		bad := cells(intaketest.Application(s.CourtID, 207))
		bad["生效日期"] = "昨天"
		rows = append(rows, bad) // row 9
		b := submit(t, s.Reception, s, "crash.csv", csvBytes(t, true, table(headers(), rows)))

		// The process dies while the second chunk is being written: the first
		// chunk is kept, the second leaves no trace.
		crash := errors.New("crash")
		var seen []int
		err := intake.ProcessBatchWith(s.Reception, db, b.ID, intake.ProcessOptions{ChunkRows: 3, BeforeCommit: func(done int) error {
			seen = append(seen, done)
			if done > 3 {
				return crash
			}
			return nil
		}})
		if !errors.Is(err, crash) || fmt.Sprint(seen) != "[3 6]" {
			t.Fatalf("crash: %v after %v", err, seen)
		}
		got := getBatch(t, s, b.ID)
		if got.Status != intake.BatchRunning || got.DoneRows != 3 || got.CreatedRows != 3 || got.ErrorRows != 0 || got.Percent() != 37 {
			t.Fatalf("after the crash %+v", got)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM applications WHERE batch_id = ?`, b.ID); n != 3 {
			t.Fatalf("%d applications after the crash", n)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM bulk_rows WHERE batch_id = ?`, b.ID); n != 3 {
			t.Fatalf("%d row outcomes after the crash", n)
		}

		// Two processes resume at once (the job and a retried request): each
		// row is still registered exactly once.
		seen = nil
		var mu sync.Mutex
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				errs[i] = intake.ProcessBatchWith(s.Reception, db, b.ID, intake.ProcessOptions{ChunkRows: 3, BeforeCommit: func(done int) error {
					mu.Lock()
					seen = append(seen, done)
					mu.Unlock()
					return nil
				}})
			})
		}
		wg.Wait()
		if errors.Join(errs...) != nil {
			t.Fatal(errs)
		}
		if fmt.Sprint(seen) != "[6 8]" {
			t.Errorf("progress after the resume %v, want [6 8]", seen)
		}
		got = getBatch(t, s, b.ID)
		if got.Status != intake.BatchDone || got.DoneRows != 8 || got.CreatedRows != 7 || got.ErrorRows != 1 {
			t.Fatalf("after the resume %+v", got)
		}
		if n := scalar(t, db, `SELECT COUNT(DISTINCT batch_row) FROM applications WHERE batch_id = ?`, b.ID); n != 7 || count(t, db, "applications") != 7 {
			t.Fatalf("%d distinct rows registered, %d applications", n, count(t, db, "applications"))
		}
		out := allRows(t, s, b.ID)
		for no := 2; no <= 8; no++ {
			wantRow(t, out, no, intake.RowCreated, "", "")
		}
		wantRow(t, out, 9, intake.RowInvalid, "生效日期", "昨天")
		if n := scalar(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.registered'`); n != 7 {
			t.Errorf("%d registrations audited", n)
		}
		// The job that was enqueued finds nothing left to do.
		if n := runJobs(t, db); n != 1 || count(t, db, "applications") != 7 {
			t.Errorf("job: ran %d, %d applications", n, count(t, db, "applications"))
		}
	})
}

// TestBulkConnectionLostMidChunk: the connection to PostgreSQL drops inside
// the second chunk's transaction, after its applications reached the server.
// The chunk leaves no trace, the error says the database is unavailable, and
// the resumed batch registers every row once.
func TestBulkConnectionLostMidChunk(t *testing.T) {
	t.Parallel()
	if storetest.PostgresURL() == "" {
		storetest.Engines(t)
		t.Skip("PostgreSQL not configured")
	}
	proxy, dsn := storetest.NewProxy(t, storetest.NewDSN(t, store.Postgres))
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := intaketest.NewStaff(t, db, "")
	var rows []map[string]string
	for seed := 500; seed < 505; seed++ {
		rows = append(rows, cells(intaketest.Application(s.CourtID, seed)))
	}
	b := submit(t, s.Reception, s, "lost.csv", csvBytes(t, true, table(headers(), rows)))
	// The second chunk (two rows) sends an INSERT INTO bulk_rows the
	// connection has not prepared yet: the cut lands there, before COMMIT.
	err = intake.ProcessBatchWith(s.Reception, db, b.ID, intake.ProcessOptions{ChunkRows: 3, BeforeCommit: func(done int) error {
		if done == 3 {
			proxy.CutAfter("INSERT INTO bulk_rows")
		}
		return nil
	}})
	if apperr.CodeOf(err) != "database_unavailable" {
		t.Fatalf("during the cut: %v", err)
	}
	proxy.Restore()
	got := getBatch(t, s, b.ID)
	if got.DoneRows != 3 || got.CreatedRows != 3 || scalar(t, db, `SELECT COUNT(*) FROM applications`) != 3 ||
		scalar(t, db, `SELECT COUNT(*) FROM bulk_rows`) != 3 {
		t.Fatalf("after the cut %+v", got)
	}
	if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
		t.Fatal(err)
	}
	got = getBatch(t, s, b.ID)
	if got.Status != intake.BatchDone || got.CreatedRows != 5 || scalar(t, db, `SELECT COUNT(DISTINCT batch_row) FROM applications WHERE batch_id = ?`, b.ID) != 5 ||
		scalar(t, db, `SELECT COUNT(*) FROM applications`) != 5 || scalar(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.registered'`) != 5 {
		t.Fatalf("after the resume %+v", got)
	}
}

func TestBulkAccessAndCourtScope(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		other := intaketest.NewStaff(t, db, "粤0604")
		content := csvBytes(t, true, table(headers(), []map[string]string{cells(intaketest.Application(s.CourtID, 300))}))

		// A mediator may not register; another court's staff may not file here.
		if _, _, err := intake.SubmitBatch(s.Mediator, db, intake.BatchInput{CourtID: s.CourtID, FileName: "a.csv", Content: content}); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("mediator: %v", err)
		}
		if _, _, err := intake.SubmitBatch(other.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: "a.csv", Content: content}); apperr.CodeOf(err) != "unknown_court" {
			t.Errorf("other court: %v", err)
		}
		if _, _, err := intake.SubmitBatch(context.Background(), db, intake.BatchInput{CourtID: s.CourtID, Content: content}); apperr.KindOf(err) != apperr.Unauthenticated {
			t.Errorf("nobody: %v", err)
		}
		if n := count(t, db, "bulk_batches"); n != 0 {
			t.Fatalf("%d batches stored by refused submissions", n)
		}

		b := submit(t, s.Reception, s, "a.csv", content)
		// Another court's staff see nothing of it.
		if _, err := intake.GetBatch(other.Reception, db, b.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("other court reads the batch: %v", err)
		}
		if _, err := intake.BatchRows(other.Reception, db, b.ID, intake.BatchRowFilter{}, page.Request{}); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("other court reads the rows: %v", err)
		}
		if err := intake.ProcessBatch(other.Reception, db, b.ID); apperr.KindOf(err) != apperr.NotFound {
			t.Errorf("other court processes the batch: %v", err)
		}
		if pg, err := intake.ListBatches(other.Reception, db, intake.BatchFilter{}, page.Request{}); err != nil || len(pg.Items) != 0 {
			t.Errorf("other court lists %v %+v", err, pg.Items)
		}
		if _, err := intake.GetBatch(s.Mediator, db, b.ID); apperr.KindOf(err) != apperr.Forbidden {
			t.Errorf("mediator reads the batch: %v", err)
		}
		if pg, err := intake.ListBatches(s.Judge, db, intake.BatchFilter{CourtID: s.CourtID}, page.Request{}); err != nil || len(pg.Items) != 1 ||
			pg.Items[0].ID != b.ID || pg.Items[0].SubmittedByName == "" {
			t.Errorf("own court lists %v %+v", err, pg.Items)
		}

		// The submitter was disabled before the job ran: the batch stops,
		// nothing is registered in their name, and the reason is audited.
		svc := auth.New(db, auth.Config{Hash: auth.HashParams{Memory: 64, Time: 1, Threads: 1}})
		if _, err := svc.SetDisabled(s.Sys, access.From(s.Reception).UserID, true); err != nil {
			t.Fatal(err)
		}
		if n := runJobs(t, db); n != 1 {
			t.Fatalf("ran %d jobs", n)
		}
		got, err := intake.GetBatch(s.Judge, db, b.ID)
		if err != nil || got.Status != intake.BatchFailed || got.DoneRows != 0 || count(t, db, "applications") != 0 {
			t.Fatalf("after the submitter left: %v %+v", err, got)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'bulk_batch.failed' AND summary LIKE '%停用%'`); n != 1 {
			t.Errorf("%d failure records", n)
		}
	})
}

func TestBulkTemplatesAndJSONRows(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		// The templates parse; their example row is refused until its note is
		// removed, and is otherwise valid.
		for _, format := range []string{"csv", "xlsx"} {
			tpl, err := intake.BatchTemplate(format)
			if err != nil {
				t.Fatal(err)
			}
			if got := intake.DetectBatchFormat("模板", tpl); got != format {
				t.Errorf("template detected as %s, want %s", got, format)
			}
			b := submit(t, s.Reception, s, "模板."+format, tpl)
			if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
				t.Fatal(err)
			}
			wantRow(t, allRows(t, s, b.ID), 2, intake.RowInvalid, "备注", "示例行")
		}
		tpl, _ := intake.BatchTemplate("csv")
		lines, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(tpl, []byte("\ufeff")))).ReadAll()
		if err != nil || len(lines) != 2 {
			t.Fatalf("template: %v %v", err, lines)
		}
		lines[1][len(lines[1])-1] = "" // 备注
		b := submit(t, s.Reception, s, "example.csv", csvBytes(t, false, lines))
		if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
			t.Fatal(err)
		}
		wantRow(t, allRows(t, s, b.ID), 2, intake.RowCreated, "", "")

		// JSON rows: those the API could not decode keep their errors; the
		// errors of Register name the row's path; the same rows again find the
		// same batch.
		bad := intaketest.Application(s.CourtID, 401)
		bad.ClaimAmountFen = -5
		material := intaketest.Application(s.CourtID, 402)
		material.Materials = append(material.Materials, intake.MaterialInput{Code: "no_such_material", Received: true})
		rows := []intake.JSONRow{
			{Input: intaketest.Application(s.CourtID, 400)},
			{Errors: []intake.RowError{{Field: "body.rows[1].basis.effective_date", Detail: "日期无效"}}},
			{Input: bad},
			{Input: material}, // refused by Register after validation, before its first write
		}
		parties := count(t, db, "parties")
		content, err := intake.EncodeJSONRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		b, created, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: "接口", Format: "json", Content: content})
		if err != nil || !created {
			t.Fatal(err)
		}
		if err := intake.ProcessBatch(s.Reception, db, b.ID); err != nil {
			t.Fatal(err)
		}
		out := allRows(t, s, b.ID)
		wantRow(t, out, 1, intake.RowCreated, "", "")
		wantRow(t, out, 2, intake.RowInvalid, "body.rows[1].basis.effective_date", "日期无效")
		wantRow(t, out, 3, intake.RowInvalid, "body.rows[2].claim_amount_fen", "负数")
		wantRow(t, out, 4, intake.RowInvalid, "body.rows[3].materials[6].code", "no_such_material")
		// The refused rows left nothing behind: only the first row's two
		// parties are new.
		if n := count(t, db, "parties"); n != parties+2 {
			t.Errorf("%d parties, want %d", n, parties+2)
		}
		again, _ := intake.EncodeJSONRows(rows)
		if b2, created, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, Format: "json", Content: again}); err != nil || created || b2.ID != b.ID {
			t.Errorf("resent: %v %v %v", err, created, b2.ID)
		}
	})
}

// TestBulkSharedPartiesAndDuplicatesAcrossChunks: rows of one chunk naming
// the same debtor make one party record, as do rows of later chunks; a row
// repeating a row of an earlier chunk is named as its duplicate; every
// application has its audit record.
func TestBulkSharedPartiesAndDuplicatesAcrossChunks(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := intaketest.NewStaff(t, db, "")
		debtor := intaketest.Person(5001)
		withDebtor := func(seed int, phone string) intake.ApplicationInput {
			in := intaketest.Application(s.CourtID, seed)
			d := debtor
			d.Phone = phone
			in.Respondents = []intake.PartyInput{d}
			return in
		}
		first := withDebtor(601, "13900000001")
		rows := []intake.JSONRow{
			{Input: first},                                  // chunk 1
			{Input: withDebtor(602, "13900000002")},         // chunk 1: same debtor, a newer phone
			{Input: first},                                  // chunk 2: repeats row 1
			{Input: withDebtor(603, "")},                    // chunk 2: same debtor, no phone given
			{Input: intaketest.Application(s.CourtID, 604)}, // chunk 3
		}
		content, err := intake.EncodeJSONRows(rows)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: "共同被执行人", Format: "json", Content: content})
		if err != nil {
			t.Fatal(err)
		}
		if err := intake.ProcessBatchWith(s.Reception, db, b.ID, intake.ProcessOptions{ChunkRows: 2}); err != nil {
			t.Fatal(err)
		}
		out := allRows(t, s, b.ID)
		wantRow(t, out, 1, intake.RowCreated, "", "")
		wantRow(t, out, 2, intake.RowCreated, "", "")
		wantRow(t, out, 3, intake.RowDuplicate, "body.rows[2].basis.document_no", "与本批第 1 条（rows[0]）重复")
		wantRow(t, out, 4, intake.RowCreated, "", "")
		wantRow(t, out, 5, intake.RowCreated, "", "")

		var party uuid.UUID
		var phone string
		if err := db.QueryRow(s.Sys, `SELECT id, phone FROM parties WHERE kind = 'person' AND id_number = ?`, debtor.IDNumber).Scan(&party, &phone); err != nil {
			t.Fatal(err)
		}
		if phone != "13900000002" {
			t.Errorf("the debtor's phone is %q, want the latest given", phone)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM application_parties WHERE party_id = ?`, party); n != 3 {
			t.Errorf("the debtor is in %d applications, want 3", n)
		}
		if n := scalar(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'application.registered' AND object_id IN
			(SELECT CAST(id AS TEXT) FROM applications WHERE batch_id = ?)`, b.ID); n != 4 {
			t.Errorf("%d registrations audited, want 4", n)
		}
		for _, no := range []int{1, 2, 4} {
			a, err := intake.GetApplication(s.Reception, db, out[no].ApplicationID)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Respondents(); len(got) != 1 || got[0].PartyID != party || len(a.Materials) == 0 {
				t.Errorf("row %d: respondents %+v, %d materials", no, got, len(a.Materials))
			}
		}
	})
}

// BenchmarkBulkIntake measures bulk intake of a 1,000-row CSV file —
// submission (parsing, storing the file) and processing (validation,
// registration with parties, materials and one audit record per application,
// row outcomes, progress) — against the raw single-row INSERT rate of the same
// engine, measured in the same run as internal/audit's BenchmarkWrite does
// (PERFORMANCE.md P1: bulk ≥ 1.0 × raw). It reports rows/s and the ratio,
// for several chunk sizes.
func BenchmarkBulkIntake(b *testing.B) {
	const rowsPerBatch = 1000
	for _, e := range storetest.Engines(b) {
		db := storetest.New(b, e)
		s := intaketest.NewStaff(b, db, "")
		ts := "TIMESTAMP"
		if e == store.Postgres {
			ts = "TIMESTAMPTZ"
		}
		if err := db.Transact(s.Sys, func(ctx context.Context, tx *store.Tx) error {
			_, err := tx.Exec(ctx, `CREATE TABLE bench (id TEXT PRIMARY KEY, court TEXT NOT NULL, at `+ts+` NOT NULL, note TEXT NOT NULL)`)
			return err
		}); err != nil {
			b.Fatal(err)
		}
		raw := func() error {
			return db.Transact(s.Sys, func(ctx context.Context, tx *store.Tx) error {
				_, err := tx.Exec(ctx, `INSERT INTO bench (id, court, at, note) VALUES (?, ?, CURRENT_TIMESTAMP, ?)`, store.NewID(), s.CourtID, "备注")
				return err
			})
		}
		// rawRate measures the baseline: one committed single-row INSERT per
		// transaction.
		rawRate := func(b *testing.B) float64 {
			const n = 2000
			start := time.Now()
			for range n {
				if err := raw(); err != nil {
					b.Fatal(err)
				}
			}
			return n / time.Since(start).Seconds()
		}
		b.Run(fmt.Sprintf("%s/raw-insert", e), func(b *testing.B) {
			for b.Loop() {
				if err := raw(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
		seed := 1_000_000
		batch := func(b *testing.B) []byte {
			rows := make([]map[string]string, rowsPerBatch)
			for i := range rows {
				rows[i] = cells(intaketest.Application(s.CourtID, seed))
				seed++
			}
			return csvBytes(b, true, table(headers(), rows))
		}
		// The ceiling Register sets: the same applications registered
		// directly, 250 per transaction, without files, row outcomes or
		// progress.
		b.Run(fmt.Sprintf("%s/register-only-%drows/per-tx-250", e, rowsPerBatch), func(b *testing.B) {
			base := rawRate(b)
			var busy time.Duration
			for i := 0; i < b.N; i++ {
				ins := make([]intake.ApplicationInput, rowsPerBatch)
				for j := range ins {
					ins[j] = intaketest.Application(s.CourtID, seed)
					seed++
				}
				start := time.Now()
				for len(ins) > 0 {
					n := min(len(ins), 250)
					if err := db.Transact(s.Reception, func(ctx context.Context, tx *store.Tx) error {
						for _, in := range ins[:n] {
							if _, err := intake.Register(ctx, tx, in); err != nil {
								return err
							}
						}
						return nil
					}); err != nil {
						b.Fatal(err)
					}
					ins = ins[n:]
				}
				busy += time.Since(start)
			}
			rate := float64(b.N*rowsPerBatch) / busy.Seconds()
			b.ReportMetric(rate, "rows/s")
			b.ReportMetric(base, "raw-rows/s")
			b.ReportMetric(rate/base, "x-raw")
			b.ReportMetric(0, "ns/op")
		})
		for _, chunk := range []int{100, 250, 500} {
			b.Run(fmt.Sprintf("%s/bulk-%drows/chunk-%d", e, rowsPerBatch, chunk), func(b *testing.B) {
				base := rawRate(b)
				var busy time.Duration
				for i := 0; i < b.N; i++ {
					content := batch(b)
					start := time.Now()
					got, created, err := intake.SubmitBatch(s.Reception, db, intake.BatchInput{CourtID: s.CourtID, FileName: "bench.csv", Content: content})
					if err != nil || !created {
						b.Fatal(err, created)
					}
					if err := intake.ProcessBatchWith(s.Reception, db, got.ID, intake.ProcessOptions{ChunkRows: chunk}); err != nil {
						b.Fatal(err)
					}
					busy += time.Since(start)
					if got, err := intake.GetBatch(s.Reception, db, got.ID); err != nil || got.CreatedRows != rowsPerBatch {
						b.Fatalf("%v %+v", err, got)
					}
				}
				rate := float64(b.N*rowsPerBatch) / busy.Seconds()
				b.ReportMetric(rate, "rows/s")
				b.ReportMetric(base, "raw-rows/s")
				b.ReportMetric(rate/base, "x-raw")
				b.ReportMetric(0, "ns/op")
			})
		}
	}
}
