package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
)

var _ exporters.Inventoried = (*target)(nil)

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// Inventory implements exporters.Inventoried: it parses the mbox (up to
// its committed size) and keys each message; Size is the message as read
// back (From quoting undone, separator left out), Loc its index.
func (t *target) Inventory(ctx context.Context, fn func(exporters.Stored) error) error {
	if t.err != nil || !t.exists {
		return nil
	}
	f, err := t.s.Root.Open(t.rel()...)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rd := newReader(io.NewSectionReader(f, 0, t.committed(fi.Size())))
	for i := uint64(0); ; i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, body, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errNotMbox) {
			t.s.Opts.Log().Warn("mbox: target file is not an mbox; nothing will be written to it", "path", t.Name())
			t.err = fmt.Errorf("%s: %w", t.Name(), err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		cr := &countingReader{r: body}
		k, _, err := dedupe.Of(cr)
		if err == nil {
			_, err = io.Copy(io.Discard, cr)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		if err := fn(exporters.Stored{Key: k, Size: cr.n, Loc: i}); err != nil {
			return err
		}
	}
}

// OpenStored implements exporters.Inventoried: message number loc, found
// by parsing the file again (the rare path: a key matched, the sizes did
// not).
func (t *target) OpenStored(ctx context.Context, loc uint64) (io.ReadCloser, error) {
	f, err := t.s.Root.Open(t.rel()...)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	rd := newReader(io.NewSectionReader(f, 0, t.committed(fi.Size())))
	for i := uint64(0); ; i++ {
		_, body, err := rd.Next()
		if err != nil {
			f.Close()
			if err == io.EOF {
				err = fmt.Errorf("no stored message %d", loc)
			}
			return nil, fmt.Errorf("%s: %w", t.Name(), err)
		}
		if i == loc {
			return struct {
				io.Reader
				io.Closer
			}{body, f}, nil
		}
	}
}
