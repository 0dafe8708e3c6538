package main

// Issue 13: hostile local conditions through the real binary: two runs
// into one target at once (locking), another program appending to an
// mbox between runs, and what killed runs leave in a Maildir's tmp/.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/exporters/localfs"
)

// genSource makes a generated Maildir source of n messages.
func genSource(t *testing.T, n, seed int) string {
	t.Helper()
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", strconv.Itoa(n), "--seed", strconv.Itoa(seed), "--avg-size", "3000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	return src
}

// startCopy starts the binary's copy --json and returns it with a channel
// closed at its first copied event and one that gets its exit code.
func startCopy(t *testing.T, bin string, args ...string) (cmd *exec.Cmd, first <-chan struct{}, done <-chan int, stderr *strings.Builder) {
	t.Helper()
	cmd = exec.Command(bin, append([]string{"copy", "--json"}, args...)...)
	cmd.Env = os.Environ()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr = &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	f, d := make(chan struct{}), make(chan int, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 16<<20)
		once := sync.Once{}
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"type":"copied"`) {
				once.Do(func() { close(f) })
			}
		}
		io.Copy(io.Discard, out)
		cmd.Wait()
		once.Do(func() { close(f) })
		d <- cmd.ProcessState.ExitCode()
	}()
	return cmd, f, d, stderr
}

// twoRuns checks the lock of one target: a lock held by someone else
// refuses a run (exit 1, naming the holder and --wait-lock) without a
// write; --wait-lock waits for its release; two real runs started
// together with --wait-lock both finish with every message once; a
// second run without --wait-lock while the first copies is refused.
func twoRuns(t *testing.T, bin, src string, dst func() string, hold func(dst string) func(), want int) {
	t.Helper()
	d := dst()
	release := hold(d)
	code, _, stderr := runCLI(t, "copy", src, d)
	if code != exitError || !strings.Contains(stderr, "pid "+strconv.Itoa(os.Getpid())) || !strings.Contains(stderr, "--wait-lock") {
		t.Errorf("%s: copy while locked: exit %d, stderr %q", d, code, stderr)
	}
	if n := written(t, d); n != 0 {
		t.Errorf("%s: a refused run wrote %d messages", d, n)
	}
	time.AfterFunc(700*time.Millisecond, release)
	start := time.Now()
	if code, _, stderr := runCLI(t, "copy", "--wait-lock", "1m", src, d); code != 0 || time.Since(start) < 600*time.Millisecond {
		t.Errorf("%s: copy --wait-lock: exit %d after %v: %s", d, code, time.Since(start), stderr)
	}
	if n, dups := storeCount(t, d); n != want || len(dups) > 0 {
		t.Errorf("%s: after --wait-lock: %d messages (want %d), duplicates %v", d, n, want, dups)
	}

	// Two real runs at once.
	d = dst()
	_, _, doneA, errA := startCopy(t, bin, "--wait-lock", "2m", src, d)
	_, _, doneB, errB := startCopy(t, bin, "--wait-lock", "2m", src, d)
	if a, b := <-doneA, <-doneB; a != 0 || b != 0 {
		t.Errorf("%s: two runs with --wait-lock: exit %d and %d\n%s\n%s", d, a, b, tail(errA.String(), 2000), tail(errB.String(), 2000))
	}
	if n, dups := storeCount(t, d); n != want || len(dups) > 0 {
		t.Errorf("%s: two runs at once: %d messages (want %d), duplicates %v", d, n, want, dups)
	}

	// A second run without --wait-lock while the first copies.
	d = dst()
	cmdA, firstA, doneA, _ := startCopy(t, bin, src, d)
	<-firstA
	code, _, stderr = runCLI(t, "copy", src, d)
	a := <-doneA
	if code == 0 {
		t.Logf("%s: the first run had finished before the second started", d)
	} else if code != exitError || !strings.Contains(stderr, "pid "+strconv.Itoa(cmdA.Process.Pid)) {
		t.Errorf("%s: second run while the first copies: exit %d, stderr %q", d, code, stderr)
	}
	if n, dups := storeCount(t, d); a != 0 || n != want || len(dups) > 0 {
		t.Errorf("%s: first run exit %d; %d messages (want %d), duplicates %v", d, a, n, want, dups)
	}
}

// written counts what a target holds: messages of an account, files but
// the lock of a directory.
func written(t *testing.T, d string) int {
	t.Helper()
	if strings.HasPrefix(d, "imap") {
		n, _ := storeCount(t, d)
		return n
	}
	n := 0
	_, dir, _ := strings.Cut(d, ":")
	filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() && e.Name() != localfs.LockFileName {
			n++
		}
		return nil
	})
	return n
}

func TestTwoRunsAtOnceLocal(t *testing.T) {
	bin := buildBinary(t)
	const want = 600
	src := genSource(t, want, 11)
	dir := t.TempDir()
	for _, format := range []string{"mbox", "maildir", "eml"} {
		i := 0
		dst := func() string {
			i++
			return format + ":" + filepath.Join(dir, fmt.Sprintf("%s-%d", format, i))
		}
		hold := func(d string) func() {
			r, _ := localfs.New(strings.TrimPrefix(d, format+":"))
			l, err := r.Lock(context.Background(), 0)
			if err != nil {
				t.Fatal(err)
			}
			return func() { l.Release() }
		}
		twoRuns(t, bin, src, dst, hold, want)
	}
}

func TestTwoRunsAtOnceIMAP(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	bin := buildBinary(t)
	const want = 150
	src := genSource(t, want, 12)
	users := []string{"alice", "bob"}
	i := 0
	dst := func() string {
		u := users[i%len(users)]
		i++
		srv.ResetUser(t, u)
		return "imap://" + u + "@" + srv.Addr
	}
	hold := func(d string) func() {
		u := strings.TrimPrefix(strings.Split(d, "@")[0], "imap://")
		host, port, _ := strings.Cut(srv.Addr, ":")
		p, _ := strconv.Atoi(port)
		l, err := localfs.LockFile(context.Background(), imap.AccountLockPath(cache, u, host, p), d, 0)
		if err != nil {
			t.Fatal(err)
		}
		return func() { l.Release() }
	}
	twoRuns(t, bin, src, dst, hold, want)
}

// foreignMessage is what another program appends to an mbox.
func foreignMessage(id string) string {
	return "From - Tue Feb  2 10:00:00 2021\nMessage-ID: <" + id + ">\nSubject: delivered by another program\n\nkeep me\n\n"
}

// Issue 13 item 1: kills leave journals; after the run that completes
// the copy, another program appends to every mbox; then new mail arrives
// on the server and a run copies it: every appended message survives.
// Repeated over kill rounds.
func TestForeignAppendSurvivesKills(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	bin := buildBinary(t)
	seed := int64(20261205)
	if s := os.Getenv("MAILFERRY_FAULT_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	rng := rand.New(rand.NewSource(seed))
	t.Logf("seed %d", seed)
	src := genSource(t, 300, 13)
	bob := "imap://bob@" + srv.Addr
	if code, _, stderr := runCLI(t, "copy", src, bob); code != 0 {
		t.Fatalf("copy into bob: exit %d: %s", code, stderr)
	}
	dir := t.TempDir()
	kills, foreign := 0, 0
	for round := 0; round < 4; round++ {
		dst := filepath.Join(dir, fmt.Sprintf("mbox-%d", round))
		for run := 0; ; run++ {
			if run > 40 {
				t.Fatalf("round %d: no run completed", round)
			}
			landed, _, code := killRun(t, rng, bin, rng.Intn(250), bob, "mbox:"+dst)
			if landed {
				kills++
				continue
			}
			if code != 0 {
				t.Fatalf("round %d: run exited %d", round, code)
			}
			break
		}
		// Another program appends to every mbox of the tree.
		var ids []string
		filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() || strings.HasPrefix(d.Name(), ".") {
				return nil
			}
			if fi, _ := d.Info(); fi == nil || fi.Size() == 0 {
				return nil
			}
			id := fmt.Sprintf("foreign-%d-%d@example", round, len(ids))
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			f.WriteString(foreignMessage(id))
			f.Close()
			ids = append(ids, id)
			return nil
		})
		foreign += len(ids)
		// New mail arrives on the server, in several folders.
		more := genSource(t, 30, 100+round)
		if code, _, stderr := runCLI(t, "copy", more, bob); code != 0 {
			t.Fatalf("new mail into bob: exit %d: %s", code, stderr)
		}
		if code, _, stderr := runCLI(t, "copy", bob, "mbox:"+dst); code != 0 {
			t.Fatalf("round %d: run after the foreign appends: exit %d: %s", round, code, stderr)
		}
		var all strings.Builder
		filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				all.Write(b)
			}
			return nil
		})
		for _, id := range ids {
			if !strings.Contains(all.String(), foreignMessage(id)) {
				t.Errorf("round %d: the message %s another program appended is gone", round, id)
			}
		}
		if j, _ := filepath.Glob(filepath.Join(dst, ".*journal")); len(j) > 0 {
			t.Errorf("round %d: journals left after a finished run: %v", round, j)
		}
		if code, stdout, stderr := runCLI(t, "verify", "--content", bob, "mbox:"+dst); code != 0 {
			t.Errorf("round %d: verify: exit %d\n%s\n%s", round, code, tail(stdout, 2000), stderr)
		}
	}
	t.Logf("%d kills, %d messages appended by another program between runs, all kept", kills, foreign)
}

// Issue 13 item 8: what killed runs leave in a Maildir's tmp/ is removed
// by the next run; other programs' files there are not.
func TestKilledRunsLeaveNoTmp(t *testing.T) {
	bin := buildBinary(t)
	src := genSource(t, 400, 14)
	rng := rand.New(rand.NewSource(7))
	dst := filepath.Join(t.TempDir(), "md")
	os.MkdirAll(filepath.Join(dst, "tmp"), 0o700)
	theirs := filepath.Join(dst, "tmp", strconv.FormatInt(time.Now().Unix(), 10)+".M1P2.otherhost")
	os.WriteFile(theirs, []byte("being delivered"), 0o600)
	// A leftover of a run of this host whose process is gone.
	host, _ := os.Hostname()
	dead := exec.Command("true")
	dead.Run()
	planted := filepath.Join(dst, "tmp", fmt.Sprintf("1700000000.M1P%dQ1R0badf00d.%s", dead.Process.Pid, host))
	os.WriteFile(planted, []byte("half"), 0o600)
	kills := 0
	for run := 0; ; run++ {
		landed, _, code := killRun(t, rng, bin, rng.Intn(300), src, "maildir:"+dst)
		if landed {
			kills++
			if kills < 8 {
				continue
			}
		} else if code != 0 {
			t.Fatalf("run exited %d", code)
		}
		if !landed {
			break
		}
	}
	var left []string
	filepath.WalkDir(dst, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() && filepath.Base(filepath.Dir(p)) == "tmp" && p != theirs {
			left = append(left, p)
		}
		return nil
	})
	if len(left) > 0 {
		t.Errorf("after %d kills and a finished run, tmp/ holds %v", kills, left)
	}
	if _, err := os.Stat(theirs); err != nil {
		t.Errorf("another program's tmp file was removed: %v", err)
	}
	if n, dups := storeCount(t, "maildir:"+dst); n != 400 || len(dups) > 0 {
		t.Errorf("%d messages, duplicates %v", n, dups)
	}
}

// Issue 13 item 8: a disk that fills up during the copy is named as the
// cause (exit 4), not blamed on a message.
func TestDiskFullNamedCLI(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	src := genSource(t, 200, 15)
	for _, format := range []string{"mbox", "maildir", "eml"} {
		dir := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("mount tmpfs: %v %s", err, out)
		}
		code, stdout, stderr := runCLI(t, "copy", "--ignore-quota", src, format+":"+dir)
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			fds, _ := os.ReadDir("/proc/self/fd")
			var open []string
			for _, fd := range fds {
				if l, _ := os.Readlink("/proc/self/fd/" + fd.Name()); strings.HasPrefix(l, dir) {
					open = append(open, l)
				}
			}
			t.Errorf("%s: umount: %v %s; still open: %v", format, err, out, open)
			exec.Command("umount", "-l", dir).Run()
		}
		if code != exitQuota || !strings.Contains(stderr, "no space left on device") || !strings.Contains(stderr, dir) ||
			strings.Contains(stdout+stderr, "reading the message") {
			t.Errorf("%s on a full disk: exit %d\nstdout %s\nstderr %s", format, code, tail(stdout, 1500), tail(stderr, 1500))
		}
	}
}
