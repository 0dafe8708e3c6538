package batch

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func env(vars map[string]string) Env {
	return Env{LookupEnv: func(k string) (string, bool) { v, ok := vars[k]; return v, ok }}
}

func TestParseCSV(t *testing.T) {
	pw := writeFile(t, "pw", "secret\n")
	p := writeFile(t, "office.csv", "\xef\xbb\xbfsource,target,Target-Password-Env,source_password_file,include,j,verify,folder_map\n"+
		"# a comment\n"+
		"imaps://alice@old.example.com,imaps://alice@new.example.com,ALICE,"+pw+",^INBOX;^Sent,2,true,Old=New;A/B=C\n"+
		"\n"+
		"maildir:/srv/bob,imap://bob@127.0.0.1:1143,ALICE,,,,,\n")
	jobs, err := ParseFile(p, env(map[string]string{"ALICE": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d jobs", len(jobs))
	}
	a := jobs[0]
	if a.Line != 3 || jobs[1].Line != 5 {
		t.Errorf("lines %d %d, want 3 5", a.Line, jobs[1].Line)
	}
	if a.Opts["target_password_env"] != "ALICE" || a.Opts["j"] != "2" {
		t.Errorf("opts %v", a.Opts)
	}
	args := strings.Join(a.Args(), " ")
	for _, want := range []string{"copy --json", "--include ^INBOX --include ^Sent", "-j 2", "--verify=true", "--folder-map Old=New --folder-map A/B=C",
		"--source-password-file " + pw, "-- imaps://alice@old.example.com imaps://alice@new.example.com"} {
		if !strings.Contains(args, want) {
			t.Errorf("args %q lack %q", args, want)
		}
	}
	if strings.Contains(args, "secret") || strings.Contains(args, "ALICE") {
		t.Errorf("args carry a secret or its reference: %q", args)
	}
	e, err := a.Env(func(k string) (string, bool) { return map[string]string{"ALICE": "pw1"}[k], k == "ALICE" })
	if err != nil || len(e) != 1 || e[0] != "MAILFERRY_TARGET_PASSWORD=pw1" {
		t.Errorf("env %v %v", e, err)
	}
	if got := a.Hosts(); got["old.example.com"] != 3 || got["new.example.com"] != 3 {
		t.Errorf("hosts %v", got)
	}
	if got := jobs[1].Hosts(); len(got) != 1 || got["127.0.0.1"] != 4 {
		t.Errorf("hosts %v", got)
	}
}

// Every bad line is reported with its line number; nothing is returned.
func TestParseCSVErrors(t *testing.T) {
	p := writeFile(t, "bad.csv", "source,target,password,j,dedupe,bogus,target_password_env,include\n"+
		"maildir:/a,imap://a@h,,1,folder,,SET,\n"+ // line 2: fine but for the columns
		"maildir:/b,imap://b@h,,99,folder,,,\n"+ // line 3: j
		"maildir:/c,imap://c:hunter2@h,,,,,,\n"+ // line 4: password in URL
		"maildir:/d,imap://d@h,,,maybe,,,\n"+ // line 5: dedupe
		"maildir:/e,imap://e@h,,,,,UNSET,\n"+ // line 6: env not set
		"maildir:/a,imap://a@h,,,,,,\n"+ // line 7: same job as line 2
		",imap://g@h,,,,,,\n"+ // line 8: no source
		"maildir:/h,imap://h@h,,,,,,(\n") // line 9: regexp
	_, err := ParseFile(p, env(map[string]string{"SET": "x"}))
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err %v", err)
	}
	got := map[int]string{}
	for _, le := range fe.Errs {
		got[le.Line] += le.Msg + ";"
	}
	for line, want := range map[int]string{1: "never written", 3: "j 99", 4: "password in the URL", 5: "dedupe", 6: "$UNSET is not set", 7: "line 2", 8: "needs a source", 9: "include"} {
		if !strings.Contains(got[line], want) {
			t.Errorf("line %d: %q, want %q", line, got[line], want)
		}
	}
	if !strings.Contains(got[1], "bogus") {
		t.Errorf("unknown column not reported: %q", got[1])
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("error shows the password: %v", err)
	}
}

func TestParseCSVShape(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"", "empty file"},
		{"source,target\nmaildir:/a\n", ":2: 1 fields"},
		{"source,target\n\"maildir:/a,b\n", "bad.csv:"},
		{"source,target\n", "no jobs"},
		{"source,source\n", "twice"},
	} {
		_, err := ParseFile(writeFile(t, "bad.csv", tc.text), Env{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestParseYAML(t *testing.T) {
	p := writeFile(t, "office.yaml", `# office
jobs:
  - source: imaps://alice@old.example.com   # comment
    target: "imaps://alice@new.example.com"
    target_password_env: ALICE
    include: '^INBOX;^It''s'
  -   source: maildir:/srv/bob
      target: imap://bob@h
      into: "Imported \"old\""
`)
	jobs, err := ParseFile(p, env(map[string]string{"ALICE": "x"}))
	if err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 2 || jobs[0].Line != 3 || jobs[1].Line != 7 {
		t.Fatalf("jobs %+v", jobs)
	}
	if jobs[0].Target != "imaps://alice@new.example.com" || jobs[0].Opts["include"] != "^INBOX;^It's" || jobs[1].Opts["into"] != `Imported "old"` {
		t.Errorf("%+v %+v", jobs[0], jobs[1])
	}
	for _, tc := range []struct{ text, want string }{
		{"jobs:\n  - source: a:b\n    target: [x]\n", ":3:"},
		{"jobs:\n  - source: a:b\n      target: c:d\n", ":3: indented"},
		{"job:\n  - source: a:b\n", ":1:"},
		{"jobs:\n  - source: a:b\n    target: c:d\n    source: e:f\n", ":4: key \"source\" twice"},
		{"jobs:\n  - source: a:b\n    target: c:d\n    password: x\n", ":4: column \"password\""},
		{"jobs:\n  - source: a:b\n    target: \"c:d\n", ":3: unterminated"},
		{"jobs:\n  - source: a:b\n    target: &x c:d\n", ":3:"},
		{"jobs:\n\t- source: a:b\n", ":2: tab"},
	} {
		_, err := ParseFile(writeFile(t, "bad.yml", tc.text), Env{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

func TestChildEnv(t *testing.T) {
	jobs := []*Job{{Opts: map[string]string{"source_password_env": "A"}}, {Opts: map[string]string{"target_password_env": "B"}}}
	got := ChildEnv([]string{"A=1", "B=2", "PATH=/bin", "MAILFERRY_PASSWORD=3", "AB=4"}, jobs)
	if strings.Join(got, " ") != "PATH=/bin MAILFERRY_PASSWORD=3 AB=4" {
		t.Errorf("child env %v", got)
	}
}

func TestTokenCommandsTravelInEnv(t *testing.T) {
	j := &Job{Source: "imaps://a@outlook.office365.com", Target: "imaps://a@h", Opts: map[string]string{"source_oauth2_token_command": "get-token --user a --secret s3cr3t"}}
	args := strings.Join(j.Args(), " ")
	if strings.Contains(args, "s3cr3t") || !strings.Contains(args, "--source-auth oauth2") || !strings.Contains(args, "--target-auth password") {
		t.Errorf("args %q", args)
	}
	e, _ := j.Env(nil)
	if len(e) != 1 || e[0] != "MAILFERRY_BATCH_SOURCE_TOKEN_COMMAND=get-token --user a --secret s3cr3t" {
		t.Errorf("env %v", e)
	}
}

func TestShards(t *testing.T) {
	if _, _, err := ParseShard("4/4"); err == nil {
		t.Error("4/4 accepted")
	}
	if i, n, err := ParseShard("1/4"); err != nil || i != 1 || n != 4 {
		t.Error(i, n, err)
	}
	var jobs []*Job
	for i := range 200 {
		jobs = append(jobs, &Job{Line: i + 2, Source: fmt.Sprintf("maildir:/m/%d", i), Target: fmt.Sprintf("imap://u%d@h", i)})
	}
	seen := map[string]int{}
	for s := range 4 {
		part := ForShard(jobs, s, 4)
		if len(part) < 25 {
			t.Errorf("shard %d has %d of 200 jobs", s, len(part))
		}
		for _, j := range part {
			seen[j.Key()]++
		}
	}
	for _, j := range jobs {
		if seen[j.Key()] != 1 {
			t.Errorf("%s in %d shards", j.Key(), seen[j.Key()])
		}
	}
	// Stable: a known key always lands in the same shard.
	if got := Shard("maildir:/m/0\x00imap://u0@h", 4); got != Shard("maildir:/m/0\x00imap://u0@h", 4) {
		t.Error("unstable")
	}
}

func TestStateDecideAndReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	st, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	a := &Job{Line: 2, Source: "maildir:/a", Target: "maildir:/b", Opts: map[string]string{}}
	b := &Job{Line: 3, Source: "maildir:/c", Target: "maildir:/d", Opts: map[string]string{}}
	st.Update(a, func(e *Entry) { e.Status, e.Fingerprint = StatusDone, a.Fingerprint() })
	st.Update(b, func(e *Entry) { e.Status = StatusInProgress })
	st2, err := LoadState(path)
	if err != nil {
		t.Fatal(err)
	}
	if run, why := st2.Decide(a, false); run || why != "done" {
		t.Errorf("done job: %v %s", run, why)
	}
	if run, why := st2.Decide(a, true); !run || why != "delta" {
		t.Errorf("delta: %v %s", run, why)
	}
	if run, why := st2.Decide(b, false); !run || why != "interrupted" {
		t.Errorf("in-progress: %v %s", run, why)
	}
	// Reordered and changed: the key finds it, the fingerprint differs.
	a2 := &Job{Line: 9, Source: a.Source, Target: a.Target, Opts: map[string]string{"into": "X"}}
	if run, why := st2.Decide(a2, false); !run || why != "changed" {
		t.Errorf("changed: %v %s", run, why)
	}
	a3 := &Job{Line: 9, Source: a.Source, Target: a.Target, Opts: map[string]string{}}
	if run, _ := st2.Decide(a3, false); run {
		t.Error("moved job runs again")
	}
	if matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".s.json.tmp-*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
	if _, err := LockState(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LockState(path); err == nil {
		t.Error("a second lock of the state succeeded")
	}
}

// The scheduler keeps --parallel and the per-host budget, and every job
// runs once.
func TestRunBudget(t *testing.T) {
	var jobs []*Job
	for i := range 24 {
		opts := map[string]string{"j": "1"}
		if i%3 == 0 {
			opts["j"] = "3"
		}
		jobs = append(jobs, &Job{Line: i + 2, Source: fmt.Sprintf("imap://u%d@old.example.com", i), Target: fmt.Sprintf("imap://u%d@new.example.com:143", i), Opts: opts})
	}
	st, _ := LoadState(filepath.Join(t.TempDir(), "s.json"))
	var mu sync.Mutex
	used := map[string]int{}
	active, peak, peakHost := 0, 0, 0
	ran := map[string]int{}
	run := func(ctx context.Context, j *Job) Result {
		mu.Lock()
		active++
		peak = max(peak, active)
		for h, n := range j.Hosts() {
			used[h] += n
			peakHost = max(peakHost, used[h])
		}
		ran[j.Key()]++
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		mu.Lock()
		active--
		for h, n := range j.Hosts() {
			used[h] -= n
		}
		mu.Unlock()
		code := ExitOK
		if j.Line == 5 {
			code = ExitIncomplete
		}
		return Result{Code: code, Finished: time.Now()}
	}
	runs, code := Run(context.Background(), jobs, Options{Parallel: 4, MaxPerHost: 6, Run: run, State: st})
	if len(runs) != 24 || code != ExitIncomplete {
		t.Errorf("%d runs, code %d", len(runs), code)
	}
	if peak > 4 || peakHost > 6 {
		t.Errorf("peak %d jobs, %d connections to a host", peak, peakHost)
	}
	if peak < 2 {
		t.Errorf("never more than %d jobs at once", peak)
	}
	for _, j := range jobs {
		if ran[j.Key()] != 1 {
			t.Errorf("%s ran %d times", j.Key(), ran[j.Key()])
		}
	}
	// A re-run runs only the failed one.
	ran = map[string]int{}
	Run(context.Background(), jobs, Options{Parallel: 4, MaxPerHost: 6, Run: run, State: st})
	if len(ran) != 1 || ran[jobs[3].Key()] != 1 {
		t.Errorf("re-run ran %v", ran)
	}
	if errs := CheckBudget(jobs, 3); len(errs) != 16 {
		t.Errorf("CheckBudget: %d errors, want 16 (the j 3 jobs, 2 hosts each)", len(errs))
	}
}

func TestWorst(t *testing.T) {
	code := ExitOK
	for _, c := range []int{3, 0, 4, 3} {
		code = Worst(code, c)
	}
	if code != 4 {
		t.Errorf("worst %d", code)
	}
	if Worst(1, 2) != 1 || Worst(1, 130) != 130 || Worst(2, 4) != 2 {
		t.Error("order")
	}
}

func TestReportHTML(t *testing.T) {
	st, _ := LoadState(filepath.Join(t.TempDir(), "s.json"))
	a := &Job{Line: 2, Name: "alice <CEO>", Source: "maildir:/a", Target: "imap://alice@h", Opts: map[string]string{}}
	b := &Job{Line: 3, Source: "maildir:/b", Target: "imap://bob@h", Opts: map[string]string{}}
	st.Update(a, func(e *Entry) {
		e.Status, e.Seconds, e.CopiedTotal = StatusDone, 12, 200
		e.Outcome = &Outcome{Folders: 3, FolderStats: []FolderStat{{Source: "Customers/Acme", Target: "Kunden/Acme", Messages: 7, Copied: 7}}, Messages: 201, Copied: 200, Duplicates: 1, Skipped: 1, QuotaKnown: true, QuotaUsed: 1 << 20, QuotaLimit: 100 << 20, QuotaAfter: 2 << 20,
			Problems: []Issue{{Kind: "too-big", Folder: "INBOX", Ref: "INBOX/7", Reason: "over 10 MiB"}}}
	})
	st.Update(b, func(e *Entry) { e.Status, e.ExitCode, e.Error, e.Seconds = StatusFailed, 1, "login failed", 1 })
	r := BuildReport([]*State{st})
	if r.Totals.Accounts != 2 || r.Totals.Done != 1 || r.Totals.Failed != 1 || r.Totals.CopiedTotal != 200 {
		t.Errorf("totals %+v", r.Totals)
	}
	h, err := r.HTML()
	if err != nil {
		t.Fatal(err)
	}
	s := string(h)
	for _, want := range []string{`data-account="alice &lt;CEO&gt;"`, "over 10 MiB", "Kunden/Acme", "login failed", "<svg", `class="failed"`} {
		if !strings.Contains(s, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	for _, bad := range []string{"http://", "https://", "<script", "<link"} {
		if strings.Contains(s, bad) && !strings.Contains(s, `xmlns="http://www.w3.org/2000/svg"`) || strings.Contains(s, "<script") || strings.Contains(s, "<link") {
			t.Errorf("html refers to the network or runs script: %q", bad)
		}
	}
	dir := t.TempDir()
	if err := WriteReport(dir, r); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"batch-report.json", "batch-report.html"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
}

// Two jobs into one target never run at once.
func TestRunOneTargetAtATime(t *testing.T) {
	var jobs []*Job
	for i := range 6 {
		jobs = append(jobs, &Job{Line: i + 2, Source: fmt.Sprintf("maildir:/m/%d", i), Target: "imap://Boss@h", Opts: map[string]string{"j": "1"}})
	}
	st, _ := LoadState(filepath.Join(t.TempDir(), "s.json"))
	var mu sync.Mutex
	active, peak := 0, 0
	run := func(ctx context.Context, j *Job) Result {
		mu.Lock()
		active++
		peak = max(peak, active)
		mu.Unlock()
		time.Sleep(3 * time.Millisecond)
		mu.Lock()
		active--
		mu.Unlock()
		return Result{Finished: time.Now()}
	}
	if _, code := Run(context.Background(), jobs, Options{Parallel: 4, Run: run, State: st}); code != 0 || peak != 1 {
		t.Errorf("code %d, %d jobs into one target at once", code, peak)
	}
}

// An interrupted batch: the running jobs are told (their context), the
// rest do not start, the exit code is 130 and the state says what ran.
func TestRunInterrupted(t *testing.T) {
	var jobs []*Job
	for i := range 10 {
		jobs = append(jobs, &Job{Line: i + 2, Source: fmt.Sprintf("maildir:/m/%d", i), Target: fmt.Sprintf("maildir:/t/%d", i), Opts: map[string]string{}})
	}
	path := filepath.Join(t.TempDir(), "s.json")
	st, _ := LoadState(path)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	started := 0
	run := func(ctx context.Context, j *Job) Result {
		mu.Lock()
		started++
		if started == 3 {
			cancel()
		}
		mu.Unlock()
		if j.Line >= 4 { // the running ones stop when told
			<-ctx.Done()
			return Result{Code: ExitCancelled, Finished: time.Now()}
		}
		return Result{Finished: time.Now()}
	}
	runs, code := Run(ctx, jobs, Options{Parallel: 1, Run: run, State: st})
	if code != ExitCancelled || started != 3 || len(runs) != 10 {
		t.Errorf("code %d, %d started, %d runs", code, started, len(runs))
	}
	st2, _ := LoadState(path)
	if len(st2.Jobs) != 3 || st2.Jobs[0].Status != StatusDone || st2.Jobs[2].Status != StatusInProgress {
		t.Errorf("state %+v", st2.Jobs)
	}
	// The next run: the done ones are skipped, the interrupted one and
	// the others run.
	n := 0
	Run(context.Background(), jobs, Options{Parallel: 2, Run: func(ctx context.Context, j *Job) Result { mu.Lock(); n++; mu.Unlock(); return Result{} }, State: st2})
	if n != 8 {
		t.Errorf("the re-run ran %d jobs, want 8", n)
	}
}
