package main

// mailferry archive SRC DST (issue 15): move old mail from an IMAP box to
// an archive (any store mailferry writes), deleting from the server only
// what is proven in the archive. The steps, each safe to interrupt:
//
//  1. select: LIST-STATUS, quota, per changed folder UID FETCH of
//     (UID FLAGS INTERNALDATE RFC822.SIZE); pick by age and/or usage.
//  2. copy: the engine copies the selected messages (dedupe against the
//     archive, so a re-run never stores a message twice; the local sinks
//     fsync before they report a message stored).
//  3. prove: the archive is read back as a source and hashed; every
//     selected message is fetched from the server again and hashed; only
//     equal hashes are proven.
//  4. delete: UID STORE \Deleted + UID EXPUNGE of the proven UIDs only.
//
// A kill between any two steps leaves every message on the server, in
// the archive, or both; the next run repeats the steps and the copy finds
// the archived ones as duplicates.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/i18n"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/spf13/cobra"
)

type archiveOptions struct {
	copyOptions
	olderThan       string
	byDate          string
	untilUsage      string
	keepFlagged     bool
	keepUnread      bool
	allowExpungeAll bool
	stateFile       string
	now             func() time.Time // tests
}

func newArchiveCommand(g *globalOptions) *cobra.Command {
	o := &archiveOptions{}
	cmd := &cobra.Command{
		Use:   "archive SRC DST",
		Short: "Move old mail from an IMAP box to an archive; delete from the server only what is proven in the archive",
		Example: `  mailferry archive imaps://info@example.co.jp@mail.example.co.jp mbox:/mnt/nas/archive --older-than 180d
  mailferry archive imaps://user@host maildir:/mnt/nas/archive --until-usage 70% --dry-run
  mailferry archive imaps://user@host imaps://user@archive-host --older-than 2y --keep-flagged`,
		Args: g.storeArgs("mailferry archive imaps://user@mail.example.com mbox:/mnt/nas/archive --older-than 180d", "a SOURCE (IMAP)", "an ARCHIVE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runArchive(cmd.Context(), g, o, args[0], args[1])
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.olderThan, "older-than", "", "archive messages older than this: 180d, 26w, 2y, or a day YYYY-MM-DD")
	f.StringVar(&o.byDate, "by-date", "internal", "the age of a message: internal (the server's INTERNALDATE, when it arrived) or header (its Date: field)")
	f.StringVar(&o.untilUsage, "until-usage", "", "archive oldest first (across the selected folders) until the box is at or under this quota usage, e.g. 70%")
	f.BoolVar(&o.keepFlagged, "keep-flagged", false, "leave flagged (starred) messages on the server")
	f.BoolVar(&o.keepUnread, "keep-unread", false, "leave unread messages on the server")
	f.BoolVar(&o.allowExpungeAll, "allow-expunge-all", false, "on a server without UIDPLUS, expunge with plain EXPUNGE, which also removes messages other clients marked deleted")
	f.BoolVarP(&o.dryRun, "dry-run", "n", false, "show per folder what would leave and the quota before and after; change nothing")
	f.StringArrayVar(&o.include, "include", nil, "archive only folders matching this regexp (path joined with '/'; repeatable); names Drafts or Junk to archive them too")
	f.StringArrayVar(&o.exclude, "exclude", nil, "leave folders matching this regexp (repeatable)")
	f.StringVar(&o.into, "into", "", "put every folder below this archive folder")
	f.StringArrayVar(&o.folderMap, "folder-map", nil, "rename a folder in the archive: OLD=NEW (repeatable)")
	f.IntVarP(&o.connections, "connections", "j", 1, "copy this many folders at a time")
	f.DurationVar(&o.waitLock, "wait-lock", 0, "when another run is writing the same archive, wait this long for it")
	f.StringVar(&o.stateFile, "state", "", "the archive state file (default: in the user cache directory)")
	return cmd
}

// parseAge reads --older-than into a cutoff before now.
func parseAge(s string, now time.Time) (time.Time, error) {
	if t, err := time.ParseInLocation("2006-01-02", s, time.Local); err == nil {
		return t, nil
	}
	if len(s) >= 2 {
		n, err := strconv.Atoi(s[:len(s)-1])
		if err == nil && n >= 0 {
			switch s[len(s)-1] {
			case 'd':
				return now.AddDate(0, 0, -n), nil
			case 'w':
				return now.AddDate(0, 0, -7*n), nil
			case 'm':
				return now.AddDate(0, -n, 0), nil
			case 'y':
				return now.AddDate(-n, 0, 0), nil
			}
		}
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, importers.UsageError("--older-than %q: want a number of days, weeks, months or years (180d, 26w, 6m, 2y) or a day YYYY-MM-DD", s)
}

func parsePercent(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "%"), 64)
	if err != nil || v <= 0 || v >= 100 {
		return 0, importers.UsageError("--until-usage %q: want a percentage between 0 and 100, e.g. 70%%", s)
	}
	return v / 100, nil
}

