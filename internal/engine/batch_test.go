package engine_test

import (
	"context"
	"errors"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// A BatchTarget gets the small messages in batches; the result is the same
// as one by one.
func TestBatchesStoreEverythingOnce(t *testing.T) {
	src := &importertest.GenSource{Opt: importertest.GenOptions{Count: 500, AvgSize: 2 << 10, Folders: []importers.Folder{{"INBOX"}, {"A"}}}}
	sink := exportertest.NewMemSink()
	sink.Batch = true
	plan, err := (&engine.Engine{Src: src, Sink: sink}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := plan.Totals().Copied; got != 500 || sink.Appends != 500 {
		t.Fatalf("copied %d, stored %d, want 500", got, sink.Appends)
	}
	if sink.Batches == 0 || sink.Batches > 50 {
		t.Errorf("%d batches for 500 small messages", sink.Batches)
	}
	// Nothing twice on a re-run.
	plan, err = (&engine.Engine{Src: src, Sink: sink}).Copy(context.Background())
	if err != nil || plan.Totals().Copied != 0 || sink.Appends != 500 {
		t.Fatalf("re-run: %v, copied %d, stored %d", err, plan.Totals().Copied, sink.Appends)
	}
}

// A batch refused for one message is stored one by one: the others arrive,
// the bad one is listed.
func TestBatchWithOneRejectedMessage(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	sink.Batch = true
	sink.AppendErr = map[string]error{"mem:" + c[2].File: &exporters.RejectedError{Reason: "bad charset"}}
	plan, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tot := plan.Totals()
	if tot.Failed != 1 || len(plan.Problems) != 1 || plan.Problems[0].Ref != "mem:"+c[2].File {
		t.Errorf("failed %d, problems %v; want just %s", tot.Failed, plan.Problems, "mem:"+c[2].File)
	}
	if tot.Copied+tot.Failed+tot.Duplicates+tot.Deleted != int64(len(c)) {
		t.Errorf("totals %+v do not add up to %d messages", tot, len(c))
	}
}

// Over quota in the middle of a batch: the messages that fit are stored
// one by one, then the run stops with the mid-run quota error.
func TestBatchOverQuotaMidRun(t *testing.T) {
	src := &importertest.GenSource{Opt: importertest.GenOptions{Count: 200, AvgSize: 2 << 10, Folders: []importers.Folder{{"INBOX"}}}}
	sink := exportertest.NewMemSink()
	sink.Batch = true
	sink.Limit = 100 << 10
	plan, err := (&engine.Engine{Src: src, Sink: sink, Opts: engine.Options{IgnoreQuota: true}}).Copy(context.Background())
	var qe *engine.QuotaError
	if !errors.As(err, &qe) || !qe.MidRun {
		t.Fatalf("err = %v, want a mid-run QuotaError", err)
	}
	var used int64
	for _, b := range sink.Boxes {
		for _, m := range b.Msgs {
			used += int64(len(m.Raw))
		}
	}
	if used > sink.Limit || used < sink.Limit-8<<10 {
		t.Errorf("stored %d bytes with a limit of %d: want it filled up to the last message that fits", used, sink.Limit)
	}
	if plan.Totals().Copied != int64(sink.Appends) {
		t.Errorf("plan says %d copied, sink holds %d", plan.Totals().Copied, sink.Appends)
	}
}
