package eml

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/exportertest"
	"github.com/mailferry/mailferry/importers"
	_ "github.com/mailferry/mailferry/importers/eml"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/engine"
)

// readSource reads a tree written by Sink back: each directory a folder,
// each .eml file a message dated by its mtime.
type readSource struct{ dir string }

func (r *readSource) Caps() importers.Caps {
	return importers.Caps{Flags: false, DatePrecision: time.Second, ByteExact: true}
}
func (r *readSource) Close() error { return nil }

func (r *readSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	s, _ := New(r.dir, nil)
	defer s.Close()
	return s.Folders(ctx)
}

func (r *readSource) Walk(ctx context.Context, f importers.Folder, _ *importers.WalkOptions, fn importers.WalkFunc) error {
	s, _ := New(r.dir, nil)
	defer s.Close()
	tg, _ := s.Resolve(ctx, f, "")
	ents, err := os.ReadDir(tg.Name())
	if err != nil {
		return err
	}
	for _, e := range ents {
		if !isMessage(e) {
			continue
		}
		fi, _ := e.Info()
		p := filepath.Join(tg.Name(), e.Name())
		m := &importers.Message{Ref: "eml:" + p, Folder: f, InternalDate: fi.ModTime(), Body: &importers.FileBody{Path: p, Size: fi.Size()}}
		if err := fn(m, nil); err != nil {
			return err
		}
	}
	return nil
}

func TestConformance(t *testing.T) {
	var dir string
	exportertest.Run(t, exportertest.Opt{
		New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
			dir = filepath.Join(t.TempDir(), "export")
			s, err := New(dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			return s, func(t *testing.T) importers.Source { return &readSource{dir: dir} }
		},
		Reopen: func(t *testing.T) exporters.Sink { s, _ := New(dir, nil); return s },
	})
}

func TestFileNames(t *testing.T) {
	dir := t.TempDir()
	c := importertest.Load(t)
	eng := &engine.Engine{Src: &importertest.MemSource{C: c}, Sink: mustNew(t, dir)}
	if _, err := eng.Copy(context.Background()); err != nil {
		t.Fatal(err)
	}
	var got []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		if fi.IsDir() && fi.Mode().Perm() != 0o700 || !fi.IsDir() && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v", rel, fi.Mode())
		}
		if !fi.IsDir() {
			if len(filepath.Base(p)) > 255 {
				t.Errorf("%s: name too long", rel)
			}
			got = append(got, rel)
		}
		return nil
	})
	sort.Strings(got)
	joined := strings.Join(got, "\n")
	for _, want := range []string{
		"INBOX/20200115-010203_見積書の件_", // ISO-2022-JP subject decoded
		"INBOX/20240229-235959_生のUTF-8ヘッダ_",
		"仕事/重要/20210401-090000_",
		"Archive/2019/20190202-020202_",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("no file like %q in\n%s", want, joined)
		}
	}
	for _, g := range got {
		if strings.ContainsAny(filepath.Base(g), `<>:"\|?*`) || strings.HasPrefix(filepath.Base(g), ".") {
			t.Errorf("unsafe name %q", g)
		}
	}
}

