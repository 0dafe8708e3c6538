package mbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// crashMidAppend plays a run killed while appending to the open mbox
// name of s: the journal records the pending append of whole, the first
// n bytes of it reach the file, and the process is gone (descriptors
// closed, journal left, no lock held).
func crashMidAppend(t *testing.T, s *Sink, name, whole string, n int) {
	t.Helper()
	mf := s.open[name]
	if mf == nil {
		t.Fatalf("%s is not open", name)
	}
	if err := mf.j.pending(mf.size, 1, []byte(whole)); err != nil {
		t.Fatal(err)
	}
	if _, err := mf.f.WriteAt([]byte(whole[:n]), mf.size); err != nil {
		t.Fatal(err)
	}
	crash(s)
}

// crash drops the Sink's open files as a killed process does.
func crash(s *Sink) {
	for _, mf := range s.open {
		mf.j.f.Close()
		mf.f.Close()
	}
	s.open = map[string]*mboxFile{}
	s.lru = nil
}

func keysOf(t *testing.T, dir string, f importers.Folder) int {
	t.Helper()
	s, _ := New(dir, nil)
	defer s.Close()
	tg, _ := s.Resolve(context.Background(), f, "")
	n := 0
	if err := tg.Keys(context.Background(), func(dedupe.Key) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// thunderbirdAppend appends a whole message as another program does.
func thunderbirdAppend(t *testing.T, path, id string) string {
	t.Helper()
	msg := "From - Tue Feb  2 10:00:00 2021\nMessage-ID: <" + id + ">\nSubject: delivered by another program\n\nkeep me\n\n"
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(msg); err != nil {
		t.Fatal(err)
	}
	return msg
}

// Issue 13 item 1: a run killed while the mbox was open (no append in
// flight) leaves its journal; another program appends a message later;
// the next run that writes the folder must not cut it.
func TestStaleJournalKeepsForeignAppend(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	if err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	crash(s) // killed between two appends
	theirs := thunderbirdAppend(t, filepath.Join(dir, "Inbox"), "tb@x")
	if n := keysOf(t, dir, importers.Folder{"INBOX"}); n != 2 {
		t.Errorf("Keys sees %d messages, want 2 (the other program's counts)", n)
	}
	s2, _ := New(dir, nil)
	if err := appendMsg(t, s2, importers.Folder{"INBOX"}, "Message-ID: <2@x>\n\ntwo\n"); err != nil {
		t.Fatal(err)
	}
	s2.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	if !bytes.Contains(b, []byte(theirs)) || !bytes.Contains(b, []byte("<2@x>")) {
		t.Errorf("the other program's message was cut:\n%s", b)
	}
}

// A run killed in the middle of an append, then another program appends:
// the tail is ours and theirs; nothing is cut and the folder is refused
// with a message that says what to check.
func TestTornAppendThenForeignAppendNotCut(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	if err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	crashMidAppend(t, s, "Inbox", "From - Mon Jan  1 00:00:00 2001\nMessage-ID: <torn@x>\n\nhalf of it\n", 60)
	theirs := thunderbirdAppend(t, filepath.Join(dir, "Inbox"), "tb@x")
	before, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	s2, _ := New(dir, nil)
	err := appendMsg(t, s2, importers.Folder{"INBOX"}, "Message-ID: <2@x>\n\ntwo\n")
	if err == nil || !strings.Contains(err.Error(), "another program appended") {
		t.Errorf("append into a mixed tail: %v", err)
	}
	s2.RecoverJournals()
	s2.Close()
	after, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	if !bytes.Equal(before, after) || !bytes.Contains(after, []byte(theirs)) {
		t.Errorf("file changed:\n%s", after)
	}
	if _, err := os.Stat(filepath.Join(dir, ".Inbox.mailferry-journal")); err != nil {
		t.Errorf("the journal of a mixed tail must stay for the user: %v", err)
	}
}

// A pending record whose write never happened (killed after the journal
// write): the tail another program appended does not match it and stays.
func TestPendingButForeignTail(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	if err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	crashMidAppend(t, s, "Inbox", "From - Mon Jan  1 00:00:00 2001\nMessage-ID: <never@x>\n\nnot written\n", 0)
	theirs := thunderbirdAppend(t, filepath.Join(dir, "Inbox"), "tb@x")
	s2, _ := New(dir, nil)
	s2.RecoverJournals()
	s2.Close()
	b, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	if !bytes.HasSuffix(b, []byte(theirs)) {
		t.Errorf("the other program's message was cut:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, ".Inbox.mailferry-journal")); !os.IsNotExist(err) {
		t.Errorf("a settled journal stays: %v", err)
	}
}

// RecoverJournals settles the journals of folders a run does not open:
// a torn append of ours is cut, a clean one is removed, a locked one (a
// writer at work) is left alone.
func TestRecoverJournalsSettlesAll(t *testing.T) {
	dir := t.TempDir()
	s, _ := New(dir, nil)
	for _, f := range []importers.Folder{{"INBOX"}, {"A", "B"}, {"C"}} {
		if err := appendMsg(t, s, f, "Message-ID: <"+f.String()+"@x>\n\none\n"); err != nil {
			t.Fatal(err)
		}
	}
	good, _ := os.ReadFile(filepath.Join(dir, "A.sbd", "B"))
	crashMidAppend(t, s, "A.sbd/B", "From - Mon Jan  1 00:00:00 2001\nMessage-ID: <torn@x>\n\nhalf of it\n", 40)
	writer, _ := New(dir, nil)
	defer writer.Close()
	if err := appendMsg(t, writer, importers.Folder{"C"}, "Message-ID: <C2@x>\n\ntwo\n"); err != nil {
		t.Fatal(err)
	}
	s2, _ := New(dir, nil)
	s2.RecoverJournals()
	s2.Close()
	if b, _ := os.ReadFile(filepath.Join(dir, "A.sbd", "B")); !bytes.Equal(b, good) {
		t.Errorf("torn append not cut:\n%s", b)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "*", ".*journal"))
	left2, _ := filepath.Glob(filepath.Join(dir, ".*journal"))
	if got := fmt.Sprint(append(left2, left...)); got != fmt.Sprint([]string{filepath.Join(dir, ".C.mailferry-journal")}) {
		t.Errorf("journals left: %s; want only the locked one of C", got)
	}
}

// Issue 13 item 5: a hard link planted in the target (here the mbox of
// INBOX, linked to a file outside) is not written through.
func TestHardLinkRefused(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "victim")
	orig := "From - Mon Jan  1 00:00:00 2001\nSubject: not yours\n\nx\n\n"
	os.WriteFile(outside, []byte(orig), 0o600)
	os.MkdirAll(dir, 0o700)
	if err := os.Link(outside, filepath.Join(dir, "Inbox")); err != nil {
		t.Skip("no hard links here:", err)
	}
	s, _ := New(dir, nil)
	err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n")
	s.Close()
	if err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("append through a hard link: %v", err)
	}
	if b, _ := os.ReadFile(outside); string(b) != orig {
		t.Errorf("file outside the target changed:\n%s", b)
	}
	// The journal and the state file too.
	dir2 := t.TempDir()
	os.Link(outside, filepath.Join(dir2, ".Inbox.mailferry-journal"))
	s2, _ := New(dir2, nil)
	err = appendMsg(t, s2, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n")
	if err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("journal through a hard link: %v", err)
	}
	os.Link(outside, filepath.Join(dir2, exporters.StateFileName))
	if err := s2.SaveState([]byte("{}")); err == nil || !strings.Contains(err.Error(), "hard links") {
		t.Errorf("state file over a hard link: %v", err)
	}
	s2.Close()
	if b, _ := os.ReadFile(outside); string(b) != orig {
		t.Errorf("file outside the target changed:\n%s", b)
	}
}

// Issue 13 item 8: a full disk during an append is named as such, not
// as a problem of the message; nothing of it stays.
func TestDiskFullNamed(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("mount tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	s, _ := New(dir, nil)
	defer s.Close()
	if err := appendMsg(t, s, importers.Folder{"INBOX"}, "Message-ID: <1@x>\n\none\n"); err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(filepath.Join(dir, "Inbox"))
	big := "Message-ID: <big@x>\n\n" + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 8000)
	tg, _ := s.Resolve(context.Background(), importers.Folder{"INBOX"}, "")
	m := &importers.Message{Ref: "big", Folder: importers.Folder{"INBOX"}, InternalDate: time.Now(), Body: importers.BytesBody(big)}
	err := tg.Append(context.Background(), m, int64(len(big)), io.Reader(strings.NewReader(big)))
	if err == nil || !strings.Contains(err.Error(), "no space left on device writing "+filepath.Join(dir, "Inbox")) ||
		!errors.Is(err, exporters.ErrOverQuota) || strings.Contains(err.Error(), "reading the message") {
		t.Errorf("append on a full disk: %v", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "Inbox")); !bytes.Equal(b, good) {
		t.Errorf("a failed append left %d bytes", len(b)-len(good))
	}
}
