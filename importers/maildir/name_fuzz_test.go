package maildir

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzNames: Maildir file names (info part, flags) never panic; folder
// name elements and modified UTF-7 round-trip.
func FuzzNames(f *testing.F) {
	for _, s := range []string{"1700000000.M1P2.host:2,SRF", "x!2,", "x;2,ab", "noinfo", ":2,", "&TtVOiw-", "a.b", "..", "Straße", "&-", "&AGE-"} {
		f.Add(s)
	}
	kw, _ := ParseKeywords(strings.NewReader("0 $Forwarded\n1 Work\n"))
	f.Fuzz(func(t *testing.T, s string) {
		SplitInfo(s)
		ParseFlags(s, kw)
		if _, err := DecodeMUTF7(s); err == nil {
			// Decoding what we accept must not panic; re-encoding is
			// allowed to normalize.
			_ = EncodeMUTF7(s)
		}
		if !utf8.ValidString(s) {
			return
		}
		if got, err := DecodeMUTF7(EncodeMUTF7(s)); err != nil || got != s {
			t.Fatalf("modified UTF-7 round trip of %q: %q, %v", s, got, err)
		}
		for _, windows := range []bool{false, true} {
			if got := DecodeElement(EncodeElement(s, windows)); got != s && s != "" {
				t.Fatalf("element round trip of %q (windows %v): %q", s, windows, got)
			}
		}
	})
}
