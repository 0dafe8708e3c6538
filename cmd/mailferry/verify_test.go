package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// verifyJSON runs verify --json and returns the exit code, the summary's
// totals and the problems.
func verifyJSON(t *testing.T, args ...string) (int, map[string]any, []map[string]any) {
	t.Helper()
	code, stdout, stderr := runCLI(t, append([]string{"verify", "--json"}, args...)...)
	var totals map[string]any
	var problems []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var ev map[string]any
		if json.Unmarshal([]byte(line), &ev) != nil {
			continue
		}
		switch ev["type"] {
		case "verify-summary":
			totals, _ = ev["totals"].(map[string]any)
		case "verify-problem":
			problems = append(problems, ev)
		}
	}
	if totals == nil {
		t.Fatalf("verify %q: exit %d, no verify-summary\nstdout: %.2000s\nstderr: %s", args, code, stdout, stderr)
	}
	return code, totals, problems
}

func num(m map[string]any, k string) int64 {
	f, _ := m[k].(float64)
	return int64(f)
}

// TestVerifyDovecot: push (Maildir → Dovecot, copy --verify) and pull
// (Dovecot → Maildir, mbox, EML) verify complete by key and by content;
// a message expunged on the server is then listed as missing (exit 3), by
// folder and key.
func TestVerifyDovecot(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	const n = 300
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "300", "--seed", "11", "--avg-size", "3000"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	account := "imap://alice@" + srv.Addr
	code, stdout, stderr := runCLI(t, "copy", "--verify", src, account)
	if code != 0 || !strings.Contains(stdout, "Verified by key: all") {
		t.Fatalf("copy --verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, tot, probs := verifyJSON(t, "--content", src, account); code != 0 || num(tot, "present") != n {
		t.Fatalf("verify --content after push: exit %d, totals %v, problems %v", code, tot, probs)
	}
	for _, format := range []string{"maildir", "mbox", "eml"} {
		dst := format + ":" + filepath.Join(t.TempDir(), "backup")
		if code, _, stderr := runCLI(t, "copy", account, dst); code != 0 {
			t.Fatalf("pull to %s: exit %d: %s", format, code, stderr)
		}
		if code, tot, probs := verifyJSON(t, "--content", account, dst); code != 0 || num(tot, "present") != n {
			t.Errorf("verify --content %s: exit %d, totals %v, problems %v", format, code, tot, probs)
		}
	}
	// Lose one message on the server.
	srv.Doveadm(t, "expunge", "-u", "alice", "mailbox", "INBOX", "uid", "1")
	code, tot, probs := verifyJSON(t, src, account)
	if code != exitIncomplete || num(tot, "missing") != 1 || len(probs) != 1 {
		t.Fatalf("after expunging one message: exit %d, totals %v, problems %v", code, tot, probs)
	}
	if p := probs[0]; p["kind"] != "missing" || p["target"] != "INBOX" || len(p["key"].(string)) != 32 {
		t.Errorf("problem = %v", p)
	}
	code, stdout, _ = runCLI(t, "verify", "--content", src, account)
	if code != exitIncomplete || !strings.Contains(stdout, "missing in the target: INBOX → INBOX") {
		t.Errorf("text verify: exit %d\n%s", code, stdout)
	}
	// copy puts it back; verify is complete again.
	if code, _, stderr := runCLI(t, "copy", "--verify", src, account); code != 0 {
		t.Errorf("copy --verify after the loss: exit %d: %s", code, stderr)
	}
}
