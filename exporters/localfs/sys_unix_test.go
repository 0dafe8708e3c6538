//go:build unix

package localfs

import (
	"os"
	"syscall"
)

func errNoSpace() error { return &os.PathError{Op: "write", Path: "x", Err: syscall.ENOSPC} }
