//go:build unix

package main

// Issue 19 through the command line: mailferry batch against a private
// Dovecot with 50 accounts the test creates (a static passdb after the
// launcher's passwd-file, homes made here), each filled from a Maildir of
// its own: shards 0..3 of 4 as 4 processes run every job exactly once; a
// job with a wrong password fails alone; a batch SIGKILLed mid-run and run
// again loses nothing and copies nothing twice.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/batch"
	"github.com/mailferry/mailferry/internal/corpus"
	"github.com/mailferry/mailferry/internal/engine"
)

// batchAccounts and batchMessages size the integration test.
const (
	batchAccounts = 50
	batchMessages = 20
)

// batchUserConf lets any user name log in with dovecottest.Password (a
// static passdb and userdb after the launcher's passwd-file ones); the
// test makes the users' homes.
var batchUserConf = fmt.Sprintf(`
passdb {
  driver = static
  args = password=%s
}
userdb {
  driver = static
  args = allow_all_users=yes
}
`, dovecottest.Password)

// startBatchDovecot starts a Dovecot with users b00..b(n-1).
func startBatchDovecot(t *testing.T, n int) (*dovecottest.Server, []string) {
	t.Helper()
	srv := dovecottest.Start(t, &dovecottest.Config{ExtraConf: batchUserConf})
	fi, err := os.Stat(filepath.Join(srv.Dir, "home", "alice"))
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	var users []string
	for i := range n {
		u := fmt.Sprintf("b%02d", i)
		h := filepath.Join(srv.Dir, "home", u)
		if err := os.Mkdir(h, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(h, int(st.Uid), int(st.Gid)); err != nil {
			t.Fatal(err)
		}
		users = append(users, u)
	}
	return srv, users
}

// genMaildir writes a generated corpus of n messages into a new Maildir.
func genMaildir(t *testing.T, dir string, seed int64, n int) {
	t.Helper()
	sink, err := exporters.Open(context.Background(), "maildir:"+dir, &importers.Options{Role: "target"})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	o := corpus.GenOptions{Count: n, Seed: seed, AvgSize: 2 << 10, Folders: []importers.Folder{{"INBOX"}, {"Sent"}, {"Archive", "2020"}}}
	eng := &engine.Engine{Src: &corpus.GenSource{Opt: o}, Sink: sink, Opts: engine.Options{Dedupe: engine.ScopeOff, IgnoreQuota: true}}
	if _, err := eng.Copy(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// maildirHolds digests a Maildir the way serverHolds digests an account,
// its messages with CRLF line ends (as IMAP stores them).
func maildirHolds(t *testing.T, dir string) []stored {
	t.Helper()
	src, err := importers.Open(context.Background(), "maildir:"+dir, &importers.Options{Role: "source"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []stored
	for _, fi := range fis {
		err := src.Walk(context.Background(), fi.Folder, nil, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				return rerr
			}
			rc, err := m.Body.Open()
			if err != nil {
				return err
			}
			b, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return err
			}
			out = append(out, stored{Folder: importertest.FolderName(fi.Folder), Hash: crlfHash(b), Flags: importertest.FlagSet(m.Flags), Date: m.InternalDate.Unix()})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	sortStored(out)
	return out
}

// batchRun is one mailferry batch process.
type batchRun struct {
	cmd    *exec.Cmd
	starts []string // jobs started (job-start events)
	ends   map[string]int
	copied map[string]int // job-end's copied
	code   int
	stderr strings.Builder
	mu     sync.Mutex
	done   chan struct{}
}

// startBatch starts bin batch --json args...; onEvent (may be nil) sees
// every event line.
func startBatch(t *testing.T, bin string, env []string, onEvent func(r *batchRun, ev map[string]any), args ...string) *batchRun {
	t.Helper()
	r := &batchRun{ends: map[string]int{}, copied: map[string]int{}, done: make(chan struct{})}
	r.cmd = exec.Command(bin, append([]string{"batch", "--json"}, args...)...)
	r.cmd.Env = append(os.Environ(), env...)
	out, err := r.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	r.cmd.Stderr = &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(r.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		for sc.Scan() {
			var ev map[string]any
			if json.Unmarshal(sc.Bytes(), &ev) != nil {
				continue
			}
			r.mu.Lock()
			switch ev["type"] {
			case "job-start":
				r.starts = append(r.starts, ev["job"].(string))
			case "job-end":
				r.ends[ev["job"].(string)] = int(ev["code"].(float64))
				if c, ok := ev["copied"].(float64); ok {
					r.copied[ev["job"].(string)] = int(c)
				}
			}
			r.mu.Unlock()
			if onEvent != nil {
				onEvent(r, ev)
			}
		}
		r.cmd.Wait()
		r.code = r.cmd.ProcessState.ExitCode()
	}()
	return r
}

func (r *batchRun) wait(t *testing.T) {
	t.Helper()
	select {
	case <-r.done:
	case <-time.After(5 * time.Minute):
		r.cmd.Process.Signal(syscall.SIGQUIT)
		<-r.done
		t.Fatalf("batch hung; stderr:\n%s", r.stderr.String())
	}
}

func TestBatchDovecot(t *testing.T) {
	if testing.Short() {
		t.Skip("integration test")
	}
	srv, users := startBatchDovecot(t, batchAccounts)
	bin := buildBinary(t)
	dir := t.TempDir()
	// The batch file: account 7 has the wrong password.
	var b strings.Builder
	b.WriteString("name,source,target,target_password_env,j\n")
	want := map[string][]stored{}
	for i, u := range users {
		src := filepath.Join(dir, "src", u)
		genMaildir(t, src, int64(100+i), batchMessages)
		want[u] = maildirHolds(t, src)
		pw := "BATCH_PW"
		if i == 7 {
			pw = "BATCH_WRONG_PW"
		}
		fmt.Fprintf(&b, "%s,maildir:%s,imap://%s@%s,%s,1\n", u, src, u, srv.Addr, pw)
	}
	file := filepath.Join(dir, "office.csv")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"BATCH_PW=" + dovecottest.Password, "BATCH_WRONG_PW=not-the-password", "MAILFERRY_PASSWORD=", "MAILFERRY_TARGET_PASSWORD="}

	// 1. Killed mid-run: SIGKILL when a job is copying after 10 jobs ended.
	var once sync.Once
	var doneBeforeKill []string
	killer := func(r *batchRun, ev map[string]any) {
		r.mu.Lock()
		n := len(r.ends)
		r.mu.Unlock()
		if ev["type"] == "copied" && n >= 10 {
			once.Do(func() {
				r.cmd.Process.Signal(syscall.SIGKILL)
				r.mu.Lock()
				for j, c := range r.ends {
					if c == 0 {
						doneBeforeKill = append(doneBeforeKill, j)
					}
				}
				r.mu.Unlock()
			})
		}
	}
	first := startBatch(t, bin, env, killer, file, "--parallel", "3")
	first.wait(t)
	if first.code != -1 {
		t.Fatalf("the batch was not killed (exit %d); stderr:\n%s", first.code, first.stderr.String())
	}
	var killedMid []string
	for _, j := range first.starts {
		if _, ok := first.ends[j]; !ok {
			killedMid = append(killedMid, j)
		}
	}
	t.Logf("killed with %d jobs done, %d in progress (%v)", len(doneBeforeKill), len(killedMid), killedMid)
	if len(killedMid) == 0 {
		t.Errorf("no job was in progress at the kill")
	}
	// Let the orphaned copies (SIGTERM by their parent's death) stop.
	time.Sleep(2 * time.Second)

	// 2. Run again: the done jobs are skipped, the rest (the killed ones
	// too) run; the wrong password fails alone.
	second := startBatch(t, bin, env, nil, file, "--parallel", "3")
	second.wait(t)
	if second.code != exitError {
		t.Errorf("re-run: exit %d, want %d (the wrong password); stderr:\n%s", second.code, exitError, second.stderr.String())
	}
	for _, j := range doneBeforeKill {
		for _, s := range second.starts {
			if s == j {
				t.Errorf("job %s, done before the kill, ran again", j)
			}
		}
	}
	for _, j := range killedMid {
		if _, ok := second.ends[j]; !ok {
			t.Errorf("job %s, killed mid-run, did not run again", j)
		}
	}
	for j, c := range second.ends {
		if (c != 0) != (j == users[7]) {
			t.Errorf("job %s: exit %d", j, c)
		}
	}
	if len(doneBeforeKill)+len(second.starts) != batchAccounts {
		t.Errorf("%d done before the kill + %d run after != %d jobs", len(doneBeforeKill), len(second.starts), batchAccounts)
	}
	st, err := batch.LoadState(batch.DefaultStatePath(file, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range st.Jobs {
		wantStatus := batch.StatusDone
		if e.Name == users[7] {
			wantStatus = batch.StatusFailed
		}
		if e.Status != wantStatus {
			t.Errorf("state: %s is %s, want %s (%s)", e.Name, e.Status, wantStatus, e.Error)
		}
		// The quota after the copy is the server's own figure.
		if o := e.Outcome; o != nil && o.Copied > 0 && (!o.QuotaKnown || !o.QuotaAfterMeasured || o.QuotaAfter <= o.QuotaUsed) {
			t.Errorf("state: %s quota before %d, after %d (known %v, measured %v)", e.Name, o.QuotaUsed, o.QuotaAfter, o.QuotaKnown, o.QuotaAfterMeasured)
		}
	}
	// Every account holds its Maildir, once; the wrong one nothing.
	for i, u := range users {
		if i == 7 {
			if got := serverHolds(t, srv, u); len(got) != 0 {
				t.Errorf("%s (wrong password) holds %d messages", u, len(got))
			}
			continue
		}
		compareStored(t, u, serverHolds(t, srv, u), want[u])
	}
	// The report is there and names every account.
	rep, err := os.ReadFile(filepath.Join(dir, "batch-report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range users {
		if !strings.Contains(string(rep), `data-account="`+u+`"`) {
			t.Errorf("report lacks %s", u)
		}
	}
	// No secret in the logs, the state or the report.
	checkNoSecret(t, dir)

	// 3. The delta run: every job again; only what is new is copied (one
	// message that arrived in b03's old mailbox).
	genMaildir(t, filepath.Join(dir, "src", users[3]), 999, 1)
	want[users[3]] = maildirHolds(t, filepath.Join(dir, "src", users[3]))
	delta := startBatch(t, bin, env, nil, file, "--parallel", "4", "--delta")
	delta.wait(t)
	if len(delta.starts) != batchAccounts || delta.code != exitError {
		t.Errorf("delta: %d jobs ran, exit %d, want %d and %d", len(delta.starts), delta.code, batchAccounts, exitError)
	}
	for j, n := range delta.copied {
		if wantN := map[bool]int{true: 1}[j == users[3]]; n != wantN {
			t.Errorf("delta: %s copied %d, want %d", j, n, wantN)
		}
	}
	compareStored(t, users[3]+" after the delta", serverHolds(t, srv, users[3]), want[users[3]])

	// 4. Shards 0..3 of 4 as 4 processes at once (states of their own, so
	// every job is new to them): each job runs in exactly one, and copies
	// nothing (all duplicates).
	var shards []*batchRun
	for i := range 4 {
		shards = append(shards, startBatch(t, bin, env, nil, file, "--shard", fmt.Sprintf("%d/4", i), "--parallel", "2", "--report-dir", t.TempDir()))
	}
	ran := map[string]int{}
	for i, r := range shards {
		r.wait(t)
		wantCode := exitOK
		for _, j := range r.starts {
			ran[j]++
			if j == users[7] {
				wantCode = exitError
			}
		}
		if r.code != wantCode {
			t.Errorf("shard %d: exit %d, want %d; stderr:\n%s", i, r.code, wantCode, r.stderr.String())
		}
		if len(r.starts) == 0 {
			t.Errorf("shard %d ran no job", i)
		}
	}
	for _, u := range users {
		if ran[u] != 1 {
			t.Errorf("job %s ran in %d shards", u, ran[u])
		}
	}
	var states []string
	for i := range 4 {
		states = append(states, batch.DefaultStatePath(file, i, 4))
	}
	// mailferry report merges the shards' states.
	out, err := exec.Command(bin, append([]string{"report", "--json", "--report-dir", dir}, states...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), fmt.Sprintf(`"accounts":%d`, batchAccounts)) {
		t.Errorf("report: %v\n%s", err, out)
	}
	for i, u := range users {
		if i%10 == 0 {
			compareStored(t, u+" after the shards", serverHolds(t, srv, u), want[u])
		}
	}
}

// checkNoSecret fails when a file under dir holds the test password.
func checkNoSecret(t *testing.T, dir string) {
	t.Helper()
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || strings.Contains(p, string(filepath.Separator)+"src"+string(filepath.Separator)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err == nil && strings.Contains(string(b), dovecottest.Password) {
			t.Errorf("%s holds the password", p)
		}
		return nil
	})
}
