package eml

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// writeTree writes files (slash paths → content) under a new directory.
func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, data := range files {
		p = filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestConformance(t *testing.T) {
	for _, inboxDir := range []bool{false, true} {
		t.Run(fmt.Sprintf("inbox as directory=%v", inboxDir), func(t *testing.T) {
			importertest.Run(t, importertest.Opt{
				DateFromHeader: true,
				Open: func(t *testing.T, c importertest.Corpus) importers.Source {
					files := map[string]string{}
					for _, it := range c {
						dir := it.Folder.String()
						if it.Folder.IsInbox() && !inboxDir {
							dir = ""
						}
						files[filepath.ToSlash(filepath.Join(dir, it.File))] = string(it.Raw)
					}
					src, err := Open(writeTree(t, files), nil)
					if err != nil {
						t.Fatal(err)
					}
					return src
				},
			})
		})
	}
}

type got struct {
	folder, name string
	date         time.Time
	raw          string
	err          error
}

func walkAll(t *testing.T, src importers.Source) ([]importers.FolderInfo, []got) {
	t.Helper()
	fis, err := src.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []got
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		err := src.Walk(context.Background(), fi.Folder, nil, func(m *importers.Message, err error) error {
			g := got{folder: m.Folder.String(), name: filepath.Base(m.Ref), date: m.InternalDate, err: err}
			if err == nil {
				if len(m.Flags) != 0 {
					t.Errorf("%s: flags %v", m.Ref, m.Flags)
				}
				rc, err := m.Body.Open()
				if err != nil {
					t.Fatalf("%s: %v", m.Ref, err)
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if int64(len(b)) != m.Body.Len() {
					t.Errorf("%s: Len %d, read %d", m.Ref, m.Body.Len(), len(b))
				}
				g.raw = string(b)
			}
			out = append(out, g)
			return nil
		})
		if err != nil {
			t.Fatalf("Walk(%s): %v", fi.Folder, err)
		}
	}
	return fis, out
}

const msgA = "From: a@example.com\r\nDate: Thu, 01 Apr 2021 09:00:00 +0900\r\nSubject: a\r\n\r\nbody a\r\n"

func TestLayout(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"b.eml":                  msgA,
		"A.EML":                  msgA,
		"notes.txt":              "not mail",
		".hidden.eml":            msgA,
		"._b.eml":                "AppleDouble junk",
		".Trash/x.eml":           msgA,
		"Inbox/c.eml":            msgA,
		"仕事/重要/d.eml":            msgA,
		"仕事/重要/深い/e.eml":         msgA,
		"送信済みアイテム/f.eml":         msgA,
		"empty-dir/readme.txt":   "x",
		"Archive 2019/sub/h.eml": msgA,
	})
	if err := os.Symlink(filepath.Join(dir, "b.eml"), filepath.Join(dir, "link.eml")); err != nil {
		t.Fatal(err)
	}
	src, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, msgs := walkAll(t, src)
	var fs []string
	for _, fi := range fis {
		fs = append(fs, fmt.Sprintf("%s:%d:%v", fi.Folder, fi.Messages, fi.NoSelect))
	}
	// Every file is an item (issue 12): notes.txt and readme.txt are
	// skipped by name, ".hidden.eml" is read; "._b.eml" (AppleDouble) and
	// the hidden directory are not.
	want := "INBOX:5:false Archive 2019:0:true Archive 2019/sub:1:false empty-dir:1:false " +
		"仕事:0:true 仕事/重要:1:false 仕事/重要/深い:1:false 送信済みアイテム:1:false"
	if got := strings.Join(fs, " "); got != want {
		t.Errorf("Folders:\n got %s\nwant %s", got, want)
	}
	var inbox []string
	for _, m := range msgs {
		if m.folder == "INBOX" {
			inbox = append(inbox, m.name)
		}
		var se *importers.SkipError
		switch {
		case m.name == "notes.txt" || m.name == "readme.txt":
			if !errors.As(m.err, &se) || se.Kind != "not-a-message" {
				t.Errorf("%s/%s: error %v, want a not-a-message SkipError", m.folder, m.name, m.err)
			}
		case m.raw != msgA:
			t.Errorf("%s/%s: body %q", m.folder, m.name, m.raw)
		}
	}
	if got := strings.Join(inbox, " "); got != ".hidden.eml A.EML b.eml notes.txt c.eml" {
		t.Errorf("INBOX: %s", got)
	}

	// A single file is INBOX.
	src, err = Open(filepath.Join(dir, "b.eml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if fis, msgs := walkAll(t, src); len(fis) != 1 || !fis[0].Folder.IsInbox() || len(msgs) != 1 || fis[0].Bytes != int64(len(msgA)) {
		t.Errorf("single file: %+v %+v", fis, msgs)
	}

	for _, bad := range []string{"", filepath.Join(dir, "nope"), t.TempDir()} {
		if _, err := Open(bad, nil); !errors.Is(err, importers.ErrUsage) {
			t.Errorf("Open(%q) = %v, want a usage error", bad, err)
		}
	}
}

