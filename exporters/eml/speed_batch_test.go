package eml

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// treeOf is every file of dir: relative name → SHA-256 of its bytes and
// its mtime.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, p)
		out[rel] = fmt.Sprintf("%x %d", sha256.Sum256(b), fi.ModTime().Unix())
		return nil
	})
	return out
}

// A batch writes exactly what Append writes one by one: the same names
// (collisions within the batch numbered the same way), bytes and mtimes.
func TestAppendBatchSameAsAppend(t *testing.T) {
	d := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	raws := []struct {
		raw  string
		date time.Time
	}{
		{"Message-ID: <same@x>\nSubject: s\n\nbody\n", d},
		{"Message-ID: <same@x>\nSubject: s\n\nbody\n", d}, // same name in the batch: -2
		{"Message-ID: <other@x>\r\nSubject: =?UTF-8?Q?caf=C3=A9?=\r\n\r\nCRLF kept\r\n", d},
		{"Date: Tue, 2 Jan 2018 03:04:05 +0900\nSubject: d\n\nno internal date\n", time.Time{}},
		{"Subject: no id\n\n" + strings.Repeat("x", 70<<10) + "\n", d}, // header peek cut
	}
	ctx := context.Background()
	one, batch := t.TempDir(), t.TempDir()
	s1, s2 := mustNew(t, one), mustNew(t, batch)
	tg1, _ := s1.Resolve(ctx, importers.Folder{"INBOX"}, "")
	tg2, _ := s2.Resolve(ctx, importers.Folder{"INBOX"}, "")
	var items []exporters.BatchItem
	for i, r := range raws {
		m := &importers.Message{Ref: fmt.Sprint(i), Folder: importers.Folder{"INBOX"}, InternalDate: r.date, Body: importers.BytesBody(r.raw)}
		if err := tg1.Append(ctx, m, int64(len(r.raw)), strings.NewReader(r.raw)); err != nil {
			t.Fatal(err)
		}
		items = append(items, exporters.BatchItem{M: m, Data: []byte(r.raw)})
	}
	if err := tg2.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	a, b := treeOf(t, one), treeOf(t, batch)
	if fmt.Sprint(a) != fmt.Sprint(b) || len(a) != len(raws) {
		t.Errorf("Append wrote\n%v\nAppendBatch wrote\n%v", a, b)
	}
}

// A batch whose fsync fails leaves nothing behind (no message file, no
// temporary file) and says so.
func TestAppendBatchSyncFails(t *testing.T) {
	dir := t.TempDir()
	s := mustNew(t, dir)
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"A"}, "")
	boom := errors.New("fsync: input/output error")
	syncHook = func() error { return boom }
	defer func() { syncHook = nil }()
	var items []exporters.BatchItem
	for i := 0; i < 5; i++ {
		raw := fmt.Sprintf("Message-ID: <%d@x>\n\nbody\n", i)
		items = append(items, exporters.BatchItem{M: &importers.Message{Ref: fmt.Sprint(i)}, Data: []byte(raw)})
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); !errors.Is(err, boom) {
		t.Fatalf("AppendBatch = %v, want the fsync error", err)
	}
	if left := treeOf(t, dir); len(left) != 0 {
		t.Errorf("a failed batch left %v", left)
	}
}

// The engine counts a batch's messages only after AppendBatch made them
// durable: a run that stops (here: canceled, as by a crash or ^C) between
// the batch's writes and their fsync counts none of them and leaves no
// file; the next run copies everything once.
func TestBatchNotCountedBeforeSync(t *testing.T) {
	dir := t.TempDir()
	c := importertest.Load(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	syncHook = func() error { cancel(); return context.Canceled }
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: mustNew(t, dir)}
	plan, _ := eng.Copy(ctx)
	syncHook = nil
	if plan != nil && plan.Totals().Copied != 0 {
		t.Errorf("the interrupted run counted %d messages copied, want 0", plan.Totals().Copied)
	}
	for name := range treeOf(t, dir) {
		if strings.HasSuffix(name, Ext) {
			t.Errorf("the interrupted run left %s", name)
		}
	}
	eng = &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: mustNew(t, dir)}
	plan, err := eng.Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The same as an uninterrupted run into a new directory.
	ref := t.TempDir()
	refPlan, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: mustNew(t, ref)}).Copy(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if plan.Totals().Copied != refPlan.Totals().Copied || plan.Totals().Copied == 0 {
		t.Errorf("the next run copied %d, an uninterrupted one %d", plan.Totals().Copied, refPlan.Totals().Copied)
	}
	got, want := treeOf(t, dir), treeOf(t, ref)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the interrupted run and the next:\n%v\nwant\n%v", got, want)
	}
}
