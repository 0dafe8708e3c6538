//go:build unix && !linux

package localfs

import (
	"syscall"
	"time"
)

// ctimeOf: the field's name differs between the BSDs; the mtime is used.
func ctimeOf(st *syscall.Stat_t) (time.Time, bool) { return time.Time{}, false }
