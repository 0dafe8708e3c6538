package main

import (
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// outWidth is the width of the terminal w writes to, or 0 when w is not a
// terminal (a file, a pipe: lines stay whole for grep and logs).
func outWidth(w io.Writer) int {
	w = unwrapWriter(w)
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return 0
	}
	return terminalWidth(w)
}

// wrapText breaks s at spaces so that no line is wider than width-1
// columns (width 0: s as it is); continuation lines are indented by two
// spaces beyond the first line's own indentation.
func wrapText(s string, width int) string {
	if width <= 0 {
		return s
	}
	limit := max(width-1, 20)
	var out strings.Builder
	for i, line := range strings.Split(s, "\n") {
		if i > 0 {
			out.WriteByte('\n')
		}
		if displayWidth(line) <= limit {
			out.WriteString(line)
			continue
		}
		indent := line[:len(line)-len(strings.TrimLeft(line, " "))] + "  "
		col := 0
		first := true
		// wrapUnits (wrap_cjk.go) breaks Japanese text between characters
		// and words too long for a line, so no line exceeds the limit.
		for _, u := range wrapUnits(line, limit-len(indent)) {
			word := u.text
			ww := displayWidth(word)
			sep := 0
			if u.space {
				sep = 1
			}
			switch {
			case first:
				out.WriteString(line[:len(line)-len(strings.TrimLeft(line, " "))])
				col = displayWidth(line[:len(line)-len(strings.TrimLeft(line, " "))])
				first = false
			case col+sep+ww > limit:
				out.WriteByte('\n')
				out.WriteString(indent)
				col = len(indent)
			default:
				out.WriteString(strings.Repeat(" ", sep))
				col += sep
			}
			out.WriteString(word)
			col += ww
		}
	}
	return out.String()
}

// unwrapWriter returns the file under a wrapping writer (the redacting
// writer of the outputs), to ask whether it is a terminal.
func unwrapWriter(w io.Writer) io.Writer {
	for {
		u, ok := w.(interface{ Unwrap() io.Writer })
		if !ok {
			return w
		}
		w = u.Unwrap()
	}
}
