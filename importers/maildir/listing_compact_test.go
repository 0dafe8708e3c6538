package maildir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The compact listing (listing.go) orders a Maildir's files exactly like
// the []*entry listing it replaced (refListMessages below): numbered
// names by number, then by name, cur/ before new/, hidden files and
// directories left out, numbers over 64 bits as no number.
func TestCompactListingOrder(t *testing.T) {
	dir := t.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o755)
	}
	names := []string{"9.a", "10.a", "10.b:2,S", "010.a", "0.z", "x", "abc", "99999999999999999999999.big",
		"18446744073709551615.max", "18446744073709551616.over", "1700000000.M1P2.host,S=10:2,", "1700000000.M1P2.host,S=10:2,S",
		".hidden", "12", "12a", "a12", "1", "2", "-3"}
	for i := range 300 {
		names = append(names, fmt.Sprintf("%d.M%dP%d.h,S=%d:2,%s", 1700000000+i%7, i, i*3, i, strings.Repeat("S", i%2)))
	}
	for i, n := range names {
		sub := "cur"
		if i%3 == 0 {
			sub = "new"
		}
		if err := os.WriteFile(filepath.Join(dir, sub, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// The same name in both, and a directory.
	os.WriteFile(filepath.Join(dir, "new", "10.b:2,S"), []byte("x"), 0o644)
	os.Mkdir(filepath.Join(dir, "cur", "5.dir"), 0o755)
	os.WriteFile(filepath.Join(dir, "tmp", "1.tmp"), []byte("x"), 0o644)
	want, err := refListMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := listMessages(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.len() != len(want) {
		t.Fatalf("%d files listed, want %d", got.len(), len(want))
	}
	for i, w := range want {
		sub, name := got.at(i)
		if sub != w.sub || name != w.name || string(got.nameAt(i)) != w.name {
			t.Fatalf("file %d: %s/%s, want %s/%s", i, sub, name, w.sub, w.name)
		}
	}
	if _, err := listMessages(filepath.Join(dir, "tmp")); err == nil {
		t.Error("a directory without cur/ or new/ listed")
	}
}

// entry is one message file of a Maildir.
type refEntry struct {
	dir  string // the Maildir
	sub  string // "cur" or "new"
	name string
	// prefix is the leading number of the name (its delivery time).
	prefix uint64
	hasNum bool
	ent    fs.DirEntry
}

// listMessages returns the messages of one Maildir (cur/ and new/, not
// tmp/), sorted by the time prefix of their names, then by name. Hidden
// files and directories are skipped.
func refListMessages(dir string) ([]*refEntry, error) {
	var out []*refEntry
	found := false
	for _, sub := range []string{"cur", "new"} {
		ents, err := os.ReadDir(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for _, de := range ents {
			if strings.HasPrefix(de.Name(), ".") || de.IsDir() {
				continue
			}
			e := &refEntry{dir: dir, sub: sub, name: de.Name(), ent: de}
			e.prefix, e.hasNum = refTimePrefix(de.Name())
			out = append(out, e)
		}
	}
	if !found {
		return nil, fmt.Errorf("%s: no cur/ or new/", dir)
	}
	sort.Slice(out, func(i, j int) bool { return refEntryLess(out[i], out[j]) })
	return out, nil
}

func refEntryLess(a, b *refEntry) bool {
	if a.hasNum != b.hasNum {
		return a.hasNum
	}
	if a.prefix != b.prefix {
		return a.prefix < b.prefix
	}
	if a.name != b.name {
		return a.name < b.name
	}
	return a.sub < b.sub
}

func refTimePrefix(name string) (uint64, bool) {
	i := 0
	for i < len(name) && name[i] >= '0' && name[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, false
	}
	n, err := strconv.ParseUint(name[:i], 10, 64)
	return n, err == nil
}
