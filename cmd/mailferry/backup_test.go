package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// TestBackupCLI: issue 3's commands, "mailferry copy imap://… maildir:…"
// (and mbox:, eml:), through the command line against Dovecot: the first
// run copies everything, the second nothing and is incremental (the IMAP
// source names its account, so the state file applies: it reads no
// message at all); exporters/backuptest checks bytes, flags,
// dates, UIDVALIDITY changes and lost state files.
func TestBackupCLI(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	const n = 200
	account := "imap://alice@" + srv.Addr
	if code, _, stderr := runCLI(t, "gen", account, "--count", strconv.Itoa(n), "--seed", "9"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	for _, format := range []string{"maildir", "mbox", "eml"} {
		dst := format + ":" + filepath.Join(t.TempDir(), "backup")
		code, sum := copyJSON(t, account, dst)
		if code != 0 || totalOf(t, sum, "copied") != n {
			t.Fatalf("%s: first copy: exit %d, copied %d, want %d", format, code, totalOf(t, sum, "copied"), n)
		}
		code, sum = copyJSON(t, account, dst)
		if code != 0 || totalOf(t, sum, "copied") != 0 {
			t.Errorf("%s: second copy: exit %d, copied %d, want 0", format, code, totalOf(t, sum, "copied"))
		}
		state := filepath.Join(strings.TrimPrefix(dst, format+":"), exporters.StateFileName)
		if _, err := os.Stat(state); err != nil {
			t.Errorf("%s: no incremental state file after a backup: %v", format, err)
		} else if got := totalOf(t, sum, "messages"); got != 0 {
			t.Errorf("%s: incremental second copy read %d messages, want 0", format, got)
		}
	}
}

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
