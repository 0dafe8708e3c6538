// Package exportertest is the conformance suite every exporter passes: the
// corpus copied through the engine must read back complete, byte-exact
// (CRLF aside), with flags and dates where the store keeps them; a second
// copy writes nothing; a failed write leaves no partial message.
package exportertest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// Opt configures Run.
type Opt struct {
	// New returns a fresh, empty sink, and a function that opens what was
	// written as a Source (with the matching importer) for checking.
	New func(t *testing.T) (sink exporters.Sink, readBack func(t *testing.T) importers.Source)
	// Reopen, when set, opens a second Sink on the same store (for the
	// re-run check); nil reuses the first.
	Reopen func(t *testing.T) exporters.Sink
}

// expected returns the corpus as the engine should leave it in the target:
// mapped folders (as logical folders the read-back source reports) and the
// exact duplicate in the same folder removed.
func expected(c importertest.Corpus, sink exporters.Sink) (importertest.Corpus, error) {
	var mp engine.Mapper
	var out importertest.Corpus
	seen := map[string]bool{}
	for _, it := range c {
		m := mp.Map(importers.FolderInfo{Folder: it.Folder})
		k := m.Folder.String() + "\x00" + importertest.Hash(it.Raw)
		if seen[k] {
			continue
		}
		seen[k] = true
		it.Folder = m.Folder
		out = append(out, it)
	}
	return out, nil
}

// Run runs the suite.
func Run(t *testing.T, o Opt) {
	ctx := context.Background()
	c := importertest.Load(t)

	t.Run("CopyReadBack", func(t *testing.T) {
		sink, readBack := o.New(t)
		defer sink.Close()
		eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink}
		plan, err := eng.Copy(ctx)
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
		want, _ := expected(c, sink)
		tot := plan.Totals()
		if tot.Copied != int64(len(want)) || tot.Duplicates != int64(len(c)-len(want)) || plan.Incomplete() {
			t.Fatalf("first copy: copied %d duplicates %d (problems %v), want %d and %d", tot.Copied, tot.Duplicates, plan.Problems, len(want), len(c)-len(want))
		}
		src := readBack(t)
		caps := sink.Caps()
		importertest.Run(t, importertest.Opt{
			Corpus: want,
			Open:   func(t *testing.T, _ importertest.Corpus) importers.Source { return src },
			// The read-back store decides whether flags/dates are kept
			// (its Caps); folder names are logical.
		})
		_ = caps

		// A second copy into the same store writes nothing.
		sink2 := sink
		if o.Reopen != nil {
			sink2 = o.Reopen(t)
			defer sink2.Close()
		}
		eng2 := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink2}
		plan2, err := eng2.Copy(ctx)
		if err != nil {
			t.Fatalf("second Copy: %v", err)
		}
		if tot := plan2.Totals(); tot.Copied != 0 || tot.Duplicates != int64(len(c)) {
			t.Errorf("second copy: copied %d duplicates %d, want 0 and %d", tot.Copied, tot.Duplicates, len(c))
		}
	})

	accountedFor(t, o) // accounting.go

	t.Run("FailedWriteLeavesNothing", func(t *testing.T) {
		sink, readBack := o.New(t)
		defer sink.Close()
		tgt, err := sink.Resolve(ctx, importers.Folder{"Broken"}, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := tgt.Create(ctx); err != nil {
			t.Fatal(err)
		}
		raw := c[0].Raw
		if sink.Caps().CRLF {
			raw = importertest.ToCRLF(raw)
		}
		potato := errors.New("potato")
		r := io.MultiReader(bytes.NewReader(raw[:len(raw)/2]), &errReader{potato})
		m := &importers.Message{Ref: "test:broken", Folder: importers.Folder{"Broken"}, Body: importers.BytesBody(raw)}
		if err := tgt.Append(ctx, m, int64(len(raw)), r); err == nil {
			t.Fatal("Append with a failing reader succeeded")
		}
		// The store must still work and hold no message in Broken.
		good := &importers.Message{Ref: "test:good", Folder: importers.Folder{"Broken"}, Body: importers.BytesBody(raw), InternalDate: c[0].Date}
		if err := tgt.Append(ctx, good, int64(len(raw)), bytes.NewReader(raw)); err != nil {
			t.Fatalf("Append after a failed one: %v", err)
		}
		got := importertest.ReadAll(t, readBack(t))
		n := 0
		for _, g := range got {
			if g.Folder.Equal(importers.Folder{"Broken"}) {
				n++
				if !bytes.Equal(g.Raw, raw) && !bytes.Equal(importertest.ToLF(g.Raw), c[0].Raw) {
					t.Errorf("message in Broken differs from the good one")
				}
			}
		}
		if n != 1 {
			t.Errorf("Broken holds %d messages after one failed and one good Append, want 1", n)
		}
	})
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }
