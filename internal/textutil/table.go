// Package textutil formats text for terminals.
package textutil

import (
	"io"
	"strings"

	"golang.org/x/text/width"
)

// Width is the number of terminal columns s takes: East Asian wide and
// full-width characters (汉字, full-width punctuation) take two.
func Width(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// WriteTable writes rows as aligned columns, two spaces apart, each line
// starting with indent. Unlike text/tabwriter it aligns Chinese text.
func WriteTable(w io.Writer, indent string, rows [][]string) error {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], Width(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		b.WriteString(indent)
		for i, cell := range row {
			b.WriteString(cell)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-Width(cell)+2))
			}
		}
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
