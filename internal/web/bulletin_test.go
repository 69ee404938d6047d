package web_test

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/xuri/excelize/v2"

	"github.com/zhixing-court/zhixing/internal/access"
	"github.com/zhixing-court/zhixing/internal/apptest"
	"github.com/zhixing-court/zhixing/internal/cases"
	"github.com/zhixing-court/zhixing/internal/intake/intaketest"
	"github.com/zhixing-court/zhixing/internal/legal"
	"github.com/zhixing-court/zhixing/internal/metrics"
	"github.com/zhixing-court/zhixing/internal/org"
	"github.com/zhixing-court/zhixing/internal/store"
	"github.com/zhixing-court/zhixing/internal/store/storetest"
	"github.com/zhixing-court/zhixing/internal/web/api"
)

// bulletinCases files n cases in s's court and closes the first as 执行完毕
// and the second as withdrawn; it returns them as they are now.
func bulletinCases(t *testing.T, s *intaketest.Staff, seed, n int) []*cases.Case {
	t.Helper()
	var list []*cases.Case
	for i := range n {
		list = append(list, uiFile(t, s, intaketest.Application(s.CourtID, seed+i)))
	}
	for i, in := range []cases.TransitionInput{{To: "performed", Reason: "被执行人直接向申请人履行", PerformedOutside: true},
		{To: "cancelled", Reason: "申请人撤回申请"}} {
		if _, err := store.TransactValue(s.Judge, s.DB, func(ctx context.Context, tx *store.Tx) (*cases.Case, error) {
			return cases.Transition(ctx, tx, list[i].ID, in)
		}); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range list {
		list[i] = getCase(t, s, c.ID)
	}
	return list
}

// openItems writes open supervision items raised today, answer due
// tomorrow, one per handler, on caseID (directly: raising them is the
// supervision feature's business).
func openItems(t *testing.T, db *store.DB, court, team, caseID uuid.UUID, handlers []uuid.UUID) {
	t.Helper()
	today := legal.Today(time.Now())
	if err := db.Transact(context.Background(), func(ctx context.Context, tx *store.Tx) error {
		for i, h := range handlers {
			now := time.Now().UTC()
			if _, err := tx.Exec(ctx, `INSERT INTO supervision_items (id, court_id, case_id, team_id, handler_id, subject_kind, subject_id,
				source, module, severity, title, status, level, due_on, raised_on, answer_due, raised_by_name, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, 'case', ?, 'manual', 'node', 'normal', '测试督办', 'open', 1, ?, ?, ?, '测试', ?, ?)`,
				uuid.New(), court, caseID, team, h, caseID, today.AddDays(-i), today, today.AddDays(1), now, now); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// xlsxRows reads the first sheet of a workbook: its cells as stored
// (numbers unformatted).
func xlsxRows(t *testing.T, data []byte) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open the workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func cellInt(t *testing.T, row []string, i int) int64 {
	t.Helper()
	if i >= len(row) {
		return 0
	}
	n, err := strconv.ParseInt(row[i], 10, 64)
	if err != nil {
		t.Fatalf("cell %d of %q is not a whole number", i, row)
	}
	return n
}

// TestWeeklyBulletinAPI (SUP-4): the bulletin as JSON, as a workbook whose
// handler lines and totals are what was filed and closed, and as a PDF
// whose pages follow the length of the table; bad input refused.
func TestWeeklyBulletinAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		_, outsider := env.Token(t, "bulletin.outsider", access.RolePostJudge, "皖01")
		_, admin := env.Token(t, "bulletin.admin", access.RoleCourtAdmin, "粤0607")
		list := bulletinCases(t, s, 7300, 6)
		today := legal.Today(time.Now())
		from, to := today.AddDays(-6).String(), today.String()
		base := "/api/v1/reports/weekly-bulletin?court_id=" + s.CourtID.String() + "&from=" + from + "&to=" + to

		// What each handler filed and closed, from the cases.
		type counts struct{ received, closed, performed int64 }
		want := map[string]counts{}
		for _, c := range list {
			w := want[c.HandlerID.String()]
			w.received++
			if c.Status == "closed" {
				w.closed++
				if c.Closure == "performed" {
					w.performed++
				}
			}
			want[c.HandlerID.String()] = w
		}

		r := env.Do(t, http.MethodGet, base, judge, nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("bulletin: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		var b api.BulletinOut
		r.JSON(t, &b)
		if b.CourtID != s.CourtID.String() || b.From != from || b.To != to || b.CourtName == "" {
			t.Errorf("bulletin head: %+v", b)
		}
		got := map[string]counts{}
		for _, team := range b.Teams {
			for _, h := range team.Handlers {
				if h.HandlerID == nil {
					t.Fatalf("a case without a handler: %+v", h)
				}
				got[*h.HandlerID] = counts{h.Received, h.Closed, h.ClosedPerformed}
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("per handler: %v, want %v", got, want)
		}
		if tt := b.Total; tt.Received != 6 || tt.Closed != 2 || tt.ClosedPerformed != 1 || tt.PendingEnd != 4 || tt.OverdueCases != 0 {
			t.Errorf("total: %+v", tt)
		}

		// The workbook: a line per handler with the same figures, the totals.
		r = env.Do(t, http.MethodGet, base+"&format=xlsx", judge, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
			t.Fatalf("xlsx: %d %s %.300s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		court, err := org.GetCourt(s.Sys, db, s.CourtID)
		if err != nil {
			t.Fatal(err)
		}
		name := "周通报_" + court.ShortName + "_" + from + "_" + to + ".xlsx"
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") ||
			!strings.Contains(cd, "filename*=UTF-8''"+rfc5987(name)) || !strings.Contains(cd, `filename="weekly-bulletin_`+from+"_"+to+`.xlsx"`) {
			t.Errorf("Content-Disposition %q, want the name %s", cd, name)
		}
		rows := xlsxRows(t, r.Body)
		if len(rows) < 4 || !strings.Contains(rows[0][0], "周通报") || rows[2][0] != "团队" || rows[2][2] != "收案" {
			t.Fatalf("workbook head: %q", rows[:min(3, len(rows))])
		}
		names := map[string]string{} // handler name → id, from the JSON
		for _, team := range b.Teams {
			for _, h := range team.Handlers {
				names[team.Name+"/"+h.Name] = *h.HandlerID
			}
		}
		lines, sawTotals := 0, false
		for _, row := range rows[3:] {
			if len(row) == 0 {
				break // the notes follow a blank row
			}
			if row[0] == "合计" {
				sawTotals = true
				if cellInt(t, row, 2) != 6 || cellInt(t, row, 3) != 2 || cellInt(t, row, 4) != 1 || cellInt(t, row, 6) != 4 {
					t.Errorf("the totals row: %q", row)
				}
				continue
			}
			if row[1] == "小计" {
				continue
			}
			id, ok := names[row[0]+"/"+row[1]]
			w := want[id]
			if !ok || cellInt(t, row, 2) != w.received || cellInt(t, row, 3) != w.closed || cellInt(t, row, 4) != w.performed {
				t.Errorf("workbook line %q, want %+v", row, w)
			}
			lines++
		}
		if lines != len(want) || !sawTotals {
			t.Errorf("%d handler lines (want %d), totals %v", lines, len(want), sawTotals)
		}

		// The PDF: one page for a short table; a long one (60 more handlers
		// with an item each) breaks onto more pages, as laid out.
		r = env.Do(t, http.MethodGet, base+"&format=pdf", judge, nil)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(r.Body, []byte("%PDF-")) {
			t.Fatalf("pdf: %d %s %.100q", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if n := pdfPageCount(r.Body); n != 1 {
			t.Errorf("a short bulletin: %d pages", n)
		}
		team, err := org.TeamByName(s.Sys, db, s.CourtID, "速执团队")
		if err != nil {
			t.Fatal(err)
		}
		var more []uuid.UUID
		for i := range 60 {
			more = append(more, env.User(t, fmt.Sprintf("bulletin.judge%02d", i), access.RolePostJudge, "粤0607").ID)
		}
		openItems(t, db, s.CourtID, team, list[2].ID, more)
		r = env.Do(t, http.MethodGet, base+"&format=pdf", judge, nil)
		rep, err := metrics.Bulletin(s.Judge, db, s.CourtID, today.AddDays(-6), today)
		if err != nil {
			t.Fatal(err)
		}
		pages, err := api.BulletinTable(rep, time.Now()).PDFPages()
		if err != nil {
			t.Fatal(err)
		}
		if n := pdfPageCount(r.Body); r.Status != http.StatusOK || pages < 3 || n != pages {
			t.Errorf("a long bulletin: %d pages, laid out %d", n, pages)
		}
		var long api.BulletinOut
		env.Do(t, http.MethodGet, base, judge, nil).JSON(t, &long)
		if long.Total.SupervisionRaised != 60 || long.Total.Received != 6 {
			t.Errorf("the long bulletin's total: %+v", long.Total)
		}

		// No court and no dates: the caller's court, last week.
		var last api.BulletinOut
		env.Do(t, http.MethodGet, "/api/v1/reports/weekly-bulletin", judge, nil).JSON(t, &last)
		if wf, wt := metrics.PreviousWeek(today); last.CourtID != s.CourtID.String() || last.From != wf.String() || last.To != wt.String() {
			t.Errorf("the default bulletin: %+v", last)
		}

		for _, bad := range []struct {
			name, query, token string
			status             int
			code               string
		}{
			{"reversed dates", "?from=" + to + "&to=" + from, judge, http.StatusUnprocessableEntity, "invalid_date_order"},
			{"a malformed date", "?from=2026-02-30&to=" + to, judge, http.StatusUnprocessableEntity, "invalid_date"},
			{"one date only", "?from=" + from, judge, http.StatusUnprocessableEntity, "invalid_date"},
			{"a malformed court", "?court_id=三水&from=" + from + "&to=" + to, judge, http.StatusBadRequest, "invalid_id"},
			{"a court outside the caller's", "?court_id=" + s.CourtID.String(), outsider, http.StatusNotFound, "not_found"},
			{"no cases.read", "?court_id=" + s.CourtID.String(), admin, http.StatusForbidden, "forbidden"},
			{"an unknown format", "?format=docx", judge, http.StatusUnprocessableEntity, ""},
			{"no sign-in", "", "", http.StatusUnauthorized, ""},
		} {
			r := env.Do(t, http.MethodGet, "/api/v1/reports/weekly-bulletin"+bad.query, bad.token, nil)
			if r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
				continue
			}
			if p := r.Problem(t); (bad.code != "" && p.Code != bad.code) || p.Detail == "" {
				t.Errorf("%s: %+v", bad.name, p)
			}
		}
		// A refused file format answers a problem, not a file.
		if r := env.Do(t, http.MethodGet, "/api/v1/reports/weekly-bulletin?format=xlsx&from="+to+"&to="+from, judge, nil); r.Status != http.StatusUnprocessableEntity ||
			r.Problem(t).Detail != "截止日期不能早于起始日期" {
			t.Errorf("a reversed workbook: %d %s", r.Status, r.Body)
		}
	})
}

// pdfPageCount counts the page objects of a PDF.
func pdfPageCount(data []byte) int {
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(data, -1))
}

// rfc5987 percent-encodes a file name as Content-Disposition's filename*.
func rfc5987(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// TestKPIExport: the KPI table's workbook has the rows, counts, amounts
// and rates the JSON has, as numbers; its errors are the JSON's.
func TestKPIExport(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		judge := env.Login(t, access.From(s.Judge).Username, apptest.Password)
		_, admin := env.Token(t, "kpix.admin", access.RoleCourtAdmin, "粤0607")
		list := bulletinCases(t, s, 7400, 5)
		fundsReceive(t, s, list[0], 1_234_56)
		today := legal.Today(time.Now())
		for _, group := range []string{"handler", "lane", "court"} {
			query := "?from=" + today.AddDays(-30).String() + "&to=" + today.String() + "&group_by=" + group + "&court_id=" + s.CourtID.String()
			var want api.KPIsOut
			env.Do(t, http.MethodGet, "/api/v1/kpis"+query, judge, nil).JSON(t, &want)
			r := env.Do(t, http.MethodGet, "/api/v1/kpis/export"+query, judge, nil)
			if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" ||
				!strings.Contains(r.Header.Get("Content-Disposition"), "filename*=UTF-8''"+rfc5987("执行指标_")) {
				t.Fatalf("export by %s: %d %v %.200s", group, r.Status, r.Header, r.Body)
			}
			rows := xlsxRows(t, r.Body)
			if len(rows) < 3+len(want.Rows)+1 {
				t.Fatalf("by %s: %d rows in the workbook for %d", group, len(rows), len(want.Rows))
			}
			for i, w := range append(want.Rows, want.Total) {
				row := rows[3+i]
				fields := []any{w.Label, w.PendingStart, w.Received, w.Closed, w.ClosedInTerm, w.ClosedDays, fen(w.ClaimFen), fen(w.RecoveredFen),
					w.FirstPendingStart, w.FirstReceived, w.FirstClosed, w.FirstPerformed, w.FirstActual, w.FirstZhongben,
					w.ClosureRate, w.CloseReceive, w.FirstCloseRate, w.ActualRate, w.PerformedRate, w.RecoveryRate, w.InTermRate, w.MeanDays,
					w.ZhongbenRate, w.ClosedShare}
				for j, f := range fields {
					cell := ""
					if j < len(row) {
						cell = row[j]
					}
					if !sameCell(cell, f) {
						t.Errorf("by %s, row %d (%s), column %d: %q in the workbook, %v in the JSON", group, i+1, w.Label, j+1, cell, f)
					}
				}
			}
			if got := rows[3+len(want.Rows)][0]; got != "合计" {
				t.Errorf("by %s: the totals row is %q", group, got)
			}
		}
		for _, bad := range []struct {
			name, query, token string
			status             int
		}{
			{"reversed dates", "?from=2026-05-01&to=2026-04-01", judge, http.StatusUnprocessableEntity},
			{"a malformed court", "?from=2026-01-01&to=2026-04-01&court_id=x", judge, http.StatusBadRequest},
			{"no cases.read", "?from=2026-01-01&to=2026-04-01", admin, http.StatusForbidden},
		} {
			if r := env.Do(t, http.MethodGet, "/api/v1/kpis/export"+bad.query, bad.token, nil); r.Status != bad.status {
				t.Errorf("%s: %d %s, want %d", bad.name, r.Status, r.Body, bad.status)
			}
		}
	})
}

// fen is an amount the workbook holds in yuan.
type fen int64

// sameCell reports whether a workbook cell holds the JSON's value.
func sameCell(cell string, v any) bool {
	switch x := v.(type) {
	case string:
		return cell == x
	case int64:
		return cell == strconv.FormatInt(x, 10)
	case fen:
		f, err := strconv.ParseFloat(cell, 64)
		return err == nil && int64(math.Round(f*100)) == int64(x)
	case *float64:
		if x == nil {
			return cell == ""
		}
		f, err := strconv.ParseFloat(cell, 64)
		return err == nil && f == *x
	}
	return false
}

// TestWeeklyBulletinPage: the 周通报 page shows the week per team and
// handler with links to the cases and the downloads, which open with the
// page's session; the KPI page offers its table as a workbook.
func TestWeeklyBulletinPage(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		env := apptest.New(t, db)
		s := intaketest.NewStaff(t, db, "")
		list := bulletinCases(t, s, 7500, 4)
		today := legal.Today(time.Now())
		from, to := today.AddDays(-6).String(), today.String()
		b := staffBrowser(t, env, s.Judge)

		pg := b.get("/reports/weekly?court_id=" + s.CourtID.String() + "&from=" + from + "&to=" + to)
		pg.must(t, 200, `id="bulletin"`, "周通报", "审限超期", "督办超期", "合计", `id="bulletin-xlsx"`, `id="bulletin-pdf"`,
			`<a href="/reports/weekly" aria-current="page">周通报</a>`)
		for _, c := range list {
			if c.HandlerID != uuid.Nil {
				pg.must(t, 200, "handler="+c.HandlerID.String())
			}
		}
		xlsx := "/api/v1/reports/weekly-bulletin?court_id=" + s.CourtID.String() + "&amp;format=xlsx&amp;from=" + from + "&amp;to=" + to
		pg.must(t, 200, xlsx)
		if file := b.get(strings.ReplaceAll(xlsx, "&amp;", "&")); file.status != 200 || !strings.HasPrefix(file.body, "PK") {
			t.Errorf("the workbook with the page's session: %d %.40q", file.status, file.body)
		}
		if file := b.get(strings.ReplaceAll(strings.ReplaceAll(xlsx, "&amp;", "&"), "xlsx", "pdf")); file.status != 200 || !strings.HasPrefix(file.body, "%PDF") {
			t.Errorf("the PDF with the page's session: %d %.40q", file.status, file.body)
		}
		// One day given: the week from it; the weeks around a click away.
		pg = b.get("/reports/weekly?from=" + from)
		pg.must(t, 200, `value="`+to+`"`, "from="+today.AddDays(-13).String(), "from="+today.AddDays(1).String())
		// No dates: last week, the caller's court.
		wf, wt := metrics.PreviousWeek(today)
		b.get("/reports/weekly").must(t, 200, wf.Chinese()+"至"+wt.Chinese(), `value="`+wf.String()+`"`)

		b.get("/reports/weekly?from="+to+"&to="+from).must(t, 422, "截止日期不能早于起始日期")
		b.get("/reports/weekly?from=2026-13-01").must(t, 422, "应为 YYYY-MM-DD")
		b.get("/reports/weekly?court_id="+env.Court(t, "皖01").String()).must(t, 404)
		userBrowser(t, env, "bulletin.page.admin", access.RoleCourtAdmin, "粤0607").get("/reports/weekly").must(t, 403)

		// The KPI page's export: the table shown, as a workbook.
		kp := b.get("/kpis?from=" + from + "&to=" + to + "&group_by=handler")
		export := "/api/v1/kpis/export?from=" + from + "&amp;group_by=handler&amp;to=" + to
		kp.must(t, 200, `id="kpi-export"`, export, `href="/reports/weekly"`)
		if file := b.get(strings.ReplaceAll(export, "&amp;", "&")); file.status != 200 || !strings.HasPrefix(file.body, "PK") {
			t.Errorf("the KPI workbook with the page's session: %d %.40q", file.status, file.body)
		}
	})
}
