package dedupe

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// One key whatever the line endings, NUL/0x80, the length of the
// Message-ID line or the place of the Message-ID in the header.
func TestKeyConsistency(t *testing.T) {
	long := "<" + strings.Repeat("l", 30<<10) + "@x>"
	k1, kind := key(t, "Message-ID: "+long+"\nSubject: s\n\nbody\n")
	if kind != ByContent {
		t.Errorf("a %d-byte Message-ID is used", len(long))
	}
	if _, ok := FromHeader(map[string][]string{"Message-Id": {long}}); ok {
		t.Errorf("FromHeader uses a %d-byte Message-ID", len(long))
	}
	k2, _ := key(t, "Message-ID: "+long+"\r\nSubject: s\r\n\r\nbody\r\n")
	if k1 != k2 {
		t.Errorf("long Message-ID: LF and CRLF keys differ")
	}
	deep := strings.Repeat("X-Filler: "+strings.Repeat("f", 900)+"\n", 1300) + "Message-ID: <deep@x>\n\nbody\n"
	if k, kind := key(t, deep); kind != ByMessageID || k != FromMessageID("deep@x") {
		t.Errorf("Message-ID after %d bytes of header not found", len(deep))
	}
	a, _ := key(t, "Subject: n\n\nbefore\x00after\n")
	b, _ := key(t, "Subject: n\r\n\r\nbefore\x80after\r\n")
	if a != b {
		t.Errorf("NUL and 0x80 (Dovecot) give different keys")
	}
	c, _ := key(t, "Subject: n\r\rbefore\x80after\r")
	if a != c {
		t.Errorf("lone CR line ends give another key")
	}
	if k, _ := key(t, "Message-ID: <a\x80b@x>\n\n"); k != FromMessageID("ab@x") {
		t.Errorf("8-bit byte in Message-ID kept")
	}
}

func sum(t *testing.T, s string) Sum {
	t.Helper()
	x, err := Content(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return x
}

func TestContent(t *testing.T) {
	plain := "Message-ID: <a@x>\nSubject: s\n\nHello\n\n"
	tb := "X-Mozilla-Status: 0001\nX-Mozilla-Keys: \n  \nStatus: RO\n" + strings.ReplaceAll(plain, "\n", "\r\n")
	if sum(t, plain) != sum(t, tb) {
		t.Errorf("Thunderbird state fields or CRLF change the content hash")
	}
	if sum(t, plain) == sum(t, strings.Replace(plain, "Hello", "Hellx", 1)) {
		t.Errorf("different bodies, one hash")
	}
	if sum(t, plain) == sum(t, "Received: by x\n"+plain) {
		t.Errorf("Received is ignored")
	}
}

func FuzzKey(f *testing.F) {
	f.Add([]byte("Message-ID: <a@b>\r\nSubject: x\r\n\r\nbody"))
	f.Add([]byte("Subject: \x00\r\rX: y\n\n\x00"))
	f.Add([]byte("Message-ID: <" + strings.Repeat("a", 20000) + "@b>\n\n"))
	f.Add([]byte(strings.Repeat("X: "+strings.Repeat("y", 17000)+"\r", 3)))
	f.Fuzz(func(t *testing.T, b []byte) {
		k1, kind1, err := Of(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		// Line endings and NUL/0x80 do not change the key or the sum.
		lf := bytes.ReplaceAll(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n"))
		crlf := bytes.ReplaceAll(lf, []byte("\n"), []byte("\r\n"))
		crlf = bytes.ReplaceAll(crlf, []byte{0}, []byte{0x80})
		k2, kind2, err := Of(&oneByte{crlf})
		if err != nil {
			t.Fatal(err)
		}
		if k1 != k2 || kind1 != kind2 {
			t.Errorf("key differs between forms")
		}
		s1, err := Content(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		s2, err := Content(&oneByte{crlf})
		if err != nil {
			t.Fatal(err)
		}
		if s1 != s2 {
			t.Errorf("sum differs between forms")
		}
	})
}

// oneByte reads one byte at a time: buffer edges everywhere.
type oneByte struct{ b []byte }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}
