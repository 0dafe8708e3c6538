package mutf7

import "testing"

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct{ utf8, mutf7 string }{
		{"INBOX", "INBOX"},
		{"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"}, // RFC 3501 5.1.3
		{"Tom & Jerry", "Tom &- Jerry"},
		{"😀", "&2D3eAA-"},
		{"", ""},
	} {
		if got := Encode(tc.utf8); got != tc.mutf7 {
			t.Errorf("Encode(%q) = %q, want %q", tc.utf8, got, tc.mutf7)
		}
		if got, err := Decode(tc.mutf7); err != nil || got != tc.utf8 {
			t.Errorf("Decode(%q) = %q, %v; want %q", tc.mutf7, got, err, tc.utf8)
		}
	}
	for _, bad := range []string{"&ZeVnLIqe", "&AGE-", "&2D0-", "é", "&ZeV/LIqe-"} {
		if got, err := Decode(bad); err != ErrBad {
			t.Errorf("Decode(%q) = %q, %v; want ErrBad", bad, got, err)
		}
	}
}
