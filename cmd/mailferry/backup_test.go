package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDiskPreflightRefuses: a local target whose file system cannot hold
// the copy (statfs) is refused with exit 4 before anything is written.
// The source is a Maildir holding one sparse 4 TiB message: its size is
// known from the file, nothing of it is read beyond the header.
func TestDiskPreflightRefuses(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(src, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(src, "cur", "1700000000.M1P1.host,S=4398046511104:2,S")
	hdr := "Message-ID: <huge@example.com>\nSubject: huge\nFrom: a@example.com\n\n"
	if err := os.WriteFile(p, []byte(hdr), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 4<<40); err != nil {
		t.Skipf("no sparse 4 TiB file here: %v", err)
	}
	for _, format := range []string{"maildir", "mbox", "eml"} {
		dst := filepath.Join(dir, "dst-"+format)
		for _, verb := range []string{"plan", "copy"} {
			code, _, stderr := runCLI(t, verb, "maildir:"+src, format+":"+dst)
			if !strings.Contains(stderr, "disk ") || !strings.Contains(stderr, "4.0 TiB") {
				t.Errorf("%s to %s: the refusal does not name the disk and the need: %s", verb, format, stderr)
			}
			if code != exitQuota {
				t.Errorf("%s to %s: exit %d, want %d; stderr:\n%s", verb, format, code, exitQuota, stderr)
			}
		}
		if ents, err := os.ReadDir(dst); err == nil && len(ents) > 0 {
			t.Errorf("%s: the refused copy wrote %d entries into the target", format, len(ents))
		}
	}
}
