package pst

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

func TestFoldersUnicode(t *testing.T) {
	s, _ := openTest(t, samplePath(t, "enron.pst"))
	fis, err := s.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{
		"Deleted Items": 0, "Inbox": 0, "Outbox": 0, "Sent Items": 0, "bailey-s": 0,
		"bailey-s/Sent Items": 15, "bailey-s/Sent": 20, "bailey-s/Notes inbox": 10, "bailey-s/Inbox": 4,
		"bailey-s/Drafts": 41, "bailey-s/Deleted Items": 441, "bailey-s/Contacts": 10,
		"bailey-s/Calendar": 791, "bailey-s/All documents": 846,
	}
	if len(fis) != len(want) {
		t.Errorf("Folders() = %d folders, want %d: %v", len(fis), len(want), fis)
	}
	for i, fi := range fis {
		n, ok := want[fi.Folder.String()]
		if !ok || fi.Messages != n {
			t.Errorf("folder %q: %d messages (known %v), want %d", fi.Folder, fi.Messages, ok, n)
		}
		if fi.Bytes != -1 {
			t.Errorf("folder %q: Bytes = %d, want -1", fi.Folder, fi.Bytes)
		}
		// Parents first.
		if len(fi.Folder) > 1 {
			found := false
			for _, p := range fis[:i] {
				if p.Folder.Equal(fi.Folder[:len(fi.Folder)-1]) {
					found = true
				}
			}
			if !found {
				t.Errorf("folder %q listed before its parent", fi.Folder)
			}
		}
		switch fi.Folder.String() {
		case "Deleted Items":
			if fi.Use != imap.MailboxAttrTrash {
				t.Errorf("Deleted Items: Use = %q, want \\Trash", fi.Use)
			}
		case "Sent Items":
			if fi.Use != imap.MailboxAttrSent {
				t.Errorf("Sent Items: Use = %q, want \\Sent", fi.Use)
			}
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	notPST := filepath.Join(dir, "x.pst")
	os.WriteFile(notPST, []byte(strings.Repeat("not a pst ", 100)), 0o600)
	short := filepath.Join(dir, "short.pst")
	os.WriteFile(short, []byte("!BDN"), 0o600)
	tests := []struct {
		path  string
		usage bool
		want  string
	}{
		{"", true, "want pst:FILE"},
		{filepath.Join(dir, "missing.pst"), true, "no such file"},
		{dir, true, "is a directory"},
		{notPST, true, "not a PST"},
		{short, false, "too short"},
	}
	for _, tt := range tests {
		_, err := Open(tt.path, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, importers.ErrUsage) != tt.usage {
			t.Errorf("Open(%q) = %v, want error containing %q (usage %v)", tt.path, err, tt.want, tt.usage)
		}
	}
}

func TestRegistered(t *testing.T) {
	src, err := importers.Open(context.Background(), "pst:"+samplePath(t, "support.pst"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	if c := src.Caps(); !c.Flags || c.ByteExact || c.DatePrecision != 1e9 {
		t.Errorf("Caps() = %+v", c)
	}
}

// TestNoStdout: reading writes nothing to stdout (the CLI's --json mode
// writes NDJSON there); go-pst, for one, prints warnings to stdout.
func TestNoStdout(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	old := os.Stdout
	os.Stdout = w
	done := make(chan []byte)
	go func() {
		b, _ := io.ReadAll(r)
		done <- b
	}()
	func() {
		defer func() { os.Stdout = old }()
		for _, p := range []string{samplePath(t, "support.pst"), samplePath(t, "32-bit.pst"), fixturePath("ansi-932.pst")} {
			s, _ := openTest(t, p)
			walkAll(t, s)
		}
	}()
	w.Close()
	if out := <-done; len(out) > 0 {
		t.Errorf("reading wrote %d bytes to stdout: %q", len(out), out)
	}
}
