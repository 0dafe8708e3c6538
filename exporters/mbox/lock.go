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
	l, err := s.Root.Lock(ctx, wait)
	if err != nil {
		return nil, err
	}
	s.RecoverJournals()
	if gone := s.Root.RemoveLeftovers(nil, ""); len(gone) > 0 {
		s.Opts.Log().Info("mbox: removed temporary files of an interrupted run", "files", gone)
	}
	return l.Release, nil
}
