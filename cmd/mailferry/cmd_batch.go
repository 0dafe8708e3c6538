package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/batch"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/spf13/cobra"
)

// batchOptions are the flags of mailferry batch.
type batchOptions struct {
	parallel   int
	maxPerHost int
	state      string
	delta      bool
	logDir     string
	shard      string
	reportDir  string
	waitLock   time.Duration
	check      bool
	exe        string // hidden: the binary the jobs run (tests)
}

// batchExplain is the batch file format, for --help and the README.
const batchExplain = `FILE is CSV with a header row (or YAML, by the extension .yaml/.yml), one
job per line: a mailferry copy of one account.

  source,target,target_password_env,into,include
  imaps://alice@old.example.com,imaps://alice@mx.example.com,ALICE,,
  maildir:/srv/mail/bob,imaps://bob@mx.example.com,BOB,Imported,^INBOX;^Sent

Columns: source and target (required), name, and the copy options into,
folder_map, include, exclude (several separated by ';'), dedupe, j, since,
before, verify, max_size, keep_deleted, ignore_quota, quota_headroom,
source_auth, target_auth, source_tls_ca, target_tls_ca,
source_tls_server_name, target_tls_server_name.

Passwords are never written in the file: name where they are with
source_password_env / target_password_env (an environment variable),
source_password_file / target_password_file (a file), or
source_oauth2_token_command / target_oauth2_token_command. A job without
them uses $MAILFERRY_SOURCE_PASSWORD, $MAILFERRY_TARGET_PASSWORD,
$MAILFERRY_PASSWORD or --password-file, as copy does.

The YAML subset (no YAML library): a top-level "jobs:" list of flat maps
with scalar values (plain, 'single' or "double" quoted), '#' comments:

  jobs:
    - source: imaps://alice@old.example.com
      target: imaps://alice@new.example.com
      target_password_env: ALICE_NEW

The whole file is checked before anything starts: a bad line is reported
with its line number and the exit status is 2.

Each job runs as "mailferry copy" in a process of its own (secrets in its
environment, never in its arguments), with copy's exit status; the batch's
exit status is the worst of its jobs' (0 < 3 < 4 < 2 < 1 < 130).

The state file (default: FILE's name with .state.json, one per shard)
records every job as done, failed or in-progress, keyed by source and
target: a re-run skips the jobs done and unchanged and runs the others
again (a killed batch's in-progress jobs too); --delta runs every job
again, incrementally (the Monday run after the weekend's cut-over).`

func newBatchCommand(g *globalOptions) *cobra.Command {
	o := &batchOptions{}
	cmd := &cobra.Command{
		Use:   "batch FILE",
		Short: "Copy many accounts from a CSV or YAML file: resumable, parallel, sharded, with a report",
		Long:  "Copy many accounts, one mailferry copy per line of a batch file.\n\n" + batchExplain,
		Example: `  MAILFERRY_SOURCE_PASSWORD=... mailferry batch office.csv --log-dir logs
  mailferry batch office.csv --delta           # Monday: what arrived since
  mailferry batch office.csv --shard 0/4       # one of 4 workers
  mailferry report office.state.json           # the report again`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runBatch(cmd, g, o, args[0])
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.parallel, "parallel", 2, "copy this many accounts at once")
	f.IntVar(&o.maxPerHost, "max-connections-per-host", 8, "at most this many connections to one host at once (a job needs its -j plus one per store on the host)")
	f.StringVar(&o.state, "state", "", "the state file (default: next to FILE, FILE's name with .state.json; per shard when sharded)")
	f.BoolVar(&o.delta, "delta", false, "run every job again, the done ones too: each copies what is new since (incremental)")
	f.StringVar(&o.logDir, "log-dir", "", "write each job's log (NDJSON events, secrets redacted) here (default: the state file's name with .logs)")
	f.StringVar(&o.shard, "shard", "", "run only shard i of n (i/n, e.g. 0/4; default from $JOB_COMPLETION_INDEX and $MAILFERRY_SHARDS)")
	f.StringVar(&o.reportDir, "report-dir", "", "write batch-report.json and batch-report.html here (default: the state file's directory)")
	f.DurationVar(&o.waitLock, "wait-lock", 2*time.Minute, "a job whose target another run is writing waits this long for it (copy --wait-lock)")
	f.BoolVar(&o.check, "check", false, "check the file and list what a run would do (each job's shard and whether it runs), without running anything")
	f.StringVar(&o.exe, "mailferry-binary", "", "the mailferry binary that runs the jobs (default: this one)")
	f.MarkHidden("mailferry-binary")
	return cmd
}

