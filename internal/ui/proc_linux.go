package ui

import "syscall"

// childAttr makes a child receive SIGTERM when the ui server dies: it
// stops after the message in flight instead of running on unsupervised.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
