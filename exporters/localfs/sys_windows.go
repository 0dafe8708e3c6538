package localfs

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"time"
)

const oNoFollow = 0

// SetTimes sets the access and modification times of f to t.
func SetTimes(f *os.File, t time.Time) error { return os.Chtimes(f.Name(), t, t) }

// ERROR_HANDLE_DISK_FULL (39) and ERROR_DISK_FULL (112).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.Errno(39)) || errors.Is(err, syscall.Errno(112))
}

func syncUnsupported(err error) bool { return errors.Is(err, os.ErrInvalid) }

// TryLock is a no-op where flock does not exist.
func TryLock(f *os.File) (bool, error) { return true, nil }

func devOf(p string) (uint64, bool) { return 0, false }

// linkCount is 1 here: the FileInfo does not carry it.
func linkCount(fi fs.FileInfo) uint64 { return 1 }

// pidAlive cannot tell here: every lock is respected.
func pidAlive(pid int) bool { return pid > 0 }

func changeTime(fi fs.FileInfo) time.Time { return fi.ModTime() }
