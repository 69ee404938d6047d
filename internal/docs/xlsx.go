package docs

import (
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// XLSXContentType is the media type of a workbook.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Built-in number formats of the workbook (ECMA-376 18.8.30).
const (
	fmtInteger  = 1  // 0
	fmtDecimal2 = 4  // #,##0.00
	fmtPercent2 = 10 // 0.00%
)

// fmtDecimal1 is the custom format of Decimal cells.
var fmtDecimal1 = "0.0"

// rowStyle is the look of a row: a data row, a subtotal or the totals.
type rowStyle int

const (
	plainRow rowStyle = iota
	strongRow
	totalsRow
)

// XLSX writes the table to w as a workbook of one sheet: the title and the
// subtitle across the table, the header, the rows, the totals and the notes;
// the header stays in view when scrolling and is repeated on printed pages.
// Counts, amounts and rates are numbers with their formats (amounts in yuan,
// rates as percentages), not text.
func (t *Table) XLSX(w io.Writer) error {
	if err := t.check(); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	sheet := sheetName(t.Title)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	x := &xlsxWriter{f: f, sheet: sheet, styles: map[styleKey]int{}}
	row := 1
	banner := func(text string, size float64, bold bool) error {
		cell := cellName(1, row)
		if err := f.SetCellStr(sheet, cell, text); err != nil {
			return err
		}
		if len(t.Columns) > 1 {
			if err := f.MergeCell(sheet, cell, cellName(len(t.Columns), row)); err != nil {
				return err
			}
		}
		id, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: bold, Size: size},
			Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
		if err != nil {
			return err
		}
		if err := f.SetCellStyle(sheet, cell, cellName(len(t.Columns), row), id); err != nil {
			return err
		}
		if err := f.SetRowHeight(sheet, row, size*1.8); err != nil {
			return err
		}
		row++
		return nil
	}
	if err := banner(t.Title, 14, true); err != nil {
		return err
	}
	if t.Subtitle != "" {
		if err := banner(t.Subtitle, 10, false); err != nil {
			return err
		}
	}
	header := row
	for i, c := range t.Columns {
		if err := x.set(i, row, Text, c.Title, styleKey{kind: Text, header: true}); err != nil {
			return err
		}
	}
	row++
	widths := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = displayWidth(c.Title)
	}
	write := func(cells []any, look rowStyle) error {
		for i, c := range cells {
			k := t.Columns[i].Kind
			if err := x.set(i, row, k, c, styleKey{kind: k, look: look}); err != nil {
				return err
			}
			widths[i] = max(widths[i], displayWidth(format(k, c)))
		}
		row++
		return nil
	}
	for _, r := range t.Rows {
		look := plainRow
		if r.Strong {
			look = strongRow
		}
		if err := write(r.Cells, look); err != nil {
			return err
		}
	}
	if t.Totals != nil {
		if err := write(t.Totals, totalsRow); err != nil {
			return err
		}
	}
	for _, n := range t.Notes {
		row++
		if err := f.SetCellStr(sheet, cellName(1, row), n); err != nil {
			return err
		}
	}
	for i, w := range widths {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(min(max(w+2, 8), 40))); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: header, TopLeftCell: cellName(1, header+1), ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	landscape, fit := "landscape", 1
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Size: intPtr(9), Orientation: &landscape, FitToWidth: &fit}); err != nil {
		return err
	}
	if err := f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles", Scope: sheet,
		RefersTo: "'" + sheet + "'!$" + strconv.Itoa(header) + ":$" + strconv.Itoa(header)}); err != nil {
		return err
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: t.Title, Creator: "zhixing 执行事务平台", Language: "zh-CN"}); err != nil {
		return err
	}
	_, err := f.WriteTo(w)
	return err
}

type styleKey struct {
	kind   Kind
	look   rowStyle
	header bool
}

type xlsxWriter struct {
	f      *excelize.File
	sheet  string
	styles map[styleKey]int
}

// set writes one cell with its style: numbers as numbers.
func (x *xlsxWriter) set(col, row int, k Kind, c any, key styleKey) error {
	cell := cellName(col+1, row)
	v, ok, err := value(k, c)
	if err != nil {
		return err
	}
	switch {
	case !ok:
	case k == Text:
		err = x.f.SetCellStr(x.sheet, cell, v.(string))
	case k == Count:
		err = x.f.SetCellInt(x.sheet, cell, v.(int64))
	case k == Money:
		// The yuan as a decimal numeral, stored as the number it is.
		err = x.f.SetCellDefault(x.sheet, cell, plainYuan(v.(int64)))
	default:
		err = x.f.SetCellFloat(x.sheet, cell, v.(float64), -1, 64)
	}
	if err != nil {
		return err
	}
	id, err := x.style(key)
	if err != nil {
		return err
	}
	return x.f.SetCellStyle(x.sheet, cell, cell, id)
}

func (x *xlsxWriter) style(key styleKey) (int, error) {
	if id, ok := x.styles[key]; ok {
		return id, nil
	}
	thin := []excelize.Border{{Type: "left", Color: "BFBFBF", Style: 1}, {Type: "right", Color: "BFBFBF", Style: 1},
		{Type: "top", Color: "BFBFBF", Style: 1}, {Type: "bottom", Color: "BFBFBF", Style: 1}}
	s := &excelize.Style{Border: thin, Alignment: &excelize.Alignment{Vertical: "center"}, Font: &excelize.Font{Size: 10}}
	switch key.kind {
	case Count:
		s.NumFmt = fmtInteger
	case Money:
		s.NumFmt = fmtDecimal2
	case Percent:
		s.NumFmt = fmtPercent2
	case Decimal:
		s.CustomNumFmt = &fmtDecimal1
	}
	if key.kind != Text {
		s.Alignment.Horizontal = "right"
	}
	switch {
	case key.header:
		s.Font.Bold = true
		s.Alignment.Horizontal, s.Alignment.WrapText = "center", true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}}
	case key.look == strongRow:
		s.Font.Bold = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"F2F2F2"}}
	case key.look == totalsRow:
		s.Font.Bold = true
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"E7E6E6"}}
		s.Border = append(s.Border[:2:2], excelize.Border{Type: "top", Color: "000000", Style: 2}, s.Border[3])
	}
	id, err := x.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	x.styles[key] = id
	return id, nil
}

func cellName(col, row int) string {
	name, _ := excelize.CoordinatesToCellName(col, row)
	return name
}

// sheetName makes a title a valid sheet name: at most 31 characters, none of
// : \ / ? * [ ].
func sheetName(title string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.TrimSpace(title))
	if r := []rune(name); len(r) > 31 {
		name = string(r[:31])
	}
	name = strings.Trim(name, "'")
	if name == "" {
		return "Sheet1"
	}
	return name
}

func intPtr(n int) *int { return &n }
