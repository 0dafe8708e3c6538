package localfs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

// LockFileName is the lock file in a local target's root.
const LockFileName = ".mailferry-lock"

// Locking (issue 13): a writing run holds an exclusive flock on a lock
// file for the whole run. flock is released by the kernel when the
// process ends, however it ends, so a lock left by a killed run is never
// in the way: its file is merely taken over. The file names the holder
// (pid, host, start) for the message a second run prints. The holder
// removes the file when it is done; a run that gets the flock checks that
// the file it locked is still the one at the path (else it was removed
// and replaced meanwhile, and it tries again).
//
// Where flock does not work (some network file systems), the content
// decides: a lock of this host whose pid is gone is stale and taken over;
// any other is respected.

// LockOwner is what a lock file says about its holder.
type LockOwner struct {
	PID   int       `json:"pid"`
	Host  string    `json:"host"`
	Since time.Time `json:"since"`
}

func (o LockOwner) String() string {
	return fmt.Sprintf("mailferry pid %d on host %s since %s", o.PID, o.Host, o.Since.Local().Format("2006-01-02 15:04:05 MST"))
}

// Lock is a held lock.
type Lock struct {
	f      *os.File
	remove func() error
}

// Release removes the lock file and releases the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.remove()
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if cerr := l.f.Close(); err == nil {
		err = cerr
	}
	l.f = nil
	return err
}

// tryLock is TryLock; tests replace it to play a file system without
// flock.
var tryLock = TryLock

// errNoFlock is what tests' tryLock returns.
var errNoFlock = errors.New("flock not supported")

// pollEvery is how often a waiting run looks at the lock again.
var pollEvery = 250 * time.Millisecond

type lockSpec struct {
	target, path string
	open         func() (*os.File, error)
	stat         func() (fs.FileInfo, error)
	remove       func() error
}

func acquire(ctx context.Context, wait time.Duration, ls lockSpec) (*Lock, error) {
	start := time.Now()
	host, _ := os.Hostname()
	for {
		f, err := ls.open()
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", ls.path, err)
		}
		owner, _ := readOwner(f)
		ok, err := tryLock(f)
		if err != nil {
			// No flock here: the content decides.
			ok = owner.PID == 0 || owner.PID == os.Getpid() && owner.Host == host ||
				owner.Host == host && !pidAlive(owner.PID)
		}
		if ok && !sameFile(f, ls.stat) {
			f.Close() // removed by its holder meanwhile: again
			continue
		}
		if ok {
			me := LockOwner{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)}
			b, _ := json.Marshal(me)
			b = append(b, '\n')
			err := f.Truncate(0)
			if err == nil {
				_, err = f.WriteAt(b, 0)
			}
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("locking %s: %w", ls.path, WriteFailed(ls.path, err))
			}
			return &Lock{f: f, remove: ls.remove}, nil
		}
		f.Close()
		waited := time.Since(start)
		if waited >= wait {
			le := &exporters.LockedError{Target: ls.target, Lock: ls.path, Waited: waited}
			if wait == 0 {
				le.Waited = 0
			}
			if owner.PID != 0 {
				le.Holder = owner.String()
			}
			return nil, le
		}
		t := time.NewTimer(min(pollEvery, wait-waited))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

func readOwner(f *os.File) (LockOwner, error) {
	var o LockOwner
	b, err := io.ReadAll(io.LimitReader(io.NewSectionReader(f, 0, 4096), 4096))
	if err != nil || len(b) == 0 {
		return o, err
	}
	err = json.Unmarshal(b, &o)
	return o, err
}

func sameFile(f *os.File, stat func() (fs.FileInfo, error)) bool {
	a, err := f.Stat()
	if err != nil {
		return false
	}
	b, err := stat()
	return err == nil && os.SameFile(a, b)
}

// Lock takes the lock of the target directory (creating it): the file
// LockFileName in it, which a hard link or symbolic link cannot redirect.
// A *exporters.LockedError says who holds it after wait.
// The lock has a Root of its own, so that it outlives the caller's
// (a Sink closes its Root before the lock is released).
func (r *Root) Lock(ctx context.Context, wait time.Duration) (*Lock, error) {
	if _, err := r.Ensure(); err != nil {
		return nil, err
	}
	lr := &Root{path: r.path}
	l, err := acquire(ctx, wait, lockSpec{
		target: r.Path(),
		path:   r.Join(LockFileName),
		open:   func() (*os.File, error) { return lr.OpenRW(LockFileName) },
		stat:   func() (fs.FileInfo, error) { return lr.Lstat(LockFileName) },
		remove: func() error { return lr.Remove(LockFileName) },
	})
	if err != nil {
		lr.Close()
		return nil, err
	}
	rm := l.remove
	l.remove = func() error {
		err := rm()
		lr.Close()
		return err
	}
	return l, nil
}

// LockFile takes the lock file at path (its directory is created 0700),
// for target (a name for messages): the lock of a target that is not a
// directory (an IMAP account, see exporters/imap).
func LockFile(ctx context.Context, path, target string, wait time.Duration) (*Lock, error) {
	dir, name := filepath.Split(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	r, err := New(dir)
	if err != nil {
		return nil, err
	}
	l, err := acquire(ctx, wait, lockSpec{
		target: target,
		path:   path,
		open:   func() (*os.File, error) { return r.OpenRW(name) },
		stat:   func() (fs.FileInfo, error) { return r.Lstat(name) },
		remove: func() error { return r.Remove(name) },
	})
	if err != nil {
		r.Close()
		return nil, err
	}
	rm := l.remove
	l.remove = func() error {
		err := rm()
		r.Close()
		return err
	}
	return l, nil
}