// archiveMsg is one message of the server as selection sees it.
type archiveMsg struct {
	folder int
	uid    uint32
	date   time.Time // the age (INTERNALDATE, or Date: with --by-date header)
	idate  time.Time // INTERNALDATE
	size   int64
}

// archiveFolder is one server folder of the run.
type archiveFolder struct {
	info      imapimp.MailboxInfo
	Name      string `json:"folder"`
	Selected  int64  `json:"selected"`
	SelBytes  int64  `json:"selected_bytes"`
	Moved     int64  `json:"moved"`
	MovedB    int64  `json:"moved_bytes"`
	Gone      int64  `json:"gone"`
	Left      int64  `json:"left"`
	Kept      int64  `json:"kept_flagged_or_unread"`
	Unchanged bool   `json:"unchanged,omitempty"`
	uids      map[uint32]archiveMsg
	nextAge   time.Time // the oldest message not old enough yet
}

type archiveProblem struct {
	Folder string `json:"folder"`
	UID    uint32 `json:"uid"`
	Reason string `json:"reason"`
}

type archiveResult struct {
	Type        string           `json:"type"`
	DryRun      bool             `json:"dry_run,omitempty"`
	Archive     string           `json:"archive"`
	Folders     []*archiveFolder `json:"folders"`
	Moved       int64            `json:"moved"`
	MovedBytes  int64            `json:"moved_bytes"`
	Gone        int64            `json:"gone"`
	Left        int64            `json:"left"`
	QuotaKnown  bool             `json:"quota_known"`
	UsedBefore  int64            `json:"used_before"`
	UsedAfter   int64            `json:"used_after"`
	Limit       int64            `json:"limit"`
	ArchiveFree int64            `json:"archive_free,omitempty"`
	Problems    []archiveProblem `json:"problems,omitempty"`
}

var errArchiveNoUIDPlus = &textError{`the server does not offer UIDPLUS, so mailferry cannot delete only the messages it archived: a plain EXPUNGE also removes every message that another client (a phone, Thunderbird with "mark as deleted") marked deleted but still shows. Nothing was changed. Run again with --allow-expunge-all if no other client marks messages deleted in this box`}

// archiveQuotaError is exit 4: the usage target cannot be reached.
type archiveQuotaError struct {
	format string
	args   []any
}

func (e *archiveQuotaError) Error() string { return e.localized(nil) }
func (e *archiveQuotaError) localized(t *i18n.Printer) string {
	return t.Sprintf(e.format, e.args...)
}
func (e *archiveQuotaError) FailureClass() failure.Class {
	return failure.Class{Kind: failure.Quota}
}

func archiveSkippedByDefault(mi imapimp.MailboxInfo) bool {
	if mi.Use == imap.MailboxAttrDrafts || mi.Use == imap.MailboxAttrJunk {
		return true
	}
	last := strings.ToLower(mi.Folder[len(mi.Folder)-1])
	return last == "drafts" || last == "junk" || last == "spam"
}

func includedByName(o *archiveOptions, f importers.Folder) bool {
	for _, s := range o.include {
		if re, err := regexp.Compile(s); err == nil && re.MatchString(f.String()) {
			return true
		}
	}
	return false
}

