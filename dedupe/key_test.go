package dedupe

import (
	"strings"
	"testing"
)

func TestNormalizeMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<abc@example.com>", "abc@example.com"},
		{"  <abc@EXAMPLE.Com>  ", "abc@example.com"},
		{"<ABC@example.com>", "ABC@example.com"}, // local part is case-sensitive
		{`<20200122161125.7enac4n5rsxfnhg7@example.com> (Christopher Wellons's message of "Wed, 22 Jan 2020 11:11:25 -0500")`, "20200122161125.7enac4n5rsxfnhg7@example.com"},
		{"<abc@\r\n example.com>", "abc@example.com"},
		{"abc@example.com", "abc@example.com"}, // no brackets (old mailers)
		{"<>", ""},
		{"", ""},
		{"<no-at-sign>", ""},
		{"<abc@>", ""},
		{"<abc@example.com", ""},
		{"<a(b)c@example.com>", "a(b)c@example.com"}, // parentheses inside the id are kept
		{"<0B7C3E1F.4A2@EXCHANGE.corp.local> <second@x>", "0B7C3E1F.4A2@exchange.corp.local"},
	}
	for _, tc := range tests {
		if got := NormalizeMessageID(tc.in); got != tc.want {
			t.Errorf("NormalizeMessageID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func key(t *testing.T, s string) (Key, Kind) {
	t.Helper()
	k, kind, err := Of(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return k, kind
}

func TestOf(t *testing.T) {
	a, kind := key(t, "Subject: x\nMessage-ID: <m1@example.com>\n\nbody\n")
	if kind != ByMessageID {
		t.Fatalf("kind = %v", kind)
	}
	b, _ := key(t, "Message-Id: <m1@EXAMPLE.COM>\r\nSubject: other\r\n\r\nother body\r\n")
	if a != b {
		t.Errorf("same Message-ID gave different keys")
	}
	if k, _ := FromHeader(map[string][]string{"Message-Id": {"<m1@example.com>"}}); k != a {
		t.Errorf("FromHeader differs from Of")
	}
	// Fallback: LF and CRLF forms of the same message agree; trailing
	// newlines do not matter; a different body does.
	lf := "Date: Mon, 1 Jan 2001 00:00:00 +0000\nFrom: a@b\nTo: c@d\nSubject: hi\n there\n\nline1\nline2\n"
	crlf := strings.ReplaceAll(lf, "\n", "\r\n")
	k1, kind := key(t, lf)
	if kind != ByContent {
		t.Fatalf("kind = %v, want content", kind)
	}
	k2, _ := key(t, crlf)
	k3, _ := key(t, lf+"\n")
	k4, _ := key(t, strings.Replace(lf, "line2", "line3", 1))
	k5, _ := key(t, "Message-ID: <>\n"+lf)
	if k1 != k2 || k1 != k3 {
		t.Errorf("LF/CRLF/trailing newline variants differ: %v %v %v", k1, k2, k3)
	}
	if k1 == k4 {
		t.Errorf("different bodies gave the same key")
	}
	if k5 != k1 {
		t.Errorf("a malformed Message-ID should fall back like a missing one")
	}
	// Header only, no body at all.
	if _, kind := key(t, "From: x\nSubject: y"); kind != ByContent {
		t.Errorf("header-only message: kind %v", kind)
	}
	// Empty input.
	if _, _, err := Of(strings.NewReader("")); err != nil {
		t.Errorf("empty: %v", err)
	}
}

func TestOfLongHeaderLine(t *testing.T) {
	long := "X-Long: " + strings.Repeat("a", 100000) + "\nMessage-ID: <long@example.com>\n\nbody\n"
	k, kind := key(t, long)
	if kind != ByMessageID || k != FromMessageID("long@example.com") {
		t.Errorf("long header line hid the Message-ID: kind %v", kind)
	}
}

func FuzzOf(f *testing.F) {
	f.Add("Message-ID: <a@b>\n\nx")
	f.Add("From: a\r\n\r\n\r\n")
	f.Add("\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		k1, _, err := Of(strings.NewReader(s))
		if err != nil {
			t.Fatal(err)
		}
		k2, _, _ := Of(strings.NewReader(strings.ReplaceAll(s, "\r\n", "\n")))
		_ = k1
		_ = k2
	})
}

// Messages without a header (no blank line, no fields) differ by their
// text, not all one key; nor do they collide with an empty message.
func TestHeaderlessMessagesDiffer(t *testing.T) {
	keys := map[Key]string{}
	for _, m := range []string{"", "just a body line\n", "another body line\n", "just a body line\r\n"} {
		k, kind, err := Of(strings.NewReader(m))
		if err != nil || kind != ByContent {
			t.Fatalf("Of(%q) = %v, %v", m, kind, err)
		}
		if prev, ok := keys[k]; ok && !(prev == "just a body line\n" && m == "just a body line\r\n") {
			t.Errorf("%q and %q have the same key", prev, m)
		}
		keys[k] = m
	}
	if len(keys) != 3 {
		t.Errorf("%d distinct keys, want 3 (LF and CRLF forms alike)", len(keys))
	}
}
