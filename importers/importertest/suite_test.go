package importertest

import (
	"testing"

	"github.com/mailferry/mailferry/importers"
)

func TestMemSourceConforms(t *testing.T) {
	Run(t, Opt{Open: func(t *testing.T, c Corpus) importers.Source { return &MemSource{C: c} }})
}

func TestGenSourceDeterministicAndSized(t *testing.T) {
	g := &GenSource{Opt: GenOptions{Count: 500, Seed: 1}}
	got := ReadAll(t, g)
	if len(got) != 500 {
		t.Fatalf("got %d messages", len(got))
	}
	var total int
	for _, m := range got {
		total += len(m.Raw)
	}
	avg := total / len(got)
	if avg < 30<<10 || avg > 80<<10 {
		t.Errorf("average size %d, want about 50 KiB", avg)
	}
	again := ReadAll(t, g)
	for i := range got {
		if Hash(got[i].Raw) != Hash(again[i].Raw) {
			t.Fatalf("message %d differs between runs", i)
		}
	}
}
