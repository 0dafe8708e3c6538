package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Two source folders that map to one target folder (an mbox "Inbox" and
// "受信トレイ", both INBOX), with content the target stores at another
// size (mbox ">From " quoting), so that a re-run reads stored messages
// back: plan and re-runs at -j 1 and -j 3 find every message. A report
// said plan failed here with "maildir: no stored message 0" (the second
// folder reading through a Target object that had never listed the
// folder); the engine now gives folders with one target one Target.
func TestTwoSourceFoldersOneTarget(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	os.MkdirAll(src, 0o755)
	mbox := func(name, id string) {
		msg := "From a@example.jp Mon Mar  2 10:00:00 2015\nFrom: a@example.jp\nSubject: " + id + "\nMessage-ID: <" + id + "@example.jp>\n\nbody " + id + "\n>From here, quoted in the mbox\n\n"
		if err := os.WriteFile(filepath.Join(src, name), []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mbox("Inbox", "one")
	mbox("受信トレイ", "two")
	dst := "maildir:" + filepath.Join(dir, "dst")
	if code, _, stderr := runCLI(t, "copy", "mbox:"+src, dst); code != 0 {
		t.Fatalf("copy: exit %d: %s", code, stderr)
	}
	for _, cmd := range []string{"plan", "copy"} {
		code, stdout, stderr := runCLI(t, cmd, "mbox:"+src, dst)
		if code != 0 || strings.Contains(stdout+stderr, "no stored message") {
			t.Errorf("%s after the copy: exit %d\n%s\n%s", cmd, code, stdout, stderr)
		}
	}
	for _, j := range []string{"1", "3"} {
		code, sum := copyJSON(t, "-j", j, "mbox:"+src, dst)
		if code != 0 || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != 2 {
			t.Errorf("-j %s re-run: exit %d, copied %d, duplicates %d", j, code, totalOf(t, sum, "copied"), totalOf(t, sum, "duplicates"))
		}
	}
}
