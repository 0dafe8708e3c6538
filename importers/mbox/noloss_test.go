package mbox

// Issue 12, classes 1 and 2, on files larger than the fixtures of
// testdata/mbox: 80 distinct CR-only messages (they arrived as 3), and 29
// messages whose separators have no blank line before them or no date
// (they arrived as 19). The files are generated here; each message is
// defined as the bytes the reader must return.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/dedupe"
)

func checkSplit(t *testing.T, data []byte, want []string) {
	t.Helper()
	es, bodies, err := scan(t, data, ReaderOptions{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	if len(bodies) != len(want) {
		t.Fatalf("%d messages, want %d", len(bodies), len(want))
	}
	for i := range want {
		if bodies[i] != want[i] {
			t.Errorf("message %d = %q, want %q", i, short(bodies[i]), short(want[i]))
		}
	}
	var end int64
	if len(es) > 0 {
		end = es[len(es)-1].End()
	}
	if end != int64(len(data)) {
		t.Errorf("messages cover %d of %d bytes", end, len(data))
	}
}

func TestNoLossCROnly80(t *testing.T) {
	var file bytes.Buffer
	var want []string
	keys := map[dedupe.Key]int{}
	for i := 0; i < 80; i++ {
		env := []string{"From MAILER-DAEMON Mon Jan  1 10:00:00 1996", "From -", "From - " + d1}[i%3]
		body := fmt.Sprintf("Return-Path: <>\nFrom: MAILER-DAEMON@example.org\nTo: user%d@example.com\n"+
			"Subject: Undeliverable mail\n\nThe message %d could not be delivered.\nFrom the postmaster\n", i%4, i)
		if i%10 == 0 {
			body += "\n" // a body ending in a blank line (a separator follows)
		}
		m := strings.ReplaceAll(body, "\n", "\r")
		want = append(want, m)
		file.WriteString(env + "\r" + m)
		if i%2 == 0 {
			file.WriteString("\r") // the blank line before the next one, or not
		}
		k, _, err := dedupe.Of(strings.NewReader(m))
		if err != nil {
			t.Fatal(err)
		}
		if j, dup := keys[k]; dup {
			t.Errorf("messages %d and %d get one key", j, i)
		}
		keys[k] = i
	}
	checkSplit(t, file.Bytes(), want)
}

func TestNoLossSeparators29(t *testing.T) {
	var file bytes.Buffer
	var want []string
	for i := 0; i < 29; i++ {
		eol := "\n"
		if i%7 == 3 {
			eol = "\r\n"
		}
		env := []string{
			"From alice@example.org " + d1,
			"From - " + d2,
			"From - ",
			"From -",
			"From bob",
			"From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
		}[i%6]
		body := fmt.Sprintf("Message-ID: <sep-%d@example.org>\nSubject: %d\n\nbody %d\n", i, i, i)
		switch i % 4 {
		case 1:
			body += "From the desk of Alice, a body line with no header after it.\n"
		case 2:
			body += "From here\n\nFrom there: text, no header field after the blank line\n"
		}
		m := strings.ReplaceAll(body, "\n", eol)
		want = append(want, m)
		file.WriteString(env + eol + m)
		if i%3 == 0 {
			file.WriteString(eol) // a blank line before the next "From " line, one time in three
		}
	}
	checkSplit(t, file.Bytes(), want)
}
