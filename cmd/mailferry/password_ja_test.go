package main

import (
	"strings"
	"testing"
)

// Without a password and without a terminal, the error says where a
// password can come from, in the user's language.
func TestNoPasswordTeaches(t *testing.T) {
	t.Setenv("MAILFERRY_PASSWORD", "")
	t.Setenv("MAILFERRY_TARGET_PASSWORD", "")
	for _, c := range []struct{ lang, want string }{
		{"en", "no password for anna (target): set MAILFERRY_PASSWORD, MAILFERRY_TARGET_PASSWORD, or --password-file"},
		{"ja", "anna(移行先)のパスワードがありません: 環境変数 MAILFERRY_PASSWORD か MAILFERRY_TARGET_PASSWORD を設定するか、--password-file を指定してください"},
	} {
		g := &globalOptions{lang: c.lang}
		_, err := g.lookupPassword("target", "anna")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.lang, err, c.want)
		}
		if code := exitCode(t.Context(), err); code != exitUsage {
			t.Errorf("%s: exit %d, want %d", c.lang, code, exitUsage)
		}
	}
}
