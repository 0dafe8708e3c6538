package mbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

func TestAppendBatch(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tree")
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"A"}, "")
	var items []exporters.BatchItem
	for i := 0; i < 5; i++ {
		items = append(items, exporters.BatchItem{
			M:    &importers.Message{Ref: fmt.Sprint(i), InternalDate: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)},
			Data: fmt.Appendf(nil, "Message-ID: <b%d@test>\n\nFrom here on %d\n", i, i),
		})
	}
	bt := tg.(exporters.BatchTarget)
	if err := bt.AppendBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(dir, "A"))
	size := fi.Size()
	// One message that mbox cannot store refuses the whole batch: nothing
	// of it stays.
	bad := append(items[:2:2], exporters.BatchItem{M: &importers.Message{Ref: "bad"}, Data: []byte("\n" + strings.Repeat(">", 70<<10) + "From x\n")})
	err = bt.AppendBatch(ctx, bad)
	// The engine then stores the messages one by one to learn which one.
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if !errors.As(err, &rej) && !errors.As(err, &me) {
		t.Fatalf("batch with a bad message: %v, want a RejectedError or MessageError", err)
	}
	if fi, _ := os.Stat(filepath.Join(dir, "A")); fi.Size() != size {
		t.Errorf("the refused batch left %d bytes", fi.Size()-size)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "A"))
	if n := strings.Count(string(b), "\nFrom - ") + 1; n != 5 || !strings.Contains(string(b), "\n>From here on 4\n") {
		t.Errorf("mbox holds %d messages:\n%s", n, b)
	}
}
