package batch

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mailferry/mailferry/importers"
)

// Exit codes of copy (cmd/mailferry/main.go), which a job keeps.
const (
	ExitOK         = 0
	ExitError      = 1
	ExitUsage      = 2
	ExitIncomplete = 3
	ExitQuota      = 4
	ExitCancelled  = 130
)

// severity orders exit codes from best to worst for the batch's own exit
// code, the worst of its jobs: done, finished with some messages not
// copied, refused by quota, usage error of the job, error, interrupted.
func severity(code int) int {
	switch code {
	case ExitOK:
		return 0
	case ExitIncomplete:
		return 1
	case ExitQuota:
		return 2
	case ExitUsage:
		return 3
	case ExitCancelled:
		return 5
	}
	return 4 // 1 and anything unexpected
}

// Worst returns the worse of two exit codes.
func Worst(a, b int) int {
	if severity(b) > severity(a) {
		return b
	}
	return a
}

// tokenDispatch is the --oauth2-token-command a job's copy gets when the
// batch file names a token command for a role: it runs the role's own
// command, which travels in the environment (never argv).
const tokenDispatch = `case "$MAILFERRY_OAUTH2_ROLE" in source) eval "$MAILFERRY_BATCH_SOURCE_TOKEN_COMMAND";; target) eval "$MAILFERRY_BATCH_TARGET_TOKEN_COMMAND";; esac`

// Args returns the arguments of the job's copy after the program name
// (common: the batch's flags every job gets, such as --tls-ca). No secret
// is among them: password files are paths, passwords and token commands
// go in the environment (Env).
func (j *Job) Args(common ...string) []string {
	a := []string{"copy", "--json"}
	a = append(a, common...)
	for _, k := range ColumnNames() {
		v, ok := j.Opts[k]
		col := columns[k]
		if !ok || col.flag == "" {
			continue
		}
		switch col.kind {
		case "list", "regexp", "map":
			for _, s := range List(v) {
				a = append(a, col.flag, s)
			}
		case "bool":
			a = append(a, col.flag+"="+v)
		default:
			a = append(a, col.flag, v)
		}
	}
	for _, role := range []string{"source", "target"} {
		if f := j.Opts[role+"_password_file"]; f != "" {
			a = append(a, "--"+role+"-password-file", f)
		}
	}
	src, dst := j.Opts["source_oauth2_token_command"] != "", j.Opts["target_oauth2_token_command"] != ""
	if src || dst {
		a = append(a, "--oauth2-token-command", tokenDispatch)
		for _, r := range []struct {
			role string
			has  bool
		}{{"source", src}, {"target", dst}} {
			if j.Opts[r.role+"_auth"] != "" {
				continue
			}
			mode := "password" // the other role does not get the dispatcher's nothing
			if r.has {
				mode = "oauth2"
			}
			a = append(a, "--"+r.role+"-auth", mode)
		}
	}
	return append(a, "--", j.Source, j.Target)
}

// Env returns the environment entries that carry the job's secrets to its
// copy, read from the variables the batch file names.
func (j *Job) Env(lookup func(string) (string, bool)) ([]string, error) {
	if lookup == nil {
		lookup = os.LookupEnv
	}
	var env []string
	for _, role := range []string{"source", "target"} {
		up := strings.ToUpper(role)
		if name := j.Opts[role+"_password_env"]; name != "" {
			v, ok := lookup(name)
			if !ok || v == "" {
				return nil, fmt.Errorf("%s_password_env: $%s is not set", role, name)
			}
			// The batch's own output is scrubbed of it too.
			importers.AddSecret(v)
			env = append(env, "MAILFERRY_"+up+"_PASSWORD="+v)
		}
		if c := j.Opts[role+"_oauth2_token_command"]; c != "" {
			env = append(env, "MAILFERRY_BATCH_"+up+"_TOKEN_COMMAND="+c)
		}
	}
	return env, nil
}

