package docs

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/signintech/gopdf"
)

// PDFContentType is the media type of a PDF.
const PDFContentType = "application/pdf"

// The fonts of every PDF: Droid Sans Fallback (Apache-2.0, from Debian's
// fonts-droid-fallback) for Chinese, and Arimo (OFL-1.1, from Debian's
// fonts-croscore) for what Droid Sans Fallback lacks — digits, Latin
// letters and Western punctuation. Their licences are in fonts/. Only the
// glyphs a document uses are embedded in it.
var (
	//go:embed fonts/DroidSansFallbackFull.ttf
	cjkFont []byte
	//go:embed fonts/Arimo-Regular.ttf
	latinFont []byte
)

const (
	cjkFamily   = "droid"
	latinFamily = "arimo"
)

// The page: A4 landscape, in points.
const (
	pageW, pageH = 842.0, 595.0
	margin       = 36.0
	contentW     = pageW - 2*margin

	titleSize, titleH       = 16.0, 26.0
	subtitleSize, subtitleH = 10.0, 18.0
	titleGap                = 6.0

	cellSize   = 9.0  // the table's font size
	rowH       = 16.0 // a row's height
	headLineH  = 11.0 // a line of the header
	headPad    = 6.0  // the header's vertical padding, in all
	cellPad    = 4.0  // the horizontal padding inside a cell
	noteSize   = 8.0
	noteLineH  = 12.0
	notesGap   = 8.0
	footerSize = 8.0
	footerY    = pageH - 24.0 // the top of the page-number line
	bottom     = pageH - margin - 6.0
)

// pdfLine is one thing drawn down a page: a table row (the header, a row,
// the totals) or a line of the notes.
type pdfLine struct {
	kind  lineKind
	cells []string
	head  [][]string // the header's lines per column
	h     float64
}

type lineKind int

const (
	headerLine lineKind = iota
	rowLine
	strongLine
	totalsLine
	noteLine
)

// pdfPage is what one page holds, under the title on the first.
type pdfPage struct{ lines []pdfLine }

// PDF writes the table to w: A4 landscape, the title and subtitle on the
// first page, the header at the top of every page, the rows, the totals and
// the notes, and "第 n 页 共 m 页" at the foot of each page. Text too long
// for its column is cut with "…"; numbers are right-aligned.
func (t *Table) PDF(w io.Writer) error {
	_, err := t.writePDF(w)
	return err
}

// PDFPages is the number of pages PDF writes for the table.
func (t *Table) PDFPages() (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	p, err := newDoc()
	if err != nil {
		return 0, err
	}
	pages, _, err := t.layout(p)
	return len(pages), err
}

// writePDF writes the PDF and returns the number of pages.
func (t *Table) writePDF(w io.Writer) (int, error) {
	if err := t.check(); err != nil {
		return 0, err
	}
	p, err := newDoc()
	if err != nil {
		return 0, err
	}
	p.gp.SetInfo(gopdf.PdfInfo{Title: t.Title, Subject: t.Subtitle, Creator: "zhixing 执行事务平台", Producer: "zhixing"})
	pages, widths, err := t.layout(p)
	if err != nil {
		return 0, err
	}
	d := &pdfDrawer{pdfText: p, widths: widths, cols: t.Columns}
	for i, pg := range pages {
		p.gp.AddPage()
		y := margin
		if i == 0 {
			if y, err = d.titles(t); err != nil {
				return 0, err
			}
		}
		for _, l := range pg.lines {
			if err := d.line(l, y); err != nil {
				return 0, err
			}
			y += l.h
		}
		if err := d.footer(i+1, len(pages)); err != nil {
			return 0, err
		}
	}
	_, err = p.gp.WriteTo(w)
	return len(pages), err
}

