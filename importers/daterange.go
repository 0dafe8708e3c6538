package importers

import "time"

// InDateRange is the sources' date rule for WalkOptions.Since/Before: t is
// on or after Since and before Before; a zero t (a message without a
// date) is always in range, and so is any t when o is nil.
func (o *WalkOptions) InDateRange(t time.Time) bool {
	if o == nil || t.IsZero() {
		return true
	}
	if !o.Since.IsZero() && t.Before(o.Since) {
		return false
	}
	return o.Before.IsZero() || t.Before(o.Before)
}
