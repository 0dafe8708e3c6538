package engine_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// opener hands out more source/sink pairs on the same stores and counts
// them; fail makes every one after the first n fail.
type opener struct {
	src   importers.Source
	sink  exporters.Sink
	calls atomic.Int32
	fail  int32
}

func (o *opener) open(ctx context.Context) (importers.Source, exporters.Sink, error) {
	if n := o.calls.Add(1); o.fail > 0 && n > o.fail {
		return nil, nil, errors.New("too many connections")
	}
	return o.src, o.sink, nil
}

// storedOnce checks that the sink holds every generated message once.
func storedOnce(t *testing.T, sink *exportertest.MemSink, want int) {
	t.Helper()
	seen := map[dedupe.Key]bool{}
	n := 0
	for name, b := range sink.Boxes {
		for _, m := range b.Msgs {
			k, _, err := dedupe.Of(strings.NewReader(string(m.Raw)))
			if err != nil {
				t.Fatal(err)
			}
			if seen[k] {
				t.Errorf("%s: a message stored twice", name)
			}
			seen[k] = true
			n++
		}
	}
	if n != want {
		t.Errorf("sink holds %d messages, want %d", n, want)
	}
}

// Folders copied over three connections: every message once, the totals
// and problems as with one, nothing on a re-run.
func TestParallelCopy(t *testing.T) {
	src := &importertest.GenSource{Opt: importertest.GenOptions{Count: 630, AvgSize: 1 << 10}}
	sink := exportertest.NewMemSink()
	sink.Batch = true
	op := &opener{src: src, sink: sink}
	var mu sync.Mutex
	starts := map[string]int{}
	obs := engine.ObserverFunc(func(ev engine.Event) {
		if ev.Type == "folder" {
			mu.Lock()
			starts[ev.Folder]++
			mu.Unlock()
		}
	})
	eng := &engine.Engine{Src: src, Sink: sink, Open: op.open, Opts: engine.Options{Connections: 3, Observer: obs}}
	plan, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if op.calls.Load() != 2 {
		t.Errorf("opened %d more connections, want 2", op.calls.Load())
	}
	if tot := plan.Totals(); tot.Copied != 630 || tot.Errors != 0 || len(plan.Problems) != 0 {
		t.Errorf("totals %+v, problems %v", tot, plan.Problems)
	}
	storedOnce(t, sink, 630)
	if len(sink.Boxes) != len(importertest.DefaultGenFolders) {
		t.Errorf("%d folders in the sink, want %d", len(sink.Boxes), len(importertest.DefaultGenFolders))
	}
	for f, n := range starts {
		if n != 1 {
			t.Errorf("folder %s started %d times", f, n)
		}
	}
	// The same engine again: the connections are opened anew.
	plan, err = eng.Copy(context.Background())
	if err != nil || plan.Totals().Copied != 0 || plan.Totals().Duplicates != 630 {
		t.Fatalf("re-run: %v, %+v", err, plan.Totals())
	}
	if op.calls.Load() != 4 {
		t.Errorf("re-run opened %d more connections, want 2", op.calls.Load()-2)
	}
}

// A bad message and a folder that cannot be read are counted as with one
// connection; connections the server refuses leave fewer workers, with a
// warning.
func TestParallelCopyProblemsAndRefusedConnections(t *testing.T) {
	c := importertest.Load(t)
	src := &importertest.MemSource{C: c, Fail: "09-sent.eml"}
	sink := exportertest.NewMemSink()
	op := &opener{src: src, sink: sink, fail: 1}
	var warnings atomic.Int32
	obs := engine.ObserverFunc(func(ev engine.Event) {
		if ev.Type == "warning" && strings.Contains(ev.Reason, "too many connections") {
			warnings.Add(1)
		}
	})
	plan, err := (&engine.Engine{Src: src, Sink: sink, Open: op.open, Opts: engine.Options{Connections: 4, Observer: obs}}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	one, err := (&engine.Engine{Src: src, Sink: exportertest.NewMemSink()}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plan.Totals(), one.Totals(); got.Copied != want.Copied || got.Errors != want.Errors || got.Duplicates != want.Duplicates {
		t.Errorf("parallel totals %+v, sequential %+v", got, want)
	}
	if len(plan.Problems) != 1 || plan.Problems[0].Ref != "mem:09-sent.eml" {
		t.Errorf("problems %+v", plan.Problems)
	}
	if op.calls.Load() < 2 || warnings.Load() != op.calls.Load()-1 {
		t.Errorf("%d opens, %d warnings", op.calls.Load(), warnings.Load())
	}
}

// Over quota in one worker stops the others from starting more folders;
// the run ends with the mid-run quota error.
func TestParallelCopyOverQuota(t *testing.T) {
	src := &importertest.GenSource{Opt: importertest.GenOptions{Count: 420, AvgSize: 2 << 10}}
	sink := exportertest.NewMemSink()
	sink.Limit = 200 << 10
	op := &opener{src: src, sink: sink}
	plan, err := (&engine.Engine{Src: src, Sink: sink, Open: op.open, Opts: engine.Options{Connections: 3, IgnoreQuota: true}}).Copy(context.Background())
	var qe *engine.QuotaError
	if !errors.As(err, &qe) || !qe.MidRun {
		t.Fatalf("err = %v, want a mid-run QuotaError", err)
	}
	if plan.Totals().Copied != int64(sink.Appends) {
		t.Errorf("plan says %d copied, sink holds %d", plan.Totals().Copied, sink.Appends)
	}
	started := 0
	for _, fp := range plan.Folders {
		if fp.Copied > 0 {
			started++
		}
	}
	if started == len(plan.Folders) {
		t.Errorf("every folder was written after the quota error")
	}
}

// Global dedupe shares one set across targets: one worker, no more
// connections.
func TestParallelCopyGlobalIsSequential(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	op := &opener{src: &importertest.MemSource{C: c}, sink: sink}
	plan, err := (&engine.Engine{Src: op.src, Sink: sink, Open: op.open, Opts: engine.Options{Connections: 3, Dedupe: engine.ScopeGlobal}}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if op.calls.Load() != 0 || plan.Totals().Duplicates != 2 {
		t.Errorf("%d opens, %d duplicates; want 0, 2", op.calls.Load(), plan.Totals().Duplicates)
	}
}