// layout measures the columns and puts the lines on pages: a page is full
// when the next line would cross the bottom margin; every page starts with
// the header.
func (t *Table) layout(p *pdfText) ([]pdfPage, []float64, error) {
	widths, err := t.columnWidths(p)
	if err != nil {
		return nil, nil, err
	}
	head := pdfLine{kind: headerLine, head: make([][]string, len(t.Columns))}
	lines := 1
	for i, c := range t.Columns {
		split, err := p.wrap(c.Title, cellSize, widths[i]-2*cellPad)
		if err != nil {
			return nil, nil, err
		}
		head.head[i] = split
		lines = max(lines, len(split))
	}
	head.h = float64(lines)*headLineH + headPad
	var body []pdfLine
	add := func(kind lineKind, cells []any) error {
		l := pdfLine{kind: kind, h: rowH, cells: make([]string, len(cells))}
		for i, c := range cells {
			s, err := p.fit(format(t.Columns[i].Kind, c), cellSize, widths[i]-2*cellPad)
			if err != nil {
				return err
			}
			l.cells[i] = s
		}
		body = append(body, l)
		return nil
	}
	for _, r := range t.Rows {
		kind := rowLine
		if r.Strong {
			kind = strongLine
		}
		if err := add(kind, r.Cells); err != nil {
			return nil, nil, err
		}
	}
	if t.Totals != nil {
		if err := add(totalsLine, t.Totals); err != nil {
			return nil, nil, err
		}
	}
	for i, n := range t.Notes {
		split, err := p.wrap(n, noteSize, contentW)
		if err != nil {
			return nil, nil, err
		}
		for j, s := range split {
			h := noteLineH
			if i == 0 && j == 0 {
				h += notesGap
			}
			body = append(body, pdfLine{kind: noteLine, cells: []string{s}, h: h})
		}
	}
	top := margin + titleH + titleGap
	if t.Subtitle != "" {
		top += subtitleH
	}
	pages := []pdfPage{{lines: []pdfLine{head}}}
	y := top + head.h
	for _, l := range body {
		if y+l.h > bottom {
			pages = append(pages, pdfPage{lines: []pdfLine{head}})
			y = margin + head.h
		}
		pages[len(pages)-1].lines = append(pages[len(pages)-1].lines, l)
		y += l.h
	}
	return pages, widths, nil
}

// columnWidths gives each column the width of its widest cell (its header
// counts at half its width, as it may wrap onto two lines; and at least
// four Chinese characters) and stretches or shrinks them together to the
// width of the page.
func (t *Table) columnWidths(p *pdfText) ([]float64, error) {
	widths := make([]float64, len(t.Columns))
	measure := func(i int, s string, share float64) error {
		w, err := p.width(s, cellSize)
		if err != nil {
			return err
		}
		widths[i] = max(widths[i], w*share+2*cellPad)
		return nil
	}
	for i, c := range t.Columns {
		if err := measure(i, c.Title, 0.5); err != nil {
			return nil, err
		}
		if err := measure(i, "四个汉字", 1); err != nil {
			return nil, err
		}
	}
	rows := t.Rows
	if t.Totals != nil {
		rows = append(rows[:len(rows):len(rows)], Row{Cells: t.Totals})
	}
	for _, r := range rows {
		for i, c := range r.Cells {
			if err := measure(i, format(t.Columns[i].Kind, c), 1); err != nil {
				return nil, err
			}
		}
	}
	sum := 0.0
	for _, w := range widths {
		sum += w
	}
	for i := range widths {
		widths[i] *= contentW / sum
	}
	return widths, nil
}

// pdfText writes text in the two fonts: each run of characters in the font
// that has them, on one baseline.
type pdfText struct{ gp *gopdf.GoPdf }

// newDoc starts an A4 landscape document with the fonts. A character
// neither font has is printed as "〓".
func newDoc() (*pdfText, error) {
	gp := &gopdf.GoPdf{}
	gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4Landscape, Unit: gopdf.UnitPT})
	if err := gp.AddTTFFontDataWithOption(cjkFamily, cjkFont, gopdf.TtfOption{
		OnGlyphNotFoundSubstitute: func(rune) rune { return '〓' }}); err != nil {
		return nil, fmt.Errorf("docs: font %s: %w", cjkFamily, err)
	}
	if err := gp.AddTTFFontData(latinFamily, latinFont); err != nil {
		return nil, fmt.Errorf("docs: font %s: %w", latinFamily, err)
	}
	gp.SetTextColor(0, 0, 0) // text sets its own colour, apart from the fills
	return &pdfText{gp: gp}, nil
}

