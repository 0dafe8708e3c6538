package maildir_test

import (
	"bytes"
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
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/exporters/maildir"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	maildirimp "github.com/mailferry/mailferry/importers/maildir"
	"github.com/mailferry/mailferry/internal/engine"
)

func open(t *testing.T, dir string) *maildir.Sink {
	t.Helper()
	s, err := maildir.New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func readBack(t *testing.T, dir string) importers.Source {
	t.Helper()
	src, err := maildirimp.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestConformance(t *testing.T) {
	exportertest.Run(t, exportertest.Opt{
		New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
			dir := filepath.Join(t.TempDir(), "backup")
			return open(t, dir), func(t *testing.T) importers.Source { return readBack(t, dir) }
		},
		Reopen: nil,
	})
}

func TestConformanceReopened(t *testing.T) {
	var dir string
	exportertest.Run(t, exportertest.Opt{
		New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
			dir = filepath.Join(t.TempDir(), "backup")
			return open(t, dir), func(t *testing.T) importers.Source { return readBack(t, dir) }
		},
		Reopen: func(t *testing.T) exporters.Sink { return open(t, dir) },
	})
}

// tree lists every path below dir with its mode.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		fi, _ := d.Info()
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+" "+fi.Mode().String())
		return nil
	})
	sort.Strings(out)
	return out
}

func TestLayoutNamesAndPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	c := importertest.Load(t)
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: open(t, dir)}
	if _, err := eng.Copy(context.Background()); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, line := range tree(t, dir) {
		name, mode, _ := strings.Cut(line, " ")
		if strings.HasPrefix(mode, "d") {
			if mode != "drwx------" {
				t.Errorf("%s: mode %s", name, mode)
			}
			if !strings.Contains(name, "/") && name != "." {
				dirs = append(dirs, name)
			}
		} else if mode != "-rw-------" {
			t.Errorf("%s: mode %s", name, mode)
		}
		if strings.Contains(name, "/cur/") {
			base := filepath.Base(name)
			if !strings.Contains(base, ",S=") || !strings.Contains(base, ",W=") || !strings.Contains(base, ":2,") {
				t.Errorf("unexpected message name %s", name)
			}
		}
		if strings.Contains(name, "/tmp/") || strings.Contains(name, "/new/") {
			t.Errorf("left in tmp/ or new/: %s", name)
		}
	}
	want := ".&TtVOiw-.&kc2JgQ- .Archive .Archive.2019 .Drafts .Sent cur new tmp"
	if got := strings.Join(dirs, " "); got != want {
		t.Errorf("top-level dirs = %s, want %s", got, want)
	}
	// The message file carries flags, the right size and the date.
	ents, _ := os.ReadDir(filepath.Join(dir, ".Archive.2019", "cur"))
	found := false
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ":2,PSa") {
			found = true
			fi, _ := e.Info()
			if !fi.ModTime().Equal(time.Date(2019, 2, 2, 2, 2, 2, 0, time.UTC)) {
				t.Errorf("mtime %v", fi.ModTime())
			}
		}
	}
	if !found {
		t.Errorf("no $Forwarded+\\Seen message (:2,PSa) in .Archive.2019: %v", ents)
	}
	if kw, _ := os.ReadFile(filepath.Join(dir, ".Archive.2019", "dovecot-keywords")); string(kw) != "0 $Forwarded\n" {
		t.Errorf("dovecot-keywords = %q", kw)
	}
	if _, err := os.Stat(filepath.Join(dir, ".Archive", "maildirfolder")); err != nil {
		t.Errorf("maildirfolder missing: %v", err)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, maildirimp.ConfigFile))
	if err != nil || !strings.Contains(string(cfg), `":"`) {
		t.Errorf("config %q %v", cfg, err)
	}
}

// appendOne writes raw into folder f through the Sink API.
func appendOne(t *testing.T, s exporters.Sink, f importers.Folder, raw string, flags ...imap.Flag) exporters.Target {
	t.Helper()
	ctx := context.Background()
	tg, err := s.Resolve(ctx, f, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := tg.Create(ctx); err != nil {
		t.Fatalf("Create(%q): %v", f, err)
	}
	m := &importers.Message{Ref: "test", Folder: f, Flags: flags, InternalDate: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), Body: importers.BytesBody(raw)}
	if err := tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw)); err != nil {
		t.Fatalf("Append(%q): %v", f, err)
	}
	return tg
}