// shardOf returns the shard of this process: --shard, else
// $JOB_COMPLETION_INDEX (a Kubernetes Indexed Job) of $MAILFERRY_SHARDS.
func (o *batchOptions) shardOf() (i, n int, err error) {
	if o.shard != "" {
		i, n, err = batch.ParseShard(o.shard)
		if err != nil {
			return 0, 0, importers.UsageError("%v", err)
		}
		return i, n, nil
	}
	idx, count := os.Getenv("JOB_COMPLETION_INDEX"), os.Getenv("MAILFERRY_SHARDS")
	if count == "" {
		return 0, 1, nil
	}
	if idx == "" {
		idx = "0"
	}
	i, n, err = batch.ParseShard(idx + "/" + count)
	if err != nil {
		return 0, 0, importers.UsageError("$JOB_COMPLETION_INDEX %q, $MAILFERRY_SHARDS %q: want 0 <= index < shards", idx, count)
	}
	return i, n, nil
}

// passedFlags are the global flags a batch hands on to every job's copy
// when they were given (paths and settings, no secrets).
var passedFlags = []string{"tls-ca", "source-tls-ca", "target-tls-ca", "tls-server-name", "source-tls-server-name", "target-tls-server-name",
	"tls-insecure-skip-verify", "insecure-plain", "timeout", "password-file", "source-password-file", "target-password-file",
	"auth", "source-auth", "target-auth", "oauth2-client-id", "oauth2-tenant", "oauth2-endpoint", "lang"}

func runBatch(cmd *cobra.Command, g *globalOptions, o *batchOptions, file string) error {
	if o.parallel < 1 {
		return importers.UsageError("--parallel %d: want 1 or more", o.parallel)
	}
	if o.maxPerHost < 1 {
		return importers.UsageError("--max-connections-per-host %d: want 1 or more", o.maxPerHost)
	}
	shard, shards, err := o.shardOf()
	if err != nil {
		return err
	}
	jobs, err := batch.ParseFile(file, batch.Env{CheckSpec: func(s string) error {
		_, err := importers.ParseSpec(s)
		return err
	}})
	var fe *batch.FileError
	switch {
	case errors.As(err, &fe):
		return failure.Permanent(failure.Usage, err)
	case err != nil:
		return importers.UsageError("batch file: %v", err)
	}
	if errs := batch.CheckBudget(jobs, o.maxPerHost); len(errs) > 0 {
		for _, e := range errs {
			e.File = file
		}
		return failure.Permanent(failure.Usage, &batch.FileError{Errs: errs})
	}
	statePath := o.state
	if statePath == "" {
		statePath = batch.DefaultStatePath(file, shard, shards)
	}
	logDir := o.logDir
	if logDir == "" {
		logDir = strings.TrimSuffix(statePath, ".json") + ".logs"
	}
	if abs, err := filepath.Abs(logDir); err == nil {
		logDir = abs
	}
	reportDir := o.reportDir
	if reportDir == "" {
		reportDir = filepath.Dir(statePath)
	}
	if o.check {
		return checkBatch(g, jobs, statePath, o.delta, shard, shards)
	}
	release, err := batch.LockState(statePath)
	if err != nil {
		return err
	}
	defer release()
	st, err := batch.LoadState(statePath)
	if err != nil {
		return err
	}
	st.File = file
	if shards > 1 {
		st.Shard = fmt.Sprintf("%d/%d", shard, shards)
	}
	if err := st.Save(); err != nil {
		return fmt.Errorf("state file: %w", err)
	}
	exe := o.exe
	if exe == "" {
		if exe, err = os.Executable(); err != nil {
			return err
		}
	}
	var common []string
	for _, name := range passedFlags {
		if f := cmd.Flags().Lookup(name); f != nil && f.Changed {
			common = append(common, "--"+name+"="+f.Value.String())
		}
	}
	runner := &batch.Runner{Exe: exe, Common: common, CopyFlags: []string{"--wait-lock", o.waitLock.String()}, LogDir: logDir,
		Env: batch.ChildEnv(os.Environ(), jobs)}
	if g.json {
		runner.Events = func(j *batch.Job, line []byte) {
			if len(line) < 2 || line[0] != '{' {
				return
			}
			pre, _ := jsonString(j.Label())
			out := make([]byte, 0, len(line)+len(pre)+10)
			out = append(out, `{"job":`...)
			out = append(out, pre...)
			if line[1] != '}' {
				out = append(out, ',')
			}
			out = append(out, line[1:]...)
			g.outMu.Lock()
			g.stdout.Write(append(out, '\n'))
			g.outMu.Unlock()
		}
	}
	start := time.Now()
	event := func(ev map[string]any) {
		g.logEvent(ev)
		if g.json {
			g.emit(ev)
			return
		}
		if g.quiet && ev["type"] != "job-end" {
			return
		}
		switch ev["type"] {
		case "job-start":
			fmt.Fprintf(g.stderr, "start  %s (line %d, %s)\n", ev["job"], ev["line"], ev["reason"])
		case "job-end":
			msg := ""
			if e, ok := ev["error"].(string); ok && e != "" {
				msg = ": " + firstLine(e)
			}
			fmt.Fprintf(g.stderr, "end    %s: exit %d in %.1fs%s\n", ev["job"], ev["code"], ev["seconds"], msg)
		}
	}
	runs, code := batch.Run(cmd.Context(), jobs, batch.Options{
		Parallel: o.parallel, MaxPerHost: o.maxPerHost, Delta: o.delta, Shard: shard, Shards: shards,
		Run: runner.Run, State: st, Event: event,
	})
	rep := batch.BuildReport([]*batch.State{st})
	repErr := batch.WriteReport(reportDir, rep)
	sum := map[string]any{"type": "batch-summary", "jobs": len(runs), "code": code, "seconds": time.Since(start).Seconds(),
		"state": statePath, "log_dir": logDir, "report": filepath.Join(reportDir, "batch-report.html")}
	if shards > 1 {
		sum["shard"] = st.Shard
	}
	g.logEvent(sum)
	if g.json {
		g.emit(sum)
	} else {
		printBatchTable(g, runs, st)
		fmt.Fprintf(g.stdout, "State: %s  Logs: %s  Report: %s\n", statePath, logDir, filepath.Join(reportDir, "batch-report.html"))
	}
	if repErr != nil {
		fmt.Fprintf(g.stderr, "mailferry: report: %v\n", repErr)
	}
	return batchExit(code)
}

// batchExit is the error that makes runWith exit with code.
func batchExit(code int) error {
	switch code {
	case exitOK:
		return nil
	case exitIncomplete:
		return failure.Permanent(failure.Message, errors.New("batch finished, but some jobs did not copy every message (see the table above)"))
	case exitQuota:
		return failure.Permanent(failure.Quota, errors.New("batch finished, but the quota refused some jobs (see the table above)"))
	case exitUsage:
		return failure.Permanent(failure.Usage, errors.New("batch finished, but some jobs could not start (see the table above and their logs)"))
	case exitCancelled:
		return failure.Permanent(failure.Cancelled, fmt.Errorf("batch interrupted: run it again to finish: %w", context.Canceled))
	}
	return errors.New("batch finished, but some jobs failed (see the table above and their logs)")
}

