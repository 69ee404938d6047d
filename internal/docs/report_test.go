package docs

import (
	"bytes"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func rate(v float64) *float64 { return &v }

// sample is a table with every kind of column, a subtotal, totals and notes.
func sample(rows int) *Table {
	t := &Table{Title: "周通报（测试）", Subtitle: "三水法院 2026-04-06 至 2026-04-12",
		Columns: []Column{{"团队", Text}, {"承办人", Text}, {"收案", Count}, {"结案", Count}, {"结收比", Percent},
			{"结案平均用时（日）", Decimal}, {"执行到位金额（元）", Money}},
		Notes: []string{"收案、结案按立案日和结案日计入期间。", "结收比 = 结案 ÷ 收案。"}}
	var received, closed, fen int64
	for i := range rows {
		r, c, f := int64(i%7+1), int64(i%5), int64(i)*123456+7
		received, closed, fen = received+r, closed+c, fen+f
		t.Rows = append(t.Rows, Row{Cells: []any{"速执团队", fmt.Sprintf("承办人%03d", i), r, c, rate(float64(c) / float64(r)),
			rate(float64(i) / 3), f}})
	}
	t.Rows = append(t.Rows, Row{Cells: []any{"普执团队", "一个名字非常非常非常非常非常非常非常非常长的承办人和团队说明文字", 0, int64(0),
		(*float64)(nil), nil, int64(0)}, Strong: true})
	t.Totals = []any{"合计", "", received, closed, rate(float64(closed) / float64(received)), nil, fen}
	return t
}

func TestXLSX(t *testing.T) {
	t.Parallel()
	tab := sample(12)
	var buf bytes.Buffer
	if err := tab.XLSX(&buf); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("ZHIXING_DOCS_OUT"); dir != "" {
		_ = os.WriteFile(dir+"/sample.xlsx", buf.Bytes(), 0o644)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sheet := f.GetSheetName(0)
	if sheet != "周通报（测试）" {
		t.Errorf("sheet %q", sheet)
	}
	get := func(cell string) string {
		v, err := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	typ := func(cell string) excelize.CellType {
		ct, err := f.GetCellType(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	if get("A1") != tab.Title || get("A2") != tab.Subtitle || get("A3") != "团队" || get("G3") != "执行到位金额（元）" {
		t.Errorf("title, subtitle, header: %q %q %q %q", get("A1"), get("A2"), get("A3"), get("G3"))
	}
	// Row 4 is the first data row: counts, rates and money are numbers.
	if get("C4") != "1" || get("D4") != "0" || get("E4") != "0" || get("G4") != "0.07" {
		t.Errorf("first row: %q %q %q %q", get("C4"), get("D4"), get("E4"), get("G4"))
	}
	for _, cell := range []string{"C4", "E5", "F5", "G5"} {
		if ct := typ(cell); ct != excelize.CellTypeUnset && ct != excelize.CellTypeNumber {
			t.Errorf("%s is of type %v, want a number", cell, ct)
		}
	}
	if v, _ := strconv.ParseFloat(get("E5"), 64); v != 0.5 { // row 2: 1 closed of 2 received
		t.Errorf("a rate: %q", get("E5"))
	}
	if get("G5") != "1234.63" {
		t.Errorf("money in yuan: %q", get("G5"))
	}
	// The rate is formatted as a percentage, the money with two decimals.
	styled, err := f.GetCellValue(sheet, "E5")
	if err != nil || styled != "50.00%" {
		t.Errorf("formatted rate: %q %v", styled, err)
	}
	if m, _ := f.GetCellValue(sheet, "G6"); m != "2,469.19" {
		t.Errorf("formatted money: %q", m)
	}
	// The subtotal's absent rate is an empty cell; the totals follow.
	if get("E16") != "" || get("A17") != "合计" || get("C17") != "43" || get("D17") != "21" {
		t.Errorf("subtotal and totals: %q %q %q %q", get("E16"), get("A17"), get("C17"), get("D17"))
	}
	if get("A19") != tab.Notes[0] {
		t.Errorf("notes: %q", get("A19"))
	}
	if w, _ := f.GetColWidth(sheet, "B"); w != 40 {
		t.Errorf("a long text column is capped: %v", w)
	}
	if w, _ := f.GetColWidth(sheet, "C"); w < 8 || w > 12 {
		t.Errorf("a count column's width: %v", w)
	}
	if p, err := f.GetPanes(sheet); err != nil || !p.Freeze || p.YSplit != 3 {
		t.Errorf("the header is frozen: %+v %v", p, err)
	}
}

// pdfPages counts the page objects of a PDF.
func pdfPages(t *testing.T, data []byte) int {
	t.Helper()
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", data)
	}
	return len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(data, -1))
}

func TestPDF(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		rows, pages int
	}{
		{3, 1},
		// The first page holds the title, the subtitle, the header and 27
		// lines; the others the header and 29. 100 rows, a subtotal, the
		// totals and 2 note lines are 104 lines: 27 + 29 + 29 + 19.
		{100, 4},
	} {
		t.Run(strconv.Itoa(tc.rows), func(t *testing.T) {
			t.Parallel()
			tab := sample(tc.rows)
			var buf bytes.Buffer
			n, err := tab.writePDF(&buf)
			if err != nil {
				t.Fatal(err)
			}
			if dir := os.Getenv("ZHIXING_DOCS_OUT"); dir != "" {
				_ = os.WriteFile(fmt.Sprintf("%s/sample-%d.pdf", dir, tc.rows), buf.Bytes(), 0o644)
			}
			if pages, err := tab.PDFPages(); err != nil || pages != tc.pages {
				t.Errorf("PDFPages: %d %v, want %d", pages, err, tc.pages)
			}
			if got := pdfPages(t, buf.Bytes()); got != tc.pages || n != tc.pages {
				t.Errorf("%d rows: %d pages (%d reported), want %d", tc.rows, got, n, tc.pages)
			}
			if !bytes.Contains(buf.Bytes(), []byte("/FontFile2")) {
				t.Error("the font is not embedded")
			}
		})
	}
}

// TestPDFLayout: every page starts with the header, no line crosses the
// bottom margin, every row is placed once and in order.
func TestPDFLayout(t *testing.T) {
	t.Parallel()
	tab := sample(250)
	var buf bytes.Buffer
	if err := tab.PDF(&buf); err != nil {
		t.Fatal(err)
	}
	pages, widths, err := tab.layout(newPDF(t))
	if err != nil {
		t.Fatal(err)
	}
	sum := 0.0
	for _, w := range widths {
		sum += w
	}
	if sum < contentW-0.01 || sum > contentW+0.01 {
		t.Errorf("the columns are %v wide, the page %v", sum, contentW)
	}
	var names []string
	for i, pg := range pages {
		if pg.lines[0].kind != headerLine || pg.lines[0].head[0][0] != "团队" {
			t.Fatalf("page %d does not start with the header", i+1)
		}
		y := margin
		if i == 0 {
			y += titleH + titleGap + subtitleH
		}
		for _, l := range pg.lines {
			y += l.h
			if l.kind == rowLine {
				names = append(names, l.cells[1])
			}
		}
		if y > bottom {
			t.Errorf("page %d ends at %v, below %v", i+1, y, bottom)
		}
	}
	if len(names) != 250 || names[0] != "承办人000" || names[249] != "承办人249" {
		t.Errorf("rows placed: %d, %v … %v", len(names), names[0], names[len(names)-1])
	}
	last := pages[len(pages)-1].lines
	if last[len(last)-1].kind != noteLine || last[len(last)-3].kind != totalsLine {
		t.Errorf("the totals and the notes end the table")
	}
	if got := pdfPages(t, buf.Bytes()); got != len(pages) {
		t.Errorf("%d pages written, %d laid out", got, len(pages))
	}
}

func TestFitAndFormat(t *testing.T) {
	t.Parallel()
	p := newPDF(t)
	long := "一个名字非常非常非常非常非常非常非常非常长的承办人"
	s, err := p.fit(long, cellSize, 60)
	if err != nil || !strings.HasSuffix(s, "…") || len([]rune(s)) >= len([]rune(long)) {
		t.Errorf("fit: %q %v", s, err)
	}
	if w, _ := p.width(s, cellSize); w > 60 {
		t.Errorf("fit: %q is %v wide", s, w)
	}
	if s, _ := p.fit("短", cellSize, 60); s != "短" {
		t.Errorf("fit short: %q", s)
	}
	lines, err := p.wrap("执行到位金额（元）", cellSize, 50)
	if err != nil || len(lines) < 2 || strings.Join(lines, "") != "执行到位金额（元）" {
		t.Errorf("wrap: %q %v", lines, err)
	}
	for _, l := range lines {
		if strings.HasPrefix(l, "）") {
			t.Errorf("a line starts with closing punctuation: %q", lines)
		}
	}
	if lines, _ := p.wrap("MET-1 结案率 = 结案 ÷ (期初未结 + 收案)", noteSize, 2000); len(lines) != 1 {
		t.Errorf("wrap a short note: %q", lines)
	}
	// Neither font has it: drawn as 〓, no failure.
	if _, err := p.width("😀 张三", cellSize); err != nil {
		t.Errorf("a character no font has: %v", err)
	}
	for _, tc := range []struct {
		fen  int64
		want string
	}{{0, "0.00"}, {5, "0.05"}, {123456789, "1,234,567.89"}, {-100050, "-1,000.50"}, {100000, "1,000.00"}} {
		if got := Yuan(tc.fen); got != tc.want {
			t.Errorf("Yuan(%d) = %q, want %q", tc.fen, got, tc.want)
		}
	}
	if got := format(Percent, rate(0.3333)); got != "33.33%" {
		t.Errorf("percent: %q", got)
	}
	if got := format(Percent, (*float64)(nil)); got != None {
		t.Errorf("no rate: %q", got)
	}
	if got := format(Decimal, 30.26); got != "30.3" {
		t.Errorf("decimal: %q", got)
	}
	bad := &Table{Title: "x", Columns: []Column{{"a", Count}}, Rows: []Row{{Cells: []any{"text"}}}}
	if err := bad.XLSX(&bytes.Buffer{}); err == nil {
		t.Error("a string in a count column")
	}
	if err := (&Table{Title: "x", Columns: []Column{{"a", Count}}, Rows: []Row{{Cells: []any{1, 2}}}}).PDF(&bytes.Buffer{}); err == nil {
		t.Error("a row with more cells than columns")
	}
}

func newPDF(t *testing.T) *pdfText {
	t.Helper()
	p, err := newDoc()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAttachment(t *testing.T) {
	t.Parallel()
	got := Attachment("周通报_三水法院_2026-04-06_2026-04-12.xlsx", "weekly-bulletin_2026-04-06_2026-04-12.xlsx")
	want := `attachment; filename="weekly-bulletin_2026-04-06_2026-04-12.xlsx"; filename*=UTF-8''` +
		`%E5%91%A8%E9%80%9A%E6%8A%A5_%E4%B8%89%E6%B0%B4%E6%B3%95%E9%99%A2_2026-04-06_2026-04-12.xlsx`
	if got != want {
		t.Errorf("Attachment:\n got %s\nwant %s", got, want)
	}
	if got := Attachment("周", ""); got != `attachment; filename="_"; filename*=UTF-8''%E5%91%A8` {
		t.Errorf("no fallback: %s", got)
	}
	if got := Attachment(`a "b";c.pdf`, ""); got != `attachment; filename="a _b_;c.pdf"; filename*=UTF-8''a%20%22b%22%3Bc.pdf` {
		t.Errorf("quotes and separators: %s", got)
	}
}
