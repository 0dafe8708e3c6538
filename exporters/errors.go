package exporters

import (
	"errors"
	"fmt"
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

// QuotaError is the engine's refusal to write because the plan does not fit.
type QuotaError struct {
	Plan   *Plan
	Checks []QuotaCheck
	MidRun bool // the target reported OVERQUOTA during the copy
	// Err is the target's own error when MidRun ("no space left on
	// device writing FILE"), nil when unknown.
	Err error
}

func (e *QuotaError) Error() string {
	if e.MidRun {
		if e.Err != nil {
			return "target full during the copy: " + e.Err.Error()
		}
		return "target quota exceeded during the copy"
	}
	for _, c := range e.Checks {
		if !c.Fits {
			return fmt.Sprintf("refused by quota: %s needs %s but only %s may be used (limit %s, used %s, headroom %.0f%%)",
				c.Root, HumanBytes(c.Need), HumanBytes(c.Available), HumanBytes(c.Limit), HumanBytes(c.Used), c.Headroom*100)
		}
	}
	return "refused by quota"
}

// HumanBytes formats n as KiB/MiB/GiB.
func HumanBytes(n int64) string {
	const unit = 1024
	if n < 0 {
		return "-" + HumanBytes(-n)
	}
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
