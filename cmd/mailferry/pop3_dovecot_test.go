package main

// Issue 16 against a real Dovecot (dovecot-pop3d): a POP3 maildrop copied
// to IMAP (another user) and to a Maildir, byte for byte; a re-run copies
// nothing; verify proves it.

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
)

// hashes returns the sorted content hashes of stored messages (POP3 has
// no flags nor internal dates, so only the bytes are compared).
func hashes(s []stored) []string {
	var out []string
	for _, d := range s {
		out = append(out, d.Hash)
	}
	sort.Strings(out)
	return out
}

func sameHashes(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d messages, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: message bytes differ (hash %s, want %s)", what, got[i][:12], want[i][:12])
		}
	}
}

func fillPOP3(t *testing.T, n int) (*dovecottest.Server, importertest.GenOptions) {
	t.Helper()
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the POP3 header cache
	o := importertest.GenOptions{Count: n, Seed: 16, AvgSize: 6 << 10, Folders: []importers.Folder{{"INBOX"}}}
	writeWithEngine(t, context.Background(), "imap://bob@"+srv.Addr, o)
	return srv, o
}

func TestPOP3ToIMAPAndMaildir(t *testing.T) {
	srv, o := fillPOP3(t, 400)
	src := "pop3://bob@" + srv.POP3Addr
	want := hashes(serverHolds(t, srv, "bob"))
	if len(want) != o.Count {
		t.Fatalf("bob holds %d, want %d", len(want), o.Count)
	}

	if code, out, errOut := runCLI(t, "plan", "--tls-ca", srv.CACertFile, src, "imap://alice@"+srv.Addr); code != exitOK {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	dst := "imap://alice@" + srv.Addr
	code, sum := copyJSON(t, "--tls-ca", srv.CACertFile, src, dst)
	if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
		t.Fatalf("copy: exit %d, copied %d, want %d", code, totalOf(t, sum, "copied"), o.Count)
	}
	sameHashes(t, "POP3 to IMAP", hashes(serverHolds(t, srv, "alice")), want)
	if code, sum := copyJSON(t, "--tls-ca", srv.CACertFile, src, dst); code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("second copy: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
	}
	if code, out, errOut := runCLI(t, "verify", "--tls-ca", srv.CACertFile, src, dst); code != exitOK {
		t.Errorf("verify: exit %d\n%s\n%s", code, out, errOut)
	}

	dir := t.TempDir() + "/md"
	code, sum = copyJSON(t, "--tls-ca", srv.CACertFile, src, "maildir:"+dir)
	if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
		t.Fatalf("copy to maildir: exit %d, copied %d, want %d", code, totalOf(t, sum, "copied"), o.Count)
	}
	md, err := importers.Open(context.Background(), "maildir:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range importertest.Digests(t, md) {
		got = append(got, d.Hash)
	}
	md.Close()
	sort.Strings(got)
	sameHashes(t, "POP3 to Maildir", got, want)
	if code, sum := copyJSON(t, "--tls-ca", srv.CACertFile, src, "maildir:"+dir); code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("second copy to maildir: exit %d, copied %d, want 0", code, totalOf(t, sum, "copied"))
	}
}

// TestPOP3DeleteAfterVerifyDovecot: after the copy, --delete-after-verify
// empties the maildrop (every message is proven in the target); the
// target keeps them all.
func TestPOP3DeleteAfterVerifyDovecot(t *testing.T) {
	srv, o := fillPOP3(t, 120)
	src, dst := "pop3://bob@"+srv.POP3Addr, "imap://alice@"+srv.Addr
	want := hashes(serverHolds(t, srv, "bob"))
	code, out, errOut := runCLI(t, "copy", "--tls-ca", srv.CACertFile, "--delete-after-verify", src, dst)
	if code != exitOK || !strings.Contains(out, fmt.Sprintf("deleted %d messages", o.Count)) {
		t.Fatalf("copy: exit %d\n%s\n%s", code, out, errOut)
	}
	if n := len(serverHolds(t, srv, "bob")); n != 0 {
		t.Fatalf("maildrop still holds %d messages", n)
	}
	sameHashes(t, "target after delete", hashes(serverHolds(t, srv, "alice")), want)
}

// TestPOP3CutMidRETR: the fault proxy cuts the (TLS) connection in the
// middle of the message stream, twice; the copy retries on new
// connections and every message arrives exactly once, byte for byte.
func TestPOP3CutMidRETR(t *testing.T) {
	srv, o := fillPOP3(t, 200)
	want := hashes(serverHolds(t, srv, "bob"))
	p := dovecottest.NewProxy(t, srv.POP3Addr)
	// Dovecot answers STLS with "+OK Begin TLS negotiation now."; the
	// bytes after it are the TLS stream, mostly RETR bodies.
	p.Inject(dovecottest.Fault{Name: "mid-RETR 1", After: "Begin TLS", Bytes: 300 << 10},
		dovecottest.Fault{Name: "mid-RETR 2", After: "Begin TLS", Bytes: 500 << 10})
	dir := t.TempDir() + "/md"
	code, sum := copyJSON(t, "--tls-ca", srv.CACertFile, "pop3://bob@"+p.Addr, "maildir:"+dir)
	if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
		t.Fatalf("copy: exit %d, copied %d, want %d", code, totalOf(t, sum, "copied"), o.Count)
	}
	if len(p.Fired()) != 2 {
		t.Fatalf("faults fired: %v", p.Fired())
	}
	md, err := importers.Open(context.Background(), "maildir:"+dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer md.Close()
	var got []string
	for _, d := range importertest.Digests(t, md) {
		got = append(got, d.Hash)
	}
	sort.Strings(got)
	sameHashes(t, "after cuts", got, want)
}
