package imapclient

import (
	"bytes"
	"context"
	"errors"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/mailferry/mailferry/importers"
)

func TestParseURL(t *testing.T) {
	tests := []struct {
		in                 string
		scheme, user, host string
		port               int
		str                string
	}{
		{"imap://alice@mail.example.com", "imap", "alice", "mail.example.com", 143, "imap://alice@mail.example.com:143"},
		{"imaps://alice@mail.example.com", "imaps", "alice", "mail.example.com", 993, "imaps://alice@mail.example.com:993"},
		{"IMAPS://alice@mail.example.com:10993", "imaps", "alice", "mail.example.com", 10993, "imaps://alice@mail.example.com:10993"},
		{"imap://alice@127.0.0.1:1143/", "imap", "alice", "127.0.0.1", 1143, "imap://alice@127.0.0.1:1143"},
		// A rental box's login is often the mail address: split at the last '@'.
		{"imaps://info@example.co.jp@mail.example.co.jp", "imaps", "info@example.co.jp", "mail.example.co.jp", 993, "imaps://info@example.co.jp@mail.example.co.jp:993"},
		{"imaps://info%40example.co.jp@mail.example.co.jp:993", "imaps", "info@example.co.jp", "mail.example.co.jp", 993, "imaps://info@example.co.jp@mail.example.co.jp:993"},
		{"imap://bob@[::1]:1143", "imap", "bob", "::1", 1143, "imap://bob@[::1]:1143"},
		{"imap://bob@[2001:db8::1]", "imap", "bob", "2001:db8::1", 143, "imap://bob@[2001:db8::1]:143"},
		{"imap://a%20b@host", "imap", "a b", "host", 143, "imap://a%20b@host:143"},
	}
	for _, tt := range tests {
		e, err := ParseURL(tt.in)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tt.in, err)
			continue
		}
		if e.Scheme != tt.scheme || e.User != tt.user || e.Host != tt.host || e.Port != tt.port {
			t.Errorf("ParseURL(%q) = %+v, want %s %q %q %d", tt.in, e, tt.scheme, tt.user, tt.host, tt.port)
		}
		if e.String() != tt.str {
			t.Errorf("ParseURL(%q).String() = %q, want %q", tt.in, e.String(), tt.str)
		}
		if e.ImplicitTLS() != (tt.scheme == "imaps") {
			t.Errorf("ParseURL(%q).ImplicitTLS() = %v", tt.in, e.ImplicitTLS())
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"pop3://alice@host", "want imap://user@host"},
		{"imap:/alice@host", "want imap://user@host"},
		{"alice@host", "want imap://user@host"},
		{"imap://host", "no user name"},
		{"imap://@host", "bad user name"},
		{"imap://alice:s3cret-pw@host", "do not put the password in the URL"},
		{"imap://alice@host:0", "bad port"},
		{"imap://alice@host:65536", "bad port"},
		{"imap://alice@host:abc", "bad port"},
		{"imap://alice@host:", "bad port"},
		{"imap://alice@", "bad host"},
		{"imap://alice@host/INBOX", "without path or query"},
		{"imap://alice@host?x=1", "without path or query"},
		{"imap://alice@[::1", "bad host"},
		{"imap://alice@::1", "bad host:port"},
		{"imap://a%zz@host", "bad user name"},
	}
	for _, tt := range tests {
		_, err := ParseURL(tt.in)
		if err == nil {
			t.Errorf("ParseURL(%q) succeeded, want an error containing %q", tt.in, tt.want)
			continue
		}
		if !errors.Is(err, importers.ErrUsage) {
			t.Errorf("ParseURL(%q) = %v, not ErrUsage", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseURL(%q) = %q, want it to contain %q", tt.in, err, tt.want)
		}
		if strings.Contains(err.Error(), "s3cret-pw") {
			t.Errorf("ParseURL(%q): the error shows the password: %q", tt.in, err)
		}
	}
}

