//go:build !unix

package pst

import "time"

// cpuTime is not measured here; cpu-items/s is then meaningless.
func cpuTime() time.Duration { return 0 }
