package exporters

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

// De-duplication: a source message is a duplicate only when a message in
// the target has the same key (Message-ID) AND the same content: the same
// size in the target's unit, or, when the sizes differ or the key is
// ambiguous, the same dedupe.Content hash (dedupe.Index has the rule).

// Stored is one message of a target folder's inventory.
type Stored struct {
	Key dedupe.Key
	// Size is the message as stored, in the target's unit: the CRLF wire
	// size when Caps.CRLF (IMAP RFC822.SIZE), the bytes stored otherwise
	// (the length the message had when it was appended, for a message
	// this program wrote). It must be what Append was given for a message
	// stored by Append, so that a re-run compares sizes only.
	Size int64
	// Loc is the target's handle for OpenStored (a UID, an offset, an
	// index into its listing).
	Loc uint64
	// Sum is the content hash when the inventory read the whole message
	// anyway (nil otherwise).
	Sum *dedupe.Sum
}

// Inventoried is a Target that lists its messages with their sizes and
// can read one back: every Target of this module implements it. For a
// Target without it, the key alone decides (the rule before sizes).
type Inventoried interface {
	Inventory(ctx context.Context, fn func(Stored) error) error
	// OpenStored reads back the message at loc (as given by Inventory),
	// streamed.
	OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error)
}

// inventoryInto adds what t holds to x as store number store, reading it
// again after a connection failure (RetryDelays).
func (e *Engine) inventoryInto(ctx context.Context, t Target, store uint32, x *dedupe.Index) error {
	var got []Stored
	var err error
	if inv, ok := t.(Inventoried); ok {
		err = e.keysRetryFn(ctx, t, func() error {
			got = got[:0]
			return inv.Inventory(ctx, func(s Stored) error { got = append(got, s); return nil })
		})
	} else {
		err = e.keysRetryFn(ctx, t, func() error {
			got = got[:0]
			return t.Keys(ctx, func(k dedupe.Key) error { got = append(got, Stored{Key: k, Size: -1}); return nil })
		})
	}
	if err != nil {
		return err
	}
	for _, s := range got {
		x.Add(s.Key, s.Size, store, s.Loc, s.Sum)
	}
	return nil
}

// keysRetryFn is keysRetry for any reading of t.
func (e *Engine) keysRetryFn(ctx context.Context, t Target, read func() error) error {
	return e.keysRetry(ctx, readOnly{t, read}, func(dedupe.Key) error { return nil })
}

// readOnly makes a reading function look like Target.Keys for keysRetry.
type readOnly struct {
	Target
	read func() error
}

func (r readOnly) Keys(ctx context.Context, fn func(dedupe.Key) error) error { return r.read() }

// opener reads back the stored messages of t (folder scope) or of the
// global index's targets.
func (s *sets) opener(ctx context.Context, t Target) dedupe.Opener {
	return func(store uint32, loc uint64) (io.ReadCloser, error) {
		tg := t
		if s.scope == ScopeGlobal {
			if int(store) >= len(s.targets) {
				return nil, fmt.Errorf("no target number %d", store)
			}
			tg = s.targets[store]
		}
		inv, ok := tg.(Inventoried)
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
