package eml

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Inventoried = (*target)(nil)

// Inventory implements exporters.Inventoried: the key of every .eml file
// of the folder (its header only, when it has a Message-ID) and its size
// (the bytes Append was given, stored unchanged).
func (t *target) Inventory(ctx context.Context, fn func(exporters.Stored) error) error {
	t.stored = t.stored[:0]
	if t.err != nil || !t.exists {
		return nil
	}
	ents, err := t.s.Root.ReadDir(t.dirs...)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !isMessage(e) {
			continue
		}
		fi, err := e.Info()
		var k dedupe.Key
		if err == nil {
			k, err = t.s.KeyOf(t.rel(e.Name())...)
		}
		if err != nil {
			t.s.Opts.Log().Warn("eml: cannot read target message, not used for de-duplication", "path", t.s.Root.Join(t.rel(e.Name())...), "err", err)
			continue
		}
		t.stored = append(t.stored, e.Name())
		if err := fn(exporters.Stored{Key: k, Size: fi.Size(), Loc: uint64(len(t.stored) - 1)}); err != nil {
			return err
		}
	}
	return nil
}

// OpenStored implements exporters.Inventoried.
func (t *target) OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error) {
	if loc >= uint64(len(t.stored)) {
		return nil, fmt.Errorf("eml: no stored message %d in %s", loc, t.Name())
	}
	return t.s.Root.Open(t.rel(t.stored[loc])...)
}
