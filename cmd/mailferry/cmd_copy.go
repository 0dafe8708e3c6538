package main

import (
	"context"
	"errors"
	"regexp"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
	"github.com/mailferry/mailferry/internal/engine"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// defaultConnections is the default of --connections: measured with
// bench/ (README); low enough for the per-user connection limits of
// hosted mail (Dovecot's default is 10 per user and address).
const (
	defaultConnections = 3
	maxConnections     = 16
)

// copyOptions are the flags of plan and copy.
type copyOptions struct {
	dryRun      bool
	into        string
	folderMap   []string
	include     []string
	exclude     []string
	dedupe      string
	headroom    float64
	ignoreQuota bool
	maxSize     int64
	keepDeleted bool
	since       string
	before      string
	verify      bool
	connections int
	driver      *driverFlags // the stores' own settings (--account, --nonmail, ...)
	waitLock    time.Duration
	// deleteAfterVerify: POP3 only, pop3_delete.go.
	deleteAfterVerify bool
	gmail             bool // --gmail (gmail.go)
}

func (o *copyOptions) addFlags(f *pflag.FlagSet, isCopy bool) {
	if isCopy {
		f.BoolVarP(&o.dryRun, "dry-run", "n", false, "do everything but write: list, dedupe, quota check and report")
		f.BoolVar(&o.verify, "verify", false, "after the copy, check that every source message is in the target (as mailferry verify)")
		f.DurationVar(&o.waitLock, "wait-lock", 0, "when another run is writing the same target, wait this long for it (e.g. 30m) instead of stopping")
	}
	f.BoolVar(&o.deleteAfterVerify, "delete-after-verify", false, "pop3: after the copy, delete from the server the messages whose bytes are proven in the target")
	f.IntVarP(&o.connections, "connections", "j", defaultConnections, "copy this many folders at a time, each over a connection (or file handle) of its own")
	f.StringVar(&o.into, "into", "", "put every folder below this target folder (e.g. Imported); keeps the source tree as it is")
	f.StringArrayVar(&o.folderMap, "folder-map", nil, "rename a source folder (and its subfolders): OLD=NEW, paths with '/' (repeatable)")
	f.StringArrayVar(&o.include, "include", nil, "copy only source folders matching this regexp (on the path joined with '/'; repeatable)")
	f.StringArrayVar(&o.exclude, "exclude", nil, "skip source folders matching this regexp (repeatable)")
	f.StringVar(&o.dedupe, "dedupe", "folder", "compare with target messages in the same folder (folder), in any folder (global), or not at all (off)")
	f.Float64Var(&o.headroom, "quota-headroom", 0.9, "refuse when the target would be fuller than this share of its quota")
	f.BoolVar(&o.ignoreQuota, "ignore-quota", false, "copy even when the plan does not fit the quota")
	f.Int64Var(&o.maxSize, "max-size", 0, "skip (and list) messages larger than this many bytes (default: the server's APPENDLIMIT)")
	f.BoolVar(&o.keepDeleted, "keep-deleted", false, "also copy messages marked deleted but not yet compacted/expunged (Thunderbird, Maildir T)")
	o.driver = addDriverFlags(f, isCopy)
	f.StringVar(&o.since, "since", "", "only messages with an internal date on or after this day (YYYY-MM-DD)")
	f.StringVar(&o.before, "before", "", "only messages with an internal date before this day (YYYY-MM-DD)")
	o.addGmailFlag(f)
}

func (o *copyOptions) engineOptions() (engine.Options, error) {
	var eo engine.Options
	o.applyGmail()
	eo.DryRun = o.dryRun
	eo.IgnoreQuota = o.ignoreQuota
	eo.MaxSize = o.maxSize
	eo.KeepDeleted = o.keepDeleted
	if o.connections < 1 || o.connections > maxConnections {
		return eo, importers.UsageError("--connections %d: want 1 to %d", o.connections, maxConnections)
	}
	eo.Connections = o.connections
	if o.headroom <= 0 || o.headroom > 1 {
		return eo, importers.UsageError("--quota-headroom %v: want a number in (0, 1]", o.headroom)
	}
	eo.QuotaHeadroom = o.headroom
	switch engine.Scope(o.dedupe) {
	case engine.ScopeFolder, engine.ScopeGlobal, engine.ScopeOff:
		eo.Dedupe = engine.Scope(o.dedupe)
	default:
		return eo, importers.UsageError("--dedupe %q: want folder, global or off", o.dedupe)
	}
	if o.into != "" {
		eo.Mapper.Into = engine.ParseFolder(o.into)
	}
	for _, s := range o.folderMap {
		r, err := engine.ParseFolderRule(s)
		if err != nil {
			return eo, err
		}
		eo.Mapper.Rules = append(eo.Mapper.Rules, r)
	}
	for _, s := range o.include {
		re, err := regexp.Compile(s)
		if err != nil {
			return eo, importers.UsageError("--include %q: %v", s, err)
		}
		eo.Mapper.Include = append(eo.Mapper.Include, re)
	}
	for _, s := range o.exclude {
		re, err := regexp.Compile(s)
		if err != nil {
			return eo, importers.UsageError("--exclude %q: %v", s, err)
		}
		eo.Mapper.Exclude = append(eo.Mapper.Exclude, re)
	}
	for _, d := range []struct {
		s    string
		t    *time.Time
		name string
	}{{o.since, &eo.Walk.Since, "--since"}, {o.before, &eo.Walk.Before, "--before"}} {
		if d.s == "" {
			continue
		}
		t, err := time.ParseInLocation("2006-01-02", d.s, time.Local)
		if err != nil {
			return eo, importers.UsageError("%s %q: want YYYY-MM-DD", d.name, d.s)
		}
		*d.t = t
	}
	return eo, nil
}

func newPlanCommand(g *globalOptions, isCopy bool) *cobra.Command {
	o := &copyOptions{}
	cmd := &cobra.Command{
		Use:   "plan SRC DST",
		Short: "Show what copy would do: per folder new, duplicate and too-big counts, folder mapping, quota fit; writes nothing",
		Example: `  mailferry plan thunderbird: imaps://info@example.co.jp@mail.example.co.jp
  mailferry plan pst:backup.pst imaps://user@host --into Outlook
  mailferry plan imaps://user@old-host imaps://user@new-host --json`,
		Args: g.storeArgs("mailferry plan thunderbird: imaps://user@mail.example.com", "a SOURCE", "a TARGET"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runCopy(cmd.Context(), g, o, args[0], args[1], isCopy)
		},
	}
	if isCopy {
		cmd.Use = "copy SRC DST"
		cmd.Short = "Copy every message of SRC that DST does not have yet, with flags, dates and folders"
		cmd.Example = `  mailferry copy thunderbird: imaps://info@example.co.jp@mail.example.co.jp
  mailferry copy pst:"C:\Users\me\Outlook.pst" imaps://user@host --verify
  mailferry copy imaps://user@host maildir:/mnt/nas/backup/user  # a backup
  mailferry copy imaps://user@old-host imaps://user@new-host -j 2`
		cmd.Args = g.storeArgs("mailferry copy thunderbird: imaps://user@mail.example.com", "a SOURCE", "a TARGET")
	}
	o.addFlags(cmd.Flags(), isCopy)
	return cmd
}

// openStores opens the source and the target of plan, copy and verify,
// and returns the target's options too (verify opens it as a source) and
// a function that opens another pair of the same (parallel connections;
// the passwords asked for once).
func (o *copyOptions) openStores(ctx context.Context, g *globalOptions, srcSpec, dstSpec string) (importers.Source, exporters.Sink, *importers.Options, func(context.Context) (importers.Source, exporters.Sink, error), error) {
	sopts, err := g.storeOptions("source", srcSpec)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	sopts.Driver = o.driver.values(o.dryRun)
	// The read-ahead of all connections together stays that of one.
	sopts.MemBudget = imapimp.DefaultBatchBytes / int64(max(o.connections, 1))
	topts, err := g.storeOptions("target", dstSpec)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	open := func(ctx context.Context) (importers.Source, exporters.Sink, error) {
		src, err := importers.Open(ctx, srcSpec, sopts)
		if err != nil {
			return nil, nil, err
		}
		sink, err := exporters.Open(ctx, dstSpec, topts)
		if err != nil {
			src.Close()
			return nil, nil, err
		}
		return src, sink, nil
	}
	src, sink, err := open(ctx)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// A network source refuses a body announced over --max-size (else
	// the target's APPENDLIMIT) before reading it.
	sopts.MaxMessageSize = o.maxSize
	if sopts.MaxMessageSize <= 0 {
		sopts.MaxMessageSize = sink.Caps().MaxSize
	}
	return src, sink, topts, open, nil
}

// runCopy is plan and copy; integration tests call it directly.
func runCopy(ctx context.Context, g *globalOptions, o *copyOptions, srcSpec, dstSpec string, isCopy bool) error {
	eo, err := o.engineOptions()
	if err != nil {
		return err
	}
	if err := o.checkDeleteAfterVerify(srcSpec); err != nil {
		return err
	}
	src, sink, _, reopen, err := o.openStores(ctx, g, srcSpec, dstSpec)
	if err != nil {
		return err
	}
	release, err := o.lockTarget(ctx, g, sink, isCopy && !o.dryRun)
	if err != nil {
		src.Close()
		sink.Close()
		return err
	}
	defer release() // after the Sink's Close: its last writes are locked too
	defer src.Close()
	defer sink.Close()
	if err := g.checkSelection(ctx, src, &eo.Mapper); err != nil {
		return err
	}
	out := g.newReporter(isCopy && !o.dryRun)
	eo.Observer = out
	// Ctrl-C (ctx done) stops after the message in flight, which gets
	// 30 s more before it is aborted.
	ectx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	context.AfterFunc(ctx, func() { time.AfterFunc(30*time.Second, cancel) })
	eo.Stop = ctx.Done()
	eng := &engine.Engine{Src: src, Sink: sink, Opts: eo, Open: reopen}
	var plan *engine.Plan
	if isCopy {
		plan, err = eng.Copy(ectx)
	} else {
		plan, _, err = eng.Plan(ectx)
	}
	out.finish()
	var qe *engine.QuotaError
	if plan != nil && (err == nil || errors.As(err, &qe) || ctx.Err() != nil) {
		out.refused = qe != nil && !qe.MidRun
		out.interrupted = ctx.Err() != nil
		out.summary(plan, isCopy && !o.dryRun && !out.refused)
	}
	if err != nil {
		return err
	}
	if !isCopy && !plan.Fits() && !o.ignoreQuota {
		return &engine.QuotaError{Plan: plan, Checks: failing(plan)}
	}
	if isCopy && o.verify && !o.dryRun {
		if err := runVerify(ctx, g, o, false, srcSpec, dstSpec); err != nil {
			return err
		}
	}
	if !isCopy || o.dryRun {
		g.planDeletion(o, plan)
	} else if o.deleteAfterVerify {
		src.Close() // the maildrop lock: the deletion's session needs it
		if err := runDeleteAfterVerify(ctx, g, o, srcSpec, dstSpec); err != nil {
			return err
		}
	}
	if plan.Incomplete() {
		return errIncomplete
	}
	return nil
}

func failing(p *engine.Plan) []engine.QuotaCheck {
	var out []engine.QuotaCheck
	for _, q := range p.Quota {
		if q.Known && !q.Fits {
			out = append(out, q)
		}
	}
	return out
}
