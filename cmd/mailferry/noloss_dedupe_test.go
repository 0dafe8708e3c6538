package main

// Issue 12.3 and 13.3 through the command line against a private Dovecot:
// distinct messages sharing a Message-ID all arrive and verify; one mail
// from a Thunderbird mbox and from a Maildir is stored once; messages
// whose keys used to disagree between source and target (a 30 KB
// Message-ID line, a NUL byte without Message-ID, a Message-ID after more
// than 1 MiB of header) are not copied again by a re-run.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

func writeMaildir(t *testing.T, msgs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for _, sub := range []string{"cur", "new", "tmp"} {
		os.MkdirAll(filepath.Join(dir, sub), 0o700)
	}
	for name, body := range msgs {
		if err := os.WriteFile(filepath.Join(dir, "cur", name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func sharedIDMsg(id, from, body string) string {
	return "Message-ID: <" + id + ">\nFrom: " + from + "\nTo: boss@example.com\nSubject: Vote: lunch\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\n" + body + "\n"
}

func TestSharedMessageIDDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := writeMaildir(t, map[string]string{
		"1.yes:2,S":   sharedIDMsg("vote@corp", "ann@example.com", "Approve"),
		"2.no:2,S":    sharedIDMsg("vote@corp", "bob@example.com", "Reject"),
		"3.bob:2,S":   sharedIDMsg("dsn@corp", "MAILER-DAEMON@corp", "Delivery to bob@example.com failed"),
		"4.ann:2,S":   sharedIDMsg("dsn@corp", "MAILER-DAEMON@corp", "Delivery to ann@example.com failed"),
		"5.reuse:2,S": sharedIDMsg("1@localhost", "a@x", "first newsletter"),
		"6.reuse:2,S": sharedIDMsg("1@localhost", "a@x", "second newsletter, longer"),
		"7.again:2,S": sharedIDMsg("vote@corp", "ann@example.com", "Approve"),
	})
	account := "imap://alice@" + srv.Addr
	code, sum := copyJSON(t, "maildir:"+dir, account)
	if code != exitOK || totalOf(t, sum, "copied") != 6 || totalOf(t, sum, "duplicates") != 1 || totalOf(t, sum, "same_id_different_content") != 3 {
		t.Fatalf("copy: exit %d, totals %v", code, sum["totals"])
	}
	if code, tot, probs := verifyJSON(t, "--content", "maildir:"+dir, account); code != 0 || num(tot, "present") != 7 {
		t.Errorf("verify --content: exit %d, totals %v, problems %v", code, tot, probs)
	}
	code, sum = copyJSON(t, "maildir:"+dir, account)
	if code != exitOK || totalOf(t, sum, "copied") != 0 {
		t.Errorf("re-run: exit %d, totals %v", code, sum["totals"])
	}
	code, stdout, _ := runCLI(t, "copy", "maildir:"+writeMaildir(t, map[string]string{"1:2,S": sharedIDMsg("x@corp", "a@x", "one"), "2:2,S": sharedIDMsg("x@corp", "a@x", "two!")}), account)
	if code != exitOK || !strings.Contains(stdout, "Same Message-ID, different content: kept: 1") {
		t.Errorf("text summary: exit %d\n%s", code, stdout)
	}
}

func TestThunderbirdMboxAndMaildirStoredOnce(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	plain := "Message-ID: <same@example.com>\nFrom: a@example.com\nTo: b@example.com\nSubject: one mail\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nHello\nworld\n"
	md := writeMaildir(t, map[string]string{"1.m:2,S": plain})
	mb := filepath.Join(t.TempDir(), "INBOX")
	tb := "From - Mon Jan  1 10:00:00 2024\nX-Mozilla-Status: 0001\nX-Mozilla-Status2: 00000000\nX-Mozilla-Keys:                                                                                 \n" + plain + "\n"
	if err := os.WriteFile(mb, []byte(tb), 0o600); err != nil {
		t.Fatal(err)
	}
	account := "imap://alice@" + srv.Addr
	if code, sum := copyJSON(t, "maildir:"+md, account); code != exitOK || totalOf(t, sum, "copied") != 1 {
		t.Fatalf("maildir copy: exit %d %v", code, sum["totals"])
	}
	code, sum := copyJSON(t, "mbox:"+mb, account)
	if code != exitOK || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != 1 {
		t.Errorf("mbox copy: exit %d %v", code, sum["totals"])
	}
	if got := serverHolds(t, srv, "alice"); len(got) != 1 {
		t.Errorf("server holds %d messages, want 1", len(got))
	}
}

func TestKeyConsistencyDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	longID := "<" + strings.Repeat("l", 30<<10) + "@example.com>"
	var big strings.Builder
	for big.Len() < 1100<<10 {
		big.WriteString("X-Filler: " + strings.Repeat("f", 900) + "\n")
	}
	dir := writeMaildir(t, map[string]string{
		"1.long:2,S": "Message-ID: " + longID + "\nSubject: long id\n\nbody\n",
		"2.nul:2,S":  "Subject: a NUL\nFrom: a@example.com\n\nbefore\x00after\n",
		"3.deep:2,S": big.String() + "Message-ID: <deep@example.com>\nSubject: deep\n\nbody\n",
	})
	account := "imap://alice@" + srv.Addr
	if code, sum := copyJSON(t, "maildir:"+dir, account); code != exitOK || totalOf(t, sum, "copied") != 3 {
		t.Fatalf("copy: exit %d %v", code, sum["totals"])
	}
	code, sum := copyJSON(t, "maildir:"+dir, account)
	if code != exitOK || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != 3 {
		t.Errorf("re-run: exit %d %v", code, sum["totals"])
	}
	if code, tot, probs := verifyJSON(t, "--content", "maildir:"+dir, account); code != 0 || num(tot, "present") != 3 {
		t.Errorf("verify --content: exit %d, totals %v, problems %v", code, tot, probs)
	}
	if code, tot, probs := verifyJSON(t, "maildir:"+dir, account); code != 0 || num(tot, "present") != 3 {
		t.Errorf("verify: exit %d, totals %v, problems %v", code, tot, probs)
	}
}