var (
	latinOnce  sync.Once
	latinRunes map[rune]bool // what Arimo has below U+3000
	latinErr   error
)

// inLatin reports whether r is drawn in the Latin font: Arimo has it and it
// is not a CJK character (Chinese punctuation stays in the Chinese font).
func inLatin(r rune) bool {
	latinOnce.Do(func() {
		gp := &gopdf.GoPdf{}
		gp.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4Landscape, Unit: gopdf.UnitPT})
		if latinErr = gp.AddTTFFontData(latinFamily, latinFont); latinErr != nil {
			return
		}
		if latinErr = gp.SetFont(latinFamily, "", 10); latinErr != nil {
			return
		}
		latinRunes = map[rune]bool{}
		for r := rune(0x20); r < 0x3000; r++ {
			if ok, _ := gp.IsCurrFontContainGlyph(r); ok {
				latinRunes[r] = true
			}
		}
	})
	return latinRunes[r]
}

type run struct {
	family string
	text   string
}

func (p *pdfText) runs(s string) ([]run, error) {
	inLatin(' ')
	if latinErr != nil {
		return nil, fmt.Errorf("docs: font %s: %w", latinFamily, latinErr)
	}
	var out []run
	for _, r := range s {
		family := cjkFamily
		if inLatin(r) {
			family = latinFamily
		}
		if n := len(out); n > 0 && out[n-1].family == family {
			out[n-1].text += string(r)
		} else {
			out = append(out, run{family, string(r)})
		}
	}
	return out, nil
}

// width is the width of s at size.
func (p *pdfText) width(s string, size float64) (float64, error) {
	runs, err := p.runs(s)
	if err != nil {
		return 0, err
	}
	w := 0.0
	for _, r := range runs {
		if err := p.gp.SetFont(r.family, "", size); err != nil {
			return 0, err
		}
		rw, err := p.gp.MeasureTextWidth(r.text)
		if err != nil {
			return 0, err
		}
		w += rw
	}
	return w, nil
}

// draw writes s at size in the box (x, y, w, h): aligned left, right or
// centred (gopdf.Left, Right, Center), centred vertically.
func (p *pdfText) draw(s string, size, x, y, w, h float64, align int) error {
	if s == "" {
		return nil
	}
	tw, err := p.width(s, size)
	if err != nil {
		return err
	}
	switch {
	case align&gopdf.Right != 0:
		x += w - tw
	case align&gopdf.Center != 0:
		x += (w - tw) / 2
	}
	baseline := y + h/2 + size*0.35
	runs, _ := p.runs(s)
	for _, r := range runs {
		if err := p.gp.SetFont(r.family, "", size); err != nil {
			return err
		}
		rw, err := p.gp.MeasureTextWidth(r.text)
		if err != nil {
			return err
		}
		p.gp.SetXY(x, baseline)
		if err := p.gp.Text(r.text); err != nil {
			return err
		}
		x += rw
	}
	return nil
}

// fit cuts s to width at size, ending it with "…" when it was cut.
func (p *pdfText) fit(s string, size, width float64) (string, error) {
	w, err := p.width(s, size)
	if err != nil || w <= width {
		return s, err
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		cut := string(r) + "…"
		if w, err = p.width(cut, size); err != nil || w <= width {
			return cut, err
		}
	}
	return "", nil
}