func TestMaliciousFolderNamesStayInside(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "backup")
	outside := filepath.Join(base, "outside")
	os.Mkdir(outside, 0o700)
	s := open(t, dir)
	folders := []importers.Folder{
		{".."}, {"."}, {"/"}, {`\`}, {"\x00"}, {"a/../../etc"}, {"..", "..", "outside"}, {"a", ".."},
		{strings.Repeat("x", 10<<10)}, {strings.Repeat("日本", 3000)}, {"INBOX", ".."}, {""}, {"", ""},
		{"cur"}, {"new"}, {"tmp"}, {"~root"}, {"a.b"}, {"a", "b"}, {"Foo"}, {"foo"}, {"FOO"},
		{strings.Repeat("deep", 30), strings.Repeat("er", 40), strings.Repeat("est", 40)},
	}
	seen := map[string]string{}
	for i, f := range folders {
		raw := "Message-ID: <m" + string(rune('A'+i)) + "@x>\n\nbody\n"
		tg := appendOne(t, s, f, raw)
		if prev, dup := seen[tg.Name()]; dup {
			t.Errorf("%q and %q share %s", prev, f, tg.Name())
		}
		seen[tg.Name()] = f.String()
		rel, err := filepath.Rel(dir, tg.Name())
		if err != nil || strings.HasPrefix(rel, "..") || strings.Contains(rel, string(filepath.Separator)) {
			t.Errorf("%q → %s escapes or nests", f, tg.Name())
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written outside the root: %v", ents)
	}
	if ents, _ := os.ReadDir(base); len(ents) != 2 {
		t.Errorf("written next to the root: %v", ents)
	}
	// Every folder reads back under its own name (except the ones cut for
	// length), each with its one message.
	src := readBack(t, dir)
	got := map[string]int{}
	for _, g := range importertest.ReadAll(t, src) {
		k := fmt.Sprintf("%q", []string(g.Folder))
		if g.Folder.IsInbox() {
			k = "INBOX"
		}
		got[k]++
	}
	for _, f := range folders {
		if len(maildirimp.PlusDirName(f, false)) > 200 {
			continue
		}
		k := fmt.Sprintf("%q", []string(f))
		if f.IsInbox() {
			k = "INBOX"
		}
		if got[k] != 1 {
			t.Errorf("folder %q read back %d messages (all: %v)", f, got[k], got)
		}
	}
	if len(importertest.ReadAll(t, src)) != len(folders) {
		t.Errorf("read back %d messages, want %d", len(importertest.ReadAll(t, src)), len(folders))
	}
}

func TestPlantedSymlinkRefused(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "backup")
	outside := filepath.Join(base, "outside")
	os.MkdirAll(filepath.Join(outside, "cur"), 0o700)
	os.MkdirAll(filepath.Join(outside, "tmp"), 0o700)
	s := open(t, dir)
	appendOne(t, s, importers.Folder{"INBOX"}, "Message-ID: <a@x>\n\nx\n")
	// Someone plants .Evil → outside, and cur of INBOX's child → outside.
	os.Symlink(outside, filepath.Join(dir, ".Evil"))
	os.MkdirAll(filepath.Join(dir, ".Half"), 0o700)
	os.Symlink(filepath.Join(outside, "cur"), filepath.Join(dir, ".Half", "cur"))
	os.Symlink(filepath.Join(outside, "tmp"), filepath.Join(dir, ".Half", "tmp"))
	s2 := open(t, dir)
	ctx := context.Background()
	for _, f := range []importers.Folder{{"Evil"}, {"Half"}} {
		tg, _ := s2.Resolve(ctx, f, "")
		err := tg.Create(ctx)
		if err == nil {
			m := &importers.Message{Ref: "x", Body: importers.BytesBody("x\n")}
			err = tg.Append(ctx, m, 2, strings.NewReader("x\n"))
		}
		if err == nil {
			t.Errorf("%q: write through a symlink succeeded", f)
		}
	}
	for _, sub := range []string{"", "cur", "tmp"} {
		if ents, _ := os.ReadDir(filepath.Join(outside, sub)); len(ents) > 0 && sub != "" {
			t.Errorf("written outside through a symlink: %s %v", sub, ents)
		}
	}
}

func TestKeywordsAndFlags(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	s := open(t, dir)
	appendOne(t, s, importers.Folder{"Work"}, "Message-ID: <1@x>\n\nx\n", imap.FlagSeen, "$Junk", `\Recent`, imap.FlagDeleted)
	appendOne(t, s, importers.Folder{"Work"}, "Message-ID: <2@x>\n\nx\n", "$label2", "$junk", imap.FlagAnswered)
	kw, _ := os.ReadFile(filepath.Join(dir, ".Work", "dovecot-keywords"))
	if string(kw) != "0 $Junk\n1 $label2\n" {
		t.Errorf("dovecot-keywords = %q", kw)
	}
	var got []string
	maildirimp.Open(dir, nil)
	src := readBack(t, dir)
	src.Walk(context.Background(), importers.Folder{"Work"}, nil, func(m *importers.Message, err error) error {
		var fs []string
		for _, f := range m.Flags {
			fs = append(fs, string(f))
		}
		got = append(got, strings.Join(fs, " "))
		return nil
	})
	sort.Strings(got)
	if strings.Join(got, "|") != `\Answered $Junk $label2|\Seen \Deleted $Junk` {
		t.Errorf("flags read back: %q", got)
	}
}

func TestSemicolonSeparatorFromConfig(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	os.MkdirAll(dir, 0o700)
	os.WriteFile(filepath.Join(dir, maildirimp.ConfigFile), []byte(`{"info_separator": ";", "windows_names": true}`), 0o600)
	s := open(t, dir)
	tg := appendOne(t, s, importers.Folder{"Re: a?"}, "Message-ID: <1@x>\n\nx\n", imap.FlagSeen)
	if filepath.Base(tg.Name()) != `.Re\3a a\3f` {
		t.Errorf("Windows-safe name = %q", filepath.Base(tg.Name()))
	}
	ents, _ := os.ReadDir(filepath.Join(tg.Name(), "cur"))
	if len(ents) != 1 || !strings.HasSuffix(ents[0].Name(), ";2,S") || strings.Contains(ents[0].Name(), ":") {
		t.Fatalf("cur = %v", ents)
	}
	got := importertest.ReadAll(t, readBack(t, dir))
	if len(got) != 1 || got[0].Folder.String() != "Re: a?" || len(got[0].Flags) != 1 {
		t.Errorf("read back %+v", got)
	}
}

func TestNoPartialMessageVisible(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "backup")
	s := open(t, dir)
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	tg.Create(ctx)
	raw := []byte("Message-ID: <x@y>\n\n" + strings.Repeat("z", 100000))
	cctx, cancel := context.WithCancel(ctx)
	r := &cancelAfter{r: bytes.NewReader(raw), n: 50000, cancel: cancel}
	m := &importers.Message{Ref: "x", Body: importers.BytesBody(raw)}
	if err := tg.Append(cctx, m, int64(len(raw)), r); err == nil {
		t.Fatal("canceled Append succeeded")
	}
	for _, sub := range []string{"cur", "new", "tmp"} {
		if ents, _ := os.ReadDir(filepath.Join(dir, sub)); len(ents) != 0 {
			t.Errorf("%s/ holds %v after a canceled Append", sub, ents)
		}
	}
	// Quota is the disk.
	qs, err := s.Quota(ctx, []exporters.Target{tg})
	if err != nil || len(qs) != 1 || !strings.HasPrefix(qs[0].Name, "disk ") || qs[0].Limit <= 0 || len(qs[0].Targets) != 1 {
		t.Errorf("Quota = %+v, %v", qs, err)
	}
}

type cancelAfter struct {
	r      *bytes.Reader
	n      int
	read   int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.read >= c.n {
		c.cancel()
	}
	if len(p) > 4096 {
		p = p[:4096]
	}
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func TestRegistry(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "b")
	s, err := exporters.Open(context.Background(), "maildir:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := os.Stat(dir); err == nil {
		t.Error("opening a Sink created the directory")
	}
}

// TestMaildirToMaildir copies a Maildir written by the Sink, read with
// importers/maildir, into another one: everything arrives, byte-exact,
// with flags and dates, and a second run copies nothing.
func TestMaildirToMaildir(t *testing.T) {
	c := importertest.Load(t)
	a := filepath.Join(t.TempDir(), "a")
	b := filepath.Join(t.TempDir(), "b")
	ctx := context.Background()
	if _, err := (&engine.Engine{Src: &importertest.MemSource{C: c}, Sink: open(t, a)}).Copy(ctx); err != nil {
		t.Fatal(err)
	}
	for run := 0; run < 2; run++ {
		src, err := importers.Open(ctx, "maildir:"+a, nil)
		if err != nil {
			t.Fatal(err)
		}
		sink, err := exporters.Open(ctx, "maildir:"+b, nil)
		if err != nil {
			t.Fatal(err)
		}
		plan, err := (&engine.Engine{Src: src, Sink: sink}).Copy(ctx)
		if err != nil {
			t.Fatal(err)
		}
		tot := plan.Totals()
		want := int64(len(c) - 1) // 07 is a duplicate of 06 in the same folder
		if run == 1 {
			want = 0
		}
		if tot.Copied != want || plan.Incomplete() {
			t.Errorf("run %d: copied %d (problems %v), want %d", run, tot.Copied, plan.Problems, want)
		}
		sink.Close()
	}
	var dedup importertest.Corpus
	for _, it := range c {
		if it.File != "07-archive-dup.eml" {
			dedup = append(dedup, it)
		}
	}
	importertest.Run(t, importertest.Opt{Corpus: dedup, Open: func(t *testing.T, _ importertest.Corpus) importers.Source { return readBack(t, b) }})
}
