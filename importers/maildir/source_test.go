package maildir

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

func mkMaildir(t *testing.T, dir string) {
	t.Helper()
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFile(t *testing.T, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if !mtime.IsZero() {
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

// buildPlusTree writes c as Dovecot would have stored it: a Maildir++
// tree, names with ,S= and ,W=, flags in the info part (with all three
// separators), unflagged mail in new/, INTERNALDATE as mtime, keywords,
// and the clutter a real tree has.
func buildPlusTree(t *testing.T, c importertest.Corpus) string {
	t.Helper()
	root := t.TempDir()
	mkMaildir(t, root)
	seps := []string{":", "!", ";"}
	for i, it := range c {
		dir := filepath.Join(root, PlusDirName(it.Folder, false))
		mkMaildir(t, dir)
		if dir != root {
			writeFile(t, filepath.Join(dir, "maildirfolder"), nil, time.Time{})
		}
		vsize := len(importertest.ToCRLF(it.Raw))
		base := fmt.Sprintf("%d.M%dP%d.mail.example.jp,S=%d,W=%d", it.Date.Unix(), 100000+i, 4242, len(it.Raw), vsize)
		letters, missing := FormatFlags(it.Flags, nil)
		if len(missing) > 0 {
			t.Fatalf("corpus flag without a letter: %v", missing)
		}
		var path string
		if letters == "" && i%2 == 0 {
			path = filepath.Join(dir, "new", base)
		} else {
			path = filepath.Join(dir, "cur", base+seps[i%3]+"2,"+letters)
		}
		writeFile(t, path, it.Raw, it.Date)
	}
	// Clutter that must be ignored.
	writeFile(t, filepath.Join(root, "dovecot-uidlist"), []byte("3 V1 N2\n"), time.Time{})
	writeFile(t, filepath.Join(root, "dovecot.index.log"), []byte("\x00\x01"), time.Time{})
	writeFile(t, filepath.Join(root, "subscriptions"), []byte("V\t2\n\nArchive\n"), time.Time{})
	writeFile(t, filepath.Join(root, "tmp", "1.M1P1.host"), []byte("Subject: half written\n"), time.Time{})
	writeFile(t, filepath.Join(root, "courierimapkeywords", ":list"), []byte("x\n"), time.Time{})
	writeFile(t, filepath.Join(root, "cur", ".hidden"), []byte("x"), time.Time{})
	if err := os.MkdirAll(filepath.Join(root, ".notamaildir"), 0o700); err != nil {
		t.Fatal(err)
	}
	return root
}

// snapshot records every path, size and mtime below root.
func snapshot(t *testing.T, root string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		lines = append(lines, fmt.Sprintf("%s %d %d %v", p, fi.Size(), fi.ModTime().UnixNano(), fi.Mode()))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func TestConformance(t *testing.T) {
	var root, before string
	importertest.Run(t, importertest.Opt{Open: func(t *testing.T, c importertest.Corpus) importers.Source {
		root = buildPlusTree(t, c)
		before = snapshot(t, root)
		src, err := Open(root, nil)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}})
	if after := snapshot(t, root); after != before {
		t.Errorf("reading changed the source tree:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

func TestConformanceViaRegistry(t *testing.T) {
	importertest.Run(t, importertest.Opt{Open: func(t *testing.T, c importertest.Corpus) importers.Source {
		src, err := importers.Open(context.Background(), "maildir:"+buildPlusTree(t, c), nil)
		if err != nil {
			t.Fatal(err)
		}
		return src
	}})
}

func TestFoldersListing(t *testing.T) {
	c := importertest.Load(t)
	src, err := Open(buildPlusTree(t, c), nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, fi := range fis {
		s := fi.Folder.String()
		if fi.NoSelect {
			s += " (noselect)"
		}
		got = append(got, fmt.Sprintf("%s %d", s, fi.Messages))
		var want int64
		for _, it := range c.In(fi.Folder) {
			want += int64(len(it.Raw))
		}
		if fi.Bytes != want {
			t.Errorf("%s: Bytes = %d, want %d", fi.Folder, fi.Bytes, want)
		}
	}
	want := "INBOX 6|Archive 2|Archive/2019 3|Drafts 1|Sent 1|仕事 (noselect) 0|仕事/重要 1"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("Folders = %s\nwant      %s", g, want)
	}
}

func walkAll(t *testing.T, src importers.Source, f importers.Folder) []*importers.Message {
	t.Helper()
	var out []*importers.Message
	err := src.Walk(context.Background(), f, nil, func(m *importers.Message, err error) error {
		if err != nil {
			out = append(out, &importers.Message{Ref: "ERR " + err.Error()})
			return nil
		}
		out = append(out, m)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOrderKeywordsAndFS(t *testing.T) {
	root := t.TempDir()
	// LAYOUT=fs: INBOX at the root, nested folders as plain directories;
	// "Lists" holds only a child.
	mkMaildir(t, root)
	mkMaildir(t, filepath.Join(root, "Archive"))
	mkMaildir(t, filepath.Join(root, "Archive", "2019"))
	mkMaildir(t, filepath.Join(root, "Lists", "&ZeVnLIqe-"))
	d := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	msg := func(n int) []byte { return []byte(fmt.Sprintf("Message-ID: <%d@x>\n\nbody %d\n", n, n)) }
	// Deliberately unsorted on disk; names with and without a time prefix.
	writeFile(t, filepath.Join(root, "cur", "1500000000.M2P1.h:2,Sa"), msg(2), d)
	writeFile(t, filepath.Join(root, "new", "1400000000.M1P1.h"), msg(1), d)
	writeFile(t, filepath.Join(root, "cur", "999999999.M9P1.h:2,"), msg(0), d)
	writeFile(t, filepath.Join(root, "cur", "courier-odd-name:2,T"), msg(3), d)
	writeFile(t, filepath.Join(root, KeywordsFile), []byte("0 $Junk\n"), time.Time{})
	writeFile(t, filepath.Join(root, "Archive", "2019", "cur", "1.M1P1.h;2,RS"), msg(4), d)
	writeFile(t, filepath.Join(root, "Lists", "&ZeVnLIqe-", "new", "2.M1P1.h"), msg(5), d)
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "cur", "1600000000.M1P1.h:2,S")); err != nil {
		t.Fatal(err)
	}
	src, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, _ := src.Folders(context.Background())
	var names []string
	for _, fi := range fis {
		names = append(names, fmt.Sprintf("%s:%d:%v", fi.Folder, fi.Messages, fi.NoSelect))
	}
	if g, w := strings.Join(names, " "), "INBOX:5:false Archive:0:false Archive/2019:1:false Lists:0:true Lists/日本語:1:false"; g != w {
		t.Errorf("Folders = %s, want %s", g, w)
	}
	got := walkAll(t, src, importers.Folder{"INBOX"})
	var refs []string
	for _, m := range got {
		if strings.HasPrefix(m.Ref, "ERR ") {
			refs = append(refs, m.Ref)
			continue
		}
		refs = append(refs, filepath.Base(m.Ref)+" "+imapFlags(m.Flags))
	}
	want := []string{
		"999999999.M9P1.h:2, ",
		"1400000000.M1P1.h ",
		"1500000000.M2P1.h:2,Sa \\Seen $Junk",
		"ERR maildir:" + filepath.Join(root, "cur", "1600000000.M1P1.h:2,S") + ` (folder "INBOX"): a symbolic link, not a message file: not read`,
		"courier-odd-name:2,T \\Deleted",
	}
	if strings.Join(refs, "\n") != strings.Join(want, "\n") {
		t.Errorf("Walk order/flags:\n%s\nwant\n%s", strings.Join(refs, "\n"), strings.Join(want, "\n"))
	}
	if m := got[0]; !m.InternalDate.Equal(d) || m.Body.Len() != int64(len(msg(0))) {
		t.Errorf("date %v size %d", m.InternalDate, m.Body.Len())
	}
	if a := walkAll(t, src, importers.Folder{"Archive", "2019"}); len(a) != 1 || imapFlags(a[0].Flags) != `\Answered \Seen` {
		t.Errorf("Archive/2019: %v", a)
	}
}

func TestRootWithoutInbox(t *testing.T) {
	root := t.TempDir()
	mkMaildir(t, filepath.Join(root, ".Sent"))
	mkMaildir(t, filepath.Join(root, ".&ZeVnLIqe-.sub"))
	src, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, _ := src.Folders(context.Background())
	var names []string
	for _, fi := range fis {
		names = append(names, fi.Folder.String())
	}
	if g := strings.Join(names, ","); g != "Sent,日本語,日本語/sub" {
		t.Errorf("Folders = %s", g)
	}
	if _, err := Open(t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "not a Maildir") {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := Open(filepath.Join(root, "nope"), nil); err == nil {
		t.Error("missing dir accepted")
	}
}

func TestRenamedWhileWalking(t *testing.T) {
	root := t.TempDir()
	mkMaildir(t, root)
	d := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	writeFile(t, filepath.Join(root, "new", "1.M1P1.h"), []byte("a\n"), d)
	writeFile(t, filepath.Join(root, "cur", "2.M1P1.h:2,S"), []byte("b\n"), d)
	src, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(m *importers.Message, rerr error) error {
		if rerr != nil {
			return rerr
		}
		if len(got) == 0 {
			// Another program (an IMAP client via Dovecot) marks the
			// second message answered and moves the first to cur/.
			os.Rename(filepath.Join(root, "cur", "2.M1P1.h:2,S"), filepath.Join(root, "cur", "2.M1P1.h:2,RS"))
		}
		got = append(got, filepath.Base(m.Ref)+" "+imapFlags(m.Flags))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := strings.Join(got, "|"); g != `1.M1P1.h |2.M1P1.h:2,RS \Answered \Seen` {
		t.Errorf("got %s", g)
	}
}

func TestWalkDateFilter(t *testing.T) {
	root := t.TempDir()
	mkMaildir(t, root)
	for i, y := range []int{2018, 2019, 2020} {
		writeFile(t, filepath.Join(root, "cur", fmt.Sprintf("%d.M1P1.h:2,S", i)), []byte("x\n"), time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC))
	}
	src, _ := Open(root, nil)
	var n int
	opts := &importers.WalkOptions{Since: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), Before: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)}
	src.Walk(context.Background(), importers.Folder{"INBOX"}, opts, func(m *importers.Message, err error) error {
		n++
		return nil
	})
	if n != 1 {
		t.Errorf("date filter kept %d messages, want 1", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Walk(ctx, importers.Folder{"INBOX"}, nil, func(*importers.Message, error) error { return nil }); err != context.Canceled {
		t.Errorf("canceled Walk = %v", err)
	}
	_ = imap.FlagSeen
}

// TestFixtureTree reads testdata/maildir/dovecot-tree (see its README).
func TestFixtureTree(t *testing.T) {
	root := filepath.Join(importertest.ModuleRoot(t), "testdata", "maildir", "dovecot-tree")
	src, err := Open(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, g := range importertest.ReadAll(t, src) {
		id := ""
		for _, line := range strings.Split(string(g.Raw), "\n") {
			if strings.HasPrefix(line, "Message-ID: ") {
				id = strings.TrimPrefix(line, "Message-ID: ")
			}
		}
		got = append(got, fmt.Sprintf("%s %s [%s]", g.Folder, id, imapFlags(g.Flags)))
	}
	want := []string{
		`INBOX <fixture-1@mail.example.jp> [\Seen]`,
		`INBOX <fixture-2@mail.example.jp> []`,
		`Archive <fixture-3@mail.example.jp> [\Answered \Seen]`,
		`仕事/重要 <fixture-4@mail.example.jp> [\Flagged \Seen $Junk]`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("fixture read as\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
