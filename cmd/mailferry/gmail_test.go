package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGmailPreset: --gmail skips [Gmail]/All Mail, Important and Starred
// (the views that repeat messages of other folders) and copies the rest.
func TestGmailPreset(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	for i, f := range []string{"INBOX", "Work", "[Gmail]/All Mail", "[Gmail]/Starred", "[Gmail]/Important", "[Gmail]/Sent Mail"} {
		p := filepath.Join(src, filepath.FromSlash(f))
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		msg := fmt.Sprintf("From: a@example.com\r\nTo: b@example.com\r\nSubject: m%d\r\nMessage-ID: <m%d@example.com>\r\nDate: Mon, 2 Jan 2023 10:00:00 +0000\r\n\r\nbody %d\r\n", i, i, i)
		if err := os.WriteFile(filepath.Join(p, "1.eml"), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(dir, "dst")
	code, stdout, stderr := runCLI(t, "copy", "--gmail", "--dedupe", "global", "eml:"+src, "maildir:"+dst)
	if code != exitOK {
		t.Fatalf("copy --gmail: exit %d: %s %s", code, stdout, stderr)
	}
	code, stdout, stderr = runCLI(t, "ls", "maildir:"+dst)
	if code != exitOK {
		t.Fatalf("ls: exit %d: %s", code, stderr)
	}
	for _, skipped := range []string{"All Mail", "Starred", "Important"} {
		if strings.Contains(stdout, skipped) {
			t.Errorf("--gmail copied %s:\n%s", skipped, stdout)
		}
	}
	for _, kept := range []string{"Work", "Sent Mail"} {
		if !strings.Contains(stdout, kept) {
			t.Errorf("--gmail did not copy %s:\n%s", kept, stdout)
		}
	}
}