func TestLoopbackPolicy(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.1.2.3": true, "::1": true, "localhost": true, "LOCALHOST.": true,
		"foo.localhost": true, "fe80::1%lo": false, "::1%lo": true,
		"10.0.0.1": false, "mail.example.com": false, "localhost.example.com": false, "0.0.0.0": false, "": false,
	} {
		if got := IsLoopback(host); got != want {
			t.Errorf("IsLoopback(%q) = %v, want %v", host, got, want)
		}
	}
	if StartTLSRequired("127.0.0.1", false) || StartTLSRequired("::1", false) {
		t.Error("STARTTLS required on loopback")
	}
	if !StartTLSRequired("mail.example.com", false) || !StartTLSRequired("192.168.1.10", false) {
		t.Error("STARTTLS not required for a remote host")
	}
	if StartTLSRequired("mail.example.com", true) {
		t.Error("--insecure-plain does not lift the STARTTLS requirement")
	}
}

func TestNamespaceFolderMailbox(t *testing.T) {
	slash := Namespace{Prefix: "", Delim: '/', Others: []string{"shared/", "users/"}}
	dot := Namespace{Prefix: "INBOX.", Delim: '.', Others: []string{"shared."}}
	flat := Namespace{}
	tests := []struct {
		ns      Namespace
		folder  importers.Folder
		mailbox string
	}{
		{slash, importers.Folder{"INBOX"}, "INBOX"},
		{slash, importers.Folder{"Archive"}, "Archive"},
		{slash, importers.Folder{"Archive", "2019"}, "Archive/2019"},
		{slash, importers.Folder{"仕事", "重要"}, "仕事/重要"},
		{slash, importers.Folder{"INBOX", "Sub"}, "INBOX/Sub"},
		{slash, importers.Folder{"a.b"}, "a.b"},
		{dot, importers.Folder{"INBOX"}, "INBOX"},
		{dot, importers.Folder{"Archive"}, "INBOX.Archive"},
		{dot, importers.Folder{"Archive", "2019"}, "INBOX.Archive.2019"},
		{dot, importers.Folder{"仕事", "重要"}, "INBOX.仕事.重要"},
		{dot, importers.Folder{"a/b"}, "INBOX.a/b"},
		{flat, importers.Folder{"Archive"}, "Archive"},
	}
	for _, tt := range tests {
		if got := tt.ns.Mailbox(tt.folder); got != tt.mailbox {
			t.Errorf("%+v.Mailbox(%q) = %q, want %q", tt.ns, tt.folder, got, tt.mailbox)
		}
		f, ok := tt.ns.Folder(tt.mailbox)
		if !ok || !f.Equal(tt.folder) {
			t.Errorf("%+v.Folder(%q) = %q, %v, want %q", tt.ns, tt.mailbox, f, ok, tt.folder)
		}
	}

	// Elements that contain the delimiter, or are empty, cannot be one level.
	for _, tt := range []struct {
		ns      Namespace
		folder  importers.Folder
		mailbox string
	}{
		{slash, importers.Folder{"a/b", "c"}, "a_b/c"},
		{dot, importers.Folder{"v1.2", "x"}, "INBOX.v1_2.x"},
		{dot, importers.Folder{"", "x"}, "INBOX._.x"},
		{flat, importers.Folder{"a", "b"}, "a/b"},
		{slash, nil, "INBOX"},
		{dot, importers.Folder{"inbox"}, "INBOX"},
	} {
		if got := tt.ns.Mailbox(tt.folder); got != tt.mailbox {
			t.Errorf("%+v.Mailbox(%q) = %q, want %q", tt.ns, tt.folder, got, tt.mailbox)
		}
	}

	// Names outside the personal namespace, and odd ones.
	for _, tt := range []struct {
		ns      Namespace
		mailbox string
		want    importers.Folder
		ok      bool
	}{
		{slash, "shared/team", nil, false},
		{slash, "users/bob/INBOX", nil, false},
		{dot, "shared.team", nil, false},
		{dot, "INBOX.", nil, false},
		{dot, "Other", nil, false},
		{dot, "inbox.Archive", importers.Folder{"Archive"}, true},
		{dot, "inbox", importers.Folder{"INBOX"}, true},
		{slash, "Inbox", importers.Folder{"INBOX"}, true},
		{slash, "a//b/", importers.Folder{"a", "b"}, true},
	} {
		f, ok := tt.ns.Folder(tt.mailbox)
		if ok != tt.ok || !f.Equal(tt.want) {
			t.Errorf("%+v.Folder(%q) = %q, %v, want %q, %v", tt.ns, tt.mailbox, f, ok, tt.want, tt.ok)
		}
	}
}

