// Package importertest holds the fixture corpus and the conformance suite
// that every importer passes, and an in-memory Source for engine tests.
package importertest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// Item is one corpus message.
type Item struct {
	File   string
	Folder importers.Folder
	Flags  []imap.Flag
	Date   time.Time
	Raw    []byte // LF line endings, as in testdata/corpus
}

// Corpus is the fixture set of testdata/corpus.
type Corpus []Item

// ModuleRoot returns the directory holding go.mod, searching upwards from
// the working directory (go test runs in the package directory).
func ModuleRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Load reads testdata/corpus.
func Load(t testing.TB) Corpus {
	t.Helper()
	dir := filepath.Join(ModuleRoot(t), "testdata", "corpus")
	var man struct {
		Messages []struct {
			File   string   `json:"file"`
			Folder []string `json:"folder"`
			Flags  []string `json:"flags"`
			Date   string   `json:"date"`
		} `json:"messages"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &man); err != nil {
		t.Fatal(err)
	}
	var c Corpus
	for _, m := range man.Messages {
		raw, err := os.ReadFile(filepath.Join(dir, m.File))
		if err != nil {
			t.Fatal(err)
		}
		d, err := time.Parse(time.RFC3339, m.Date)
		if err != nil {
			t.Fatal(err)
		}
		it := Item{File: m.File, Folder: m.Folder, Date: d, Raw: raw}
		for _, f := range m.Flags {
			it.Flags = append(it.Flags, imap.Flag(f))
		}
		c = append(c, it)
	}
	return c
}

// Folders returns the distinct folders of the corpus in first-seen order.
func (c Corpus) Folders() []importers.Folder {
	var out []importers.Folder
	seen := map[string]bool{}
	for _, it := range c {
		k := it.Folder.String()
		if !seen[k] {
			seen[k] = true
			out = append(out, it.Folder)
		}
	}
	return out
}

// In returns the items of folder f.
func (c Corpus) In(f importers.Folder) Corpus {
	var out Corpus
	for _, it := range c {
		if it.Folder.Equal(f) {
			out = append(out, it)
		}
	}
	return out
}

// ToCRLF converts bare LF and bare CR to CRLF, as importers.CRLFReader
// does for an IMAP target.
func ToCRLF(b []byte) []byte {
	var out bytes.Buffer
	for i, c := range b {
		switch {
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			out.WriteString("\r\n")
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			out.WriteString("\r\n") // a lone CR (classic Mac OS) ends a line too
		default:
			out.WriteByte(c)
		}
	}
	return out.Bytes()
}

// ToLF converts CRLF to LF.
func ToLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

// Hash is the hex SHA-256 of b.
func Hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// MemSource is an in-memory Source over a corpus (for engine and exporter
// tests). It keeps flags and dates; it is byte-exact.
type MemSource struct {
	C Corpus
	// Fail, when set, makes the message with this file name fail to read.
	Fail string
}

func (s *MemSource) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}
func (s *MemSource) Close() error { return nil }

func (s *MemSource) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, f := range s.C.Folders() {
		items := s.C.In(f)
		var n int64
		for _, it := range items {
			n += int64(len(it.Raw))
		}
		out = append(out, importers.FolderInfo{Folder: f, Messages: int64(len(items)), Bytes: n})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Folder.String() < out[j].Folder.String() })
	return out, nil
}

func (s *MemSource) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	for _, it := range s.C.In(f) {
		m := &importers.Message{Ref: "mem:" + it.File, Folder: f, Flags: it.Flags, InternalDate: it.Date, Body: importers.BytesBody(it.Raw)}
		var err error
		if it.File == s.Fail {
			m.Body = nil
			err = &importers.MessageError{Ref: m.Ref, Folder: f, Err: os.ErrPermission}
		}
		if err := fn(m, err); err != nil {
			return err
		}
	}
	return nil
}