// ChildEnv is the environment of the jobs' copies: env without the
// variables the batch file names as secrets (each job gets its own as
// MAILFERRY_SOURCE_PASSWORD / MAILFERRY_TARGET_PASSWORD, not the others').
func ChildEnv(env []string, jobs []*Job) []string {
	named := map[string]bool{}
	for _, j := range jobs {
		for _, k := range []string{"source_password_env", "target_password_env"} {
			if v := j.Opts[k]; v != "" {
				named[v] = true
			}
		}
	}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !named[k] {
			out = append(out, kv)
		}
	}
	return out
}

// Outcome is what a job's copy reported (its summary and verify events),
// kept in the state file for the report.
type Outcome struct {
	Folders int `json:"folders"`
	// FolderStats are the folders one by one (at most 500).
	FolderStats []FolderStat `json:"folder_stats,omitempty"`
	Messages    int64        `json:"messages"`
	Copied      int64        `json:"copied"`
	Bytes       int64        `json:"bytes"`
	Duplicates  int64        `json:"duplicates"`
	Skipped     int64        `json:"skipped"` // too big, not mail, deleted
	Failed      int64        `json:"failed"`
	Problems    []Issue      `json:"problems,omitempty"`
	// MoreProblems counts the problems left out of Problems (at most 100
	// are kept).
	MoreProblems int   `json:"more_problems,omitempty"`
	QuotaKnown   bool  `json:"quota_known"`
	QuotaUsed    int64 `json:"quota_used_before"`
	QuotaLimit   int64 `json:"quota_limit"` // -1: no storage limit
	// QuotaAfter is what the target reported after the copy
	// (QuotaAfterMeasured), else QuotaUsed plus the bytes copied.
	QuotaAfter         int64   `json:"quota_used_after"`
	QuotaAfterMeasured bool    `json:"quota_after_measured"`
	Verify             string  `json:"verify,omitempty"` // "", "complete", "incomplete"
	Elapsed            float64 `json:"elapsed_seconds"`
}

// FolderStat is one folder of a job's copy.
type FolderStat struct {
	Source     string `json:"source"`
	Target     string `json:"target"`
	Messages   int64  `json:"messages"`
	Copied     int64  `json:"copied"`
	Duplicates int64  `json:"duplicates"`
	Skipped    int64  `json:"skipped"`
	Failed     int64  `json:"failed"`
}

const maxFolderStats = 500

// Issue is one message that was not copied, with the reason.
type Issue struct {
	Kind   string `json:"kind"`
	Folder string `json:"folder"`
	Ref    string `json:"ref"`
	Reason string `json:"reason"`
}

const maxIssues = 100

// summaryEvent is the part of copy's summary event an Outcome is made of.
type summaryEvent struct {
	Folders []struct {
		Source     string `json:"source"`
		Target     string `json:"target_folder"`
		Messages   int64  `json:"messages"`
		Duplicates int64  `json:"duplicates"`
		TooBig     int64  `json:"too_big"`
		Deleted    int64  `json:"deleted_skipped"`
		Errors     int64  `json:"errors"`
		Skipped    int64  `json:"skipped"`
		Copied     int64  `json:"copied"`
		Failed     int64  `json:"failed"`
	} `json:"folders"`
	Totals struct {
		Messages   int64 `json:"messages"`
		New        int64 `json:"new"`
		NewBytes   int64 `json:"new_bytes"`
		Duplicates int64 `json:"duplicates"`
		TooBig     int64 `json:"too_big"`
		Deleted    int64 `json:"deleted_skipped"`
		Errors     int64 `json:"errors"`
		Skipped    int64 `json:"skipped"`
		Copied     int64 `json:"copied"`
		Failed     int64 `json:"failed"`
	} `json:"totals"`
	Quota []struct {
		Known bool  `json:"known"`
		Used  int64 `json:"used"`
		Limit int64 `json:"limit"`
	} `json:"quota"`
	Problems []Issue `json:"problems"`
	Elapsed  float64 `json:"elapsed_seconds"`
	Copy     bool    `json:"copy"`
}

