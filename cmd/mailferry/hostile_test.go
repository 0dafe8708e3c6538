package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/fakeimap"
)

// fastImapRetries makes the IMAP source's retry waits short; call the
// result to restore them.
func fastImapRetries() func() {
	old := failure.Backoff
	failure.Backoff = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}
	return func() { failure.Backoff = old }
}

// CLI tests against fake hostile IMAP servers (internal/fakeimap).

// hostilePassword gives each test its own password, so that one test's
// registered secret does not hide a leak in another.
func hostilePassword(t *testing.T, srv *fakeimap.Server) string {
	srv.Password = fmt.Sprintf("Zq-%s-%d-pw", strings.ReplaceAll(t.Name(), "/", "_"), time.Now().UnixNano())
	t.Setenv("MAILFERRY_PASSWORD", srv.Password)
	return srv.Password
}

// TestHostileSecretEcho: a server that repeats the password in its NO
// (at login, on APPEND) gets it printed nowhere: not on stderr, not in
// --json, not with -v.
func TestHostileSecretEcho(t *testing.T) {
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "5", "--seed", "7"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	t.Run("login", func(t *testing.T) {
		srv := fakeimap.Start(t)
		pw := hostilePassword(t, srv)
		srv.LoginNO = "[AUTHENTICATIONFAILED] the password %s is wrong"
		for _, args := range [][]string{
			{"ls", "-v", srv.URL()},
			{"ls", "--json", srv.URL()},
			{"copy", "-v", "--json", src, srv.URL()},
		} {
			code, stdout, stderr := runCLI(t, args...)
			if code == 0 {
				t.Errorf("%q: exit 0", args)
			}
			if strings.Contains(stdout+stderr, pw) {
				t.Errorf("%q: the password is printed:\n%s\n%s", args, stdout, stderr)
			}
			if !strings.Contains(stdout+stderr, "[redacted]") {
				t.Errorf("%q: the server's text is not shown redacted:\n%s\n%s", args, stdout, stderr)
			}
		}
	})
	t.Run("append", func(t *testing.T) {
		srv := fakeimap.Start(t)
		pw := hostilePassword(t, srv)
		srv.Respond = func(name, args string) (string, bool) {
			if name == "APPEND" {
				return "$TAG NO [CANNOT] not for alice/" + srv.Password + "\r\n", false
			}
			return "", false
		}
		for _, args := range [][]string{
			{"copy", "-v", src, srv.URL()},
			{"copy", "--json", src, srv.URL()},
		} {
			code, stdout, stderr := runCLI(t, args...)
			if code == 0 {
				t.Errorf("%q: exit 0", args)
			}
			if strings.Contains(stdout+stderr, pw) {
				t.Errorf("%q: the password is printed:\n%s\n%s", args, stdout, stderr)
			}
		}
	})
}

