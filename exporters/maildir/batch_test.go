package maildir_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

func batchItems(n int) []exporters.BatchItem {
	var items []exporters.BatchItem
	for i := 0; i < n; i++ {
		raw := fmt.Appendf(nil, "Message-ID: <b%d@test>\r\nSubject: %d\r\n\r\nbody %d\r\n", i, i, i)
		items = append(items, exporters.BatchItem{
			M:    &importers.Message{Ref: fmt.Sprint("b", i), Flags: []imap.Flag{imap.FlagSeen}, InternalDate: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)},
			Data: raw,
		})
	}
	return items
}

func TestAppendBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	s := open(t, dir)
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"A"}, "")
	bt := tg.(exporters.BatchTarget)
	if err := bt.AppendBatch(ctx, batchItems(5)); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, ".A", "cur"))
	if len(ents) != 5 {
		t.Fatalf("cur/ holds %d files, want 5", len(ents))
	}
	fi, _ := ents[0].Info()
	if !fi.ModTime().Equal(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)) || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mtime %v, mode %v", ents[0].Name(), fi.ModTime(), fi.Mode())
	}

	// A batch that cannot be finished leaves nothing: cur/ replaced by a
	// file makes the moves fail after the files were written to tmp/.
	tg2, _ := s.Resolve(ctx, importers.Folder{"B"}, "")
	tg2.Create(ctx)
	os.RemoveAll(filepath.Join(dir, ".B", "cur"))
	os.WriteFile(filepath.Join(dir, ".B", "cur"), nil, 0o600)
	if err := tg2.(exporters.BatchTarget).AppendBatch(ctx, batchItems(4)); err == nil {
		t.Fatal("AppendBatch into a broken folder succeeded")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, ".B", "tmp")); len(ents) != 0 {
		t.Errorf("tmp/ holds %d files after a failed batch", len(ents))
	}
}