func runArchive(ctx context.Context, g *globalOptions, o *archiveOptions, srcSpec, dstSpec string) error {
	now := time.Now()
	if o.now != nil {
		now = o.now()
	}
	if o.olderThan == "" && o.untilUsage == "" {
		return importers.UsageError("archive needs --older-than AGE, --until-usage PERCENT, or both (say what may leave the server)")
	}
	var cutoff time.Time
	var err error
	if o.olderThan != "" {
		if cutoff, err = parseAge(o.olderThan, now); err != nil {
			return err
		}
	}
	var target float64
	if o.untilUsage != "" {
		if target, err = parsePercent(o.untilUsage); err != nil {
			return err
		}
	}
	if o.byDate != "internal" && o.byDate != "header" {
		return importers.UsageError("--by-date %q: want internal or header", o.byDate)
	}
	if !strings.HasPrefix(srcSpec, "imap://") && !strings.HasPrefix(srcSpec, "imaps://") {
		return importers.UsageError("archive: the source %q must be an IMAP account (imap:// or imaps://)", srcSpec)
	}
	o.dedupe = "folder"
	o.headroom = 0.95
	eo, err := o.engineOptions()
	if err != nil {
		return err
	}
	ep, err := imapimp.ParseURL(srcSpec)
	if err != nil {
		return err
	}
	sopts, err := g.storeOptions("source")
	if err != nil {
		return err
	}
	conn, err := imapimp.Dial(ctx, ep, sopts, "source")
	if err != nil {
		return err
	}
	defer conn.Close()
	if !conn.HasUIDPlus() && !o.allowExpungeAll && !o.dryRun {
		return errArchiveNoUIDPlus
	}
	// --until-usage selects by RFC822.SIZE, while a server's quota may
	// count other bytes (Dovecot counts the stored, LF-ended size): when a
	// pass leaves the box above the target, another pass selects more,
	// at most 3 in all.
	var total *archiveResult
	for pass := 1; ; pass++ {
		res, err := archivePass(ctx, g, o, conn, eo, cutoff, target, srcSpec, dstSpec)
		total = mergeArchive(total, res)
		if err != nil {
			if pass > 1 {
				g.archiveSummary(total) // what the earlier passes moved
			}
			return err
		}
		if o.dryRun || o.untilUsage == "" || pass == 3 || res.Moved == 0 || res.Left > 0 ||
			!res.QuotaKnown || float64(res.UsedAfter) <= target*float64(res.Limit) {
			break
		}
	}
	g.archiveSummary(total)
	if total.Left > 0 {
		return errIncomplete
	}
	return nil
}

// archivePass selects, copies, proves and deletes once.
func archivePass(ctx context.Context, g *globalOptions, o *archiveOptions, conn *imapimp.Conn, eo engine.Options, cutoff time.Time, target float64, srcSpec, dstSpec string) (*archiveResult, error) {
	sel, err := archiveSelect(ctx, g, o, conn, &eo.Mapper, cutoff, target, srcSpec, dstSpec)
	if err != nil {
		return nil, err
	}
	res := sel.res
	res.Archive = dstSpec
	res.DryRun = o.dryRun
	if sel.total == 0 {
		return res, sel.saveState()
	}
	g.archiveStage("selected")
	archiveHook("selected")
	// Step 2: copy through the engine.
	src, sink, topts, reopen, err := o.openStores(ctx, g, srcSpec, dstSpec)
	if err != nil {
		return nil, err
	}
	release, err := o.lockTarget(ctx, g, sink, !o.dryRun)
	if err != nil {
		src.Close()
		sink.Close()
		return nil, err
	}
	defer release()
	wrap := func(s importers.Source) importers.Source { return &selectedSource{Source: s, sel: sel} }
	eo.KeepDeleted = true // ours, marked \Deleted by a run killed before its EXPUNGE
	eo.DryRun = o.dryRun
	eo.IgnoreQuota = false
	out := g.newReporter(!o.dryRun)
	eo.Observer = out
	eng := &engine.Engine{Src: wrap(src), Sink: sink, Opts: eo}
	if reopen != nil && eo.Connections > 1 {
		eng.Open = func(ctx context.Context) (importers.Source, exporters.Sink, error) {
			s, k, err := reopen(ctx)
			if err != nil {
				return nil, nil, err
			}
			return wrap(s), k, nil
		}
	}
	var plan *engine.Plan
	if o.dryRun {
		plan, _, err = eng.Plan(ctx)
	} else {
		plan, err = eng.Copy(ctx)
	}
	out.finish()
	src.Close()
	sink.Close()
	if plan != nil {
		for _, q := range plan.Quota {
			if q.Known {
				res.ArchiveFree = q.Limit - q.Used
			}
		}
	}
	if err != nil {
		// Nothing is deleted after a failed copy (archive full, target
		// gone): what was copied is found as duplicates next time.
		return nil, err
	}
	if o.dryRun {
		return res, nil
	}
	g.archiveStage("copied")
	archiveHook("copied")
	// Step 3: the archive's hashes, read back from the archive.
	have, err := archiveHashes(ctx, dstSpec, topts)
	if err != nil {
		return nil, fmt.Errorf("reading the archive back to prove the copy: %w (nothing was deleted)", err)
	}
	// Step 3b and 4 per folder: hash the server's copy, delete the proven.
	for fi, f := range sel.folders {
		if len(f.uids) == 0 {
			continue
		}
		if err := sel.proveAndDelete(ctx, conn, fi, have, o.allowExpungeAll); err != nil {
			return nil, err
		}
	}
	g.archiveStage("deleted")
	if q, ok := quotaOf(conn); ok {
		res.UsedAfter = q.used
	}
	for _, f := range sel.folders {
		res.Moved += f.Moved
		res.MovedBytes += f.MovedB
		res.Gone += f.Gone
		res.Left += f.Left
	}
	if err := sel.saveState(); err != nil {
		g.warn("mailferry: could not save the archive state: " + err.Error())
	}
	return res, nil
}

