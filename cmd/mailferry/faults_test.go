package main

// Fault injection through the real binary: copy is SIGKILLed at many
// seeded random points during push (Maildir → Dovecot) and pull (Dovecot
// → Maildir, mbox, EML), run again to completion, and the target is
// checked with verify --content plus a duplicate count (every dedupe key
// at most once per target folder, as many messages as an uninterrupted
// copy stores). The generated corpus has messages without Message-ID, so
// the fallback key is exercised too.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
)

// buildBinary builds mailferry into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "mailferry")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// killRun starts bin with args (and --json), waits until it has reported
// killAfter copied messages (killAfter < 0: a random delay of up to
// -killAfter milliseconds from the start, wherever the process is then),
// then sleeps up to 20 ms more and SIGKILLs it. landed is false when the
// process had exited on its own first; copied is how many copied events
// it printed.
func killRun(t *testing.T, rng *rand.Rand, bin string, killAfter int, args ...string) (landed bool, copied int, code int) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"copy", "--json"}, args...)...)
	cmd.Env = os.Environ()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	jitter := time.Duration(rng.Intn(20)) * time.Millisecond
	kill := func() { cmd.Process.Signal(syscall.SIGKILL) }
	var timer *time.Timer
	if killAfter < 0 {
		timer = time.AfterFunc(time.Duration(rng.Intn(-killAfter))*time.Millisecond, kill)
	}
	// A run that hangs is dumped (SIGQUIT prints every goroutine) rather
	// than left to the test timeout.
	watchdog := time.AfterFunc(time.Minute, func() { cmd.Process.Signal(syscall.SIGQUIT) })
	defer watchdog.Stop()
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"type":"warning"`) && strings.Contains(sc.Text(), "duplicate(s) from") {
			lateSwept.Add(1)
		}
		if !strings.Contains(sc.Text(), `"type":"copied"`) {
			continue
		}
		copied++
		if killAfter >= 0 && copied == killAfter+1 {
			time.AfterFunc(jitter, kill)
		}
	}
	io.Copy(io.Discard, stdout)
	cmd.Wait() // the exit status is read from ProcessState below
	if timer != nil {
		timer.Stop()
	}
	ws, _ := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if ws.Signaled() && ws.Signal() == syscall.SIGKILL {
		return true, copied, -1
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 {
		t.Logf("%q: exit %d: %s", args, code, tail(stderr.String(), 20000))
	}
	return false, copied, cmd.ProcessState.ExitCode()
}

// lateSwept counts the runs that removed duplicates left by a killed run
// whose last write the server committed late (exporters.Sweeper).
var lateSwept atomic.Int64

// storeCount reads every message of spec and returns the number of
// messages and the keys found more than once in one folder.
func storeCount(t *testing.T, spec string) (n int, dups []string) {
	t.Helper()
	ctx := context.Background()
	src, err := importers.Open(ctx, spec, &importers.Options{Password: func(string, string) (string, error) { return dovecottest.Password, nil }})
	if err != nil {
		t.Fatalf("open %s: %v", spec, err)
	}
	defer src.Close()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		seen := map[string]int{}
		err := src.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				return rerr
			}
			k, _, err := exporters.KeyAndHash(m)
			if err != nil {
				return err
			}
			n++
			seen[k.String()]++
			if seen[k.String()] == 2 {
				dups = append(dups, fi.Folder.String()+" "+k.String())
			}
			return nil
		})
		if err != nil {
			t.Fatalf("read %s %s: %v", spec, fi.Folder, err)
		}
	}
	return n, dups
}

// faultDirection is one direction of the kill harness.
type faultDirection struct {
	name  string
	src   string
	fresh func(round int) string // a new, empty target
}

// killRounds runs rounds of: fresh target, copy killed at random points
// until a run completes on its own, then verify --content and the
// duplicate count; until at least minKills kills landed. want is the
// number of messages an uninterrupted copy stores.
func killRounds(t *testing.T, bin string, rng *rand.Rand, d faultDirection, want, minKills int) (kills, midCopy int) {
	t.Helper()
	for round := 0; kills < minKills; round++ {
		dst := d.fresh(round)
		for run := 0; ; run++ {
			if run > 60 {
				t.Fatalf("%s round %d: no run completed after %d attempts", d.name, round, run)
			}
			killAfter := rng.Intn(150)
			if rng.Intn(5) == 0 {
				killAfter = -400 // somewhere in startup, listing, planning
			}
			landed, copied, code := killRun(t, rng, bin, killAfter, d.src, dst)
			if landed {
				kills++
				if copied > 0 {
					midCopy++
				}
				continue
			}
			if code != 0 {
				t.Fatalf("%s round %d: run %d exited %d", d.name, round, run, code)
			}
			break
		}
		code, stdout, stderr := runCLI(t, "verify", "--content", d.src, dst)
		if code != 0 {
			t.Fatalf("%s round %d: verify --content: exit %d\n%s\n%s", d.name, round, code, tail(stdout, 3000), stderr)
		}
		n, dups := storeCount(t, dst)
		if n != want || len(dups) > 0 {
			t.Fatalf("%s round %d: target holds %d messages, want %d; duplicates: %v", d.name, round, n, want, dups)
		}
		// One more run copies nothing.
		if code, sum := copyJSON(t, d.src, dst); code != 0 || totalOf(t, sum, "copied") != 0 {
			t.Fatalf("%s round %d: the run after completion copied %d (exit %d)", d.name, round, totalOf(t, sum, "copied"), code)
		}
	}
	return kills, midCopy
}

const (
	faultCount    = 400 // messages in the corpus
	faultMinKills = 20  // kill points per direction
)

// TestKillAndResume: issue 5's kill harness (push and pull, ≥ 20 SIGKILLs
// per direction); it logs the kill points survived per direction.
func TestKillAndResume(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	bin := buildBinary(t)
	seed := int64(20261123)
	if s := os.Getenv("MAILFERRY_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d (MAILFERRY_FAULT_SEED reproduces a run)", seed)

	dir := t.TempDir()
	src := "maildir:" + filepath.Join(dir, "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", strconv.Itoa(faultCount), "--seed", "5", "--avg-size", "4000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	// The reference: an uninterrupted copy into bob.
	bob := "imap://bob@" + srv.Addr
	if code, _, stderr := runCLI(t, "copy", src, bob); code != 0 {
		t.Fatalf("reference copy: exit %d: %s", code, stderr)
	}
	want, dups := storeCount(t, bob)
	if len(dups) > 0 || want < faultCount*9/10 {
		t.Fatalf("reference copy: %d messages, duplicates %v", want, dups)
	}

	alice := "imap://alice@" + srv.Addr
	dirs := []faultDirection{{name: "push maildir→dovecot", src: src, fresh: func(int) string {
		srv.ResetUser(t, "alice")
		return alice
	}}}
	for _, format := range []string{"maildir", "mbox", "eml"} {
		dirs = append(dirs, faultDirection{name: "pull dovecot→" + format, src: bob, fresh: func(round int) string {
			return format + ":" + filepath.Join(dir, fmt.Sprintf("%s-%d", format, round))
		}})
	}
	type result struct {
		name           string
		kills, midCopy int
		swept          int64
	}
	var results []result
	for _, d := range dirs {
		lateSwept.Store(0)
		k, mid := killRounds(t, bin, rng, d, want, faultMinKills)
		results = append(results, result{d.name, k, mid, lateSwept.Load()})
	}
	for _, r := range results {
		t.Logf("%-22s %d kill points survived (%d after copying had begun), nothing lost, no duplicates (%d messages); late server commits swept in %d runs", r.name, r.kills, r.midCopy, want, r.swept)
	}
}

// TestInterruptPrintsSummary: SIGINT stops the copy after the message in
// flight, prints the summary and exits 130; a rerun completes it.
func TestInterruptPrintsSummary(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	bin := buildBinary(t)
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "300", "--seed", "8", "--avg-size", "4000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	dst := "imap://alice@" + srv.Addr
	cmd := exec.Command(bin, "copy", "--json", src, dst)
	cmd.Env = os.Environ()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	copied, sent := 0, false
	var summary map[string]any
	for sc.Scan() {
		var ev map[string]any
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue
		}
		switch ev["type"] {
		case "copied":
			copied++
			if copied == 70 && !sent {
				cmd.Process.Signal(os.Interrupt)
				sent = true
			}
		case "summary":
			summary = ev
		}
	}
	cmd.Wait()
	if !sent {
		t.Fatalf("the copy finished before 70 messages were copied (%d)", copied)
	}
	if code := cmd.ProcessState.ExitCode(); code != exitCancelled {
		t.Errorf("exit %d after SIGINT, want %d; stderr %s", code, exitCancelled, stderr.String())
	}
	if summary == nil {
		t.Fatalf("no summary after SIGINT; stderr %s", stderr.String())
	}
	got := totalOf(t, summary, "copied")
	if int(got) != copied {
		t.Errorf("summary says %d copied, %d copied events", got, copied)
	}
	n, dups := storeCount(t, dst)
	if n != copied || len(dups) > 0 {
		t.Errorf("after SIGINT the server holds %d messages, %d reported copied (duplicates %v): a message was left half done", n, copied, dups)
	}
	if code, _, stderr := runCLI(t, "copy", "--verify", src, dst); code != 0 {
		t.Errorf("rerun after SIGINT: exit %d: %s", code, stderr)
	}
}

// TestHalfCreatedMaildirFolder: a run killed while creating a Maildir
// folder leaves cur/ without tmp/ and new/ (found by TestKillAndResume);
// the next run completes the folder instead of failing on every message.
func TestHalfCreatedMaildirFolder(t *testing.T) {
	dir := t.TempDir()
	src := "maildir:" + filepath.Join(dir, "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "60", "--seed", "6"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	dst := filepath.Join(dir, "dst")
	for _, d := range []string{"cur", ".Sent/cur", ".Archive/new"} {
		if err := os.MkdirAll(filepath.Join(dst, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, stderr := runCLI(t, "copy", "--verify", src, "maildir:"+dst); code != 0 {
		t.Fatalf("copy into half-created folders: exit %d: %s", code, stderr)
	}
}
