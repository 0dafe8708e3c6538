package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
)

// TestAccountingCatchesMergedMessages: an mbox file whose third message
// starts right after a body line (no blank line before its "From "): a
// reader that merges it into the second message loses it silently. The
// independent count sees 5 items, so either every message is copied (a
// reader that splits there), or copy and verify exit 3 naming the folder.
// Then the account, read back as an IMAP source, accounts for every
// message (its EXISTS).
func TestAccountingCatchesMergedMessages(t *testing.T) {
	srv := dovecottest.Start(t, nil)
	t.Setenv("MAILFERRY_PASSWORD", dovecottest.Password)
	dir := t.TempDir()
	var b strings.Builder
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "From sender%d@example.org Sat Jan  1 00:00:0%d 2022\nFrom: sender%d@example.org\nSubject: message %d\nMessage-ID: <acct%d@example.org>\n\nbody %d\n", i, i, i, i, i, i)
		if i != 2 { // message 3 follows message 2's body line directly
			b.WriteString("\n")
		}
	}
	box := filepath.Join(dir, "box.mbox")
	if err := os.WriteFile(box, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	account := "imap://alice@" + srv.Addr
	code, sum := copyJSON(t, "mbox:"+box, account)
	copied, found := totalOf(t, sum, "copied"), totalOf(t, sum, "found")
	if found != 5 {
		t.Errorf("found %d items, want 5", found)
	}
	unaccountedNamed := func(probs []any) bool {
		for _, p := range probs {
			if m, ok := p.(map[string]any); ok && m["kind"] == "unaccounted" && m["folder"] == "box" {
				return true
			}
		}
		return false
	}
	probs, _ := sum["problems"].([]any)
	switch {
	case code == exitOK && copied == 5 && totalOf(t, sum, "unaccounted") == 0:
		t.Logf("the reader split the messages: all 5 copied")
	case code == exitIncomplete && unaccountedNamed(probs) && totalOf(t, sum, "unaccounted") == 5-copied:
		t.Logf("the reader merged %d messages; the invariant named folder box (exit 3)", 5-copied)
	default:
		t.Fatalf("copy: exit %d, copied %d, found %d, problems %v: want all 5 copied, or exit 3 naming box", code, copied, found, probs)
	}
	vcode, tot, vprobs := verifyJSON(t, "mbox:"+box, account)
	named := false
	for _, p := range vprobs {
		named = named || p["kind"] == "unaccounted" && p["folder"] == "box"
	}
	if (code == exitOK) != (vcode == exitOK) || (vcode == exitIncomplete) != named || num(tot, "found") != 5 {
		t.Errorf("verify: exit %d (copy %d), unaccounted named %v, totals %v", vcode, code, named, tot)
	}

	// The account as a source: every message it holds is accounted for.
	code, sum = copyJSON(t, account, "maildir:"+filepath.Join(dir, "back"))
	if code != exitOK || totalOf(t, sum, "found") != copied || totalOf(t, sum, "unaccounted") != 0 {
		t.Errorf("IMAP source: exit %d, found %d (want %d), unaccounted %d", code, totalOf(t, sum, "found"), copied, totalOf(t, sum, "unaccounted"))
	}
}
