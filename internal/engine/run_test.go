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

func corpusBytes(c importertest.Corpus) (n int64) {
	for _, it := range c {
		n += int64(len(it.Raw))
	}
	return n
}

func TestQuotaRefusalWritesNothing(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	sink.Limit = corpusBytes(c) - int64(len(c[6].Raw)) // fits 100%, but not with 90% headroom
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink}
	plan, err := eng.Copy(context.Background())
	var qe *engine.QuotaError
	if !errors.As(err, &qe) {
		t.Fatalf("Copy err = %v, want *QuotaError", err)
	}
	if sink.Appends != 0 || len(sink.Boxes) != 1 {
		t.Errorf("refused copy wrote %d messages, %d folders", sink.Appends, len(sink.Boxes))
	}
	if plan.Fits() || len(qe.Checks) != 1 || qe.Checks[0].Need == 0 || len(qe.Checks[0].Largest) == 0 {
		t.Errorf("quota report incomplete: %+v", qe.Checks)
	}
	// With headroom 1.0 it fits exactly.
	eng = &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink, Opts: engine.Options{QuotaHeadroom: 1}}
	if _, err := eng.Copy(context.Background()); err != nil {
		t.Fatalf("Copy with full headroom: %v", err)
	}
}

func TestQuotaUnknownIsReported(t *testing.T) {
	sink := exportertest.NewMemSink()
	sink.Limit = 0
	eng := &engine.Engine{Src: &importertest.MemSource{C: importertest.Load(t)}, Sink: sink}
	plan, _, err := eng.Plan(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if plan.QuotaErr == "" || len(plan.Quota) != 0 {
		t.Errorf("plan against a sink without quota: QuotaErr %q, Quota %v; want unknown", plan.QuotaErr, plan.Quota)
	}
}

func TestOverQuotaMidRunStops(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	sink.Limit = corpusBytes(c) / 2
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink, Opts: engine.Options{IgnoreQuota: true}}
	_, err := eng.Copy(context.Background())
	var qe *engine.QuotaError
	if !errors.As(err, &qe) || !qe.MidRun {
		t.Fatalf("err = %v, want mid-run QuotaError", err)
	}
}

func TestTooBigAndBadMessagesAreListedAndRunGoesOn(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	sink.MaxSize = 2000
	src := &importertest.MemSource{C: c, Fail: "09-sent.eml"}
	eng := &engine.Engine{Src: src, Sink: sink}
	plan, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tot := plan.Totals()
	var big int64
	for _, it := range c {
		if len(it.Raw) > 2000 {
			big++
		}
	}
	if tot.TooBig != big || big == 0 { // size is checked before dedupe
		t.Errorf("TooBig = %d, want %d", tot.TooBig, big)
	}
	if tot.Errors != 1 || !plan.Incomplete() {
		t.Errorf("Errors = %d, Incomplete = %v; want 1, true", tot.Errors, plan.Incomplete())
	}
	found := false
	for _, p := range plan.Problems {
		if p.Kind == "error" && p.Ref == "mem:09-sent.eml" && p.Folder == "Sent" {
			found = true
		}
	}
	if !found {
		t.Errorf("problem list does not name the bad message: %+v", plan.Problems)
	}
	if tot.Copied != int64(len(c))-1-tot.TooBig-tot.Duplicates {
		t.Errorf("Copied = %d, others = %+v", tot.Copied, tot)
	}
}

func TestRejectedMessageGoesOn(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	sink.AppendErr = map[string]error{"mem:01-plain.eml": &exporters.RejectedError{Reason: "bad charset"}}
	plan, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tot := plan.Totals(); tot.Failed != 1 || tot.Copied != int64(len(c))-2 {
		t.Errorf("Failed %d Copied %d", tot.Failed, tot.Copied)
	}
}

func TestDryRunAndGlobalDedupe(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	plan, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink, Opts: engine.Options{DryRun: true}}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sink.Appends != 0 || plan.Totals().New != int64(len(c))-1 {
		t.Errorf("dry run: appends %d, new %d", sink.Appends, plan.Totals().New)
	}
	// Global scope: 11 is 01 in another folder, so it is a duplicate too.
	plan, err = (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink, Opts: engine.Options{Dedupe: engine.ScopeGlobal}}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tot := plan.Totals(); tot.Copied != int64(len(c))-2 || tot.Duplicates != 2 {
		t.Errorf("global: copied %d duplicates %d", tot.Copied, tot.Duplicates)
	}
	// Off: everything again.
	plan, err = (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: sink, Opts: engine.Options{Dedupe: engine.ScopeOff}}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if tot := plan.Totals(); tot.Copied != int64(len(c)) {
		t.Errorf("off: copied %d", tot.Copied)
	}
}

func TestMapper(t *testing.T) {
	tests := []struct {
		mp      engine.Mapper
		in      importers.Folder
		want    string
		wantUse string
	}{
		{engine.Mapper{}, importers.Folder{"Inbox"}, "INBOX", ""},
		{engine.Mapper{}, importers.Folder{"Sent Items"}, "Sent Items", `\Sent`},
		{engine.Mapper{}, importers.Folder{"送信済みアイテム"}, "送信済みアイテム", `\Sent`},
		{engine.Mapper{}, importers.Folder{"ごみ箱"}, "ごみ箱", `\Trash`},
		{engine.Mapper{}, importers.Folder{"迷惑メール"}, "迷惑メール", `\Junk`},
		{engine.Mapper{}, importers.Folder{"Archive", "Sent"}, "Archive/Sent", ""},
		{engine.Mapper{Into: importers.Folder{"Imported"}}, importers.Folder{"Inbox"}, "Imported/Inbox", ""},
		{engine.Mapper{Rules: []engine.FolderRule{{Old: "Old", New: "New/Place"}}}, importers.Folder{"Old", "Sub"}, "New/Place/Sub", ""},
	}
	for _, tc := range tests {
		m := tc.mp.Map(importers.FolderInfo{Folder: tc.in})
		if m.Folder.String() != tc.want || string(m.Use) != tc.wantUse {
			t.Errorf("Map(%q) = %q %q, want %q %q", tc.in, m.Folder, m.Use, tc.want, tc.wantUse)
		}
	}
}

// A re-run reads a folder with nothing new only once (the plan), and still
// lists its unreadable message.
func TestRerunKeepsPlanProblems(t *testing.T) {
	c := importertest.Load(t)
	sink := exportertest.NewMemSink()
	src := &importertest.MemSource{C: c, Fail: "09-sent.eml"}
	for run := 1; run <= 2; run++ {
		plan, err := (&engine.Engine{Src: src, Sink: sink}).Copy(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tot := plan.Totals()
		if tot.Errors != 1 || len(plan.Problems) != 1 || plan.Problems[0].Ref != "mem:09-sent.eml" {
			t.Errorf("run %d: errors %d, problems %+v; want the bad message once", run, tot.Errors, plan.Problems)
		}
		if run == 2 && (tot.Copied != 0 || tot.Duplicates+tot.Errors+tot.Deleted != int64(len(c))) {
			t.Errorf("re-run: %+v", tot)
		}
	}
}
