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
	l, err := s.Root.Lock(ctx, wait)
	if err != nil {
		return nil, err
	}
	var gone []string
	s.leftovers(nil, 0, &gone)
	if len(gone) > 0 {
		s.Opts.Log().Info("eml: removed temporary files of an interrupted run", "files", len(gone))
	}
	return l.Release, nil
}

func (s *Sink) leftovers(dir []string, depth int, gone *[]string) {
	if depth > 64 {
		return
	}
	*gone = append(*gone, s.Root.RemoveLeftovers(dir, "")...)
	ents, err := s.Root.ReadDir(dir...)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() {
			s.leftovers(append(append([]string(nil), dir...), e.Name()), depth+1, gone)
		}
	}
}