// mergeArchive adds a pass's result to the total of the earlier passes.
func mergeArchive(total, r *archiveResult) *archiveResult {
	if total == nil || r == nil {
		if total == nil {
			return r
		}
		return total
	}
	total.Moved += r.Moved
	total.MovedBytes += r.MovedBytes
	total.Gone += r.Gone
	total.Left = r.Left
	total.Problems = r.Problems
	total.UsedAfter = r.UsedAfter
	if r.ArchiveFree > 0 {
		total.ArchiveFree = r.ArchiveFree
	}
	byName := map[string]*archiveFolder{}
	for _, f := range total.Folders {
		byName[f.Name] = f
	}
	for _, f := range r.Folders {
		t, ok := byName[f.Name]
		if !ok {
			total.Folders = append(total.Folders, f)
			continue
		}
		t.Moved += f.Moved
		t.MovedB += f.MovedB
		t.Gone += f.Gone
		t.Left = f.Left
	}
	return total
}

// archiveTestHook, when set by a test, runs between the steps ("selected",
// "copied"): another client deleting messages mid-run.
var archiveTestHook func(stage string)

// archiveStage reports a step with --json (the kill harness reads them).
func (g *globalOptions) archiveStage(stage string) {
	if g.json {
		g.emit(map[string]any{"type": "archive-stage", "stage": stage})
	}
}

func archiveHook(stage string) {
	if archiveTestHook != nil {
		archiveTestHook(stage)
	}
}

