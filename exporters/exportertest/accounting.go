package exportertest

import (
	"context"
	"testing"

	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// accountedFor is the case "every item accounted for": a copy of the
// corpus accounts for every item the source counts (found = copied +
// duplicates in each folder), and a source whose parse drops every 10th
// message while its count does not makes both the copy and Verify report
// the folders as incomplete ("unaccounted").
func accountedFor(t *testing.T, o Opt) {
	ctx := context.Background()
	c := importertest.Load(t)
	t.Run("EveryItemAccountedFor", func(t *testing.T) {
		sink, _ := o.New(t)
		defer sink.Close()
		plan, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink}).Copy(ctx)
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
		for _, f := range plan.Folders {
			if f.Found < 0 || f.Unaccounted != 0 || f.Found != f.Copied+f.Duplicates+f.Skipped+f.Deleted {
				t.Errorf("folder %s: found %d, copied %d + duplicates %d + skipped %d, unaccounted %d", f.SourceP, f.Found, f.Copied, f.Duplicates, f.Skipped+f.Deleted, f.Unaccounted)
			}
		}
		if tot := plan.Totals(); tot.Found != int64(len(c)) || plan.Incomplete() {
			t.Errorf("totals: found %d of %d, incomplete %v (%v)", tot.Found, len(c), plan.Incomplete(), plan.Problems)
		}
	})
	t.Run("LossyReaderIsCaught", func(t *testing.T) {
		sink, _ := o.New(t)
		defer sink.Close()
		lossy := &importertest.LossySource{Source: &importertest.MemSource{C: c}, DropEvery: 10}
		plan, err := (&engine.Engine{Src: lossy, Sink: sink}).Copy(ctx)
		if err != nil {
			t.Fatalf("Copy: %v", err)
		}
		if !plan.Incomplete() {
			t.Fatalf("a copy that lost messages is complete: %+v", plan.Totals())
		}
		named := map[string]bool{}
		for _, p := range plan.Problems {
			if p.Kind == "unaccounted" {
				named[p.Folder] = true
			}
		}
		for _, f := range plan.Folders {
			if (f.Unaccounted != 0) != named[f.SourceP] || f.Unaccounted < 0 {
				t.Errorf("folder %s: unaccounted %d, named %v", f.SourceP, f.Unaccounted, named[f.SourceP])
			}
		}
		if len(named) == 0 {
			t.Errorf("no folder named unaccounted: %v", plan.Problems)
		}
		rep, err := (&engine.Verifier{Src: lossy, Sink: sink}).Verify(ctx)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		if rep.Complete() {
			t.Errorf("Verify of a lossy source is complete: %+v", rep.Totals())
		}
		vn := 0
		for _, p := range rep.Problems {
			if p.Kind == "unaccounted" {
				vn++
				if !named[p.Folder] {
					t.Errorf("verify names %s, the copy did not", p.Folder)
				}
			}
		}
		if vn != len(named) {
			t.Errorf("verify named %d folders, copy %d", vn, len(named))
		}
	})
}