func printBatchTable(g *globalOptions, runs []*batch.JobRun, st *batch.State) {
	tw := newTable(g.stdout, false)
	fmt.Fprintf(tw, "LINE\tJOB\tSTATUS\tEXIT\tCOPIED\tDUPS\tSKIPPED\tFAILED\tTIME\tERROR\t\n")
	for _, jr := range runs {
		e := st.Entry(jr.Job.Key())
		copied, dups, skipped, failed, secs, code, errMsg := "-", "-", "-", "-", "-", "-", ""
		if e != nil {
			code = strconv.Itoa(e.ExitCode)
			secs = fmt.Sprintf("%.1fs", e.Seconds)
			errMsg = firstLine(e.Error)
			if len(errMsg) > 60 {
				errMsg = errMsg[:59] + "…"
			}
			if oc := e.Outcome; oc != nil {
				copied, dups, skipped, failed = strconv.FormatInt(oc.Copied, 10), strconv.FormatInt(oc.Duplicates, 10), strconv.FormatInt(oc.Skipped, 10), strconv.FormatInt(oc.Failed, 10)
			}
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", jr.Job.Line, jr.Job.Label(), batch.StatusOf(jr), code, copied, dups, skipped, failed, secs, errMsg)
	}
	tw.Flush()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

func jsonString(s string) ([]byte, error) { return json.Marshal(s) }

// newReportCommand is mailferry report STATE...: the batch report again
// from state files (several: the shards of one batch).
func newReportCommand(g *globalOptions) *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "report STATE...",
		Short: "Write batch-report.json and batch-report.html from batch state files (all shards of a batch together)",
		Example: `  mailferry report office.state.json
  mailferry report state/*.state.json --report-dir handover`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var states []*batch.State
			for _, p := range args {
				if _, err := os.Stat(p); err != nil {
					return importers.UsageError("report: %v", err)
				}
				st, err := batch.LoadState(p)
				if err != nil {
					return importers.UsageError("report: %v", err)
				}
				states = append(states, st)
			}
			out := dir
			if out == "" {
				out = filepath.Dir(args[0])
			}
			rep := batch.BuildReport(states)
			if err := batch.WriteReport(out, rep); err != nil {
				return err
			}
			if g.json {
				g.emit(map[string]any{"type": "report", "json": filepath.Join(out, "batch-report.json"), "html": filepath.Join(out, "batch-report.html"), "totals": rep.Totals})
				return nil
			}
			fmt.Fprintf(g.stdout, "%d accounts (%d done, %d failed, %d not finished): %s\n", rep.Totals.Accounts, rep.Totals.Done, rep.Totals.Failed, rep.Totals.Pending, filepath.Join(out, "batch-report.html"))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "report-dir", "", "write the report here (default: the first state file's directory)")
	return cmd
}

// checkBatch is batch --check: the file is valid; what would run.
func checkBatch(g *globalOptions, jobs []*batch.Job, statePath string, delta bool, shard, shards int) error {
	st, err := batch.LoadState(statePath)
	if err != nil {
		return err
	}
	mine := map[string]bool{}
	for _, j := range batch.ForShard(jobs, shard, shards) {
		mine[j.Key()] = true
	}
	tw := newTable(g.stdout, false)
	if !g.json {
		fmt.Fprintf(tw, "LINE\tJOB\tSHARD\tWOULD\t\n")
	}
	n := 0
	for _, j := range jobs {
		would := "other shard"
		if mine[j.Key()] {
			run, why := st.Decide(j, delta)
			would = "skip (" + why + ")"
			if run {
				would = "run (" + why + ")"
				n++
			}
		}
		if g.json {
			g.emit(map[string]any{"type": "job-check", "job": j.Label(), "line": j.Line, "shard": batch.Shard(j.Key(), shards), "would": would})
			continue
		}
		fmt.Fprintf(tw, "%d\t%s\t%d/%d\t%s\t\n", j.Line, j.Label(), batch.Shard(j.Key(), shards), shards, would)
	}
	if g.json {
		g.emit(map[string]any{"type": "batch-check", "jobs": len(jobs), "would_run": n, "state": statePath})
		return nil
	}
	tw.Flush()
	fmt.Fprintf(g.stdout, "%d jobs, the file is valid; %d would run (state %s).\n", len(jobs), n, statePath)
	return nil
}
