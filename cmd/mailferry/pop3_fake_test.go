package main

// --delete-after-verify against the fake POP3 server: only messages whose
// bytes are proven in the target are deleted; a connection that drops at
// QUIT deletes nothing and says so.

import (
	"bytes"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/internal/fakepop3"
)

func fakeMaildrop(t *testing.T, o fakepop3.Options) *fakepop3.Server {
	t.Helper()
	o.User, o.Password = "joe", "fake-pop-pw"
	t.Setenv("MAILFERRY_PASSWORD", o.Password)
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the POP3 header cache
	ms := [][]byte{
		[]byte("Message-ID: <1@x>\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nSubject: one\n\n.\nbody\n"),
		[]byte("Message-ID: <2@x>\nDate: Mon, 2 Jan 2006 16:04:05 +0000\nSubject: two\n\nbody two\n"),
		[]byte("Message-ID: <3@x>\nDate: Mon, 2 Jan 2006 17:04:05 +0000\nSubject: big\n\n" + strings.Repeat("x", 5000) + "\n"),
	}
	s, err := fakepop3.Start(o, ms)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestPOP3DeleteAfterVerifyOnlyProven(t *testing.T) {
	s := fakeMaildrop(t, fakepop3.Options{})
	src, dst := "pop3://joe@"+s.Addr, "maildir:"+t.TempDir()+"/md"
	code, out, errOut := runCLI(t, "plan", "--delete-after-verify", src, dst)
	if code != exitOK || !strings.Contains(out, "up to 3 of 3 messages would be deleted") {
		t.Fatalf("plan: exit %d\n%s\n%s", code, out, errOut)
	}
	// The big one is not copied (--max-size), so it is not proven: kept.
	code, out, errOut = runCLI(t, "copy", "--delete-after-verify", "--max-size", "1000", src, dst)
	if code != exitIncomplete || !strings.Contains(out, "deleted 2 messages") {
		t.Fatalf("copy: exit %d, want %d\n%s\n%s", code, exitIncomplete, out, errOut)
	}
	if n := s.Count(); n != 1 {
		t.Fatalf("maildrop holds %d messages, want 1 (the one not copied)", n)
	}
	if strings.Contains(out+errOut, "fake-pop-pw") {
		t.Fatal("password in output")
	}
	// Re-run without the limit: the last one is copied, then deleted.
	code, out, errOut = runCLI(t, "copy", "--delete-after-verify", src, dst)
	if code != exitOK || s.Count() != 0 {
		t.Fatalf("copy 2: exit %d, maildrop %d\n%s\n%s", code, s.Count(), out, errOut)
	}
}

func TestPOP3DeleteDroppedAtQuit(t *testing.T) {
	s := fakeMaildrop(t, fakepop3.Options{DropOnQuit: true})
	src, dst := "pop3://joe@"+s.Addr, "maildir:"+t.TempDir()+"/md"
	code, out, errOut := runCLI(t, "copy", "--delete-after-verify", src, dst)
	if code == exitOK || !strings.Contains(errOut, "deleted nothing") || s.Count() != 3 {
		t.Fatalf("exit %d, maildrop %d\n%s\n%s", code, s.Count(), out, errOut)
	}
}

func TestPOP3DeleteAfterVerifyRefusedForOtherSources(t *testing.T) {
	code, _, errOut := runCLI(t, "copy", "--delete-after-verify", "maildir:"+t.TempDir(), "maildir:"+t.TempDir()+"/x")
	if code != exitUsage || !strings.Contains(errOut, "only for pop3") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TestPOP3QuirksThroughCLI: a bare-LF server without TOP and UIDL is
// copied whole, byte for byte (LF kept: the Maildir stores what arrived).
func TestPOP3QuirksThroughCLI(t *testing.T) {
	s := fakeMaildrop(t, fakepop3.Options{LFOnly: true, NoTop: true, NoUIDL: true})
	dir := t.TempDir() + "/md"
	code, sum := copyJSON(t, "pop3://joe@"+s.Addr, "maildir:"+dir)
	if code != exitOK || totalOf(t, sum, "copied") != 3 {
		t.Fatalf("exit %d copied %d", code, totalOf(t, sum, "copied"))
	}
	code, sum = copyJSON(t, "pop3://joe@"+s.Addr, "maildir:"+dir)
	if code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Fatalf("re-run: exit %d copied %d", code, totalOf(t, sum, "copied"))
	}
	_ = bytes.Equal
}

// TestPOP3InUseMessage: a maildrop locked by another client gives a clear
// message naming the lock.
func TestPOP3InUseMessage(t *testing.T) {
	s := fakeMaildrop(t, fakepop3.Options{InUse: 1 << 20})
	code, _, errOut := runCLI(t, "ls", "--timeout", "2s", "pop3://joe@"+s.Addr)
	if code == exitOK || !strings.Contains(errOut, "locked by another POP3 client") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