func (o *Outcome) addSummary(b []byte) {
	var s summaryEvent
	if json.Unmarshal(b, &s) != nil {
		return
	}
	t := s.Totals
	o.Folders = len(s.Folders)
	o.FolderStats = nil
	for i, f := range s.Folders {
		if i >= maxFolderStats {
			break
		}
		o.FolderStats = append(o.FolderStats, FolderStat{Source: f.Source, Target: f.Target, Messages: f.Messages, Copied: f.Copied,
			Duplicates: f.Duplicates, Skipped: f.TooBig + f.Skipped + f.Deleted, Failed: f.Failed + f.Errors})
	}
	o.Messages = t.Messages
	o.Copied = t.Copied
	if t.New > 0 && t.Copied > 0 {
		// NewBytes is the wire size of what was to be copied; the share
		// copied of it.
		o.Bytes = t.NewBytes * t.Copied / t.New
	}
	o.Duplicates = t.Duplicates
	o.Skipped = t.TooBig + t.Skipped + t.Deleted
	o.Failed = t.Failed + t.Errors
	o.Problems = nil
	for i, p := range s.Problems {
		if i >= maxIssues {
			o.MoreProblems = len(s.Problems) - maxIssues
			break
		}
		o.Problems = append(o.Problems, p)
	}
	for _, q := range s.Quota {
		if q.Known {
			o.QuotaKnown, o.QuotaUsed, o.QuotaLimit = true, q.Used, q.Limit
			o.QuotaAfter = q.Used + o.Bytes
			break
		}
	}
	o.Elapsed = s.Elapsed
}

// Result is how a job's run ended.
type Result struct {
	Code     int
	Error    string // the copy's error message (redacted by copy), if any
	Outcome  *Outcome
	Started  time.Time
	Finished time.Time
	LogFile  string
}

// Runner runs jobs as `Exe copy ...` child processes.
type Runner struct {
	Exe    string   // the mailferry binary (os.Executable)
	Common []string // global flags every job's copy (and quota) gets
	// CopyFlags are flags of copy only every job gets (--wait-lock).
	CopyFlags []string
	LogDir    string // per-job log files (NAME.log, NDJSON); "" none
	// Events, when set, gets every NDJSON line of every job's copy
	// (its --json output), with the job.
	Events func(j *Job, line []byte)
	// Env is the base environment of the children (nil: os.Environ()).
	Env []string
	// Lookup reads the variables a batch file names (nil: os.LookupEnv).
	Lookup func(string) (string, bool)
	// Grace is how long a child has to stop after SIGTERM when the batch
	// is interrupted (0: 60 s), then it is killed.
	Grace time.Duration
}

