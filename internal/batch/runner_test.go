//go:build unix

package batch

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Runner with a stand-in for mailferry (a shell script): the password
// reaches the child in its environment and not its arguments, the
// summary and the quota after become the Outcome, the exit code is kept,
// stderr lands in the job's log, and an interrupted child gets SIGTERM.
func TestRunnerChild(t *testing.T) {
	dir := t.TempDir()
	exe := filepath.Join(dir, "fake-mailferry")
	script := `#!/bin/sh
if [ "$1" = quota ]; then
  echo '{"type":"quota","known":true,"root":"User quota","used":1400,"limit":5000}'
  exit 0
fi
echo "$@" > "$FAKE_DIR/args"
printf '%s' "$MAILFERRY_TARGET_PASSWORD" > "$FAKE_DIR/pw"
echo 'warning: something on stderr' >&2
if [ -n "$FAKE_HANG" ]; then
  trap 'echo "{\"type\":\"exit\",\"code\":130}"; exit 130' TERM
  while :; do sleep 0.05; done
fi
echo '{"type":"scan","folder":"INBOX"}'
echo '{"type":"summary","copy":true,"folders":[{},{}],"totals":{"messages":5,"new":4,"new_bytes":400,"copied":4,"duplicates":1,"too_big":1},"quota":[{"known":true,"used":1000,"limit":5000}],"problems":[{"kind":"too-big","folder":"INBOX","ref":"INBOX/3","reason":"over the limit"}],"elapsed_seconds":0.5}'
echo '{"type":"exit","code":3,"error":"finished, but some messages were not copied"}'
exit 3
`
	if err := os.WriteFile(exe, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	j := &Job{Line: 2, Name: "alice", Source: "maildir:/m/a", Target: "imap://alice@h", Opts: map[string]string{"target_password_env": "ALICE_PW", "j": "2"}}
	lookup := func(k string) (string, bool) {
		return map[string]string{"ALICE_PW": "pw-of-alice-123"}[k], k == "ALICE_PW"
	}
	var events []string
	r := &Runner{Exe: exe, LogDir: filepath.Join(dir, "logs"), Env: append(os.Environ(), "FAKE_DIR="+dir), Lookup: lookup,
		Events: func(j *Job, line []byte) { events = append(events, string(line)) }}
	res := r.Run(context.Background(), j)
	if res.Code != ExitIncomplete || !strings.Contains(res.Error, "not copied") {
		t.Errorf("code %d error %q", res.Code, res.Error)
	}
	o := res.Outcome
	if o == nil || o.Folders != 2 || o.Copied != 4 || o.Bytes != 400 || o.Duplicates != 1 || o.Skipped != 1 || len(o.Problems) != 1 ||
		o.QuotaUsed != 1000 || o.QuotaAfter != 1400 || !o.QuotaAfterMeasured {
		t.Errorf("outcome %+v", o)
	}
	if len(events) != 3 {
		t.Errorf("events %q", events)
	}
	pw, _ := os.ReadFile(filepath.Join(dir, "pw"))
	args, _ := os.ReadFile(filepath.Join(dir, "args"))
	if string(pw) != "pw-of-alice-123" || strings.Contains(string(args), "pw-of-alice") || !strings.Contains(string(args), "-j 2") {
		t.Errorf("password %q, args %q", pw, args)
	}
	log, err := os.ReadFile(res.LogFile)
	if err != nil || !strings.Contains(string(log), "something on stderr") {
		t.Errorf("log %q: %v", log, err)
	}

	// Interrupted: SIGTERM, the child's exit code 130.
	r.Env = append(r.Env, "FAKE_HANG=1")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	res = r.Run(ctx, j)
	if res.Code != ExitCancelled || time.Since(start) > 10*time.Second {
		t.Errorf("interrupted: code %d after %s", res.Code, time.Since(start))
	}
}
