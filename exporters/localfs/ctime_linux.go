package localfs

import (
	"syscall"
	"time"
)

func ctimeOf(st *syscall.Stat_t) (time.Time, bool) {
	return time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec)), true
}