// Run runs one job and waits for it. ctx done: the child gets SIGTERM
// (copy stops after the message in flight, exit 130).
func (r *Runner) Run(ctx context.Context, j *Job) (res Result) {
	res = Result{Started: time.Now().UTC(), Code: ExitError}
	defer func() { res.Finished = time.Now().UTC() }()
	secrets, err := j.Env(r.Lookup)
	if err != nil {
		res.Code, res.Error = ExitUsage, err.Error()
		return res
	}
	var common []string
	common = append(common, r.Common...)
	common = append(common, r.CopyFlags...)
	var logf *os.File
	if r.LogDir != "" {
		if err := os.MkdirAll(r.LogDir, 0o700); err != nil {
			res.Error = fmt.Sprintf("--log-dir: %v", err)
			return res
		}
		res.LogFile = filepath.Join(r.LogDir, j.FileName()+".log")
		common = append(common, "--log-file", res.LogFile)
		// The copy appends its events; its stderr lines are appended here.
		logf, err = os.OpenFile(res.LogFile, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			res.Error = fmt.Sprintf("--log-dir: %v", err)
			return res
		}
		defer logf.Close()
	}
	cmd := exec.Command(r.Exe, j.Args(common...)...)
	env := r.Env
	if env == nil {
		env = os.Environ()
	}
	cmd.Env = append(append([]string(nil), env...), secrets...)
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		res.Error = err.Error()
		return res
	}
	if err := cmd.Start(); err != nil {
		res.Error = err.Error()
		return res
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			cmd.Process.Signal(syscall.SIGTERM)
			grace := r.Grace
			if grace <= 0 {
				grace = time.Minute
			}
			select {
			case <-done:
			case <-time.After(grace):
				cmd.Process.Kill()
			}
		case <-done:
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	var lastStderr string
	go func() {
		defer wg.Done()
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			lastStderr = sc.Text()
			if logf != nil {
				b, _ := json.Marshal(map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "type": "stderr", "text": sc.Text()})
				logf.Write(append(b, '\n'))
			}
		}
	}()
	out := &Outcome{}
	var exitMsg string
	sawSummary := false
	rd := bufio.NewReader(stdout)
	for {
		line, err := rd.ReadBytes('\n')
		if len(line) > 0 {
			line = trimNL(line)
			var ev struct {
				Type     string `json:"type"`
				Error    string `json:"error"`
				Complete *bool  `json:"complete"`
			}
			if json.Unmarshal(line, &ev) == nil {
				switch ev.Type {
				case "summary":
					out.addSummary(line)
					sawSummary = true
				case "verify-summary":
					out.Verify = "incomplete"
					if ev.Complete != nil && *ev.Complete {
						out.Verify = "complete"
					}
				case "exit":
					exitMsg = ev.Error
				}
			}
			if r.Events != nil {
				r.Events(j, line)
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				io.Copy(io.Discard, stdout)
			}
			break
		}
	}
	wg.Wait()
	err = cmd.Wait()
	close(done)
	res.Code = ExitOK
	if err != nil {
		var ee *exec.ExitError
		switch {
		case errors.As(err, &ee) && ee.ExitCode() >= 0:
			res.Code = ee.ExitCode()
		case ctx.Err() != nil:
			res.Code = ExitCancelled
		default:
			res.Code = ExitError
		}
		res.Error = exitMsg
		if res.Error == "" {
			res.Error = lastStderr
		}
		if res.Error == "" {
			res.Error = err.Error()
		}
	}
	if sawSummary {
		res.Outcome = out
		if out.QuotaKnown && (res.Code == ExitOK || res.Code == ExitIncomplete) && ctx.Err() == nil {
			r.quotaAfter(ctx, j, append(append([]string(nil), env...), secrets...), out)
		}
	}
	return res
}

// quotaAfter asks the target for its quota after the copy (mailferry
// quota, one more login) and puts it in out; out keeps its estimate when
// that fails.
func (r *Runner) quotaAfter(ctx context.Context, j *Job, env []string, out *Outcome) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.Exe, j.QuotaArgs(r.Common...)...)
	cmd.Env = env
	cmd.SysProcAttr = childAttr()
	b, err := cmd.Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(b), "\n") {
		var ev struct {
			Type  string `json:"type"`
			Known bool   `json:"known"`
			Used  int64  `json:"used"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Type == "quota" && ev.Known {
			out.QuotaAfter, out.QuotaAfterMeasured = ev.Used, true
			return
		}
	}
}

// QuotaArgs are the arguments of `mailferry quota` for the job's target,
// with the target's own settings (no secrets, as Args).
func (j *Job) QuotaArgs(common ...string) []string {
	a := []string{"quota", "--json"}
	a = append(a, common...)
	for _, k := range []string{"target_tls_ca", "target_tls_server_name", "target_auth"} {
		if v := j.Opts[k]; v != "" {
			a = append(a, columns[k].flag, v)
		}
	}
	if f := j.Opts["target_password_file"]; f != "" {
		a = append(a, "--target-password-file", f)
	}
	if j.Opts["target_oauth2_token_command"] != "" {
		a = append(a, "--oauth2-token-command", tokenDispatch)
		if j.Opts["target_auth"] == "" {
			a = append(a, "--target-auth", "oauth2")
		}
	}
	return append(a, "--", j.Target)
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}
