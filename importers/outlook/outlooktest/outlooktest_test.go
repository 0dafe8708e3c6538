package outlooktest

import (
	"bytes"
	"testing"

	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/importers/outlook"
)

// TestCorpusRoundTrip: every corpus message, turned into an item and
// rebuilt by outlook.Build, parses with go-message and equals the
// original in canonical form; the flags survive SetFlags/outlook.Flags.
func TestCorpusRoundTrip(t *testing.T) {
	for _, c := range importertest.Load(t) {
		it, err := FromMIME(c.Raw)
		if err != nil {
			t.Fatalf("%s: FromMIME: %v", c.File, err)
		}
		SetFlags(it, c.Flags)
		var buf bytes.Buffer
		if err := outlook.Build(&buf, it); err != nil {
			t.Fatalf("%s: Build: %v", c.File, err)
		}
		want, err := Canonical(c.Raw)
		if err != nil {
			t.Fatalf("%s: Canonical(original): %v", c.File, err)
		}
		got, err := Canonical(buf.Bytes())
		if err != nil {
			t.Fatalf("%s: Canonical(rebuilt): %v\n%s", c.File, err, buf.Bytes())
		}
		if got != want {
			t.Errorf("%s: rebuilt message differs\n--- got\n%s\n--- want\n%s\n--- rebuilt\n%s", c.File, got, want, buf.Bytes())
		}
		if g, w := importertest.FlagSet(outlook.Flags(it)), importertest.FlagSet(c.Flags); g != w {
			t.Errorf("%s: flags %q, want %q", c.File, g, w)
		}
	}
}

func TestCanonicalSeesDifferences(t *testing.T) {
	a := "Subject: x\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nGr=C3=BC=C3=9Fe\r\n"
	b := "Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdfe\n"
	c := "Subject: y\nContent-Type: text/plain; charset=iso-8859-1\n\nGr\xfc\xdfe\n"
	d := "Subject: x\nContent-Type: text/plain; charset=iso-8859-1\n\nGrusse\n"
	ca, _ := Canonical([]byte(a))
	cb, _ := Canonical([]byte(b))
	cc, _ := Canonical([]byte(c))
	cd, _ := Canonical([]byte(d))
	if ca != cb {
		t.Errorf("same content, other encoding: %q vs %q", ca, cb)
	}
	if cb == cc || cb == cd {
		t.Errorf("different header or text not seen")
	}
}