func TestParseHeader(t *testing.T) {
	raw := "Message-ID: <abc@example.com>\r\n" +
		"Subject: =?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=\r\n" +
		"  continued\r\n" +
		"To: a@example.com,\r\n\tb@example.com\r\n" +
		"no colon here\r\n" +
		" folded onto nothing\r\n" +
		"received: one\r\n" +
		"Received: two\r\n" +
		": empty key\r\n" +
		"X-Empty:\r\n" +
		"\r\n" +
		"Body: not a header\r\n"
	got := ParseHeader([]byte(raw))
	want := map[string][]string{
		"Message-Id": {"<abc@example.com>"},
		"Subject":    {"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?= continued"},
		"To":         {"a@example.com, b@example.com"},
		"Received":   {"one", "two"},
		"X-Empty":    {""},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ParseHeader = %q, want %q", got, want)
	}
	// LF only, no final newline.
	got = ParseHeader([]byte("From: x@y\nDate: Mon, 1 Jan 2024 00:00:00 +0000"))
	if got["From"][0] != "x@y" || got["Date"][0] != "Mon, 1 Jan 2024 00:00:00 +0000" {
		t.Errorf("ParseHeader(LF) = %q", got)
	}
	if len(ParseHeader(nil)) != 0 {
		t.Errorf("ParseHeader(nil) not empty")
	}
}

// trickyPasswords cannot go on the wire as they are: quotes and backslashes
// are escaped in a quoted string, non-ASCII goes in a literal.
var trickyPasswords = []string{`pa"ss\word`, `\"`, "pässwörd-日本語", "sp ace\ttab", `{5}`}

func TestRedactor(t *testing.T) {
	for _, pw := range trickyPasswords {
		var out bytes.Buffer
		r := newRedactor(&out)
		r.Write([]byte("* OK ready\r\n"))
		r.Secret(pw)
		r.Write([]byte("a1 LOGIN alice " + quote(pw) + "\r\n"))
		r.Write([]byte("a2 LOGIN alice {" + strconv.Itoa(len(pw)) + "}\r\n+ go on\r\n"))
		r.Write([]byte(pw[:len(pw)/2])) // a literal in two writes
		r.Write([]byte(pw[len(pw)/2:] + "\r\n"))
		r.Write([]byte("a3 AUTHENTICATE PLAIN\r\n+\r\n" + "AGFsaWNlAHNlY3JldA==\r\n"))
		r.Write([]byte("a3 NO [AUTHENTICATIONFAILED] bad\r\n"))
		r.Secret("")
		r.Write([]byte("a4 SELECT INBOX " + pw + "\r\n"))
		r.Write([]byte("* 1 FETCH (BODY[] {3}\r\nabc)\r\n"))
		s := out.String()
		if strings.Contains(s, pw) || strings.Contains(s, quote(pw)) || strings.Contains(s, "AGFsaWNlAHNlY3JldA==") {
			t.Errorf("password %q in the trace:\n%s", pw, s)
		}
		for _, keep := range []string{"* OK ready", "a1 LOGIN [redacted]", "+ go on", "a3 NO [AUTHENTICATIONFAILED] bad", "a4 SELECT INBOX [password]", "abc)"} {
			if !strings.Contains(s, keep) {
				t.Errorf("trace lost %q:\n%s", keep, s)
			}
		}
	}
	// A nil redactor (no Debug writer) ignores secret().
	var r *redactor
	r.Secret("x")
}

// memServer serves go-imap's in-memory server on 127.0.0.1 for tests that
// need a password Dovecot's test users do not have.
func memServer(t *testing.T, user, pw string) string {
	t.Helper()
	return memServerCaps(t, user, pw, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapNamespace: {}, imap.CapLiteralPlus: {}})
}

