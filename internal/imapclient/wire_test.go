package imapclient

import (
	"bytes"
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// feedChunks runs the stream filter over s cut in random pieces.
func feedChunks(t *testing.T, s string, seed int64) (string, []string, error) {
	t.Helper()
	var f streamFilter
	r := rand.New(rand.NewSource(seed))
	var out bytes.Buffer
	var skipped []string
	for len(s) > 0 {
		n := min(len(s), 1+r.Intn(40))
		err := f.feed([]byte(s[:n]))
		out.Write(f.out)
		f.out = nil
		skipped = append(skipped, f.skipped...)
		f.skipped = nil
		if err != nil {
			return out.String(), skipped, err
		}
		s = s[n:]
	}
	return out.String(), skipped, nil
}

// TestWireFilterBytesExact: the filter passes a server's stream through
// byte for byte, literals included (even ones that look like literal
// announcements or LIST lines), whatever the read sizes; it holds back
// only LIST responses with a bad mailbox name.
func TestWireFilterBytesExact(t *testing.T) {
	body := "Subject: x\r\n\r\n* LIST () \"/\" {5}\r\nab\x01cd\r\n{99999999999}\r\nend\r\n"
	good := "* OK hello\r\n" +
		"* LIST (\\HasNoChildren) \"/\" \"INBOX\"\r\n" +
		"* LIST () \"/\" {6}\r\nA&AOk-\r\n" +
		"* 1 FETCH (UID 1 BODY[] {" + itoa(len(body)) + "}\r\n" + body + ")\r\n" +
		"* LSUB () \".\" Foo.Bar\r\n" +
		"T1 OK done\r\n"
	for seed := int64(0); seed < 50; seed++ {
		out, skipped, err := feedChunks(t, good, seed)
		if err != nil || out != good || len(skipped) != 0 {
			t.Fatalf("seed %d: err %v, skipped %q, output differs: %v", seed, err, skipped, out != good)
		}
	}
	bad := "* LIST () \"/\" {5}\r\nab\x00cd\r\n* LIST () \"/\" \"Ok\"\r\n* LIST () \"/\" \"x\xffy\"\r\nT2 OK done\r\n"
	want := "* LIST () \"/\" \"Ok\"\r\nT2 OK done\r\n"
	for seed := int64(0); seed < 20; seed++ {
		out, skipped, err := feedChunks(t, bad, seed)
		if err != nil || out != want || strings.Join(skipped, "|") != "ab\x00cd|x\xffy" {
			t.Fatalf("seed %d: err %v, out %q, skipped %q", seed, err, out, skipped)
		}
	}
	for _, s := range []string{
		"* LIST () \"/\" {2000000}\r\n",
		"* OK [ALERT] {2000000}\r\n",
		"* 1 FETCH (BODY[HEADER.FIELDS (MESSAGE-ID)] {20000000}\r\n",
		strings.Repeat("x", maxLine+10),
	} {
		_, _, err := feedChunks(t, s, 1)
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("%.60q: %v, want ErrProtocol", s, err)
		}
	}
	// A big body is fine.
	if _, _, err := feedChunks(t, "* 1 FETCH (UID 1 BODY[] {20000000}\r\nabc", 1); err != nil {
		t.Errorf("big body literal: %v", err)
	}
}

func itoa(n int) string { return fmtInt(n) }

func fmtInt(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
