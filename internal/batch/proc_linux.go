package batch

import "syscall"

// childAttr makes a job's copy receive SIGTERM when the batch dies (even
// by SIGKILL): it stops after the message in flight instead of running
// on unsupervised while a re-run starts the same job.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
