package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// withStatus returns the corpus as Thunderbird stores it: each message
// with X-Mozilla-Status (and X-Mozilla-Status2) headers first, and
// X-Status: T for drafts, which Thunderbird has no bit for.
func withStatus(t testing.TB, c importertest.Corpus) importertest.Corpus {
	t.Helper()
	out := make(importertest.Corpus, len(c))
	for i, it := range c {
		var st uint32
		draft := false
		for _, f := range it.Flags {
			switch f {
			case imap.FlagSeen:
				st |= 0x1
			case imap.FlagAnswered:
				st |= 0x2
			case imap.FlagFlagged:
				st |= 0x4
			case imap.FlagDeleted:
				st |= 0x8
			case imap.FlagForwarded:
				st |= 0x1000
			case imap.FlagDraft:
				draft = true
			default:
				t.Fatalf("corpus flag %s has no X-Mozilla-Status bit", f)
			}
		}
		h := fmt.Sprintf("X-Mozilla-Status: %04x\nX-Mozilla-Status2: 00000000\n", st)
		if draft {
			h += "X-Status: T\n"
		}
		it.Raw = append([]byte(h), it.Raw...)
		out[i] = it
	}
	return out
}

// mboxrd returns msg as an mbox entry: a "From - " line with the date in
// local time (as Thunderbird and exporters/mbox write it), the message
// with one more '>' on every line matching ^>*From , a final newline if
// missing, and the blank separator line.
func mboxrd(it importertest.Item) []byte {
	var b bytes.Buffer
	b.WriteString("From - " + it.Date.Local().Format("Mon Jan _2 15:04:05 2006") + "\n")
	lines := bytes.SplitAfter(it.Raw, []byte("\n"))
	for _, l := range lines {
		if bytes.HasPrefix(bytes.TrimLeft(l, ">"), []byte("From ")) {
			b.WriteByte('>')
		}
		b.Write(l)
	}
	if len(it.Raw) > 0 && it.Raw[len(it.Raw)-1] != '\n' {
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	return b.Bytes()
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// buildTree writes c as a directory of mbox files with every naming the
// reader knows: bare names, .mbox and .mbx, plain directories and .sbd
// directories, plus clutter that must be ignored.
func buildTree(t testing.TB, c importertest.Corpus, crlf bool) string {
	t.Helper()
	dir := t.TempDir()
	name := map[string]string{
		"INBOX":        "INBOX",
		"Sent":         "Sent.mbox",
		"Drafts":       "Drafts.MBX",
		"Archive":      "Archive.mbox",
		"Archive/2019": "Archive/2019.mbx",
		"仕事/重要":        "仕事.sbd/重要",
	}
	for _, it := range c {
		p, ok := name[it.Folder.String()]
		if !ok {
			t.Fatalf("no file name for corpus folder %s", it.Folder)
		}
		b := mboxrd(it)
		if crlf {
			b = importertest.ToCRLF(b)
		}
		appendFile(t, filepath.Join(dir, p), b)
	}
	writeFile(t, filepath.Join(dir, "INBOX.msf"), []byte("// <!-- <mdb:mork:z v=\"1.4\"/> -->\n"))
	writeFile(t, filepath.Join(dir, ".Sent.mbox.mailferry-journal"), []byte("From x\n"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("not mail\n"))
	writeFile(t, filepath.Join(dir, "Archive", "index.html"), []byte("<html>"))
	if err := os.MkdirAll(filepath.Join(dir, "empty-dir"), 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestConformance(t *testing.T) {
	for _, crlf := range []bool{false, true} {
		t.Run(fmt.Sprintf("crlf=%v", crlf), func(t *testing.T) {
			importertest.Run(t, importertest.Opt{
				Corpus: withStatus(t, importertest.Load(t)),
				Open: func(t *testing.T, c importertest.Corpus) importers.Source {
					src, err := Open(buildTree(t, c, crlf), nil)
					if err != nil {
						t.Fatal(err)
					}
					return src
				},
			})
		})
	}
}

// TestConformanceSingleFile reads each folder of the corpus as a single
// mbox file.
func TestConformanceSingleFile(t *testing.T) {
	c := withStatus(t, importertest.Load(t))
	for _, f := range c.Folders() {
		t.Run(f.String(), func(t *testing.T) {
			sub := c.In(f)
			leaf := f[len(f)-1]
			importertest.Run(t, importertest.Opt{
				Corpus:    sub,
				MapFolder: func(importers.Folder) importers.Folder { return importers.Folder{leaf} },
				Open: func(t *testing.T, c importertest.Corpus) importers.Source {
					p := filepath.Join(t.TempDir(), leaf+".mbox")
					for _, it := range c {
						appendFile(t, p, mboxrd(it))
					}
					src, err := Open(p, nil)
					if err != nil {
						t.Fatal(err)
					}
					return src
				},
			})
		})
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "garbage"), []byte("Subject: x\n\nnot an mbox\n"))
	if err := os.MkdirAll(filepath.Join(dir, "nothing"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"", filepath.Join(dir, "missing"), filepath.Join(dir, "garbage"), filepath.Join(dir, "nothing")} {
		_, err := Open(p, nil)
		if !errors.Is(err, importers.ErrUsage) || !strings.Contains(err.Error(), "mbox") {
			t.Errorf("Open(%q) = %v, want a usage error", p, err)
		}
	}
}
