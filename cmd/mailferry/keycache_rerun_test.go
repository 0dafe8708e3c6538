package main

// Issue 12: the no-op push re-run from a Maildir uses the key cache
// (importers/keycache) and stays exact: a file rewritten in place with the
// same size and mtime but another CRLF size is read again, not taken from
// the cache, and arrives as "same Message-ID, different content: kept".

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers/keycache"
)

func TestPushRerunKeyCacheDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	dir := writeMaildir(t, map[string]string{
		"1.a:2,S": "Message-ID: <a@x>\nSubject: a\n\nxy\nz\n",
		"2.b:2,S": "Message-ID: <b@x>\nSubject: b\n\nbody b\n",
		"3.c:2,":  "Subject: no id\rDate: Mon, 1 Jan 2024 10:00:00 +0000\r\rcr only\r",
	})
	// Files changed within keycache.RacyWindow are not cached.
	time.Sleep(keycache.RacyWindow + 100*time.Millisecond)
	account := "imap://alice@" + srv.Addr
	if code, sum := copyJSON(t, "maildir:"+dir, account); code != exitOK || totalOf(t, sum, "copied") != 3 {
		t.Fatalf("first copy: exit %d %v", code, sum["totals"])
	}
	files, _ := filepath.Glob(filepath.Join(cache, "mailferry", "keys", "maildir-*"))
	if len(files) != 1 {
		t.Fatalf("key cache files: %v", files)
	}
	for i := 0; i < 2; i++ {
		if code, sum := copyJSON(t, "maildir:"+dir, account); code != exitOK || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != 3 {
			t.Fatalf("re-run %d: exit %d %v", i+1, code, sum["totals"])
		}
	}
	// Same file size and mtime, other bytes, other CRLF size.
	p := filepath.Join(dir, "cur", "1.a:2,S")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("Message-ID: <a@x>\nSubject: a\n\nx\r\nz\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, fi.ModTime(), fi.ModTime())
	code, sum := copyJSON(t, "maildir:"+dir, account)
	if code != exitOK || totalOf(t, sum, "copied") != 1 || totalOf(t, sum, "same_id_different_content") != 1 {
		t.Fatalf("after an in-place rewrite: exit %d %v", code, sum["totals"])
	}
	if got := serverHolds(t, srv, "alice"); len(got) != 4 {
		t.Errorf("server holds %d messages, want 4", len(got))
	}
}
