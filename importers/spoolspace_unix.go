//go:build unix

package importers

import (
	"os"

	"golang.org/x/sys/unix"
)

// freeSpace returns the bytes an unprivileged user may still write in dir.
func freeSpace(dir string) (int64, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// unlinkOpen reports whether a spool file can be removed while it is
// open (it then vanishes even when the process is killed).
const unlinkOpen = true
