package localfs

import (
	"context"
	"time"
)

// LockAndClean is the Lock (exporters.Locker) of the local sinks: it takes
// the lock file in the root (Root.Lock) and, holding it, runs clean, which
// settles and removes what interrupted runs left and returns the paths it
// removed; their number is logged under scheme ("maildir: removed
// temporary files of an interrupted run"). It returns the release of the
// lock.
func (b SinkBase) LockAndClean(ctx context.Context, wait time.Duration, scheme string, clean func() []string) (func() error, error) {
	l, err := b.Root.Lock(ctx, wait)
	if err != nil {
		return nil, err
	}
	if gone := clean(); len(gone) > 0 {
		b.Opts.Log().Info(scheme+": removed temporary files of an interrupted run", "files", len(gone))
	}
	return l.Release, nil
}

// RemoveLeftoversTree is RemoveLeftovers in dir and every directory below
// it (at most 64 levels deep).
func (r *Root) RemoveLeftoversTree(dir []string, myHost string) []string {
	var gone []string
	r.removeLeftoversTree(dir, myHost, 0, &gone)
	return gone
}

func (r *Root) removeLeftoversTree(dir []string, myHost string, depth int, gone *[]string) {
	if depth > 64 {
		return
	}
	*gone = append(*gone, r.RemoveLeftovers(dir, myHost)...)
	ents, err := r.ReadDir(dir...)
	if err != nil {
		return
	}
	for _, e := range ents {
		if e.IsDir() {
			r.removeLeftoversTree(append(append([]string(nil), dir...), e.Name()), myHost, depth+1, gone)
		}
	}
}
