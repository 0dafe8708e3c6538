package keycache

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// Many files over several walks (the records are slices now, merged by
// name at Close): every record is found again, one recorded anew replaces
// the old one, the records of files no longer listed go, and a name
// recorded twice in one walk keeps its last record.
func TestManyFilesMergedByName(t *testing.T) {
	setup(t)
	md := t.TempDir()
	const n = 300
	paths := make([]string, n)
	uniq := make([]string, n)
	for i := range n {
		uniq[i] = fmt.Sprintf("%d.f", i)
		paths[i] = filepath.Join(md, uniq[i]+":2,S")
		if err := os.WriteFile(paths[i], []byte(fmt.Sprintf("Message-ID: <%d@b>\n\nbody\n", i)), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keyOf := func(i, gen int) [16]byte { return [16]byte{byte(i), byte(i >> 8), byte(gen)} }
	f := Open("maildir", md)
	for i := range n {
		bodyOf(t, f, paths[i], uniq[i]).RememberKey(keyOf(i, 1), int64(i))
	}
	// Twice in one walk: the last one counts.
	bodyOf(t, f, paths[7], uniq[7]).RememberKey(keyOf(7, 9), 7)
	f.Close(Names(uniq))

	f = Open("maildir", md)
	if len(f.old) != n {
		t.Fatalf("%d records loaded, want %d", len(f.old), n)
	}
	for i := range n {
		k, c, ok := bodyOf(t, f, paths[i], uniq[i]).CachedKey()
		want := keyOf(i, 1)
		if i == 7 {
			want = keyOf(7, 9)
		}
		if !ok || k != want || c != int64(i) {
			t.Fatalf("file %d: %v %d %v", i, k, c, ok)
		}
	}
	// Record a few anew, and list only the first half.
	for i := 0; i < n; i += 10 {
		b := bodyOf(t, f, paths[i], uniq[i])
		b.RememberKey(keyOf(i, 2), int64(i))
		if k, _, ok := b.CachedKey(); !ok || k != keyOf(i, 2) {
			t.Fatalf("file %d: its own record not found in the walk", i)
		}
	}
	f.Close(Names(uniq[:n/2]))

	f = Open("maildir", md)
	for i := range n {
		k, _, ok := bodyOf(t, f, paths[i], uniq[i]).CachedKey()
		switch {
		case i%10 == 0:
			if !ok || k != keyOf(i, 2) {
				t.Fatalf("file %d recorded anew: %v %v", i, k, ok)
			}
		case i < n/2:
			if !ok || k != keyOf(i, 1) && i != 7 {
				t.Fatalf("file %d still listed: %v %v", i, k, ok)
			}
		default:
			if ok {
				t.Fatalf("file %d no longer listed kept its record", i)
			}
		}
	}
}
