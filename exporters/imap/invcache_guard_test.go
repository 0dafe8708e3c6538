package imap

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/keycache"
)

// A cache whose entries the server no longer bears out (another server
// behind the same address whose mailbox drew the same UIDVALIDITY: same
// UIDs and sizes, other messages) is not used: cacheHolds' sample finds
// the difference and the inventory is read from the server.
func TestInventoryCacheOfAnotherServerNotUsed(t *testing.T) {
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
	s, tg := run()
	var items []exporters.BatchItem
	for i := range 30 {
		items = append(items, exporters.BatchItem{M: &importers.Message{Ref: "test"}, Data: message(fmt.Sprintf("guard%d@test", i), 500+i*41)})
	}
	if err := tg.(exporters.BatchTarget).AppendBatch(ctx, items); err != nil {
		t.Fatal(err)
	}
	s.Close()
	keycache.Disabled = true
	s, tg = run()
	want := inventoryOf(t, tg)
	s.Close()
	keycache.Disabled = false

	// Forge the cache: the same UIDs and sizes, other Message-IDs.
	s, tg = run()
	inventoryOf(t, tg)
	tt := tg.(*Target)
	es := slices.Clone(s.inv().lookup(tt.name, tt.validity))
	if len(es) != 30 {
		t.Fatalf("%d cached entries, want 30", len(es))
	}
	for i := range es {
		es[i].key[0] ^= 0xff
	}
	s.inv().replace(tt.name, tt.validity, es)
	s.Close()

	invHits.Store(0)
	s, tg = run()
	got := inventoryOf(t, tg)
	s.Close()
	if n := invHits.Load(); n != 0 {
		t.Errorf("%d messages taken from a cache the server contradicts", n)
	}
	if !sameStored(got, want) {
		t.Fatalf("with a forged cache:\n%v\nfrom the server:\n%v", got, want)
	}
}
