package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailferry/mailferry/internal/engine"
)

// narrowWidth: below this many columns the summary lists each folder on
// lines of its own instead of a table.
const narrowWidth = 60

// folderTable prints the per-folder counts of a plan or a copy: a table
// that fits the terminal (the folder column shortened in the middle when
// needed), or, on a very narrow terminal, a few lines per folder. The
// full data is in --json.
func (r *reporter) folderTable(w io.Writer, width int, p *engine.Plan, copied bool) {
	t := r.g.T()
	name := func(f *engine.FolderPlan) string {
		n := f.SourceP
		if d := f.TargetP; d != "" && d != f.SourceP {
			n += " → " + d
		}
		if !f.Exists {
			n += " " + t.Text("(new)")
		}
		return n
	}
	done := func(f engine.FolderPlan) int64 {
		if copied {
			return f.Copied
		}
		return f.New
	}
	skipped := func(f engine.FolderPlan) int64 { return f.TooBig + f.Deleted + f.Skipped }
	verb := t.Text("NEW")
	if copied {
		verb = t.Text("COPIED")
	}
	tot := p.Totals()
	if width > 0 && width < narrowWidth {
		for _, f := range p.Folders {
			fmt.Fprintln(w, shortenMiddle(name(f), width-1))
			fmt.Fprintln(w, wrapText(t.Sprintf("  %d messages, %s %d (%s), %d duplicates, %d skipped, %d errors",
				f.Messages, strings.ToLower(verb), done(*f), engine.HumanBytes(f.NewBytes), f.Duplicates, skipped(*f), f.Errors+f.Failed), width))
		}
		fmt.Fprintln(w, wrapText(t.Sprintf("TOTAL: %d messages, %s %d (%s), %d duplicates, %d skipped, %d errors",
			tot.Messages, strings.ToLower(verb), done(tot), engine.HumanBytes(tot.NewBytes), tot.Duplicates, skipped(tot), tot.Errors+tot.Failed), width))
		return
	}
	tw := newTable(w, true)
	tw.maxWidth, tw.flexCol = width, 0
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", t.Text("FOLDER"), t.Text("MSGS"), verb, t.Text("SIZE"), t.Text("DUPS"), t.Text("SKIP"), t.Text("ERR"))
	row := func(f engine.FolderPlan, n string) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%d\t%d\t%d\t\n", n, f.Messages, done(f), engine.HumanBytes(f.NewBytes),
			f.Duplicates, skipped(f), f.Errors+f.Failed)
	}
	for _, f := range p.Folders {
		row(*f, name(f))
	}
	row(tot, t.Text("TOTAL"))
	tw.Flush()
}

// wrapWriter wraps each line written to it (whole lines per Write, as
// fmt.Fprintf of a line gives) to width.
type wrapWriter struct {
	w     io.Writer
	width int
}

func (w *wrapWriter) Write(p []byte) (int, error) {
	if w.width <= 0 {
		return w.w.Write(p)
	}
	if _, err := io.WriteString(w.w, wrapText(string(p), w.width)); err != nil {
		return 0, err
	}
	return len(p), nil
}
