package main

import (
	"context"
	"fmt"
	"github.com/mailferry/mailferry/internal/i18n"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
)

func newVerifyCommand(g *globalOptions) *cobra.Command {
	o := &copyOptions{}
	var content bool
	cmd := &cobra.Command{
		Use:   "verify SRC DST",
		Short: "Prove that every message of SRC is in DST (by dedupe key; with --content by body hash too)",
		Long: `verify maps the folders of SRC exactly as copy does (same --into,
--folder-map, --include/--exclude, --dedupe, --since/--before and
--keep-deleted) and looks every source message up in its target folder by
its dedupe key (Message-ID, or the fallback hash). With --content, DST is
read back and each body's SHA-256 must match too (line endings aside: a
Maildir's LF and IMAP's CRLF compare equal). Missing and differing
messages are listed by folder and key.

Exit status: 0 complete, 3 some messages missing or differing, 1 error.`,
		Example: `  mailferry verify thunderbird: imaps://user@mail.example.com
  mailferry verify --content imaps://user@host maildir:/mnt/nas/backup/user
  mailferry verify pst:old.pst imaps://user@host --into Outlook --json`,
		Args: g.storeArgs("mailferry verify thunderbird: imaps://user@mail.example.com", "a SOURCE", "a TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runVerify(cmd.Context(), g, o, content, args[0], args[1])
		},
	}
	o.addFlags(cmd.Flags(), false)
	cmd.Flags().BoolVar(&content, "content", false, "compare body hashes too (reads every message of DST)")
	return cmd
}

// errNotVerified is returned when verify found missing or differing
// messages (exit 3).
type errNotVerified struct{ missing, differing, errors, unaccounted int64 }

func (e *errNotVerified) Error() string {
	return e.localized(nil)
}

// localized is Error in the language of t (English when nil).
func (e *errNotVerified) localized(t *i18n.Printer) string {
	s := t.Sprintf("verify: %d messages missing in the target, %d differing from the source, %d unreadable", e.missing, e.differing, e.errors)
	if e.unaccounted != 0 {
		s += t.Sprintf(", %d items of the source not accounted for", e.unaccounted)
	}
	return s
}
func (e *errNotVerified) Unwrap() error { return errIncomplete }

func runVerify(ctx context.Context, g *globalOptions, o *copyOptions, content bool, srcSpec, dstSpec string) error {
	eo, err := o.engineOptions()
	if err != nil {
		return err
	}
	src, sink, topts, _, err := o.openStores(ctx, g, srcSpec, dstSpec)
	if err != nil {
		return err
	}
	defer src.Close()
	defer sink.Close()
	v := &engine.Verifier{Src: src, Sink: sink, Opts: eo, Content: content}
	if content {
		dst, err := importers.Open(ctx, dstSpec, topts)
		if err != nil {
			return err
		}
		defer dst.Close()
		v.Dst = dst
	}
	if g.verbose && !g.json {
		v.Opts.Observer = engine.ObserverFunc(func(ev engine.Event) {
			if ev.Type == "verify-folder" {
				fmt.Fprintf(g.stderr, "verify %s → %s\n", ev.Folder, ev.Target)
			}
		})
	}
	rep, err := v.Verify(ctx)
	if rep != nil {
		var details map[string]msgDetail
		if !g.json && len(rep.Problems) > 0 {
			details = verifyDetails(ctx, src, rep.Problems) // verify_details.go
		}
		g.verifySummary(rep, details)
	}
	if err != nil {
		return err
	}
	if !rep.Complete() {
		t := rep.Totals()
		return &errNotVerified{t.Missing, t.Differing, t.Errors, t.Unaccounted}
	}
	return nil
}

func (g *globalOptions) verifySummary(rep *engine.VerifyReport, details map[string]msgDetail) {
	t := rep.Totals()
	g.logEvent(map[string]any{"type": "verify-summary", "content": rep.Content, "complete": rep.Complete(),
		"folders": rep.Folders, "totals": t, "problems": rep.Problems})
	if g.json {
		for _, p := range rep.Problems {
			g.emit(struct {
				Type string `json:"type"`
				engine.VerifyProblem
			}{"verify-problem", p})
		}
		g.emit(map[string]any{"type": "verify-summary", "content": rep.Content, "complete": rep.Complete(),
			"folders": rep.Folders, "totals": t})
		return
	}
	tr := g.T()
	w := g.stdout
	width := outWidth(w)
	tw := newTable(w, false)
	tw.maxWidth, tw.flexCols = width, []int{0, 1}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", tr.Text("SOURCE"), tr.Text("TARGET"), tr.Text("MSGS"), tr.Text("PRESENT"), tr.Text("MISSING"), tr.Text("DIFFER"), tr.Text("ERR"))
	row := func(f engine.VerifyFolder, src, dst string) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t\n", src, dst, f.Messages, f.Present, f.Missing, f.Differing, f.Errors)
	}
	for _, f := range rep.Folders {
		row(*f, f.Source, f.Target)
	}
	row(t, tr.Text("TOTAL"), "")
	tw.Flush()
	w = &wrapWriter{w: w, width: width}
	verifyAccounting(w, tr, rep) // output_accounting.go
	if t.Skipped > 0 {
		tr.Fprintf(w, "%d messages marked deleted at the source were not checked (copy skips them without --keep-deleted)\n", t.Skipped)
	}
	if len(rep.Problems) > 0 {
		tr.Fprintf(w, "Not verified (%d):\n", len(rep.Problems))
		for _, p := range rep.Problems {
			verifyProblemLine(w, tr, p, details) // verify_details.go
		}
	}
	what := tr.Text("by key")
	if rep.Content {
		what = tr.Text("by key and content")
	}
	if rep.Complete() {
		tr.Fprintf(w, "Verified %s: all %d messages are in the target.\n", what, t.Present)
	} else {
		tr.Fprintf(w, "Verified %s: %d present, %d missing, %d differing, %d unreadable.\n", what, t.Present, t.Missing, t.Differing, t.Errors)
	}
}
