package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailferry/mailferry/exporters/imap/dovecottest"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/oauth2"
	"github.com/mailferry/mailferry/internal/oauth2/oauth2test"
)

// startOAuth2Dovecot starts a Dovecot whose oauth2 passdb asks the fake
// provider prov (the password logins stay, for the source side).
func startOAuth2Dovecot(t *testing.T, prov *oauth2test.Provider) *dovecottest.Server {
	t.Helper()
	ext := filepath.Join(t.TempDir(), "dovecot-oauth2.conf.ext")
	if err := os.WriteFile(ext, []byte(dovecottest.OAuth2Ext(prov.URL+"/introspect")), 0o644); err != nil {
		t.Fatal(err)
	}
	return dovecottest.Start(t, &dovecottest.Config{ExtraConf: dovecottest.OAuth2Conf(ext)})
}

// tokenCommand prints a new token of prov for $MAILFERRY_OAUTH2_USER.
func tokenCommand(prov *oauth2test.Provider) string {
	return `curl -fsS "` + prov.URL + `/mint?user=$MAILFERRY_OAUTH2_USER"`
}

// TestOAuth2CopyWithTokenCommand: IMAP (password) to IMAP (XOAUTH2 or
// OAUTHBEARER through Dovecot's oauth2 passdb), every message exactly once,
// the same bytes; the token never printed.
func TestOAuth2CopyWithTokenCommand(t *testing.T) {
	prov := oauth2test.Start(t, time.Hour)
	srv := startOAuth2Dovecot(t, prov)
	t.Setenv("MAILFERRY_PASSWORD", "")
	t.Setenv("MAILFERRY_SOURCE_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 120, Seed: 17, AvgSize: 4 << 10}
	writeWithEngine(t, context.Background(), "imap://alice@"+srv.Addr, o)
	args := []string{"--source-auth", "password", "--target-auth", "oauth2", "--oauth2-token-command", tokenCommand(prov), "-v",
		"imap://alice@" + srv.Addr, "imap://bob@" + srv.Addr}
	code, sum := copyJSON(t, args...)
	if code != exitOK || totalOf(t, sum, "copied") != int64(o.Count) {
		t.Fatalf("copy: exit %d, copied %d, want %d\n%s", code, totalOf(t, sum, "copied"), o.Count, srv.Log())
	}
	compareStored(t, "OAuth2 target", serverHolds(t, srv, "bob"), serverHolds(t, srv, "alice"))
	introspected, minted, _, _ := prov.Counts()
	if introspected == 0 || minted == 0 {
		t.Fatalf("the provider saw %d introspections and minted %d tokens: the login did not go through OAuth2", introspected, minted)
	}
	// Again, printing everything: no token anywhere; nothing copied twice.
	code, stdout, stderr := runCLI(t, append([]string{"copy", "--json"}, args...)...)
	if code != exitOK || !strings.Contains(stdout, `"copied":0`) {
		t.Errorf("second copy: exit %d: %s", code, tail(stdout, 500))
	}
	noToken(t, prov, stdout+stderr)
	// As the source too (ls).
	code, stdout, stderr = runCLI(t, "ls", "--auth", "oauth2", "--oauth2-token-command", tokenCommand(prov), "imap://bob@"+srv.Addr)
	if code != exitOK || !strings.Contains(stdout, "INBOX") {
		t.Errorf("ls with OAuth2: exit %d: %s %s", code, stdout, stderr)
	}
	noToken(t, prov, stdout+stderr)
}

// noToken fails when out holds any token prov issued.
func noToken(t *testing.T, prov *oauth2test.Provider, out string) {
	t.Helper()
	for _, tok := range prov.Tokens() {
		if strings.Contains(out, tok) {
			t.Errorf("a token appears in the output:\n%s", out)
		}
	}
}

// TestOAuth2TokenExpiresMidRun: the target's tokens expire in the middle
// of the copy, and right then the connection is cut inside an APPEND
// (twice); the reconnection's login with the cached token is refused, a
// new token is taken and the run goes on; every message arrives exactly
// once. The expiry is tied to the cuts, not to the clock, so the test
// proves the same thing on a fast and on a loaded machine.
func TestOAuth2TokenExpiresMidRun(t *testing.T) {
	prov := oauth2test.Start(t, time.Hour)
	srv := startOAuth2Dovecot(t, prov)
	t.Setenv("MAILFERRY_PASSWORD", "")
	t.Setenv("MAILFERRY_SOURCE_PASSWORD", dovecottest.Password)
	o := importertest.GenOptions{Count: 200, Seed: 23, AvgSize: 4 << 10}
	writeWithEngine(t, context.Background(), "imap://alice@"+srv.Addr, o)
	proxy := dovecottest.NewProxy(t, srv.Addr)
	expireAndCut := func() dovecottest.Fault {
		f := dovecottest.CutMidAppend(300)
		f.Name, f.OnFire = "token expired, then mid-APPEND", prov.ExpireAll
		return f
	}
	// One folder at a time (-j 1), so that the second expiry comes after
	// the first renewal.
	proxy.Inject(expireAndCut(), expireAndCut())
	code, stdout, stderr := runCLI(t, "copy", "--json", "-j", "1", "--source-auth", "password", "--target-auth", "oauth2", "--oauth2-token-command", tokenCommand(prov),
		"imap://alice@"+srv.Addr, "imap://bob@"+proxy.Addr)
	if code != exitOK {
		t.Fatalf("copy: exit %d\n%s\n%s", code, tail(stdout, 2000), stderr)
	}
	if n := len(proxy.Fired()); n != 2 {
		t.Fatalf("%d of 2 cuts fired: the test proves nothing", n)
	}
	compareStored(t, "token expired mid-run", serverHolds(t, srv, "bob"), serverHolds(t, srv, "alice"))
	_, minted, _, refused := prov.Counts()
	// The second cut may be retried over a connection still logged in,
	// without a login; the first cannot.
	if minted < 2 || refused < 1 {
		t.Errorf("minted %d tokens, %d refused: the expired token was not renewed after a refusal\n%s", minted, refused, stderr)
	}
	noToken(t, prov, stdout+stderr)
}

// TestOAuth2WrongToken: a token the provider never issued is refused:
// exit 1 within seconds, an error naming the user and the mechanism,
// not the token.
func TestOAuth2WrongToken(t *testing.T) {
	prov := oauth2test.Start(t, time.Hour)
	srv := startOAuth2Dovecot(t, prov)
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "5", "--seed", "3"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	const wrong = "at-Wr0ngT0ken-Zebra-77123"
	for _, extra := range [][]string{nil, {"--json"}, {"-v"}} {
		start := time.Now()
		args := append(append([]string{"copy"}, extra...), "--auth", "oauth2", "--oauth2-token-command", "echo "+wrong, src, "imap://bob@"+srv.Addr)
		code, stdout, stderr := runCLI(t, args...)
		took := time.Since(start)
		out := stdout + stderr
		if code != exitError || took > 10*time.Second {
			t.Errorf("%q: exit %d after %s, want %d within seconds\n%s", args, code, took, exitError, out)
		}
		if !strings.Contains(out, "login as") || !strings.Contains(out, "bob") || !(strings.Contains(out, "OAUTHBEARER") || strings.Contains(out, "XOAUTH2")) {
			t.Errorf("%q: the error does not name the user and the mechanism:\n%s", args, out)
		}
		if strings.Contains(out, wrong) || strings.Contains(out, "Wr0ngT0ken") {
			t.Errorf("%q: the token appears in the output:\n%s", args, out)
		}
	}
}

// TestOAuth2LoginAndRefresh: mailferry login runs the device flow against
// the fake provider and stores a 0600 refresh token; copies then renew
// the short-lived access tokens from it by themselves.
func TestOAuth2LoginAndRefresh(t *testing.T) {
	prov := oauth2test.Start(t, 30*time.Second)
	prov.PendingPolls = 1
	srv := startOAuth2Dovecot(t, prov)
	cfg := t.TempDir()
	t.Setenv("MAILFERRY_CONFIG_DIR", cfg)
	t.Setenv("MAILFERRY_PASSWORD", "")
	target := "imap://bob@" + srv.Addr
	code, stdout, stderr := runCLI(t, "login", "--oauth2-endpoint", prov.URL, "--oauth2-client-id", "user:bob", target)
	if code != exitOK || !strings.Contains(stderr, "WDJB-MJHT") || !strings.Contains(stderr, prov.URL+"/verify") {
		t.Fatalf("login: exit %d: %s %s", code, stdout, stderr)
	}
	noToken(t, prov, stdout+stderr)
	files, _ := filepath.Glob(filepath.Join(cfg, "oauth2", "*.json"))
	if len(files) != 1 {
		t.Fatalf("token files %q, want one", files)
	}
	if fi, err := os.Stat(files[0]); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, want 0600", files[0], fi.Mode())
	}
	src := "maildir:" + filepath.Join(t.TempDir(), "src")
	if code, _, stderr := runCLI(t, "gen", src, "--count", "20", "--seed", "5"); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	code, sum := copyJSON(t, "--target-auth", "oauth2", src, target)
	if code != exitOK || totalOf(t, sum, "copied") != 20 {
		t.Fatalf("copy with the stored login: exit %d, copied %d", code, totalOf(t, sum, "copied"))
	}
	if _, _, refreshed, _ := prov.Counts(); refreshed == 0 {
		t.Error("the copy did not renew the access token from the stored refresh token")
	}
	// A token file others can read is refused.
	os.Chmod(files[0], 0o644)
	code, stdout, stderr = runCLI(t, "ls", "--auth", "oauth2", target)
	if code == exitOK || !strings.Contains(stdout+stderr, "chmod 600") {
		t.Errorf("ls with a 0644 token file: exit %d: %s %s", code, stdout, stderr)
	}
}