func mustNew(t *testing.T, dir string) *Sink {
	t.Helper()
	s, err := New(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSanitizeSubject(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Hello", "Hello"},
		{"=?ISO-2022-JP?B?GyRCOCtAUT1xJE43bxsoQg==?=", "見積書の件"},
		{"=?UTF-8?Q?caf=C3=A9?= ok", "café ok"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{"a/b\\c:d*e?f\"g<h>i|j%k", "a_b_c_d_e_f_g_h_i_j_k"},
		{"tab\tand\nnewline\r\x00nul", "tab and newline nul"},
		{"  ...dots and spaces...  ", "dots and spaces"},
		{"", "no-subject"},
		{"...", "no-subject"},
		{"\u202eevil\u202c", "evil"},
		{"\xff\xfebad", "_bad"},
		{strings.Repeat("あ", 100), strings.Repeat("あ", 26)}, // 78 bytes, cut at a character
		{"CON", "CON"},                                      // safe: the date comes first
	}
	for _, tc := range tests {
		if got := SanitizeSubject(tc.in); got != tc.want {
			t.Errorf("SanitizeSubject(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	k := dedupe.FromMessageID("a@b")
	name := FileName(time.Date(2020, 1, 2, 3, 4, 5, 0, time.FixedZone("JST", 9*3600)), "Hi", k)
	if name != "20200101-180405_Hi_"+k.String()[:8]+".eml" {
		t.Errorf("FileName = %q", name)
	}
	if FileName(time.Time{}, "", k)[:16] != "00000000-000000_" {
		t.Errorf("zero date: %q", FileName(time.Time{}, "", k))
	}
}

func appendMsg(t *testing.T, s *Sink, f importers.Folder, raw string, date time.Time) (exporters.Target, error) {
	t.Helper()
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, f, "")
	if err := tg.Create(ctx); err != nil {
		return tg, err
	}
	m := &importers.Message{Ref: "t", Folder: f, InternalDate: date, Body: importers.BytesBody(raw)}
	return tg, tg.Append(ctx, m, int64(len(raw)), strings.NewReader(raw))
}

func TestSameNameTwiceAndNoDate(t *testing.T) {
	dir := t.TempDir()
	s := mustNew(t, dir)
	d := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	raw := "Message-ID: <same@x>\nSubject: s\n\nbody\n"
	for i := 0; i < 3; i++ { // --dedupe off copies it three times
		if _, err := appendMsg(t, s, importers.Folder{"INBOX"}, raw, d); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "INBOX"))
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	k := dedupe.FromMessageID("same@x").String()[:8]
	if strings.Join(names, " ") != fmt.Sprintf("20200101-000000_s_%s-2.eml 20200101-000000_s_%s-3.eml 20200101-000000_s_%s.eml", k, k, k) {
		t.Errorf("names = %v", names)
	}
	// No internal date: name and mtime from the Date: header.
	tg, err := appendMsg(t, s, importers.Folder{"INBOX"}, "Date: Tue, 2 Jan 2018 03:04:05 +0900\nSubject: d\n\nx\n", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := filepath.Glob(filepath.Join(tg.Name(), "20180101-180405_d_*.eml"))
	if len(m) != 1 {
		t.Fatalf("dated from header: %v", m)
	}
	if fi, _ := os.Stat(m[0]); !fi.ModTime().Equal(time.Date(2018, 1, 1, 18, 4, 5, 0, time.UTC)) {
		t.Errorf("mtime %v", fi.ModTime())
	}
}

func TestFailedWriteAndSymlinks(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "export")
	outside := filepath.Join(base, "outside")
	os.Mkdir(outside, 0o700)
	s := mustNew(t, dir)
	ctx := context.Background()
	tg, _ := s.Resolve(ctx, importers.Folder{"INBOX"}, "")
	tg.Create(ctx)
	raw := "Subject: x\n\n" + strings.Repeat("y", 100000)
	m := &importers.Message{Ref: "t", Body: importers.BytesBody(raw)}
	if err := tg.Append(ctx, m, int64(len(raw)), io.MultiReader(strings.NewReader(raw[:50000]), failing{})); err == nil {
		t.Fatal("failing body accepted")
	}
	if ents, _ := os.ReadDir(filepath.Join(dir, "INBOX")); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
	os.Symlink(outside, filepath.Join(dir, "Evil"))
	if _, err := appendMsg(t, mustNew(t, dir), importers.Folder{"Evil"}, raw, time.Time{}); err == nil {
		t.Error("wrote through a symlink")
	}
	for i, f := range []importers.Folder{{".."}, {"..", "outside"}, {"a/../../outside"}, {"CON"}, {"x.eml"}, {"\x00"}, {strings.Repeat("q", 5000)}} {
		if _, err := appendMsg(t, s, f, fmt.Sprintf("Message-ID: <%d@x>\n\n.\n", i), time.Time{}); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	if ents, _ := os.ReadDir(outside); len(ents) != 0 {
		t.Errorf("written outside: %v", ents)
	}
	if ents, _ := os.ReadDir(base); len(ents) != 2 {
		t.Errorf("written next to the root: %v", ents)
	}
	if _, err := os.Stat(filepath.Join(dir, "x%2Eeml")); err != nil {
		t.Errorf("folder x.eml: %v", err)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, fmt.Errorf("potato") }

// TestConformanceWithImporter reads the tree back with importers/eml.
func TestConformanceWithImporter(t *testing.T) {
	var dir string
	exportertest.Run(t, exportertest.Opt{
		New: func(t *testing.T) (exporters.Sink, func(t *testing.T) importers.Source) {
			dir = filepath.Join(t.TempDir(), "export")
			s := mustNew(t, dir)
			return s, func(t *testing.T) importers.Source {
				src, err := importers.Open(context.Background(), "eml:"+dir, nil)
				if err != nil {
					t.Fatal(err)
				}
				return src
			}
		},
		Reopen: func(t *testing.T) exporters.Sink { return mustNew(t, dir) },
	})
}
