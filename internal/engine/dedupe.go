package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// De-duplication: a source message is a duplicate only when a message in
// the target has the same key (Message-ID) AND the same content: the same
// size in the target's unit, or, when the sizes differ or the key is
// ambiguous, the same dedupe.Content hash (dedupe.Index has the rule).

// inventoryInto adds what t holds to x as store number store, reading it
// again after a failure (keysRetry).
func (w *worker) inventoryInto(ctx context.Context, t exporters.Target, store uint32, x *dedupe.Index) error {
	// Read into an index of its own (compact, unlike a slice of
	// exporters.Stored), begun again on each attempt.
	var got *dedupe.Index
	var err error
	if inv, ok := t.(exporters.Inventoried); ok {
		err = w.keysRetry(ctx, t, func() error {
			got = dedupe.NewIndex()
			return inv.Inventory(ctx, func(s exporters.Stored) error { got.Add(s.Key, s.Size, store, s.Loc, s.Sum); return nil })
		})
	} else {
		err = w.keysRetry(ctx, t, func() error {
			got = dedupe.NewIndex()
			return t.Keys(ctx, func(k dedupe.Key) error { got.Add(k, -1, store, 0, nil); return nil })
		})
	}
	if err != nil {
		return err
	}
	x.AddAll(got)
	return nil
}

// opener reads back the stored messages of t (folder scope) or of the
// global index's targets.
func (s *sets) opener(ctx context.Context, t exporters.Target) dedupe.Opener {
	return func(store uint32, loc uint64) (io.ReadCloser, error) {
		tg := t
		if s.scope == ScopeGlobal {
			if int(store) >= len(s.targets) {
				return nil, fmt.Errorf("no target number %d", store)
			}
			tg = s.targets[store]
		}
		inv, ok := tg.(exporters.Inventoried)
		if !ok || tg == nil {
			return nil, errors.New("the target cannot read its messages back")
		}
		return inv.OpenStored(ctx, loc)
	}
}

// sumOf is the content hash of a source message (dedupe.Content).
func sumOf(m *importers.Message) (dedupe.Sum, error) {
	rc, err := m.Body.Open()
	if err != nil {
		return dedupe.Sum{}, err
	}
	defer rc.Close()
	return dedupe.Content(rc)
}

// release frees the index of target once the copy has written every
// folder into it (memory stays flat over many folders: a million-message
// account no longer keeps every folder's index to the end of the run).
// Nothing after a folder's copy reads its index; with global scope the
// one index serves every folder and stays.
func (s *sets) release(target string) {
	if s.scope != ScopeFolder {
		return
	}
	s.get(target).Release()
}
