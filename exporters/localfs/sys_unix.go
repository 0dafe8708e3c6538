//go:build unix

package localfs

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const oNoFollow = syscall.O_NOFOLLOW

// SetTimes sets the access and modification times of the open file f to t.
func SetTimes(f *os.File, t time.Time) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	tv := unix.NsecToTimeval(t.UnixNano())
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.Futimes(int(fd), []unix.Timeval{tv, tv})
	}); err != nil {
		return err
	}
	if serr != nil {
		return &os.PathError{Op: "futimes", Path: f.Name(), Err: serr}
	}
	return nil
}

func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

func syncUnsupported(err error) bool {
	return errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.EBADF)
}

// TryLock takes an exclusive advisory lock (flock) on f without waiting;
// false means another process holds it.
func TryLock(f *os.File) (bool, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return false, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) {
		lerr = unix.Flock(int(fd), unix.LOCK_EX|unix.LOCK_NB)
	}); err != nil {
		return false, err
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return false, nil
	}
	return lerr == nil, lerr
}

func devOf(p string) (uint64, bool) {
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		return 0, false
	}
	return uint64(st.Dev), true
}

// linkCount returns the number of hard links of the file.
func linkCount(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Nlink)
	}
	return 1
}

// pidAlive reports whether a process with the pid exists on this host.
func pidAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// changeTime returns the inode change time of the file (its mtime may be
// set to a message's date).
func changeTime(fi fs.FileInfo) time.Time {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		if t, ok := ctimeOf(st); ok {
			return t
		}
	}
	return fi.ModTime()
}
