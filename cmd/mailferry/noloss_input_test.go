package main

// Issue 12 through the command line against a real Dovecot: CR-only mbox
// and .eml trees, mbox separators without a blank line before them and
// dateless "From - " separators, and .eml trees of files not named *.eml.
// Every message must arrive (byte for byte, line ends made CRLF), be
// counted as copied, be found by verify --content, and be a proven
// duplicate on a second copy. The messages are made up here.

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// inputMsg is one message the server must hold: its target folder and the
// bytes the source holds (before the CRLF conversion).
type inputMsg struct {
	folder string
	body   string
}

// quoteRD applies the mboxrd quoting to a body whose lines end in eol.
func quoteRD(body, eol string) string {
	lines := strings.Split(body, eol)
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, ">"), "From ") {
			lines[i] = ">" + l
		}
	}
	return strings.Join(lines, eol)
}

func writeInput(t *testing.T, p, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// crMboxInput: 80 distinct CR-only bounces without a Message-ID (issue 12:
// they arrived as 3) and a few with one, with mboxrd-quoted "From " lines
// and separators with and without the blank line.
func crMboxInput(t *testing.T, dir string) (string, []inputMsg, int) {
	var want []inputMsg
	var f strings.Builder
	for i := 0; i < 80; i++ {
		env := []string{"From MAILER-DAEMON Mon Jan  1 10:00:00 1996", "From -", "From - Tue Jan  2 03:04:05 2001"}[i%3]
		body := strings.ReplaceAll(fmt.Sprintf("Return-Path: <>\nFrom: MAILER-DAEMON@example.org\nTo: user%d@example.com\n"+
			"Subject: Undeliverable mail\n\nThe message %d could not be delivered.\nFrom the postmaster\n", i%4, i), "\n", "\r")
		want = append(want, inputMsg{"bounces", body})
		f.WriteString(env + "\r" + quoteRD(body, "\r"))
		if i%2 == 0 {
			f.WriteString("\r")
		}
	}
	writeInput(t, filepath.Join(dir, "bounces.mbox"), f.String())
	f.Reset()
	for i := 0; i < 5; i++ {
		body := strings.ReplaceAll(fmt.Sprintf("Message-ID: <mac-%d@example.org>\nFrom: ann@example.org\n"+
			"Subject: classic Mac %d\nDate: Tue, 2 Jan 1996 10:00:0%d +0000\n\nbody %d\n>From quoted in the original\n", i, i, i, i), "\n", "\r")
		want = append(want, inputMsg{"Mac", body})
		f.WriteString(fmt.Sprintf("From ann@example.org Tue Jan  2 10:00:0%d 1996\r", i) + quoteRD(body, "\r") + "\r")
	}
	writeInput(t, filepath.Join(dir, "Mac.mbox"), f.String())
	return "mbox:" + dir, want, 0
}

// separatorInput: 29 messages whose "From " lines often follow the
// previous body directly, some without a date (issue 12: they arrived as
// 19), and 3 messages separated by dateless "From - " lines without a
// blank line (they arrived as 1).
func separatorInput(t *testing.T, dir string) (string, []inputMsg, int) {
	var want []inputMsg
	var f strings.Builder
	for i := 0; i < 29; i++ {
		eol := "\n"
		if i%7 == 3 {
			eol = "\r\n"
		}
		env := []string{"From alice@example.org Mon Jan  1 00:00:00 2001", "From - Tue Jan  2 03:04:05 2001",
			"From - ", "From -", "From bob", "From MAILER-DAEMON Fri Jul  8 12:08:34 2011"}[i%6]
		body := fmt.Sprintf("Message-ID: <sep-%d@example.org>\nSubject: %d\n\nbody %d\n", i, i, i)
		if i%4 == 1 {
			body += "From the desk of Alice: body text, no header field after it.\n"
		}
		body = strings.ReplaceAll(body, "\n", eol)
		want = append(want, inputMsg{"mixed", body})
		f.WriteString(env + eol + body) // an unquoted "From " line: no unquoting in that message
		if i%3 == 0 {
			f.WriteString(eol)
		}
	}
	writeInput(t, filepath.Join(dir, "mixed"), f.String())
	f.Reset()
	for i := 0; i < 3; i++ {
		body := fmt.Sprintf("X-Mozilla-Status: 0001\nMessage-ID: <ns-%d@example.org>\nSubject: Netscape %d\n\nbody %d\n", i, i, i)
		want = append(want, inputMsg{"netscape", body})
		f.WriteString("From - \n" + body)
	}
	writeInput(t, filepath.Join(dir, "netscape"), f.String())
	return "mbox:" + dir, want, 0
}

// crEMLInput: a tree of CR-only message files named .eml, .txt, .raw or
// nothing, some with an mbox "From " line first, most without a
// Message-ID; a text file beside them is skipped by name, .DS_Store
// silently.
func crEMLInput(t *testing.T, dir string) (string, []inputMsg, int) {
	var want []inputMsg
	names := []string{"a.eml", "b.txt", "c.raw", "0004", "Mac/e.eml", "Mac/f", "Mac/sub/g.TXT", "Mac/sub/h"}
	for i, n := range names {
		body := strings.ReplaceAll(fmt.Sprintf("Return-Path: <ann@example.org>\nFrom: ann@example.org\nTo: bob@example.com\n"+
			"Subject: classic Mac file\nDate: Tue, 2 Jan 1996 10:00:00 +0000\n\nfile %d\n\nFrom the Mac\n", i), "\n", "\r")
		if i%4 == 3 {
			body = strings.Replace(body, "\r", "\rMessage-ID: <file-"+fmt.Sprint(i)+"@example.org>\r", 1)
		}
		data := body
		if i%3 == 1 {
			data = "From ann@example.org Tue Jan  2 10:00:00 1996\r" + body // skipped by the reader
		}
		writeInput(t, filepath.Join(dir, filepath.FromSlash(n)), data)
		folder := "INBOX"
		if d := filepath.Dir(filepath.FromSlash(n)); d != "." {
			folder = filepath.ToSlash(d)
		}
		want = append(want, inputMsg{folder, body})
	}
	writeInput(t, filepath.Join(dir, "Mac", "notes.txt"), "Remember: copy the old Mac mail.\rNothing else.\r")
	writeInput(t, filepath.Join(dir, ".DS_Store"), "\x00\x00\x00\x01Bud1")
	return "eml:" + dir, want, 1
}

func TestNoLossInputsIntoDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	url := "imap://alice@" + srv.Addr
	for _, tc := range []struct {
		name string
		make func(t *testing.T, dir string) (spec string, want []inputMsg, skipped int)
	}{
		{"mbox CR-only", crMboxInput},
		{"mbox separators", separatorInput},
		{"eml CR-only tree", crEMLInput},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetUser(t, "alice")
			spec, want, skipped := tc.make(t, t.TempDir())
			n := int64(len(want))

			code, sum := copyJSON(t, spec, url)
			if code != exitOK || totalOf(t, sum, "copied") != n || totalOf(t, sum, "duplicates") != 0 || totalOf(t, sum, "skipped") != int64(skipped) {
				t.Fatalf("copy: exit %d, copied %d duplicates %d skipped %d; want 0, %d, 0, %d\n%v", code,
					totalOf(t, sum, "copied"), totalOf(t, sum, "duplicates"), totalOf(t, sum, "skipped"), n, skipped, sum)
			}
			if skipped > 0 && !strings.Contains(fmt.Sprint(sum["problems"]), "notes.txt") {
				t.Errorf("the skipped file is not named in the summary: %v", sum["problems"])
			}

			var wantKeys, gotKeys []string
			for _, m := range want {
				wantKeys = append(wantKeys, m.folder+" "+crlfHash([]byte(m.body)))
			}
			for _, s := range serverHolds(t, srv, "alice") {
				gotKeys = append(gotKeys, s.Folder+" "+s.Hash)
			}
			sort.Strings(wantKeys)
			sort.Strings(gotKeys)
			if strings.Join(gotKeys, "\n") != strings.Join(wantKeys, "\n") {
				t.Errorf("server holds %d messages, want %d byte for byte (CRLF aside):\n got %q\nwant %q", len(gotKeys), len(wantKeys), gotKeys, wantKeys)
			}

			if code, tot, probs := verifyJSON(t, "--content", spec, url); code != exitOK || num(tot, "present") != n || num(tot, "differing") != 0 {
				t.Errorf("verify --content: exit %d, totals %v, problems %v", code, tot, probs)
			}

			code, sum = copyJSON(t, spec, url)
			if code != exitOK || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != n {
				t.Errorf("second copy: exit %d, copied %d, duplicates %d; want 0, 0, %d", code,
					totalOf(t, sum, "copied"), totalOf(t, sum, "duplicates"), n)
			}
		})
	}
}
