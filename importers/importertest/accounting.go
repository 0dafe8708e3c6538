package importertest

import (
	"context"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// CountItems makes MemSource an importers.Counter: the corpus items of f.
func (s *MemSource) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	return int64(len(s.C.In(f))), nil
}

var _ importers.Counter = (*MemSource)(nil)

// LossySource is a Source whose parse loses messages while its count does
// not: Walk passes over every DropEvery-th message of each folder (the
// 1st, the DropEvery+1-th, ...), as a reader that merges a message into
// the one before it would, and CountItems is the wrapped source's. The
// accounting invariant must catch it.
type LossySource struct {
	importers.Source
	DropEvery int
}

// Walk walks the wrapped source, dropping messages.
func (s *LossySource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	i := 0
	return s.Source.Walk(ctx, f, opts, func(m *importers.Message, err error) error {
		i++
		if s.DropEvery > 0 && (i-1)%s.DropEvery == 0 {
			return nil
		}
		return fn(m, err)
	})
}

// CountItems is the wrapped source's count.
func (s *LossySource) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	return s.Source.(importers.Counter).CountItems(ctx, f)
}

// AccountedFor is the conformance case "every item accounted for": when
// src is an importers.Counter (every importer is), each selectable
// folder's independent count must equal the number of items its Walk
// hands to the WalkFunc (messages, errors and skipped items alike).
func AccountedFor(t *testing.T, src importers.Source) {
	t.Helper()
	c, ok := src.(importers.Counter)
	if !ok {
		return
	}
	ctx := context.Background()
	fis, err := src.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		found, err := c.CountItems(ctx, fi.Folder)
		if err != nil {
			t.Errorf("every item accounted for: CountItems(%s): %v", fi.Folder, err)
			continue
		}
		var walked int64
		if err := src.Walk(ctx, fi.Folder, nil, func(*importers.Message, error) error { walked++; return nil }); err != nil {
			t.Errorf("every item accounted for: Walk(%s): %v", fi.Folder, err)
			continue
		}
		if found != walked {
			t.Errorf("every item accounted for: folder %s: CountItems found %d items, Walk delivered %d", fi.Folder, found, walked)
		}
	}
}
