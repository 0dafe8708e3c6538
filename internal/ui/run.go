package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// Job is one run of the mailferry binary (plan, copy, verify, quota, ls)
// and what it reported so far.
type Job struct {
	ID     int    `json:"id"`
	Action string `json:"action"`

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every change
	cmd     *exec.Cmd
	stopped bool
	st      JobState
}

// JobState is what the page sees of a job.
type JobState struct {
	ID      int    `json:"id"`
	Action  string `json:"action"`
	Running bool   `json:"running"`
	Stopped bool   `json:"stopped,omitempty"`
	// Phase: "scan" (listing, de-duplication, quota check), "copy".
	Phase string `json:"phase,omitempty"`
	// Progress of a copy ("start" gives the totals).
	TotalMessages int64   `json:"total_messages"`
	TotalBytes    int64   `json:"total_bytes"`
	DoneMessages  int64   `json:"done_messages"`
	DoneBytes     int64   `json:"done_bytes"`
	Duplicates    int64   `json:"duplicates"`
	Folder        string  `json:"folder,omitempty"`
	Target        string  `json:"target,omitempty"`
	FoldersDone   int     `json:"folders_done"`
	Scanned       int     `json:"scanned"`
	Elapsed       float64 `json:"elapsed_seconds"`
	ETA           float64 `json:"eta_seconds"` // -1 unknown
	// Errors are the error and skip events of the copy (at most 200).
	Errors   []Event  `json:"errors,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
	// Summary is copy's or plan's summary event, Verify verify's,
	// Quota quota's events, Folders ls's.
	Summary json.RawMessage   `json:"summary,omitempty"`
	Verify  json.RawMessage   `json:"verify,omitempty"`
	Quota   []json.RawMessage `json:"quota,omitempty"`
	Folders []json.RawMessage `json:"folders,omitempty"`
	// Archive is archive's result event.
	Archive json.RawMessage `json:"archive,omitempty"`
	// Code is the exit status (when not Running), Error the run's error.
	Code  int    `json:"code"`
	Error string `json:"error,omitempty"`
	Kind  string `json:"failure,omitempty"`

	started time.Time
}

// Event is an engine event of copy --json (the fields the page uses).
type Event struct {
	Type     string `json:"type"`
	Folder   string `json:"folder,omitempty"`
	Target   string `json:"target,omitempty"`
	Ref      string `json:"ref,omitempty"`
	Reason   string `json:"reason,omitempty"`
	Bytes    int64  `json:"bytes,omitempty"`
	Messages int64  `json:"messages,omitempty"`
	// Error and Failure are in the exit event.
	Error   string `json:"error,omitempty"`
	Failure string `json:"failure,omitempty"`
	// Message is Error in the child's language (--lang), when it has one.
	Message string `json:"message,omitempty"`
}

const maxErrors = 200

// snapshot returns the state and the channel closed at its next change.
func (j *Job) snapshot() (JobState, <-chan struct{}) {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.st
	s.Errors = append([]Event(nil), s.Errors...)
	s.Warnings = append([]string(nil), s.Warnings...)
	s.Quota = append([]json.RawMessage(nil), s.Quota...)
	s.Folders = append([]json.RawMessage(nil), s.Folders...)
	if !s.started.IsZero() {
		if s.Running {
			s.Elapsed = time.Since(s.started).Seconds()
		}
		s.ETA = -1
		if s.Phase == "copy" && s.DoneBytes > 0 && s.TotalBytes > s.DoneBytes && s.Elapsed > 1 {
			s.ETA = s.Elapsed * float64(s.TotalBytes-s.DoneBytes) / float64(s.DoneBytes)
		}
	}
	return s, j.changed
}

func (j *Job) update(f func(s *JobState)) {
	j.mu.Lock()
	f(&j.st)
	close(j.changed)
	j.changed = make(chan struct{})
	j.mu.Unlock()
}

// line takes one NDJSON line of the child's output.
func (j *Job) line(b []byte) {
	var ev Event
	if len(b) == 0 || b[0] != '{' || json.Unmarshal(b, &ev) != nil {
		return
	}
	raw := json.RawMessage(append([]byte(nil), b...))
	j.update(func(s *JobState) {
		switch ev.Type {
		case "inventory", "scan":
			s.Phase = "scan"
			s.Scanned++
			s.Folder = ev.Folder
		case "start":
			s.Phase = "copy"
			s.TotalMessages, s.TotalBytes = ev.Messages, ev.Bytes
			s.started = time.Now()
			s.Folder, s.Target = "", "" // the planning pass's
		case "folder":
			if s.Phase == "copy" {
				if s.Folder != "" {
					s.FoldersDone++
				}
				s.Folder, s.Target = ev.Folder, ev.Target
			}
		case "copied":
			s.DoneMessages++
			s.DoneBytes += ev.Bytes
		case "dup":
			if s.Phase == "copy" {
				s.Duplicates++
			}
		case "error", "skip":
			if s.Phase == "copy" && len(s.Errors) < maxErrors {
				s.Errors = append(s.Errors, ev)
			}
		case "warning":
			if len(s.Warnings) < maxErrors {
				s.Warnings = append(s.Warnings, ev.Reason)
			}
		case "summary":
			s.Summary = raw
		case "verify-summary":
			s.Verify = raw
		case "quota":
			s.Quota = append(s.Quota, raw)
		case "archive":
			s.Archive = raw
		case "archive-stage":
			s.Phase = "archive-" + string(mustString(b, "stage"))
		case "exit":
			s.Error, s.Kind = ev.Error, ev.Failure
			if ev.Message != "" {
				s.Error = ev.Message // the page's language
			}
		}
		if ev.Type == "folder" && s.Phase == "" && j.Action == "ls" {
			s.Folders = append(s.Folders, raw)
		}
	})
}

// mustString returns the string field k of the JSON object b ("" when
// it has none).
func mustString(b []byte, k string) string {
	var m map[string]any
	json.Unmarshal(b, &m)
	v, _ := m[k].(string)
	return v
}

// childEnv is env without any mailferry password variable, plus the
// session's passwords for this run.
func childEnv(env []string, srcPw, dstPw string) []string {
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "MAILFERRY_PASSWORD", "MAILFERRY_SOURCE_PASSWORD", "MAILFERRY_TARGET_PASSWORD", "MAILFERRY_OAUTH2_CLIENT_SECRET":
			continue
		}
		out = append(out, kv)
	}
	if srcPw != "" {
		out = append(out, "MAILFERRY_SOURCE_PASSWORD="+srcPw)
	}
	if dstPw != "" {
		out = append(out, "MAILFERRY_TARGET_PASSWORD="+dstPw)
	}
	return out
}

// start runs exe with args and feeds its output to j until it ends.
func (j *Job) start(exe string, args, env []string) error {
	cmd := exec.Command(exe, args...)
	cmd.Env = env
	cmd.SysProcAttr = childAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	j.update(func(s *JobState) { s.ID, s.Action, s.Running, s.started = j.ID, j.Action, true, time.Now() })
	if err := cmd.Start(); err != nil {
		j.update(func(s *JobState) { s.Running, s.Code, s.Error = false, 1, err.Error() })
		return err
	}
	j.mu.Lock()
	j.cmd = cmd
	j.mu.Unlock()
	go func() {
		var wg sync.WaitGroup
		wg.Add(1)
		var lastStderr string
		go func() {
			defer wg.Done()
			sc := bufio.NewScanner(stderr)
			sc.Buffer(make([]byte, 64<<10), 1<<20)
			for sc.Scan() {
				if t := strings.TrimSpace(sc.Text()); t != "" {
					lastStderr = t
				}
			}
		}()
		rd := bufio.NewReader(stdout)
		for {
			line, err := rd.ReadBytes('\n')
			if len(line) > 0 {
				j.line([]byte(strings.TrimRight(string(line), "\r\n")))
			}
			if err != nil {
				if !errors.Is(err, io.EOF) {
					io.Copy(io.Discard, stdout)
				}
				break
			}
		}
		wg.Wait()
		err := cmd.Wait()
		code := 0
		var ee *exec.ExitError
		switch {
		case err == nil:
		case errors.As(err, &ee) && ee.ExitCode() >= 0:
			code = ee.ExitCode()
		default:
			code = 130 // killed by a signal (Stop on Windows)
		}
		j.mu.Lock()
		stopped := j.stopped
		j.mu.Unlock()
		j.update(func(s *JobState) {
			s.Running, s.Code, s.Stopped = false, code, stopped
			if s.started.IsZero() {
				s.started = time.Now()
			}
			s.Elapsed = time.Since(s.started).Seconds()
			if code != 0 && s.Error == "" {
				s.Error = lastStderr
			}
		})
	}()
	return nil
}

// stop interrupts the job's child (it ends cleanly, exit 130).
func (j *Job) stop() {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.cmd == nil || j.cmd.Process == nil || !j.st.Running {
		return
	}
	j.stopped = true
	interrupt(j.cmd.Process)
}

// wait waits for the job's end (tests, shutdown).
func (j *Job) wait(ctx context.Context) JobState {
	for {
		s, ch := j.snapshot()
		if !s.Running {
			return s
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return s
		}
	}
}

func newJob(id int, action string) *Job {
	return &Job{ID: id, Action: action, changed: make(chan struct{})}
}
