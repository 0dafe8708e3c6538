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
	return s.LockAndClean(ctx, wait, "maildir", s.removeLeftovers)
}

// removeLeftovers removes the leftovers of interrupted runs in the root,
// its tmp/ and every folder's tmp/, and returns their paths.
func (s *Sink) removeLeftovers() []string {
	gone := s.Root.RemoveLeftovers(nil, s.host)
	gone = append(gone, s.Root.RemoveLeftovers([]string{"tmp"}, s.host)...)
	ents, _ := s.Root.ReadDir()
	for _, e := range ents {
		if e.IsDir() && strings.HasPrefix(e.Name(), ".") && e.Name() != "." && e.Name() != ".." {
			gone = append(gone, s.Root.RemoveLeftovers([]string{e.Name(), "tmp"}, s.host)...)
		}
	}
	return gone
}
