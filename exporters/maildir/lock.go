package maildir

import (
	"context"
	"strings"
	"time"

	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Locker = (*Sink)(nil)

// Lock implements exporters.Locker: the lock file in PATH (see
// localfs.Root.Lock). Holding it, the run removes from every folder's
// tmp/ the files interrupted runs of mailferry left (recognised by
// name: localfs.OurTemp; their process is gone, or they are older than
// 36 hours), so nothing partial stays. Other programs' files in tmp/ are
// never touched.
func (s *Sink) Lock(ctx context.Context, wait time.Duration) (func() error, error) {
	l, err := s.Root.Lock(ctx, wait)
	if err != nil {
		return nil, err
	}
	gone := s.Root.RemoveLeftovers(nil, s.host)
	gone = append(gone, s.Root.RemoveLeftovers([]string{"tmp"}, s.host)...)
	ents, _ := s.Root.ReadDir()
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") && e.Name() != "." && e.Name() != ".." {
			gone = append(gone, s.Root.RemoveLeftovers([]string{e.Name(), "tmp"}, s.host)...)
		}
	}
	if len(gone) > 0 {
		s.Opts.Log().Info("maildir: removed temporary files of an interrupted run", "files", len(gone))
	}
	return l.Release, nil
}
