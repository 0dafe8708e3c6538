package pop3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/internal/fakepop3"
)

const pw = "s3cret-pop"

func msgs() [][]byte {
	return [][]byte{
		[]byte("Message-ID: <a@x>\nDate: Mon, 2 Jan 2006 15:04:05 +0000\nFrom: a@x\nSubject: one\n\nbody one\n"),
		[]byte("Message-ID: <b@x>\nDate: Tue, 3 Jan 2006 15:04:05 +0000\nFrom: b@x\nSubject: dots\n\n.\n..two dots\n.leading\nend\n"),
		[]byte("Message-ID: <c@x>\r\nDate: Wed, 4 Jan 2006 15:04:05 +0000\r\nSubject: three\r\n\r\n" + strings.Repeat("long line ", 20000) + "\r\n.\r\n"),
	}
}

func start(t *testing.T, o fakepop3.Options, ms [][]byte) *fakepop3.Server {
	t.Helper()
	o.User, o.Password = "joe", pw
	s, err := fakepop3.Start(o, ms)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func open(t *testing.T, s *fakepop3.Server, o *importers.Options) *Source {
	t.Helper()
	if o == nil {
		o = &importers.Options{}
	}
	if os.Getenv("XDG_CACHE_HOME") == "" || !strings.HasPrefix(os.Getenv("XDG_CACHE_HOME"), os.TempDir()) {
		t.Setenv("XDG_CACHE_HOME", t.TempDir())
	}
	o.Password = func(role, user string) (string, error) { return pw, nil }
	o.RetryBudget = 20 * time.Second
	src, err := Open(context.Background(), "pop3://joe@"+s.Addr, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func crlf(b []byte) []byte {
	return bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
}

func readAll(t *testing.T, src *Source, headersOnly bool) []*importers.Message {
	t.Helper()
	var out []*importers.Message
	err := src.Walk(context.Background(), Inbox, &importers.WalkOptions{HeadersOnly: headersOnly}, func(m *importers.Message, err error) error {
		if err != nil {
			t.Errorf("%s: %v", m.Ref, err)
			return nil
		}
		rc, err := m.Body.Open()
		if err != nil {
			t.Fatalf("%s: %v", m.Ref, err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		if int64(len(b)) != m.Body.Len() {
			t.Errorf("%s: Len %d, read %d", m.Ref, m.Body.Len(), len(b))
		}
		out = append(out, &importers.Message{Ref: m.Ref, Header: m.Header, InternalDate: m.InternalDate, Body: importers.BytesBody(b)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func checkBytes(t *testing.T, got []*importers.Message, want [][]byte, conv func([]byte) []byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d messages, want %d", len(got), len(want))
	}
	for i := range want {
		if b := []byte(got[i].Body.(importers.BytesBody)); !bytes.Equal(b, conv(want[i])) {
			t.Errorf("message %d: bytes differ:\n%q\nwant\n%q", i+1, trunc(string(b)), trunc(string(conv(want[i]))))
		}
		if got[i].InternalDate.IsZero() || len(got[i].Header["Message-Id"]) != 1 {
			t.Errorf("message %d: date %v header %v", i+1, got[i].InternalDate, got[i].Header)
		}
	}
}

// TestFakeQuirks: byte-stuffed "." lines, CRLF and bare-LF servers, with
// and without TOP, UIDL and CAPA: every message once, bytes as sent.
func TestFakeQuirks(t *testing.T) {
	for _, c := range []struct {
		name string
		o    fakepop3.Options
	}{
		{"plain", fakepop3.Options{}},
		{"lf-only", fakepop3.Options{LFOnly: true}},
		{"no-top", fakepop3.Options{NoTop: true}},
		{"no-uidl", fakepop3.Options{NoUIDL: true}},
		{"no-capa", fakepop3.Options{NoCapa: true, NoTop: true, NoUIDL: true}},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := start(t, c.o, msgs())
			src := open(t, s, nil)
			conv := crlf
			if c.o.LFOnly {
				conv = func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }
			}
			fi, err := src.Folders(context.Background())
			if err != nil || len(fi) != 1 || !fi[0].Folder.IsInbox() || fi[0].Messages != 3 {
				t.Fatalf("folders %+v %v", fi, err)
			}
			checkBytes(t, readAll(t, src, false), msgs(), conv)
			checkBytes(t, readAll(t, src, true), msgs(), conv)
		})
	}
}

// TestPlanWithoutBodies: a HeadersOnly walk (the plan) reads TOP n 0 only:
// no RETR until a body is opened.
func TestPlanWithoutBodies(t *testing.T) {
	s := start(t, fakepop3.Options{}, msgs())
	src := open(t, s, nil)
	n := 0
	err := src.Walk(context.Background(), Inbox, &importers.WalkOptions{HeadersOnly: true}, func(m *importers.Message, err error) error {
		if err != nil {
			return err
		}
		n++
		if m.Header["Message-Id"] == nil || m.Header["Subject"] == nil || m.InternalDate.IsZero() || m.Body.Len() <= 0 {
			t.Errorf("%s: header %v len %d", m.Ref, m.Header, m.Body.Len())
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("%d messages, %v", n, err)
	}
	if s.RETRs() != 0 {
		t.Fatalf("plan walk sent %d RETR, want 0", s.RETRs())
	}
}

// TestCutMidRETR: the connection drops in the middle of RETR 2 (and 3):
// the walk reconnects, every message arrives once, whole.
func TestCutMidRETR(t *testing.T) {
	s := start(t, fakepop3.Options{CutRETR: []int{2, 3}}, msgs())
	src := open(t, s, nil)
	checkBytes(t, readAll(t, src, false), msgs(), crlf)
}

// TestInUse: the maildrop lock is retried; when it stays, the error says
// another client holds it.
func TestInUse(t *testing.T) {
	s := start(t, fakepop3.Options{InUse: 1}, msgs())
	src := open(t, s, nil)
	if got := readAll(t, src, false); len(got) != 3 {
		t.Fatalf("%d messages", len(got))
	}
	s2 := start(t, fakepop3.Options{InUse: 1000}, msgs())
	_, err := Open(context.Background(), "pop3://joe@"+s2.Addr, &importers.Options{
		Password:    func(string, string) (string, error) { return pw, nil },
		RetryBudget: time.Second,
	})
	if !errors.Is(err, ErrInUse) || !strings.Contains(err.Error(), "locked by another POP3 client") {
		t.Fatalf("err %v", err)
	}
}

// TestLoginRefusedNoSecret: a refused login is permanent and does not
// print the password.
func TestLoginRefusedNoSecret(t *testing.T) {
	s := start(t, fakepop3.Options{}, msgs())
	_, err := Open(context.Background(), "pop3://joe@"+s.Addr, &importers.Options{
		Password: func(string, string) (string, error) { return "wrong-password", nil },
	})
	if err == nil || strings.Contains(err.Error(), "wrong-password") || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err %v", err)
	}
}

func TestParseURL(t *testing.T) {
	for in, want := range map[string]string{
		"pop3://a@b@h":       "pop3://a@b@h:110",
		"pop3s://u@h":        "pop3s://u@h:995",
		"POP3://u@h:1110":    "pop3://u@h:1110",
		"pop3s://u@[::1]:99": "pop3s://u@[::1]:99",
		"pop3://u@h:143":     "pop3://u@h:143",
	} {
		ep, err := ParseURL(in)
		if err != nil || ep.String() != want {
			t.Errorf("ParseURL(%q) = %v %v, want %s", in, ep, err, want)
		}
	}
	for _, in := range []string{"pop3://h", "pop3://u:pw@h", "pop3://u@h/x", "imap://u@h"} {
		if _, err := ParseURL(in); !errors.Is(err, importers.ErrUsage) {
			t.Errorf("ParseURL(%q): %v, want usage error", in, err)
		}
	}
}

// TestConformance: the importer conformance suite over the corpus served
// by the fake server (every folder's messages in the one maildrop).
func TestConformance(t *testing.T) {
	importertest.Run(t, importertest.Opt{
		DateFromHeader: true,
		MapFolder:      func(importers.Folder) importers.Folder { return Inbox },
		Open: func(t *testing.T, c importertest.Corpus) importers.Source {
			var ms [][]byte
			for _, it := range c {
				ms = append(ms, it.Raw)
			}
			return open(t, start(t, fakepop3.Options{}, ms), nil)
		},
	})
}

// TestHeaderCache: a second plan walk of the same account sends no TOP
// for the messages already seen; a new message gets one; a lost cache
// falls back to TOP for all.
func TestHeaderCache(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	s := start(t, fakepop3.Options{}, msgs())
	walk := func() int {
		before := s.Tops()
		src := open(t, s, nil)
		if got := readAll(t, src, true); len(got) != s.Count() {
			t.Fatalf("%d messages, want %d", len(got), s.Count())
		}
		src.Close()
		return s.Tops() - before
	}
	if n := walk(); n != 3 {
		t.Fatalf("first walk: %d TOP, want 3", n)
	}
	if n := walk(); n != 0 {
		t.Fatalf("second walk: %d TOP, want 0", n)
	}
	s.Add([]byte("Message-ID: <d@x>\nDate: Thu, 5 Jan 2006 15:04:05 +0000\nSubject: four\n\nfour\n"))
	if n := walk(); n != 1 {
		t.Fatalf("after a new message: %d TOP, want 1", n)
	}
	t.Setenv("XDG_CACHE_HOME", t.TempDir()) // the cache is lost
	if n := walk(); n != 4 {
		t.Fatalf("without the cache: %d TOP, want 4", n)
	}
}