// wrap breaks s into lines no wider than width at size: after any Chinese
// character, and between Latin words where it can.
func (p *pdfText) wrap(s string, size, width float64) ([]string, error) {
	var lines []string
	rs := []rune(s)
	for len(rs) > 0 {
		n := 0 // the runes that fit
		for n < len(rs) {
			w, err := p.width(string(rs[:n+1]), size)
			if err != nil {
				return nil, err
			}
			if w > width && n > 0 {
				break
			}
			n++
		}
		if n < len(rs) {
			// Do not cut a Latin word when the line has an earlier break,
			// nor start a line with closing punctuation.
			for k := n; k > 0; k-- {
				if breakable(rs[k-1], rs[k]) {
					n = k
					break
				}
			}
			if n > 1 && strings.ContainsRune(closing, rs[n]) {
				n--
			}
		}
		lines = append(lines, string(rs[:n]))
		rs = rs[n:]
		for len(rs) > 0 && rs[0] == ' ' {
			rs = rs[1:]
		}
	}
	return lines, nil
}

// closing is the punctuation a line does not start with.
const closing = "）)】」』，,。.、；;：:！!？?%…"

// breakable reports whether a line may break between a and b.
func breakable(a, b rune) bool {
	word := func(r rune) bool {
		return r < 0x3000 && (unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsPunct(r))
	}
	return a == ' ' || !word(a) || !word(b)
}

type pdfDrawer struct {
	*pdfText
	widths []float64
	cols   []Column
}

// titles draws the title and subtitle and returns where the table starts.
func (d *pdfDrawer) titles(t *Table) (float64, error) {
	y := margin
	if err := d.draw(t.Title, titleSize, margin, y, contentW, titleH, gopdf.Center); err != nil {
		return 0, err
	}
	y += titleH
	if t.Subtitle != "" {
		if err := d.draw(t.Subtitle, subtitleSize, margin, y, contentW, subtitleH, gopdf.Center); err != nil {
			return 0, err
		}
		y += subtitleH
	}
	return y + titleGap, nil
}

// line draws one line at y.
func (d *pdfDrawer) line(l pdfLine, y float64) error {
	gp := d.gp
	if l.kind == noteLine {
		gp.SetTextColor(80, 80, 80)
		defer gp.SetTextColor(0, 0, 0)
		return d.draw(l.cells[0], noteSize, margin, y+l.h-noteLineH, contentW, noteLineH, gopdf.Left)
	}
	fill := map[lineKind][3]uint8{headerLine: {217, 225, 242}, strongLine: {242, 242, 242}, totalsLine: {231, 230, 230}}
	gp.SetStrokeColor(160, 160, 160)
	gp.SetLineWidth(0.5)
	x := margin
	for i, w := range d.widths {
		if c, ok := fill[l.kind]; ok {
			gp.SetFillColor(c[0], c[1], c[2])
			gp.RectFromUpperLeftWithStyle(x, y, w, l.h, "FD")
		} else {
			gp.RectFromUpperLeftWithStyle(x, y, w, l.h, "D")
		}
		if l.kind == headerLine {
			top := y + (l.h-float64(len(l.head[i]))*headLineH)/2
			for j, s := range l.head[i] {
				if err := d.draw(s, cellSize, x+cellPad, top+float64(j)*headLineH, w-2*cellPad, headLineH, gopdf.Center); err != nil {
					return err
				}
			}
		} else {
			align := gopdf.Left
			if d.cols[i].Kind != Text {
				align = gopdf.Right
			}
			if err := d.draw(l.cells[i], cellSize, x+cellPad, y, w-2*cellPad, l.h, align); err != nil {
				return err
			}
		}
		x += w
	}
	if l.kind == totalsLine {
		gp.SetStrokeColor(0, 0, 0)
		gp.SetLineWidth(1)
		gp.Line(margin, y, margin+contentW, y)
	}
	return nil
}

func (d *pdfDrawer) footer(n, of int) error {
	d.gp.SetTextColor(80, 80, 80)
	defer d.gp.SetTextColor(0, 0, 0)
	return d.draw("第 "+strconv.Itoa(n)+" 页 共 "+strconv.Itoa(of)+" 页", footerSize, margin, footerY, contentW, 12, gopdf.Center)
}