// TestOAuth2TraceRedacted: the protocol trace (Options.Debug) of an
// OAuth2 login, with the initial response in base64 on the wire, shows
// neither the token nor its encoded forms; the same for the raw
// (MULTIAPPEND) connection's login.
func TestOAuth2TraceRedacted(t *testing.T) {
	prov := oauth2test.Start(t, time.Hour)
	srv := startOAuth2Dovecot(t, prov)
	var trace bytes.Buffer
	opts := &importers.Options{Debug: &trace, Role: "target",
		Auth: oauth2.NewAuth(&oauth2.CommandSource{Command: tokenCommand(prov)}, "127.0.0.1", 0)}
	ep, err := imapimp.ParseURL("imap://bob@" + srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	c, err := imapimp.Dial(context.Background(), ep, opts, "target")
	if err != nil {
		t.Fatalf("dial with OAuth2: %v\n%s", err, srv.Log())
	}
	c.C.Close()
	rc, err := imapimp.NewSession(ep, opts, "target").DialRaw(context.Background())
	if err != nil {
		t.Fatalf("raw dial with OAuth2: %v", err)
	}
	rc.Close()
	if !strings.Contains(trace.String(), "AUTHENTICATE") {
		t.Fatalf("no AUTHENTICATE in the trace:\n%s", trace.String())
	}
	for _, tok := range prov.Tokens() {
		for _, form := range []string{tok, base64.StdEncoding.EncodeToString([]byte(tok))[:16]} {
			if strings.Contains(trace.String(), form) {
				t.Errorf("the trace shows a token:\n%s", trace.String())
			}
		}
	}
}
