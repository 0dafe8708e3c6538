package localfs

import (
	"os"

	"golang.org/x/sys/unix"
)

// StartWriteback asks the kernel to start writing f's data now
// (sync_file_range SYNC_FILE_RANGE_WRITE), without waiting: a batch of
// files written back together is made durable by fewer journal commits
// when their fsyncs come (SyncFiles). It promises nothing; only fsync
// does. Errors are ignored: the fsync that follows reports them.
func StartWriteback(f *os.File) {
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Control(func(fd uintptr) {
		unix.SyncFileRange(int(fd), 0, 0, unix.SYNC_FILE_RANGE_WRITE)
	})
}
