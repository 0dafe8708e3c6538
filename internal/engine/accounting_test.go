package engine_test

import (
	"context"
	"testing"

	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// A date filter is accounted for: the messages outside the range are
// counted as filtered, not as lost, in the copy and in Verify.
func TestAccountingDateFilter(t *testing.T) {
	ctx := context.Background()
	c := importertest.Load(t)
	since := c[len(c)/2].Date
	var want int64
	for _, it := range c {
		if !it.Date.IsZero() && it.Date.Before(since) {
			want++
		}
	}
	if want == 0 {
		t.Skip("corpus dates do not split")
	}
	src := &importertest.MemSource{C: c}
	sink := exportertest.NewMemSink()
	opts := engine.Options{Walk: importers.WalkOptions{Since: since}}
	plan, err := (&engine.Engine{Src: src, Sink: sink, Opts: opts}).Copy(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tot := plan.Totals()
	if tot.Filtered != want || tot.Found != int64(len(c)) || tot.Unaccounted != 0 || plan.Incomplete() {
		t.Errorf("copy: filtered %d (want %d), found %d of %d, unaccounted %d, problems %v", tot.Filtered, want, tot.Found, len(c), tot.Unaccounted, plan.Problems)
	}
	if tot.Copied+tot.Duplicates+tot.Deleted+tot.Skipped+tot.Filtered != tot.Found {
		t.Errorf("copy: %+v does not add up", tot)
	}
	rep, err := (&engine.Verifier{Src: src, Sink: sink, Opts: opts}).Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if vt := rep.Totals(); !rep.Complete() || vt.Filtered != want || vt.Unaccounted != 0 {
		t.Errorf("verify: %+v, problems %v", vt, rep.Problems)
	}
}
