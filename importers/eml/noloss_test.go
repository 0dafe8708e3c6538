package eml

// Issue 12, classes 1 and 3: CR-only message files, and trees of message
// files not named *.eml. The fixtures are written here (made-up messages,
// no real mail); see testdata/mbox/README.md for the mbox side.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
)

func cr(s string) string { return strings.ReplaceAll(s, "\n", "\r") }

// TestCROnlyFiles: files whose lines end in a lone CR (classic Mac OS)
// are messages; their Date: header is found, an mbox "From " line before
// the header is skipped, and the bytes are kept as they are.
func TestCROnlyFiles(t *testing.T) {
	msg := cr("Return-Path: <ann@example.org>\nFrom: ann@example.org\nSubject: classic\n" +
		"Date: Tue, 2 Jan 1996 10:00:00 +0000\n\nbody\nline two\n")
	files := map[string]string{
		"a.eml":     msg,
		"b.eml":     cr("From ann@example.org Tue Jan  2 10:00:00 1996\n") + msg,
		"c.txt":     msg,
		"d":         "\xef\xbb\xbf" + msg,
		"e-mac.raw": cr("From -\n") + msg,
	}
	src, err := Open(writeTree(t, files), nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, msgs := walkAll(t, src)
	if len(fis) != 1 || fis[0].Messages != int64(len(files)) {
		t.Fatalf("Folders = %+v, want INBOX with %d", fis, len(files))
	}
	want := time.Date(1996, 1, 2, 10, 0, 0, 0, time.UTC)
	for _, m := range msgs {
		if m.err != nil {
			t.Errorf("%s: %v", m.name, m.err)
			continue
		}
		if m.raw != msg {
			t.Errorf("%s: body %q, want %q", m.name, m.raw, msg)
		}
		if !m.date.Equal(want) {
			t.Errorf("%s: date %v, want %v (from the Date: header)", m.name, m.date, want)
		}
	}
}

// TestEveryFileIsAnItem: a tree of .txt, .raw and extension-less RFC 5322
// files is read; every other file is reported as a not-a-message
// SkipError naming it, except the documented quiet names.
func TestEveryFileIsAnItem(t *testing.T) {
	msg := "From: a@example.com\nDate: Thu, 01 Apr 2021 09:00:00 +0900\nSubject: a\n\nbody\n"
	mboxed := "From a@example.com Thu Apr  1 00:00:00 2021\n" + msg
	files := map[string]string{
		"1.txt":               msg,
		"2.raw":               msg,
		"3":                   msg,
		"4.msg.txt":           mboxed,
		"Sent/0001":           strings.ReplaceAll(msg, "\n", "\r\n"),
		"Sent/0002.MAIL":      msg,
		"Sent/notes.txt":      "Remember to copy the mail.\nNothing else.\n",
		"Sent/photo.jpg":      "\xff\xd8\xff\xe0\x00\x10JFIF\x00",
		"Sent/empty.txt":      "",
		"Sent/note-field.txt": "Note: a file that starts like a header\nthen is not one\n\nbody\n",
		"Sent/index.html":     "<html><body>saved index</body></html>\n",
		// Quiet names: never mail, skipped without a word.
		".DS_Store":                 "\x00\x00\x00\x01Bud1",
		"._1.txt":                   "\x00\x05\x16\x07 AppleDouble",
		"Sent/Thumbs.db":            "\xd0\xcf\x11\xe0",
		"Sent/desktop.ini":          "[.ShellClassInfo]\n",
		".mailferry-state.json":     "{}",
		".mailferry-1234.tmp":       msg,
		".Sent.mailferry-journal":   "{}",
		".hidden/not-a-folder.eml":  msg,
		"only-junk/.DS_Store":       "x",
		"only-junk/Thumbs.db":       "x",
		"only-skipped/readme.md":    "# read me\n",
		"only-skipped/sub/message3": msg,
	}
	src, err := Open(writeTree(t, files), nil)
	if err != nil {
		t.Fatal(err)
	}
	fis, msgs := walkAll(t, src)
	var fs []string
	for _, fi := range fis {
		fs = append(fs, fi.Folder.String()+":"+itoa(fi.Messages))
	}
	if got, want := strings.Join(fs, " "), "INBOX:4 Sent:7 only-skipped:1 only-skipped/sub:1"; got != want {
		t.Errorf("Folders: %s, want %s", got, want)
	}
	read := map[string]bool{}
	skipped := map[string]string{}
	for _, m := range msgs {
		var se *importers.SkipError
		switch {
		case m.err == nil:
			read[m.name] = true
			if want := msg; m.raw != want && m.raw != strings.ReplaceAll(want, "\n", "\r\n") {
				t.Errorf("%s: body %q", m.name, m.raw)
			}
		case errors.As(m.err, &se):
			if se.Kind != "not-a-message" || !strings.HasSuffix(se.Ref, m.name) || se.Reason == "" || len(se.Folder) == 0 {
				t.Errorf("%s: SkipError %+v", m.name, se)
			}
			skipped[m.name] = se.Reason
		default:
			t.Errorf("%s: error %v, want a SkipError", m.name, m.err)
		}
	}
	for _, n := range []string{"1.txt", "2.raw", "3", "4.msg.txt", "0001", "0002.MAIL", "message3"} {
		if !read[n] {
			t.Errorf("%s not read as a message", n)
		}
	}
	wantSkip := map[string]string{
		"notes.txt":      "does not start with a header field",
		"photo.jpg":      "does not start with a header field",
		"empty.txt":      "empty file",
		"note-field.txt": "line 2 of the header block is not a header field",
		"index.html":     "does not start with a header field",
		"readme.md":      "does not start with a header field",
	}
	for n, reason := range wantSkip {
		if !strings.Contains(skipped[n], reason) {
			t.Errorf("%s: skip reason %q, want it to say %q", n, skipped[n], reason)
		}
	}
	if len(read)+len(skipped) != len(msgs) || len(skipped) != len(wantSkip) {
		t.Errorf("read %v, skipped %v", read, skipped)
	}
}

// TestNamedFileNotAMessageIsAnError: a .eml file, or the file given as
// eml:PATH, that is not a message stays an error (exit 3), not a skip.
func TestNamedFileNotAMessageIsAnError(t *testing.T) {
	dir := writeTree(t, map[string]string{"bad.eml": "no header here\n", "bad.txt": "no header here\n"})
	for _, p := range []string{dir, filepath.Join(dir, "bad.txt")} {
		src, err := Open(p, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, msgs := walkAll(t, src)
		for _, m := range msgs {
			var me *importers.MessageError
			var se *importers.SkipError
			isErr := errors.As(m.err, &me) && errors.Is(m.err, ErrNotMessage)
			isSkip := errors.As(m.err, &se)
			if wantErr := m.name == "bad.eml" || p != dir; isErr != wantErr || isSkip == wantErr {
				t.Errorf("%s (opened as %s): %v", m.name, p, m.err)
			}
		}
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatal(err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
