package engine

import (
	"fmt"

	"github.com/mailferry/mailferry/internal/failure"
)

// QuotaError is the engine's refusal to write because the plan does not fit.
type QuotaError struct {
	Plan   *Plan
	Checks []QuotaCheck
	MidRun bool // the target reported OVERQUOTA during the copy
	// Err is the target's own error when MidRun ("no space left on
	// device writing FILE"), nil when unknown.
	Err error
}

// FailureClass: the target has no room (exit code 4).
func (e *QuotaError) FailureClass() failure.Class { return failure.Class{Kind: failure.Quota} }

func (e *QuotaError) Error() string {
	if e.MidRun {
		if e.Err != nil {
			return "target full during the copy: " + e.Err.Error()
		}
		return "target quota exceeded during the copy"
	}
	for _, c := range e.Checks {
		if !c.Fits && !c.MessagesFit() && c.BytesFit() {
			return fmt.Sprintf("refused by quota: %s needs %d messages but only %d more may be stored (limit %d messages, %d stored, headroom %.0f%%)",
				c.Root, c.NeedMsgs, max(c.MessagesAvailable(), 0), c.LimitMsgs, c.UsedMsgs, c.Headroom*100)
		}
		if !c.Fits {
			return fmt.Sprintf("refused by quota: %s needs %s but only %s may be used (limit %s, used %s, headroom %.0f%%)",
				c.Root, HumanBytes(c.Need), HumanBytes(c.Available), HumanBytes(c.Limit), HumanBytes(c.Used), c.Headroom*100)
		}
	}
	return "refused by quota"
}

// BytesFit reports whether the bytes to copy fit the storage limit (none
// counts as fitting).
func (c QuotaCheck) BytesFit() bool { return c.Limit < 0 || c.Need <= 0 || c.Need <= c.Available }

// MessagesAvailable is how many more messages the message limit allows
// with the headroom; -1 without a message limit.
func (c QuotaCheck) MessagesAvailable() int64 {
	if c.LimitMsgs < 0 {
		return -1
	}
	return int64(float64(c.LimitMsgs)*c.Headroom) - c.UsedMsgs
}

// MessagesFit reports whether the messages to copy fit the message limit
// (IMAP QUOTA resource MESSAGE; none counts as fitting).
func (c QuotaCheck) MessagesFit() bool {
	return c.LimitMsgs < 0 || c.NeedMsgs <= 0 || c.NeedMsgs <= c.MessagesAvailable()
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
