package eml

import (
	"context"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Locker = (*Sink)(nil)

// Lock implements exporters.Locker: the lock file in PATH (see
// localfs.Root.Lock). Holding it, the run removes the hidden temporary
// files that interrupted runs left in the tree.
func (s *Sink) Lock(ctx context.Context, wait time.Duration) (func() error, error) {
	return s.LockAndClean(ctx, wait, "eml", func() []string { return s.Root.RemoveLeftoversTree(nil, "") })
}
