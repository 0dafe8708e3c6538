//go:build !unix

package dovecottest

import "syscall"

// supported reports whether this system can run the harness at all:
// Dovecot runs on Unix only.
const supported = false

func isRoot() bool                             { return false }
func procAttr() *syscall.SysProcAttr           { return nil }
func signalGroup(pgid int, sig syscall.Signal) {}
func groupAlive(pgid int) bool                 { return false }