func memServerCaps(t *testing.T, user, pw string, caps imap.CapSet) string {
	t.Helper()
	mem := imapmemserver.New()
	u := imapmemserver.NewUser(user, pw)
	u.Create("INBOX", nil)
	mem.AddUser(u)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// LOGIN with passwords that need quoting or a literal: the server gets the
// password intact (login works), a wrong one is refused with ErrLogin, and
// neither the trace nor the error shows it.
func TestLoginTrickyPasswords(t *testing.T) {
	ctx := context.Background()
	for _, pw := range trickyPasswords {
		addr := memServer(t, "alice@example.com", pw)
		ep, err := ParseURL("imap://alice@example.com@" + addr)
		if err != nil {
			t.Fatal(err)
		}
		for _, try := range []string{pw, pw + `"x\`} {
			var trace bytes.Buffer
			opts := &importers.Options{Debug: &trace, Password: func(role, user string) (string, error) {
				if role != "source" || user != "alice@example.com" {
					t.Errorf("Password(%q, %q)", role, user)
				}
				return try, nil
			}}
			c, err := Dial(ctx, ep, opts, "source")
			if try == pw {
				if err != nil {
					t.Fatalf("login with %q: %v", pw, err)
				}
				if _, err := c.Select("INBOX", true); err != nil {
					t.Errorf("EXAMINE after login: %v", err)
				}
				c.Close()
			} else {
				if !errors.Is(err, ErrLogin) {
					t.Errorf("login with a wrong password: %v, want ErrLogin", err)
				}
				if err != nil && (strings.Contains(err.Error(), try) || strings.Contains(err.Error(), pw)) {
					t.Errorf("the error shows the password: %v", err)
				}
			}
			if s := trace.String(); strings.Contains(s, try) || strings.Contains(s, quote(try)) || strings.Contains(s, pw) {
				t.Errorf("password %q in the trace:\n%s", try, s)
			} else if !strings.Contains(s, "LOGIN [redacted]") {
				t.Errorf("no redacted LOGIN in the trace:\n%s", s)
			}
		}
	}
}

// The MULTIAPPEND connection logs in with its own code: quoted strings
// with escapes, or literals (LITERAL+ or synchronizing) for non-ASCII.
func TestRawLoginTrickyPasswords(t *testing.T) {
	ctx := context.Background()
	for _, literalPlus := range []bool{true, false} {
		for _, pw := range trickyPasswords {
			caps := imap.CapSet{imap.CapIMAP4rev1: {}}
			if literalPlus {
				caps[imap.CapLiteralPlus] = struct{}{}
			}
			addr := memServerCaps(t, "alice@example.com", pw, caps)
			ep, err := ParseURL("imap://alice@example.com@" + addr)
			if err != nil {
				t.Fatal(err)
			}
			for _, try := range []string{pw, pw + "x"} {
				sess := NewSession(ep, &importers.Options{Password: func(string, string) (string, error) { return try, nil }}, "target")
				rc, err := sess.DialRaw(ctx)
				if try == pw {
					if err != nil {
						t.Errorf("LITERAL+ %v: raw login with %q: %v", literalPlus, pw, err)
						continue
					}
					rc.Close()
					continue
				}
				if !errors.Is(err, ErrLogin) || strings.Contains(err.Error(), try) {
					t.Errorf("raw login with a wrong password: %v, want ErrLogin without the password", err)
				}
			}
		}
	}
}

func TestAppendFlags(t *testing.T) {
	in := []imap.Flag{`\seen`, `\Recent`, `\ANSWERED`, `\Junk`, `\Flagged`, `\Deleted`, `\Draft`, "$Forwarded", "ok$kw", "Work_1",
		"bad(flag", "has space", `quo"te`, "", "日本語", `back\slash`, "per%cent", "star*", "br]acket", `\Seen`, "$Forwarded"}
	want := []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft, "$Forwarded", "ok$kw", "Work_1"}
	if got := AppendFlags(in); !reflect.DeepEqual(got, want) {
		t.Errorf("AppendFlags = %q, want %q", got, want)
	}
}
