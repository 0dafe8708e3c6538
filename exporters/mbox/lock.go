package mbox

import (
	"context"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Locker = (*Sink)(nil)

// Lock implements exporters.Locker: the lock file in PATH (see
// localfs.Root.Lock). Holding it, the run settles the journals that
// interrupted runs left (RecoverJournals) and removes their temporary
// files.
func (s *Sink) Lock(ctx context.Context, wait time.Duration) (func() error, error) {
	return s.LockAndClean(ctx, wait, "mbox", func() []string {
		s.RecoverJournals()
		return s.Root.RemoveLeftovers(nil, "")
	})
}
