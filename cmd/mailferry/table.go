package main

import (
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// table is a text/tabwriter for terminals: it aligns tab-separated cells
// by display width, so that Japanese folder names (two columns per
// character) line up. Cells are terminated by '\t', lines by '\n'; columns
// are separated by two spaces. With alignRight every column but the first
// (names) is aligned right.
type table struct {
	w          io.Writer
	alignRight bool
	buf        bytes.Buffer
	// maxWidth > 0 fits the table into maxWidth-1 columns by shortening
	// the cells of column flexCol in the middle (never below 8 columns).
	maxWidth int
	flexCol  int
	// flexCols, when set, replaces flexCol: the excess is taken from the
	// widest of these columns first, each down to 8 columns.
	flexCols []int
}

func newTable(w io.Writer, alignRight bool) *table { return &table{w: w, alignRight: alignRight} }

func (t *table) Write(p []byte) (int, error) { return t.buf.Write(p) }

// displayWidth is the number of terminal columns s takes.
func displayWidth(s string) int {
	n := 0
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

func (t *table) Flush() error {
	var rows [][]string
	var widths []int
	for _, line := range strings.Split(strings.TrimSuffix(t.buf.String(), "\n"), "\n") {
		cells := strings.Split(line, "\t")
		if len(cells) > 1 && cells[len(cells)-1] == "" {
			cells = cells[:len(cells)-1]
		}
		for i, c := range cells {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], displayWidth(c))
		}
		rows = append(rows, cells)
	}
	t.buf.Reset()
	flex := t.flexCols
	if len(flex) == 0 {
		flex = []int{t.flexCol}
	}
	if t.maxWidth > 0 {
		total := 2 * (len(widths) - 1)
		for _, w := range widths {
			total += w
		}
		for excess := total - (t.maxWidth - 1); excess > 0; excess-- {
			widest := -1
			for _, c := range flex {
				if c < len(widths) && widths[c] > 8 && (widest < 0 || widths[c] > widths[widest]) {
					widest = c
				}
			}
			if widest < 0 {
				break
			}
			widths[widest]--
		}
		for _, c := range flex {
			for _, cells := range rows {
				if c < len(widths) && c < len(cells) && displayWidth(cells[c]) > widths[c] {
					cells[c] = shortenMiddle(cells[c], widths[c])
				}
			}
		}
	}
	var out strings.Builder
	for _, cells := range rows {
		var line strings.Builder
		for i, c := range cells {
			pad := strings.Repeat(" ", max(widths[i]-displayWidth(c), 0))
			if i > 0 {
				line.WriteString("  ")
			}
			if t.alignRight && i > 0 {
				line.WriteString(pad + c)
			} else {
				line.WriteString(c + pad)
			}
		}
		out.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(t.w, out.String())
	return err
}
