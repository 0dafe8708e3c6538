package exporters

import (
	"context"
	"fmt"
	"time"
)

// Locker is a Sink whose target a writing run locks, so that two runs
// into the same target (an overlapping cron job) never interleave: the
// second waits for the first or stops with a *LockedError before it has
// looked at the target. Plan, verify and dry runs take no lock.
type Locker interface {
	// Lock takes the target's lock, waiting up to wait (0: not at all)
	// while another run holds it. release gives it back.
	Lock(ctx context.Context, wait time.Duration) (release func() error, err error)
}

// LockedError is the refusal to write a target another run holds.
type LockedError struct {
	Target string        // the target (directory, account)
	Lock   string        // the lock file
	Holder string        // "mailferry pid 123 on host h since …", or "" when unknown
	Waited time.Duration // how long the run waited for it
}

func (e *LockedError) Error() string {
	holder := e.Holder
	if holder == "" {
		holder = "another mailferry run"
	}
	waited := ""
	if e.Waited > 0 {
		waited = fmt.Sprintf(" (waited %s)", e.Waited.Round(100*time.Millisecond))
	}
	return fmt.Sprintf("%s is being written by %s%s; not writing into it at the same time. "+
		"Wait for that run to end, or pass --wait-lock DURATION (e.g. --wait-lock 30m) to wait for it. "+
		"The lock is %s; it is released when that process ends, even when it is killed",
		e.Target, holder, waited, e.Lock)
}