func TestNFC(t *testing.T) {
	dir := writeTree(t, map[string]string{"\u304b\u3099/x.eml": msgA}) // か + dakuten
	src, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, _ := walkAll(t, src)
	if len(fis) != 1 || fis[0].Folder[0] != "\u304c" { // が
		t.Errorf("folders %+v", fis)
	}
}

func TestBadFiles(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"1-empty.eml":        "",
		"2-html.eml":         "<html><body>saved web page</body></html>\n",
		"3-binary.eml":       "PK\x03\x04\x14\x00\x00\x00\x08\x00",
		"4-continuation.eml": " folded: x\r\n\r\nbody",
		"5-blank-first.eml":  "\r\nSubject: x\r\n\r\nbody",
		"6-good.eml":         msgA,
		"7-from-only.eml":    "From ",
	})
	src, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, msgs := walkAll(t, src)
	if fis[0].Messages != 7 {
		t.Errorf("Folders counts %d files", fis[0].Messages)
	}
	var bad []string
	for _, m := range msgs {
		if m.err == nil {
			continue
		}
		var me *importers.MessageError
		if !errors.As(m.err, &me) || !strings.Contains(m.err.Error(), m.name) || !errors.Is(m.err, ErrNotMessage) {
			t.Errorf("%s: error %v", m.name, m.err)
		}
		bad = append(bad, m.name[:1])
	}
	if got := strings.Join(bad, ","); got != "1,2,3,4,5,7" {
		t.Errorf("errors for %s", got)
	}
}