// TestHostilePasswordFileMode: a password file other users can read gets
// a warning; a private one does not.
func TestHostilePasswordFileMode(t *testing.T) {
	srv := fakeimap.Start(t)
	pw := hostilePassword(t, srv)
	t.Setenv("MAILFERRY_PASSWORD", "")
	file := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(file, []byte(pw+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(file, 0o644)
	code, stdout, stderr := runCLI(t, "ls", "--password-file", file, srv.URL())
	if code != 0 {
		t.Fatalf("ls: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "readable by other users") || !strings.Contains(stderr, "chmod 600") {
		t.Errorf("no warning for a 0644 password file: %q", stderr)
	}
	if strings.Contains(stdout+stderr, pw) {
		t.Errorf("the password is printed")
	}
	os.Chmod(file, 0o600)
	if code, _, stderr := runCLI(t, "ls", "--password-file", file, srv.URL()); code != 0 || strings.Contains(stderr, "WARNING") {
		t.Errorf("0600 password file: exit %d, stderr %q", code, stderr)
	}
}

// TestHostileInsecurePlainWarns: --insecure-plain is said out loud, once.
func TestHostileInsecurePlainWarns(t *testing.T) {
	srv := fakeimap.Start(t)
	hostilePassword(t, srv)
	code, _, stderr := runCLI(t, "copy", "--insecure-plain", srv.URL(), "maildir:"+t.TempDir())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := strings.Count(stderr, "WARNING: --insecure-plain"); n != 1 {
		t.Errorf("%d warnings for --insecure-plain, want 1: %q", n, stderr)
	}
}

// TestHostileTimeoutFlag: a server that stalls in LIST makes ls fail
// after --timeout, with an error that says so.
func TestHostileTimeoutFlag(t *testing.T) {
	srv := fakeimap.Start(t)
	hostilePassword(t, srv)
	srv.Respond = func(name, args string) (string, bool) {
		return "", name == "LIST" && strings.Contains(args, "*")
	}
	start := time.Now()
	code, _, stderr := runCLI(t, "ls", "--timeout", "400ms", srv.URL())
	if code == 0 || !strings.Contains(stderr, "timeout") {
		t.Errorf("exit %d, stderr %q; want a timeout", code, stderr)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("ls took %v with --timeout 400ms", d)
	}
	if code, _, _ := runCLI(t, "ls", "--timeout", "0s", srv.URL()); code != exitUsage {
		t.Errorf("--timeout 0s: exit %d, want %d", code, exitUsage)
	}
}

// TestHostileBadItemsCLI: bad folder names, a garbage literal size and
// duplicate UIDs: the rest is copied, each bad item is named, exit 3
// where messages were not copied.
func TestHostileBadItemsCLI(t *testing.T) {
	msgs := func(uids ...uint32) []fakeimap.Message {
		var out []fakeimap.Message
		for _, u := range uids {
			out = append(out, fakeimap.Message{UID: u, Data: fakeimap.Msg(fmt.Sprint("c", u), "x")})
		}
		return out
	}
	inbox := &fakeimap.Mailbox{Name: "INBOX", Messages: msgs(1, 2, 3, 4)}
	inbox.Messages[2].Fetch = "* 3 FETCH (UID 3 BODY[] {9zz}\r\nxx)\r\n"
	dups := &fakeimap.Mailbox{Name: "Dups", Messages: msgs(1, 2, 2, 3)}
	dups.Messages[2].Data = fakeimap.Msg("c2b", "y")
	srv := fakeimap.Start(t, inbox, dups,
		&fakeimap.Mailbox{Name: "Ctl\x07Bell", Messages: msgs(1)},
		&fakeimap.Mailbox{Name: "Bad\xfe", Messages: msgs(1)})
	hostilePassword(t, srv)
	old := fastImapRetries()
	defer old()
	dst := filepath.Join(t.TempDir(), "dst")
	code, stdout, stderr := runCLI(t, "copy", "--timeout", "2s", srv.URL(), "maildir:"+dst)
	if code != exitIncomplete {
		t.Errorf("exit %d, want %d\n%s\n%s", code, exitIncomplete, stdout, stderr)
	}
	for _, want := range []string{"UID=3", "gives UID 2 to 2 messages"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the summary does not name %q:\n%s", want, stdout)
		}
	}
	for _, want := range []string{`mailbox="Ctl\aBell"`, `mailbox="Bad\xfe"`} {
		if !strings.Contains(stderr, want) || !strings.Contains(stderr, "skipped") {
			t.Errorf("stderr does not name the skipped mailbox %s:\n%s", want, stderr)
		}
	}
	// INBOX: 3 of 4; Dups: 2 of 4 (UIDs 1 and 3).
	n := 0
	filepath.Walk(dst, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() && (strings.Contains(p, "/cur/") || strings.Contains(p, "/new/")) {
			n++
		}
		return nil
	})
	if n != 5 {
		t.Errorf("%d messages copied, want 5", n)
	}
}