// archiveHashes reads every message of the archive and returns the set
// of their content hashes (archiveSum).
func archiveHashes(ctx context.Context, dstSpec string, topts *importers.Options) (map[[32]byte]bool, error) {
	dst, err := importers.Open(ctx, dstSpec, topts)
	if err != nil {
		return nil, err
	}
	defer dst.Close()
	fis, err := dst.Folders(ctx)
	if err != nil {
		return nil, err
	}
	have := map[[32]byte]bool{}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		err := dst.Walk(ctx, fi.Folder, &importers.WalkOptions{}, func(m *importers.Message, err error) error {
			if err != nil {
				return nil // unreadable: not proven, so not deleted
			}
			rc, err := m.Body.Open()
			if err != nil {
				return nil
			}
			defer rc.Close()
			h := newArchiveSum()
			if _, err := io.Copy(h, rc); err == nil {
				have[h.Sum()] = true
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return have, nil
}

// archiveSum hashes a message as both sides store it: SHA-256 of the
// bytes with CRLF line ends read as LF (IMAP stores CRLF, local archives
// may store LF; mbox From-quoting is undone by the mbox reader). Every
// other byte counts.
type archiveSum struct {
	h interface {
		Write([]byte) (int, error)
		Sum([]byte) []byte
	}
	cr  bool
	buf []byte
}

func newArchiveSum() *archiveSum { return &archiveSum{h: sha256.New()} }

func (a *archiveSum) Write(p []byte) (int, error) {
	a.buf = a.buf[:0]
	for _, c := range p {
		if a.cr && c != '\n' {
			a.buf = append(a.buf, '\r')
		}
		a.cr = c == '\r'
		if !a.cr {
			a.buf = append(a.buf, c)
		}
	}
	a.h.Write(a.buf)
	return len(p), nil
}

func (a *archiveSum) Sum() (s [32]byte) {
	if a.cr {
		a.h.Write([]byte{'\r'})
		a.cr = false
	}
	copy(s[:], a.h.Sum(nil))
	return s
}

type quotaNow struct{ used, limit int64 }

func quotaOf(c *imapimp.Conn) (quotaNow, bool) {
	if !c.Caps.Has(imap.CapQuota) {
		return quotaNow{}, false
	}
	data, err := c.C.GetQuotaRoot("INBOX").Wait()
	if err != nil {
		return quotaNow{}, false
	}
	for _, d := range data {
		if r, ok := d.Resources[imap.QuotaResourceStorage]; ok && r.Limit > 0 {
			return quotaNow{used: r.Usage * 1024, limit: r.Limit * 1024}, true
		}
	}
	return quotaNow{}, false
}

func pct(used, limit int64) string {
	if limit <= 0 {
		return "?"
	}
	return fmt.Sprintf("%.0f%%", float64(used)*100/float64(limit))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func (g *globalOptions) archiveSummary(r *archiveResult) {
	if g.json {
		r.Type = "archive"
		g.emit(r)
		return
	}
	w, t := g.stdout, g.T()
	sort.SliceStable(r.Folders, func(i, j int) bool { return r.Folders[i].Name < r.Folders[j].Name })
	if r.DryRun {
		tw := newTable(w, true)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", t.Text("FOLDER"), t.Text("MESSAGES"), t.Text("BYTES"), t.Text("KEPT (flagged/unread)"))
		var n, b int64
		for _, f := range r.Folders {
			if f.Selected == 0 && f.Kept == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", f.Name, thousands(f.Selected), engine.HumanBytes(f.SelBytes), thousands(f.Kept))
			n += f.Selected
			b += f.SelBytes
		}
		tw.Flush()
		t.Fprintf(w, "Would move %s messages (%s) to %s", thousands(n), engine.HumanBytes(b), r.Archive)
		if r.QuotaKnown {
			after := max(r.UsedBefore-b, 0)
			t.Fprintf(w, "; box usage %s → %s of %s", pct(r.UsedBefore, r.Limit), pct(after, r.Limit), engine.HumanBytes(r.Limit))
		}
		fmt.Fprintln(w, t.Text("."))
		if r.ArchiveFree > 0 {
			t.Fprintf(w, "Archive free space: %s.\n", engine.HumanBytes(r.ArchiveFree))
		}
		fmt.Fprintln(w, t.Text("Dry run: nothing was copied or deleted."))
		return
	}
	where := r.Archive
	for _, p := range []string{"maildir:", "mbox:", "eml:"} {
		where = strings.TrimPrefix(where, p)
	}
	if r.Moved == 0 && r.Left == 0 && r.Gone == 0 {
		t.Fprintf(w, "Nothing to move to %s", where)
		if r.QuotaKnown {
			t.Fprintf(w, "; box usage %s of %s", pct(r.UsedAfter, r.Limit), engine.HumanBytes(r.Limit))
		}
		fmt.Fprintln(w, t.Text("."))
		return
	}
	folders := 0
	for _, f := range r.Folders {
		if f.Moved > 0 {
			folders++
		}
	}
	t.Fprintf(w, "Moved %s messages (%s) from %d folders to %s", thousands(r.Moved), engine.HumanBytes(r.MovedBytes), folders, where)
	if r.QuotaKnown {
		t.Fprintf(w, "; box usage %s → %s of %s", pct(r.UsedBefore, r.Limit), pct(r.UsedAfter, r.Limit), engine.HumanBytes(r.Limit))
	}
	fmt.Fprintln(w, t.Text("."))
	if r.Gone > 0 {
		t.Fprintf(w, "%s selected messages were deleted on the server by another client during the run (not archived, nothing to do).\n", thousands(r.Gone))
	}
	if r.Left > 0 {
		t.Fprintf(w, "%s messages stay on the server because their copy could not be proven in the archive:\n", thousands(r.Left))
		for i, p := range r.Problems {
			if i == 20 {
				t.Fprintf(w, "  … and %d more\n", len(r.Problems)-20)
				break
			}
			fmt.Fprintf(w, "  %s UID %d: %s\n", p.Folder, p.UID, t.Text(p.Reason)) // a fixed reason (cmd_archive_select.go)
		}
		fmt.Fprintln(w, t.Text("Run the same command again to retry them."))
	}
}