func TestQuirks(t *testing.T) {
	mtime := time.Date(2015, 5, 5, 5, 5, 5, 0, time.UTC)
	dir := writeTree(t, map[string]string{
		"bom.eml":     "\xef\xbb\xbf" + msgA,
		"from.eml":    "From - Thu Apr 01 09:00:00 2021\r\n" + msgA,
		"nodate.eml":  "Subject: no date\n\nbody\n",
		"baddate.eml": "Date: someday\nSubject: x\n\nbody\n",
		"folded.eml":  "Subject: x\nDate: Thu, 1 Apr 2021\n 09:00:00 +0900\n\nbody\n",
		"lf.eml":      strings.ReplaceAll(msgA, "\r\n", "\n"),
		"long.eml":    "X-Long: " + strings.Repeat("x", 100000) + "\nDate: Thu, 01 Apr 2021 09:00:00 +0900\n\nbody\n",
	})
	for _, n := range []string{"nodate.eml", "baddate.eml"} {
		if err := os.Chtimes(filepath.Join(dir, n), mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	src, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, msgs := walkAll(t, src)
	d := time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)
	for _, m := range msgs {
		if m.err != nil {
			t.Errorf("%s: %v", m.name, m.err)
			continue
		}
		want := d
		if m.name == "nodate.eml" || m.name == "baddate.eml" {
			want = mtime
		}
		if !m.date.Equal(want) {
			t.Errorf("%s: date %v, want %v", m.name, m.date, want)
		}
		if (m.name == "bom.eml" || m.name == "from.eml") && m.raw != msgA {
			t.Errorf("%s: body %q, want the message without what precedes its header", m.name, m.raw)
		}
	}
}

func TestParseDate(t *testing.T) {
	jst := time.FixedZone("", 9*3600)
	want := time.Date(2021, 4, 1, 9, 0, 0, 0, jst)
	tests := []struct {
		in   string
		want time.Time // zero: no date
	}{
		{"Thu, 01 Apr 2021 09:00:00 +0900", want},
		{"Thu, 1 Apr 2021 09:00:00 +0900 (JST)", want},
		{"  Thu,  1 Apr 2021 09:00:00 +0900  ", want},
		{"1 Apr 2021 09:00:00 +0900", want},
		{"Thu, 1 Apr 2021 09:00 +0900", want},
		{"Thu, 1 Apr 21 09:00:00 +0900", want},
		// QUIRK: named zones that RFC 5322 does not list (JST) appear in
		// Japanese mail; Go's time.Parse would take them as UTC.
		{"Thu, 1 Apr 2021 09:00:00 JST", want},
		{"Thu, 1 Apr 2021 00:00:00 GMT", want},
		{"Thu, 1 Apr 2021 00:00:00 UT", want},
		{"Thu, 1 Apr 2021 09:00:00 GMT+0900", want},
		{"Thursday, 1 April 2021 09:00:00 +0900", want},
		{"Thu, 01-Apr-2021 09:00:00 +0900", want},
		{"Thu, 1 Apr 2021 09:00:00 +09:00", want},
		{"Thu Apr  1 00:00:00 2021", want},       // asctime, UTC
		{"Thu, 1 Apr 2021 00:00:00", want},       // no zone: UTC
		{"2021-04-01T09:00:00+09:00", want},      // ISO 8601
		{"2021-04-01 09:00:00 +0900", want},      //
		{"Wed, 1 Apr 2021 09:00:00 +0900", want}, // wrong weekday: ignored
		{"Thu, 1 Apr 2021 09:00:00 +0900.", want},
		{"", time.Time{}},
		{"someday", time.Time{}},
		{"Thu, 1 Apr 1901 09:00:00 +0900", time.Time{}}, // implausible
		{"(only a comment)", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := ParseDate(tt.in)
		if ok != !tt.want.IsZero() || ok && !got.Equal(tt.want) {
			t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

func TestWalkStops(t *testing.T) {
	dir := writeTree(t, map[string]string{"a.eml": msgA, "b.eml": msgA})
	src, err := Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	n := 0
	if err := src.Walk(context.Background(), importers.Folder{"INBOX"}, nil, func(*importers.Message, error) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("Walk = %v after %d", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := src.Walk(ctx, importers.Folder{"INBOX"}, nil, func(*importers.Message, error) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled Walk = %v", err)
	}
	n = 0
	src.Walk(context.Background(), importers.Folder{"INBOX"}, &importers.WalkOptions{Since: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)},
		func(*importers.Message, error) error { n++; return nil })
	if n != 0 {
		t.Errorf("Since filter let %d through", n)
	}
	if err := src.Walk(context.Background(), importers.Folder{"nope"}, nil, nil); err == nil {
		t.Errorf("Walk of a missing folder succeeded")
	}
	if _, err := importers.Open(context.Background(), "eml:"+dir, nil); err != nil {
		t.Errorf("importers.Open(eml:): %v", err)
	}
}

func FuzzScanHeader(f *testing.F) {
	f.Add([]byte(msgA))
	f.Add([]byte("\xef\xbb\xbfFrom x\nDate: Thu, 1 Apr 2021 09:00 JST\n\n"))
	f.Add([]byte("From x\rDate: Thu, 1 Apr 2021 09:00 JST\r \r\rbody\r")) // CR-only (issue 12)
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := scanHeader(bufio.NewReaderSize(bytes.NewReader(b), 64))
		if err == nil && h.skip > int64(len(b)) {
			t.Fatalf("skip %d past the end (%d)", h.skip, len(b))
		}
		ParseDate(h.date)
		ParseDate(string(b))
	})
}

// FuzzSource reads arbitrary bytes as a one-file eml: store through the
// Source: no panic, and a message that is read has Len bytes, the same
// on a second Open.
func FuzzSource(f *testing.F) {
	f.Add([]byte(msgA))
	f.Add([]byte("\xef\xbb\xbfFrom x\nDate: Thu, 1 Apr 2021 09:00 JST\n\nbody\n"))
	f.Add([]byte("Subject: x\r\n folded\r\nDate: 2 Jan 2006 15:04:05 -0700\r\n\r\n"))
	f.Add([]byte("From -\rSubject: x\r folded\rDate: 2 Jan 2006 15:04:05 -0700\r\rbody\r")) // CR-only
	f.Add([]byte{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		path := filepath.Join(dir, "m.eml")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		src, err := Open(path, nil)
		if err != nil {
			return
		}
		defer src.Close()
		fis, err := src.Folders(context.Background())
		if err != nil {
			return
		}
		for _, fi := range fis {
			src.Walk(context.Background(), fi.Folder, nil, func(m *importers.Message, err error) error {
				if err != nil {
					return nil
				}
				var got [2][]byte
				for i := range got {
					rc, err := m.Body.Open()
					if err != nil {
						t.Fatalf("%s: Open: %v", m.Ref, err)
					}
					got[i], err = io.ReadAll(rc)
					rc.Close()
					if err != nil {
						t.Fatalf("%s: read: %v", m.Ref, err)
					}
				}
				if int64(len(got[0])) != m.Body.Len() || !bytes.Equal(got[0], got[1]) {
					t.Fatalf("%s: Len %d, read %d then %d bytes", m.Ref, m.Body.Len(), len(got[0]), len(got[1]))
				}
				return nil
			})
		}
	})
}
