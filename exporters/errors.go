package exporters

import (
	"errors"
	"fmt"
	"time"
)

// ErrOverQuota is returned by Append when the target is full.
var ErrOverQuota = errors.New("target is over quota")

// ErrQuotaUnknown is returned by Sink.Quota when the target has no quota
// information (an IMAP server without the QUOTA extension).
var ErrQuotaUnknown = errors.New("quota unknown")

// RejectedError is a refusal of one message by the target (too big, bad
// content); the run goes on with the next message.
type RejectedError struct {
	Reason string
	Err    error
}

func (e *RejectedError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("rejected by target: %s: %v", e.Reason, e.Err)
	}
	return "rejected by target: " + e.Reason
}

func (e *RejectedError) Unwrap() error { return e.Err }

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
