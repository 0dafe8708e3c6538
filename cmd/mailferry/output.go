package main

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mailferry/mailferry/exporters"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// reporter renders engine events: a progress bar on a terminal, log lines
// with -v, NDJSON with --json.
type reporter struct {
	g       *globalOptions
	copying bool
	bar     *progressbar.ProgressBar
	// started: the copy pass began (events before it are the plan's).
	started bool
}

func (g *globalOptions) newReporter(copying bool) *reporter {
	return &reporter{g: g, copying: copying}
}

func (g *globalOptions) stderrIsTerminal() bool {
	f, ok := g.stderr.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

func (r *reporter) Event(ev exporters.Event) {
	g := r.g
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
			r.bar = progressbar.NewOptions64(ev.Bytes,
				progressbar.OptionSetWriter(g.stderr),
				progressbar.OptionShowBytes(true),
				progressbar.OptionSetDescription(fmt.Sprintf("copying %d messages", ev.Messages)),
				progressbar.OptionSetPredictTime(true),
				progressbar.OptionShowCount(),
				progressbar.OptionThrottle(100_000_000),
				progressbar.OptionUseIECUnits(true),
			)
		}
	case "folder":
		if r.bar != nil {
			r.bar.Describe(ev.Folder + " → " + ev.Target)
		} else if g.verbose {
			fmt.Fprintf(g.stderr, "folder %s → %s\n", ev.Folder, ev.Target)
		}
	case "copied":
		if r.bar != nil {
			r.bar.Add64(ev.Bytes)
		} else if g.verbose {
			fmt.Fprintf(g.stderr, "copied %s (%d bytes)\n", ev.Ref, ev.Bytes)
		}
	case "error", "skip":
		if r.copying && !r.started {
			// The planning pass of a copy: the copy pass reports it again.
			return
		}
		if r.bar != nil {
			r.bar.Clear()
		}
		fmt.Fprintf(g.stderr, "%s: %s\n", ev.Type, refReason(ev.Ref, ev.Reason))
	case "warning":
		if r.bar != nil {
			r.bar.Clear()
		}
		fmt.Fprintf(g.stderr, "warning: %s\n", ev.Reason)
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
		r.bar.Finish()
		fmt.Fprintln(r.g.stderr)
		r.bar = nil
	}
}

// summary prints the plan (or the copy's outcome).
func (r *reporter) summary(p *exporters.Plan, copied bool) {
	g := r.g
	if g.json {
		g.emit(map[string]any{"type": "summary", "copy": copied, "dry_run": p.DryRun, "folders": p.Folders, "totals": p.Totals(),
			"quota": p.Quota, "quota_unknown": p.QuotaErr, "fits": p.Fits(), "problems": p.Problems, "elapsed_seconds": p.Elapsed.Seconds()})
		return
	}
	w := g.stdout
	tw := newTable(w, false)
	verb := "NEW"
	if copied {
		verb = "COPIED"
	}
	fmt.Fprintf(tw, "SOURCE FOLDER\tTARGET FOLDER\tMESSAGES\t%s\tBYTES\tDUPLICATES\tTOO BIG\tERRORS\t\n", verb)
	row := func(f exporters.FolderPlan, src, dst string) {
		n := f.New
		if copied {
			n = f.Copied
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%d\t%d\t%d\t\n", src, dst, f.Messages, n, exporters.HumanBytes(f.NewBytes),
			f.Duplicates, f.TooBig, f.Errors+f.Failed)
	}
	for _, f := range p.Folders {
		dst := f.Target
		if !f.Exists {
			dst += " (new)"
		}
		if f.Use != "" {
			dst += " " + string(f.Use)
		}
		row(*f, f.SourceP, dst)
	}
	row(p.Totals(), "TOTAL", "")
	tw.Flush()
	t := p.Totals()
	if t.Deleted > 0 {
		fmt.Fprintf(w, "%d messages marked deleted at the source were skipped (--keep-deleted copies them)\n", t.Deleted)
	}
	if p.QuotaErr != "" {
		fmt.Fprintf(w, "Quota: unknown (%s): the target does not report a quota; mailferry cannot check that this copy fits\n", p.QuotaErr)
	}
	for _, q := range p.Quota {
		quotaMessages(w, q)
		if q.Limit < 0 {
			fmt.Fprintf(w, "Quota %s: used %s, no storage limit; this copy needs %s\n", q.Root, exporters.HumanBytes(q.Used), exporters.HumanBytes(q.Need))
			continue
		}
		verdict := "fits"
		if !q.Fits {
			verdict = "DOES NOT FIT"
		}
		fmt.Fprintf(w, "Quota %s: used %s of %s; this copy needs %s; %s (%s may be used with %.0f%% headroom)\n",
			q.Root, exporters.HumanBytes(q.Used), exporters.HumanBytes(q.Limit), exporters.HumanBytes(q.Need), verdict,
			exporters.HumanBytes(max(q.Available, 0)), q.Headroom*100)
		if !q.BytesFit() && len(q.Largest) > 0 {
			fmt.Fprintf(w, "  largest folders to copy: %s\n", strings.Join(q.Largest, ", "))
			fmt.Fprintf(w, "  short by %s: free space on the server, raise the quota, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n",
				exporters.HumanBytes(q.Need-q.Available))
		}
	}
	if len(p.Problems) > 0 {
		fmt.Fprintf(w, "Not copied (%d):\n", len(p.Problems))
		for _, pr := range p.Problems {
			fmt.Fprintf(w, "  %s\t%s\t%s\n", pr.Kind, pr.Folder, refReason(pr.Ref, pr.Reason))
		}
	}
	switch {
	case p.DryRun:
		fmt.Fprintln(w, "Dry run: nothing was written.")
	case !copied:
		fmt.Fprintln(w, "Plan only: nothing was written.")
	default:
		fmt.Fprintf(w, "Copied %d messages (%s) in %s.\n", t.Copied, exporters.HumanBytes(t.NewBytes), p.Elapsed.Round(1e7))
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
func quotaMessages(w io.Writer, q exporters.QuotaCheck) {
	if q.LimitMsgs < 0 {
		return
	}
	verdict := "fits"
	if !q.MessagesFit() {
		verdict = "DOES NOT FIT"
	}
	avail := max(q.MessagesAvailable(), 0)
	fmt.Fprintf(w, "Quota %s: %d of %d messages stored; this copy adds %d; %s (%d more may be stored with %.0f%% headroom)\n",
		q.Root, q.UsedMsgs, q.LimitMsgs, q.NeedMsgs, verdict, avail, q.Headroom*100)
	if !q.MessagesFit() {
		fmt.Fprintf(w, "  short by %d messages: delete messages on the server, raise its message limit, copy fewer folders (--include/--exclude, --since), or --quota-headroom\n",
			q.NeedMsgs-avail)
	}
}
