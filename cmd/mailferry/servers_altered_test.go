package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/internal/labserver"
)

// TestServersAlteredHeaders (issue 22, point 3): Cyrus with its default
// munge8bit replaces raw 8-bit header bytes with "X" and says OK. The copy
// names each altered message with the setting that causes it and exits 3;
// a re-run (another process: what was sent is remembered in the cache
// directory) uploads nothing again, with or without a Message-ID; the
// messages with clean headers are untouched and not reported.
func TestServersAlteredHeaders(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	srv := labserver.Start(t, labserver.Cyrus, &labserver.Config{Munge8bit: true})
	dir := filepath.Join(t.TempDir(), "src")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, msg string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(msg, "\n", "\r\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Raw UTF-8 and Shift_JIS in headers, as old Japanese mailers send.
	write("a.eml", "From: a@example.jp\nTo: b@example.jp\nSubject: 会議の件\nMessage-ID: <a1@example.jp>\nDate: Mon, 2 Mar 2015 10:00:00 +0900\n\nbody a\n")
	write("b.eml", "From: a@example.jp\nTo: b@example.jp\nSubject: \x89\xef\x8bc\nDate: Mon, 2 Mar 2015 11:00:00 +0900\n\nbody b, no Message-ID\n")
	write("c.eml", "From: a@example.jp\nTo: b@example.jp\nSubject: clean\nMessage-ID: <c1@example.jp>\nDate: Mon, 2 Mar 2015 12:00:00 +0900\n\nbody c\n")
	bin := buildBinary(t)
	dst := "imap://alice@" + srv.Addr
	run := func() (int, map[string]any, string) {
		t.Helper()
		cmd := exec.Command(bin, "copy", "--json", "eml:"+dir, dst)
		cmd.Env = os.Environ()
		out, _ := cmd.Output()
		var sum map[string]any
		for _, l := range strings.Split(string(out), "\n") {
			var ev map[string]any
			if json.Unmarshal([]byte(l), &ev) == nil && ev["type"] == "summary" {
				sum = ev
			}
		}
		if sum == nil {
			t.Fatalf("no summary:\n%s", out)
		}
		return cmd.ProcessState.ExitCode(), sum, string(out)
	}
	code, sum, out := run()
	if code != exitIncomplete || totalOf(t, sum, "copied") != 3 || totalOf(t, sum, "altered") != 2 {
		t.Fatalf("first copy: exit %d, copied %d, altered %d, want 3, 3, 2\n%s", code, totalOf(t, sum, "copied"), totalOf(t, sum, "altered"), tail(out, 3000))
	}
	probs, _ := sum["problems"].([]any)
	named := map[string]bool{}
	for _, p := range probs {
		pm := p.(map[string]any)
		if pm["kind"] == "altered" {
			reason := fmt.Sprint(pm["reason"])
			if !strings.Contains(reason, "munge8bit") {
				t.Errorf("the reason does not name the setting: %s", reason)
			}
			named[filepath.Base(fmt.Sprint(pm["ref"]))] = true
		}
	}
	if !named["a.eml"] || !named["b.eml"] || named["c.eml"] {
		t.Errorf("altered messages named: %v, want a.eml and b.eml", named)
	}
	code, sum, out = run()
	if code != exitOK || totalOf(t, sum, "copied") != 0 || totalOf(t, sum, "duplicates") != 3 {
		t.Fatalf("re-run: exit %d, copied %d, duplicates %d, want 0, 0, 3\n%s", code, totalOf(t, sum, "copied"), totalOf(t, sum, "duplicates"), tail(out, 3000))
	}
	if got := len(startedHolds(t, srv)); got != 3 {
		t.Errorf("the server holds %d messages, want 3", got)
	}
}

func startedHolds(t *testing.T, srv *labserver.Server) []stored {
	return labSrv{name: "cyrus", addr: srv.Addr, lab: srv}.holds(t, "alice")
}
