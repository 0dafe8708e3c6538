//go:build unix

package dovecottest

import (
	"os"
	"syscall"
)

// supported reports whether this system can run the harness at all.
const supported = true

func isRoot() bool { return os.Geteuid() == 0 }

// signalGroup sends sig to every process of the process group pgid.
// A group that is already gone is not an error.
func signalGroup(pgid int, sig syscall.Signal) {
	if pgid > 0 {
		_ = syscall.Kill(-pgid, sig)
	}
}
