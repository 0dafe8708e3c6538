package dedupe

// Issue 12, class 1: messages whose lines end in a lone CR (classic Mac OS
// files, some bounce archives). Their header block must be recognised, or
// every such message without a Message-ID gets the same content key and a
// folder of 80 distinct messages arrives as 3.

import (
	"fmt"
	"strings"
	"testing"
)

func crOnly(s string) string { return strings.ReplaceAll(s, "\n", "\r") }

func TestOfCROnlyDistinct(t *testing.T) {
	seen := map[Key]int{}
	for i := 0; i < 80; i++ {
		m := crOnly(fmt.Sprintf("Return-Path: <bounce@example.org>\nFrom: MAILER-DAEMON@example.org\n"+
			"To: user%d@example.com\nSubject: Undeliverable %d\nDate: Mon, 1 Jan 1996 10:%02d:00 +0000\n\n"+
			"The message to user%d could not be delivered.\n", i%3, i, i%60, i))
		k, kind := key(t, m)
		if kind != ByContent {
			t.Fatalf("message %d: kind %v", i, kind)
		}
		if j, dup := seen[k]; dup {
			t.Fatalf("messages %d and %d get the same key", j, i)
		}
		seen[k] = i
	}
}

func TestOfLineEndsAgree(t *testing.T) {
	for _, m := range []string{
		"Message-ID: <cr-1@example.org>\nSubject: with id\n\nbody\n",
		"Subject: no id\nFrom: a@example.org\nDate: Mon, 1 Jan 1996 10:00:00 +0000\n\nbody\nline two\n\n",
		"Subject: folded\n  subject\nTo: b@example.org\n\nbody\n",
	} {
		lf, kind := key(t, m)
		for _, eol := range []string{"\r\n", "\r"} {
			k, kd := key(t, strings.ReplaceAll(m, "\n", eol))
			if k != lf || kd != kind {
				t.Errorf("%q with %q line ends: key %v (%v), with LF %v (%v)", m, eol, k, kd, lf, kind)
			}
		}
	}
	// What an IMAP target stores (every lone CR made CRLF) keys like the
	// source.
	src := "Subject: mixed\r\nTo: c@example.org\r\n\r\nline\rwith a lone CR\r\n"
	dst := "Subject: mixed\r\nTo: c@example.org\r\n\r\nline\r\nwith a lone CR\r\n"
	if a, _ := key(t, src); a != func() Key { k, _ := key(t, dst); return k }() {
		t.Errorf("lone CR in the body: the source and its CRLF copy get different keys")
	}
	// A CR-only header with a Message-ID is keyed by it.
	if _, kind := key(t, crOnly("Subject: x\nMessage-ID: <id@example.org>\n\nb\n")); kind != ByMessageID {
		t.Errorf("CR-only header: Message-ID not found (kind %v)", kind)
	}
}
