package main

// Connection faults through a loopback proxy in front of Dovecot: cuts
// mid-APPEND (inside a message or a MULTIAPPEND batch), mid-FETCH (inside
// a body), right after login, and a slow link. The copy must reconnect,
// finish with exit 0, and leave the target complete (verify --content)
// with no duplicate.

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

func TestConnectionFaults(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := t.TempDir()
	src := "maildir:" + filepath.Join(dir, "src")
	const n = 300
	if code, _, stderr := runCLI(t, "gen", src, "--count", strconv.Itoa(n), "--seed", "13", "--avg-size", "5000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	bob := "imap://bob@" + srv.Addr
	if code, _, stderr := runCLI(t, "copy", src, bob); code != 0 {
		t.Fatalf("reference copy: exit %d: %s", code, stderr)
	}
	want, _ := storeCount(t, bob)
	cuts := map[string]int{}

	check := func(t *testing.T, what, srcSpec, dst string) {
		t.Helper()
		if code, stdout, stderr := runCLI(t, "verify", "--content", srcSpec, dst); code != 0 {
			t.Fatalf("%s: verify --content: exit %d\n%s\n%s", what, code, tail(stdout, 3000), stderr)
		}
		if got, dups := storeCount(t, dst); got != want || len(dups) > 0 {
			t.Fatalf("%s: target holds %d messages, want %d; duplicates %v", what, got, want, dups)
		}
	}
	run := func(t *testing.T, what string, p *dovecottest.Proxy, srcSpec, dst string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, "copy", srcSpec, dst)
		if code != 0 {
			t.Fatalf("%s: copy through the faulty proxy: exit %d\n%s\n%s", what, code, tail(stdout, 2000), tail(stderr, 3000))
		}
		if p.Pending() > 0 {
			t.Fatalf("%s: %d faults did not fire (fired %v): the test proves nothing", what, p.Pending(), p.Fired())
		}
		for _, f := range p.Fired() {
			cuts[what+" "+f.Name]++
		}
	}

	t.Run("push", func(t *testing.T) {
		p := dovecottest.NewProxy(t, srv.Addr)
		p.Inject(
			dovecottest.CutMidAppend(1500),  // inside the first batch's first message
			dovecottest.CutAfterLogin(),     // the reconnect
			dovecottest.CutMidAppend(60000), // deep inside a batch
			dovecottest.CutMidAppend(10),    // right after the command
			dovecottest.CutAfterLogin(),
			dovecottest.CutMidAppend(200000),
		)
		dst := "imap://alice@" + p.Addr
		run(t, "push", p, src, dst)
		check(t, "push", src, "imap://alice@"+srv.Addr)
	})
	t.Run("push-keys", func(t *testing.T) {
		// The target holds part of the corpus: cuts inside its key
		// inventory (planning) and inside the check after an APPEND cut.
		srv.ResetUser(t, "alice")
		if code, _, stderr := runCLI(t, "copy", "--include", "^(INBOX|Sent|Archive)$", src, "imap://alice@"+srv.Addr); code != 0 {
			t.Fatalf("partial copy: exit %d: %s", code, stderr)
		}
		p := dovecottest.NewProxy(t, srv.Addr)
		midKeys := dovecottest.Fault{Name: "mid-Keys", After: `BODY[HEADER.FIELDS ("MESSAGE-ID")] {`, Bytes: 5}
		p.Inject(midKeys, midKeys, dovecottest.CutMidAppend(3000), dovecottest.CutAfterLogin())
		run(t, "push-keys", p, src, "imap://alice@"+p.Addr)
		check(t, "push-keys", src, "imap://alice@"+srv.Addr)
	})
	t.Run("push-slow", func(t *testing.T) {
		srv.ResetUser(t, "alice")
		p := dovecottest.NewProxy(t, srv.Addr)
		p.SetDelay(time.Millisecond)
		p.Inject(dovecottest.CutMidAppend(30000), dovecottest.CutMidAppend(5000))
		run(t, "push-slow", p, src, "imap://alice@"+p.Addr)
		check(t, "push-slow", src, "imap://alice@"+srv.Addr)
	})
	for _, format := range []string{"maildir", "mbox", "eml"} {
		t.Run("pull-"+format, func(t *testing.T) {
			p := dovecottest.NewProxy(t, srv.Addr)
			p.Inject(
				dovecottest.CutMidFetch(2000),
				dovecottest.CutAfterLogin(),
				dovecottest.CutMidFetch(100),
				dovecottest.CutMidFetch(20000),
			)
			dst := format + ":" + filepath.Join(dir, "pull-"+format)
			run(t, "pull", p, "imap://bob@"+p.Addr, dst)
			check(t, "pull-"+format, bob, dst)
		})
	}
	total := 0
	for k, v := range cuts {
		t.Logf("%-24s %d cuts survived", k, v)
		total += v
	}
	t.Logf("%d connection cuts survived in all; nothing lost, no duplicates", total)
}
