package localfs

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

func writeOwner(t *testing.T, path string, o LockOwner) {
	t.Helper()
	b, _ := json.Marshal(o)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// A live lock is respected (the error names the holder and how to wait);
// --wait-lock waits for its release; the file is gone afterwards.
func TestLockLiveRespectedAndWaited(t *testing.T) {
	dir := t.TempDir()
	r1, _ := New(filepath.Join(dir, "target"))
	l1, err := r1.Lock(context.Background(), 0)
	if err != nil {
		t.Fatal(err)
	}
	r2, _ := New(filepath.Join(dir, "target"))
	_, err = r2.Lock(context.Background(), 0)
	var le *exporters.LockedError
	if !errors.As(err, &le) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) ||
		!strings.Contains(err.Error(), "--wait-lock") {
		t.Fatalf("second lock: %v", err)
	}
	_, err = r2.Lock(context.Background(), 400*time.Millisecond)
	if !errors.As(err, &le) || le.Waited < 300*time.Millisecond {
		t.Fatalf("second lock with a short wait: %v", err)
	}
	time.AfterFunc(300*time.Millisecond, func() { l1.Release() })
	start := time.Now()
	l2, err := r2.Lock(context.Background(), 5*time.Second)
	if err != nil {
		t.Fatalf("waiting for the lock: %v", err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Errorf("got the lock after %v, before it was released", d)
	}
	l2.Release()
	if _, err := os.Lstat(filepath.Join(dir, "target", LockFileName)); !os.IsNotExist(err) {
		t.Errorf("lock file left after release: %v", err)
	}
}

// A lock held by another process (flock(1)) is respected.
func TestLockOtherProcess(t *testing.T) {
	bin, err := exec.LookPath("flock")
	if err != nil {
		t.Skip("no flock(1)")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, LockFileName)
	writeOwner(t, path, LockOwner{PID: 99999, Host: "elsewhere", Since: time.Now()})
	// The shell becomes sleep, holding the locked descriptor.
	cmd := exec.Command("sh", "-c", `exec 9<>"$0" && "$1" -x 9 && exec sleep 30`, path, bin)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	time.Sleep(300 * time.Millisecond)
	r, _ := New(dir)
	_, err = r.Lock(context.Background(), 0)
	if err == nil || !strings.Contains(err.Error(), "pid 99999 on host elsewhere") {
		t.Fatalf("lock held by another process: %v", err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	l, err := r.Lock(context.Background(), 0)
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	l.Release()
}

// A lock file left by a dead process is taken over, with flock and
// without (the pid decides there).
func TestLockStaleTakenOver(t *testing.T) {
	host, _ := os.Hostname()
	for _, noFlock := range []bool{false, true} {
		if noFlock {
			tryLock = func(*os.File) (bool, error) { return false, errNoFlock }
			defer func() { tryLock = TryLock }()
		}
		dir := t.TempDir()
		writeOwner(t, filepath.Join(dir, LockFileName), LockOwner{PID: deadPID(t), Host: host, Since: time.Now()})
		r, _ := New(dir)
		l, err := r.Lock(context.Background(), 0)
		if err != nil {
			t.Fatalf("noFlock=%v: stale lock not taken over: %v", noFlock, err)
		}
		b, _ := os.ReadFile(filepath.Join(dir, LockFileName))
		if !strings.Contains(string(b), `"pid":`+strconv.Itoa(os.Getpid())) {
			t.Errorf("noFlock=%v: lock file after take-over: %s", noFlock, b)
		}
		l.Release()
		if noFlock {
			// A live pid of this host, or any lock of another host, is
			// respected.
			for _, o := range []LockOwner{{PID: os.Getppid(), Host: host}, {PID: 1234, Host: "other-host"}} {
				writeOwner(t, filepath.Join(dir, LockFileName), o)
				if _, err := r.Lock(context.Background(), 0); err == nil {
					t.Errorf("noFlock: lock of %+v taken over", o)
				}
			}
		}
	}
}

// A hard-linked lock file (a planted link to a file elsewhere) is refused.
func TestLockHardLinkRefused(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	os.WriteFile(outside, []byte("precious"), 0o600)
	if err := os.Link(outside, filepath.Join(dir, LockFileName)); err != nil {
		t.Skip(err)
	}
	r, _ := New(dir)
	if _, err := r.Lock(context.Background(), 0); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("lock through a hard link: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != "precious" {
		t.Errorf("outside file changed: %q", b)
	}
}

// LockFile (the lock of an IMAP account) works the same way.
func TestLockFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cache", "locks", "x.lock")
	l, err := LockFile(context.Background(), path, "imap://a@b", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LockFile(context.Background(), path, "imap://a@b", 0); err == nil || !strings.Contains(err.Error(), "imap://a@b is being written") {
		t.Errorf("second LockFile: %v", err)
	}
	l.Release()
	l, err = LockFile(context.Background(), path, "imap://a@b", 0)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
}
