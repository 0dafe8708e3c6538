package localfs

import (
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// syncfsOK reports whether syncfs(2) reports writeback errors (Linux 5.8
// and later; before, it returned 0 even when data could not be written,
// so a batch is then synced file by file).
var syncfsOK = sync.OnceValue(func() bool {
	var u unix.Utsname
	if unix.Uname(&u) != nil {
		return false
	}
	var major, minor int
	rel := u.Release[:]
	i := 0
	for ; i < len(rel) && rel[i] >= '0' && rel[i] <= '9'; i++ {
		major = major*10 + int(rel[i]-'0')
	}
	if i < len(rel) && rel[i] == '.' {
		for i++; i < len(rel) && rel[i] >= '0' && rel[i] <= '9'; i++ {
			minor = minor*10 + int(rel[i]-'0')
		}
	}
	return major > 5 || major == 5 && minor >= 8
})

// perFileSync, when true (tests), makes SyncFiles fsync file by file.
var perFileSync bool

// StartWriteback asks the kernel to start writing f's data now
// (sync_file_range SYNC_FILE_RANGE_WRITE), without waiting, when the batch
// will be synced file by file: their fsyncs then find most of the work
// done. It promises nothing; only the sync does. Errors are ignored: the
// sync that follows reports them.
func StartWriteback(f *os.File) {
	if syncfsOK() && !perFileSync {
		return // one syncfs writes everything back
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	})
}

// syncBatch makes the files durable with one syncfs(2) of their file
// system: one journal commit and one device flush for the whole batch,
// where an fsync per file costs a flush each. syncfs also writes back
// what other programs left dirty on that file system. ok is false when
// syncfs cannot be trusted here (SyncFiles then fsyncs each file).
func syncBatch(files []*os.File) (ok bool, err error) {
	if !syncfsOK() || perFileSync || len(files) < 2 {
		return false, nil
	}
	rc, err := files[0].SyscallConn()
	if err != nil {
		return false, nil
	}
	var serr error
	if cerr := rc.Control(func(fd uintptr) { serr = unix.Syncfs(int(fd)) }); cerr != nil {
		return false, nil
	}
	if serr == unix.ENOSYS {
		return false, nil
	}
	return true, serr
}
