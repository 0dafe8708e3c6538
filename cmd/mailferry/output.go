package main

import (
	"fmt"
	"github.com/mailferry/mailferry/internal/i18n"
	"io"
	"os"
	"strings"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/internal/engine"
	"golang.org/x/term"
)

// reporter renders engine events: a progress bar on a terminal, log lines
// with -v, NDJSON with --json.
type reporter struct {
	g       *globalOptions
	copying bool
	bar     *progress
	// started: the copy pass began (events before it are the plan's).
	started bool
	// refused: the quota check refused the copy before anything was written.
	refused bool
	// interrupted: the run was stopped (Ctrl-C) before its end.
	interrupted bool
}

func (g *globalOptions) newReporter(copying bool) *reporter {
	return &reporter{g: g, copying: copying}
}

func (g *globalOptions) stderrIsTerminal() bool {
	w := g.stderr
	if u, ok := w.(interface{ Unwrap() io.Writer }); ok { // importers.RedactingWriter
		w = u.Unwrap()
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (r *reporter) Event(ev engine.Event) {
	g := r.g
	if ev.Type != "plan" {
		g.logEvent(ev)
	}
	if g.json {
		if ev.Type != "plan" {
			g.emit(ev)
		}
		return
	}
	switch ev.Type {
	case "start":
		r.started = true
		if r.copying && !g.quiet && g.stderrIsTerminal() {
			r.bar = newProgress(g.stderr, ev.Messages, ev.Bytes)
			r.bar.tr = g.T()
		}
	case "folder":
		if r.bar != nil {
			r.bar.setFolder(ev.Folder)
		} else if g.verbose {
			fmt.Fprintf(g.stderr, "folder %s → %s\n", ev.Folder, ev.Target)
		}
	case "copied":
		if r.bar != nil {
			r.bar.add(ev.Bytes)
		} else if g.verbose {
			fmt.Fprintf(g.stderr, "copied %s (%d bytes)\n", ev.Ref, ev.Bytes)
		}
	case "error", "skip":
		if r.copying && !r.started {
			// The planning pass of a copy: the copy pass reports it again.
			return
		}
		if r.bar != nil {
			r.bar.clear()
		}
		fmt.Fprintf(g.stderr, "%s: %s\n", g.T().Text(ev.Type), refReason(ev.Ref, eventReason(g.T(), ev))) // reasons_i18n.go
	case "warning":
		if r.bar != nil {
			r.bar.clear()
		}
		g.T().Fprintf(g.stderr, "warning: %s\n", eventReason(g.T(), ev))
	case "dup":
		if g.verbose && r.bar == nil {
			fmt.Fprintf(g.stderr, "duplicate %s\n", ev.Ref)
		}
	case "scan", "inventory":
		if g.verbose {
			fmt.Fprintf(g.stderr, "%s %s\n", ev.Type, ev.Folder)
		}
	}
}

func (r *reporter) finish() {
	if r.bar != nil {
		r.bar.finish()
		r.bar = nil
	}
}

// summary prints the plan (or the copy's outcome).
func (r *reporter) summary(p *engine.Plan, copied bool) {
	g := r.g
	sum := map[string]any{"type": "summary", "copy": copied, "dry_run": p.DryRun, "folders": p.Folders, "totals": p.Totals(),
		"quota": p.Quota, "quota_unknown": p.QuotaErr, "fits": p.Fits(), "problems": p.Problems, "elapsed_seconds": p.Elapsed.Seconds(),
		"not_mail": nonMailCounts(p), "notes": p.Notes, "created_empty_folders": p.CreatedEmpty}
	g.logEvent(sum)
	if g.json {
		g.emit(sum)
		return
	}
	w := g.stdout
	width := outWidth(w)
	r.folderTable(w, width, p, copied)
	// Prose lines are wrapped to the terminal (whole in files and pipes).
	ww := &wrapWriter{w: w, width: width}
	w = ww
	if r.interrupted && copied {
		interruptedAccounting(w, g.T(), p) // output_accounting.go
	} else {
		planAccounting(w, g.T(), p) // output_accounting.go
	}
	t := p.Totals()
	if t.SameIDKept > 0 {
		verb := g.T().Text("new")
		if copied {
			verb = g.T().Text("copied")
		}
		g.T().Fprintf(w, "Same Message-ID, different content: kept: %d (counted in %s)\n", t.SameIDKept, verb)
	}
	if t.Deleted > 0 {
		g.T().Fprintf(w, "%d messages marked deleted at the source were skipped (--keep-deleted copies them)\n", t.Deleted)
	}
	switch {
	case p.QuotaErr == exporters.ErrQuotaUnknown.Error():
		g.T().Fprintf(w, "Quota: unknown: the target does not report a quota, so mailferry cannot check that this copy fits\n")
	case p.QuotaErr != "":
		g.T().Fprintf(w, "Quota: unknown (%s), so mailferry cannot check that this copy fits\n", p.QuotaErr)
	}
	for _, q := range p.Quota {
		quotaMessages(w, g.T(), q)
		if q.Limit < 0 {
			g.T().Fprintf(w, "Quota %s: used %s, no storage limit; this copy needs %s\n", q.Root, engine.HumanBytes(q.Used), engine.HumanBytes(q.Need))
			continue
		}
		verdict := g.T().Text("fits")
		if !q.Fits {
			verdict = g.T().Text("DOES NOT FIT")
		}
		g.T().Fprintf(w, "Quota %s: used %s of %s; this copy needs %s; %s (%s may be used with %.0f%% headroom)\n",
			q.Root, engine.HumanBytes(q.Used), engine.HumanBytes(q.Limit), engine.HumanBytes(q.Need), verdict,
			engine.HumanBytes(max(q.Available, 0)), q.Headroom*100)
		if !q.BytesFit() && len(q.Largest) > 0 {
			g.T().Fprintf(w, "  largest folders to copy: %s\n", strings.Join(q.Largest, ", "))
			g.T().Fprintf(w, "  short by %s: free space on the server, raise the quota, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n",
				engine.HumanBytes(q.Need-q.Available))
		}
	}
	if p.CreatedEmpty > 0 {
		g.T().Fprintf(w, "Created %d empty folders (nothing to copy into them).\n", p.CreatedEmpty)
	}
	for _, n := range p.Notes {
		g.T().Fprintf(w, "Note: %s\n", n)
	}
	if len(p.Problems) > 0 {
		g.T().Fprintf(w, "Not copied (%d):\n", len(p.Problems))
		for _, pr := range p.Problems {
			fmt.Fprintf(w, "  %s\t%s\t%s\n", g.T().Text(pr.Kind), pr.Folder, refReason(pr.Ref, problemReason(g.T(), pr)))
		}
	}
	printNonMail(w, g.T(), p)
	switch {
	case r.refused:
		g.T().Fprintf(w, "Refused by quota: nothing was written.\n")
	case p.DryRun:
		g.T().Fprintf(w, "Dry run: nothing was written.\n")
	case !copied:
		g.T().Fprintf(w, "Plan only: nothing was written.\n")
	default:
		g.T().Fprintf(w, "Copied %d messages (%s) in %s.\n", t.Copied, engine.HumanBytes(t.NewBytes), p.Elapsed.Round(1e7))
	}
}

// refReason names a message and what happened to it, without the
// reference twice when the reason already starts with it.
func refReason(ref, reason string) string {
	if strings.HasPrefix(reason, ref) {
		return reason
	}
	return ref + ": " + reason
}

// quotaMessages explains a limit on the number of messages (IMAP QUOTA
// resource MESSAGE) in messages.
func quotaMessages(w io.Writer, t *i18n.Printer, q engine.QuotaCheck) {
	if q.LimitMsgs < 0 {
		return
	}
	verdict := t.Text("fits")
	if !q.MessagesFit() {
		verdict = t.Text("DOES NOT FIT")
	}
	avail := max(q.MessagesAvailable(), 0)
	t.Fprintf(w, "Quota %s: %d of %d messages stored; this copy adds %d; %s (%d more may be stored with %.0f%% headroom)\n",
		q.Root, q.UsedMsgs, q.LimitMsgs, q.NeedMsgs, verdict, avail, q.Headroom*100)
	if !q.MessagesFit() {
		t.Fprintf(w, "  short by %d messages: delete messages on the server, raise its message limit, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n",
			q.NeedMsgs-avail)
	}
}
