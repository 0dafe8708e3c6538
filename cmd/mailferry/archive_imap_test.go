package main

import "testing"

// TestArchiveToIMAP: the archive is another IMAP account; the proof reads
// it back over IMAP before anything is deleted.
func TestArchiveToIMAP(t *testing.T) {
	f := newArchiveFixture(t, 150)
	bob := "imap://bob@" + f.srv.Addr
	code, res, out := archiveJSON(t, "--older-than", "2015-01-03", f.alice, bob)
	if code != 0 || res == nil || res.Moved == 0 || res.Left != 0 {
		t.Fatalf("archive to IMAP: exit %d\n%s", code, out)
	}
	_, archived := f.checkSplit(t, "imap archive", bob, true)
	if int64(len(archived)) != res.Moved {
		t.Fatalf("moved %d, bob holds %d", res.Moved, len(archived))
	}
	// Restore: copy back into alice; everything is on alice again.
	if code, stdout, stderr := runCLI(t, "copy", "-q", "--quota-headroom", "1", bob, f.alice); code != 0 {
		t.Fatalf("restore: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	server, _ := hashesOf(t, f.alice)
	for h := range f.all {
		if server[h] != 1 {
			t.Fatalf("after the restore message %x (%s) is %d times on alice", h[:6], f.folder[h], server[h])
		}
	}
}
