package main

import (
	"bytes"
	"fmt"
	"net"
	"strings"
	"syscall"
	"testing"

	"github.com/mailferry/mailferry/internal/i18n"
)

// A mistyped flag names the --help that lists the flags; a refused
// connection and an unknown host say what to check; in English and
// Japanese.
func TestErrorsHint(t *testing.T) {
	for _, c := range []struct {
		lang string
		flag string
		conn string
	}{
		{"en", "(see mailferry copy --help)", "Nothing answers on that port: check the host and the port"},
		{"ja", "mailferry copy --help で表示されます", "そのポートに応答がありません"},
	} {
		var out, errb bytes.Buffer
		code := runWith([]string{"--lang", c.lang, "copy", "--foo", "mbox:/x", "maildir:/y"}, &out, &errb)
		if code != exitUsage || !strings.Contains(strings.Join(strings.Fields(errb.String()), " "), c.flag) {
			t.Errorf("%s: unknown flag: exit %d, stderr %q, want %q", c.lang, code, errb.String(), c.flag)
		}
		// A port on 127.0.0.1 where nothing listens.
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		errb.Reset()
		t.Setenv("MAILFERRY_PASSWORD", "x")
		code = runWith([]string{"--lang", c.lang, "-q", "ls", "imap://a@" + addr}, &out, &errb)
		if code == 0 || !strings.Contains(strings.Join(strings.Fields(errb.String()), ""), strings.Join(strings.Fields(c.conn), "")) {
			t.Errorf("%s: refused connection: exit %d, stderr %q, want %q", c.lang, code, errb.String(), c.conn)
		}
	}
	dns := fmt.Errorf("target imaps://a@mail.exmaple.jp: %w", &net.DNSError{Err: "no such host", Name: "mail.exmaple.jp", IsNotFound: true})
	if h := errorHint(dns, i18n.New(i18n.English)); !strings.Contains(h, "check its spelling") {
		t.Errorf("unknown host hint %q", h)
	}
	if h := errorHint(fmt.Errorf("x: %w", syscall.EPIPE), nil); h != "" {
		t.Errorf("hint for an unrelated error: %q", h)
	}
}
