package maildir

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Inventoried = (*target)(nil)

// Inventory implements exporters.Inventoried: the key of every message in
// cur/ and new/ (its header only, when it has a Message-ID) and its file
// size (the bytes Append was given: the Maildir stores them unchanged).
func (t *target) Inventory(ctx context.Context, fn func(exporters.Stored) error) error {
	t.stored = t.stored[:0]
	if t.err != nil || !t.exists {
		return nil
	}
	for _, sub := range []string{"cur", "new"} {
		ents, err := t.s.Root.ReadDir(t.rel(sub)...)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range ents {
			if err := ctx.Err(); err != nil {
				return err
			}
			if strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
				continue
			}
			rel := t.rel(sub, e.Name())
			fi, err := e.Info()
			var k [16]byte
			if err == nil {
				k, err = t.s.KeyOf(rel...)
			}
			if err != nil {
				t.s.Opts.Log().Warn("maildir: cannot read target message, not used for de-duplication", "path", t.s.Root.Join(rel...), "err", err)
				continue
			}
			t.stored = append(t.stored, rel)
			if err := fn(exporters.Stored{Key: k, Size: fi.Size(), Loc: uint64(len(t.stored) - 1)}); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpenStored implements exporters.Inventoried.
func (t *target) OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error) {
	if loc >= uint64(len(t.stored)) {
		return nil, fmt.Errorf("maildir: no stored message %d in %s", loc, t.Name())
	}
	return t.s.Root.Open(t.stored[loc]...)
}
