//go:build unix && !linux

package dovecottest

import (
	"errors"
	"syscall"
)

// procAttr puts the Dovecot master in a process group of its own, so that
// Stop can kill the whole tree.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// groupAlive reports whether a process of group pgid still exists
// (zombies waiting for their reaper included).
func groupAlive(pgid int) bool {
	if pgid <= 0 {
		return false
	}
	err := syscall.Kill(-pgid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
