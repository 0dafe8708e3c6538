//go:build unix

package batch

import (
	"fmt"
	"os"
	"syscall"
)

// LockState takes an exclusive lock on the state file (STATE.lock, flock)
// so that two batches never run the same jobs from one state; the lock
// goes with the process, a killed batch leaves none behind.
func LockState(path string) (release func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("state file lock: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("state file %s is in use by another mailferry batch (give each shard its own --state)", path)
	}
	return func() { f.Close() }, nil
}
