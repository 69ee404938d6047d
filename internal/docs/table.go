// Package docs renders the documents zhixing hands out. For now that is the
// table report — a title, a header, rows and a totals row — written as an
// Excel workbook (XLSX, through excelize) or as a PDF (through gopdf, A4
// landscape, with the Droid Sans Fallback CJK font embedded in the binary).
// Reports, bulletins and exports of lists build a Table and choose the
// format; the numbers stay numbers in the workbook, so they can be summed
// and charted there.
package docs

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is what a column holds, which decides how its cells are written.
type Kind int

const (
	// Text is a string.
	Text Kind = iota
	// Count is a whole number (int or int64).
	Count
	// Percent is a ratio as a float64 (0.5 is 50%), written as a
	// percentage with two decimals; a nil *float64 is none.
	Percent
	// Decimal is a float64 written with one decimal (mean days); a nil
	// *float64 is none.
	Decimal
	// Money is an amount in fen (int64), written in yuan with two
	// decimals and thousands separators. No float is involved.
	Money
)

// Column is one column of a table.
type Column struct {
	Title string
	Kind  Kind
}

// Row is one row: a value for each column — a string, an int or int64, a
// float64 or *float64, or nil for none.
type Row struct {
	Cells []any
	// Strong marks a subtotal (a team's line among its handlers): set off
	// in both formats, not added to anything by the writer.
	Strong bool
}

// Table is a table report.
type Table struct {
	Title    string
	Subtitle string // under the title: the court, the period, when it was made
	Columns  []Column
	Rows     []Row
	Totals   []any    // the totals row, one value per column; nil: none
	Notes    []string // definitions and remarks printed below the table
}

// None is how an absent value (a rate whose denominator is 0) is printed.
const None = "—"

func (t *Table) check() error {
	if len(t.Columns) == 0 {
		return fmt.Errorf("docs: table %q has no columns", t.Title)
	}
	check := func(what string, cells []any) error {
		if len(cells) != len(t.Columns) {
			return fmt.Errorf("docs: table %q: %s has %d cells for %d columns", t.Title, what, len(cells), len(t.Columns))
		}
		for i, c := range cells {
			if _, _, err := value(t.Columns[i].Kind, c); err != nil {
				return fmt.Errorf("docs: table %q: %s, column %q: %w", t.Title, what, t.Columns[i].Title, err)
			}
		}
		return nil
	}
	for i, r := range t.Rows {
		if err := check(fmt.Sprintf("row %d", i+1), r.Cells); err != nil {
			return err
		}
	}
	if t.Totals != nil {
		return check("the totals row", t.Totals)
	}
	return nil
}

// value reads a cell of a column of kind k: its text, or for a number its
// value (int64 for Count and Money, float64 for Percent and Decimal); ok is
// false for none.
func value(k Kind, c any) (v any, ok bool, err error) {
	switch x := c.(type) {
	case nil:
		return nil, false, nil
	case *float64:
		if x == nil {
			return nil, false, nil
		}
		return value(k, *x)
	}
	switch k {
	case Text:
		switch x := c.(type) {
		case string:
			return x, true, nil
		case int:
			return strconv.Itoa(x), true, nil
		case int64:
			return strconv.FormatInt(x, 10), true, nil
		}
	case Count, Money:
		switch x := c.(type) {
		case int:
			return int64(x), true, nil
		case int64:
			return x, true, nil
		}
	case Percent, Decimal:
		switch x := c.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, false, nil
			}
			return x, true, nil
		case int:
			return float64(x), true, nil
		case int64:
			return float64(x), true, nil
		}
	default:
		return nil, false, fmt.Errorf("unknown kind %d", k)
	}
	return nil, false, fmt.Errorf("a %T in a column of kind %d", c, k)
}

// format writes a cell as it is printed. The cells were checked.
func format(k Kind, c any) string {
	v, ok, _ := value(k, c)
	if !ok {
		if k == Text {
			return ""
		}
		return None
	}
	switch k {
	case Count:
		return strconv.FormatInt(v.(int64), 10)
	case Money:
		return Yuan(v.(int64))
	case Percent:
		return strconv.FormatFloat(v.(float64)*100, 'f', 2, 64) + "%"
	case Decimal:
		return strconv.FormatFloat(v.(float64), 'f', 1, 64)
	}
	return v.(string)
}

// Yuan writes an amount in fen as yuan with two decimals and thousands
// separators: 123456789 → "1,234,567.89".
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-(fen+1))+1
	}
	whole := strconv.FormatUint(u/100, 10)
	var b strings.Builder
	b.WriteString(sign)
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	cents := u % 100
	b.WriteByte('.')
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}

// plainYuan is Yuan without separators: the numeric text of a workbook cell.
func plainYuan(fen int64) string { return strings.ReplaceAll(Yuan(fen), ",", "") }

// displayWidth is the width of s in character cells: a CJK or other wide
// character counts 2.
func displayWidth(s string) int {
	w := 0
	for _, r := range s {
		if r >= 0x1100 && utf8.RuneLen(r) >= 3 {
			w += 2
		} else {
			w++
		}
	}
	return w
}
