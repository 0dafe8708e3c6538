package main

import (
	"github.com/mailferry/mailferry/internal/i18n"
	"io"

	"github.com/mailferry/mailferry/internal/engine"
)

// accountingLines prints, below a summary table, one line per folder
// whose independent count (found) differs from what was accounted for,
// and the totals line of the check. found is -1 where the source has no
// count; nothing is printed when no folder has one.
func accountingLines(w io.Writer, t *i18n.Printer, folders []string, found, unaccounted []int64, totFound, totUnacc int64) {
	if totFound < 0 {
		return
	}
	for i, f := range folders {
		if unaccounted[i] != 0 {
			t.Fprintf(w, "UNACCOUNTED %s: found %d, accounted for %d, difference %d\n", f, found[i], found[i]-unaccounted[i], unaccounted[i])
		}
	}
	if totUnacc == 0 {
		t.Fprintf(w, "Every item accounted for: %d found by an independent count of the source.\n", totFound)
	} else {
		t.Fprintf(w, "NOT every item accounted for: %d found by an independent count of the source, %d unaccounted for (exit 3).\n", totFound, totUnacc)
	}
}

func planAccounting(w io.Writer, tr *i18n.Printer, p *engine.Plan) {
	var names []string
	var found, unacc []int64
	for _, f := range p.Folders {
		names, found, unacc = append(names, f.SourceP), append(found, f.Found), append(unacc, f.Unaccounted)
	}
	t := p.Totals()
	accountingLines(w, tr, names, found, unacc, t.Found, t.Unaccounted)
}

func verifyAccounting(w io.Writer, tr *i18n.Printer, rep *engine.VerifyReport) {
	var names []string
	var found, unacc []int64
	for _, f := range rep.Folders {
		names, found, unacc = append(names, f.Source), append(found, f.Found), append(unacc, f.Unaccounted)
	}
	t := rep.Totals()
	accountingLines(w, tr, names, found, unacc, t.Found, t.Unaccounted)
}

// interruptedAccounting replaces the count check after a stopped copy:
// folders the copy did not reach still carry the plan's count, so
// "every item accounted for" would claim what was not checked.
func interruptedAccounting(w io.Writer, tr *i18n.Printer, p *engine.Plan) {
	t := p.Totals()
	if t.Found < 0 {
		return
	}
	tr.Fprintf(w, "Stopped before the end: the source holds %d items (independent count); the count check is made when a run finishes. Run the same command again to finish.\n", t.Found)
}
