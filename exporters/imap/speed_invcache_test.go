package imap

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/keycache"
)

func inventoryOf(t *testing.T, tg exporters.Target) []exporters.Stored {
	t.Helper()
	var out []exporters.Stored
	if err := tg.(exporters.Inventoried).Inventory(context.Background(), func(s exporters.Stored) error {
		out = append(out, s)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(out, func(a, b exporters.Stored) int { return int(a.Loc) - int(b.Loc) })
	return out
}

func sameStored(a, b []exporters.Stored) bool {
	return slices.EqualFunc(a, b, func(x, y exporters.Stored) bool {
		return x.Key == y.Key && x.Size == y.Size && x.Loc == y.Loc && (x.Sum == nil) == (y.Sum == nil) && (x.Sum == nil || *x.Sum == *y.Sum)
	})
}

// A re-run's Inventory from the cache (what the last run's MULTIAPPENDs
// and Inventory recorded) equals one from the server's headers, message
// for message; messages appended by someone else, and a cached entry
// whose size the server no longer gives, are read from the server; a
// damaged cache file is ignored.
func TestInventoryCacheSameAsServer(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	srv := dovecottest.Start(t, nil)
	url := userURL(srv, "alice")
	run := func() (*Sink, exporters.Target) {
		s, err := Open(ctx, url, testOpts())
		if err != nil {
			t.Fatal(err)
		}
		tg, err := s.Resolve(ctx, importers.Folder{"Cached"}, "")
		if err != nil {
			t.Fatal(err)
		}
		return s, tg
	}
	// Run 1: a batch (recorded from APPENDUID), a message without
	// Message-ID (keyed by content: never cached).
	s, tg := run()
	var items []exporters.BatchItem
	for i := range 20 {
		id := fmt.Sprintf("inv%d@test", i)
		if i == 7 {
			id = ""
		}
		b := message(id, 600+i*37)
		items = append(items, exporters.BatchItem{M: &importers.Message{Ref: "test"}, Data: b})
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	s.Close()
	files, _ := filepath.Glob(filepath.Join(os.Getenv("XDG_CACHE_HOME"), "mailferry", "inventory", "*"))
	if len(files) != 1 {
		t.Fatalf("inventory cache files: %v, want one", files)
	}

	// The truth, without any cache.
	truth := func() []exporters.Stored {
		keycache.Disabled = true
		defer func() { keycache.Disabled = false }()
		s, tg := run()
		defer s.Close()
		return inventoryOf(t, tg)
	}
	want := truth()
	if len(want) != 20 {
		t.Fatalf("%d messages stored, want 20", len(want))
	}

	// Run 2: from the cache, with one more message appended singly (not
	// recorded: read from the server).
	extra := message("other@test", 900)
	s, tg = run()
	if err := appendBytes(ctx, tg, &importers.Message{Ref: "test"}, extra); err != nil {
		t.Fatal(err)
	}
	s.Close()
	want = truth()
	invHits.Store(0)
	s, tg = run()
	got := inventoryOf(t, tg)
	s.Close()
	if !sameStored(got, want) {
		t.Fatalf("from the cache:\n%v\nfrom the server:\n%v", got, want)
	}

	if n := invHits.Load(); n < 19 {
		t.Fatalf("%d messages came from the cache, want the 19 of the batch keyed by Message-ID", n)
	}
	// A damaged file is not used.
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(files[0], append(data[:len(data)-5], "junk!"...), 0o600); err != nil {
		t.Fatal(err)
	}
	invHits.Store(0)
	s, tg = run()
	got = inventoryOf(t, tg)
	s.Close()
	if invHits.Load() != 0 {
		t.Errorf("%d messages from a damaged cache file", invHits.Load())
	}
	if !sameStored(got, want) {
		t.Fatalf("with a damaged cache file:\n%v\nfrom the server:\n%v", got, want)
	}
}

// A cached entry counts only for its UID and the size it was recorded
// with.
func TestCachedStoredNeedsSameSize(t *testing.T) {
	es := normalized([]invEntry{{uid: 9, size: 90}, {uid: 3, size: 30}, {uid: 5, size: 50}, {uid: 5, size: 55}})
	if len(es) != 3 || es[0].uid != 3 || es[2].uid != 9 || es[1].size != 55 {
		t.Fatalf("normalized: %+v", es)
	}
	for _, c := range []struct {
		uid  uint32
		size int64
		ok   bool
	}{{3, 30, true}, {5, 55, true}, {5, 50, false}, {9, 91, false}, {4, 30, false}, {10, 90, false}, {3, -1, false}} {
		if _, ok := cachedStored(es, imap.UID(c.uid), c.size); ok != c.ok {
			t.Errorf("UID %d size %d: found %v, want %v", c.uid, c.size, ok, c.ok)
		}
	}
}
