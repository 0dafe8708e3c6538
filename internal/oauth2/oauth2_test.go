package oauth2_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/oauth2"
	"github.com/mailferry/mailferry/internal/oauth2/oauth2test"
)

func TestChoose(t *testing.T) {
	for _, c := range []struct {
		mechs []string
		want  string
	}{
		{[]string{"PLAIN", "XOAUTH2", "OAUTHBEARER"}, "OAUTHBEARER"},
		{[]string{"plain", "xoauth2"}, "XOAUTH2"},
		{[]string{"PLAIN", "LOGIN"}, ""},
		{nil, ""},
	} {
		if got := oauth2.Choose(c.mechs); got != c.want {
			t.Errorf("Choose(%q) = %q, want %q", c.mechs, got, c.want)
		}
	}
}

func TestSASLMessages(t *testing.T) {
	c := oauth2.NewClient(oauth2.XOAUTH2, "anna@example.com", "ya29.tok", "imap.gmail.com", 993)
	mech, ir, err := c.Start()
	if err != nil || mech != "XOAUTH2" || string(ir) != "user=anna@example.com\x01auth=Bearer ya29.tok\x01\x01" {
		t.Fatalf("XOAUTH2 Start = %q %q %v", mech, ir, err)
	}
	// The server's JSON error challenge is answered with an empty response.
	resp, err := c.Next([]byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`))
	if err != nil || resp == nil || len(resp) != 0 {
		t.Fatalf("XOAUTH2 Next = %q %v, want an empty response", resp, err)
	}
	b := oauth2.NewClient(oauth2.OAUTHBEARER, "anna@example.com", "ya29.tok", "imap.gmail.com", 993)
	mech, ir, _ = b.Start()
	if mech != "OAUTHBEARER" || string(ir) != "n,a=anna@example.com,\x01host=imap.gmail.com\x01port=993\x01auth=Bearer ya29.tok\x01\x01" {
		t.Fatalf("OAUTHBEARER Start = %q %q", mech, ir)
	}
	if resp, err := b.Next([]byte(`{"status":"invalid_token"}`)); err != nil || string(resp) != "\x01" {
		t.Fatalf("OAUTHBEARER Next = %q %v, want %%x01", resp, err)
	}
	if !importers.IsSecret("ya29.tok") {
		t.Error("the token is not registered as a secret")
	}
}

func TestLoginFailedClassification(t *testing.T) {
	src := &oauth2.CommandSource{Command: "echo tok-first-$RANDOM$RANDOM"}
	auth := oauth2.NewAuth(src, "imap.example.com", 993)
	ctx := context.Background()
	cl, err := auth(ctx, "target", "anna", []string{"XOAUTH2"})
	if err != nil {
		t.Fatal(err)
	}
	_, ir, _ := cl.Start()
	tok := strings.TrimSuffix(strings.SplitN(string(ir), "Bearer ", 2)[1], "\x01\x01")
	refusal := errors.New("NO [AUTHENTICATIONFAILED] bad token " + tok)
	fresh := cl.(*oauth2.Client).LoginFailed(refusal)
	if c := failure.Classify(fresh); c.Retryable || c.Kind != failure.Store {
		t.Errorf("refusal of a fresh token: class %+v, want permanent store", c)
	}
	msg := fresh.Error()
	if !strings.Contains(msg, `"anna"`) || !strings.Contains(msg, "XOAUTH2") || strings.Contains(msg, tok) {
		t.Errorf("error %q: want the user and the mechanism, not the token", msg)
	}
	// The next login takes the cached token: its refusal is retryable, and
	// the one after fetches a new token.
	cl2, _ := auth(ctx, "target", "anna", []string{"XOAUTH2", "OAUTHBEARER"})
	if cl2.(*oauth2.Client).Fresh() || cl2.(*oauth2.Client).Mechanism() != "OAUTHBEARER" {
		t.Fatalf("second client: fresh %v mech %s, want cached OAUTHBEARER", cl2.(*oauth2.Client).Fresh(), cl2.(*oauth2.Client).Mechanism())
	}
	if c := failure.Classify(cl2.(*oauth2.Client).LoginFailed(refusal)); !c.Retryable {
		t.Errorf("refusal of a cached token: class %+v, want retryable", c)
	}
	cl3, _ := auth(ctx, "target", "anna", []string{"XOAUTH2"})
	if !cl3.(*oauth2.Client).Fresh() {
		t.Error("after a refused cached token the next login does not fetch a new one")
	}
}

func TestCommandSourceErrors(t *testing.T) {
	ctx := context.Background()
	_, _, err := (&oauth2.CommandSource{Command: "echo oops >&2; exit 3"}).Token(ctx, "anna")
	if err == nil || !strings.Contains(err.Error(), "oops") || failure.Classify(err).Retryable {
		t.Errorf("failing command: %v", err)
	}
	_, _, err = (&oauth2.CommandSource{Command: "true"}).Token(ctx, "anna")
	if err == nil || !strings.Contains(err.Error(), "no access token") {
		t.Errorf("silent command: %v", err)
	}
	tok, fresh, err := (&oauth2.CommandSource{Command: `printf 'tok-for-%s\n' "$MAILFERRY_OAUTH2_USER"`}).Token(ctx, "anna")
	if err != nil || !fresh || tok != "tok-for-anna" {
		t.Errorf("Token = %q %v %v", tok, fresh, err)
	}
}

func TestDeviceFlowRefreshAndTokenFile(t *testing.T) {
	t.Setenv("MAILFERRY_CONFIG_DIR", t.TempDir())
	prov := oauth2test.Start(t, 2*time.Second)
	prov.PendingPolls = 1
	ctx := context.Background()
	p, err := oauth2.NewProvider("", "user:anna", "", prov.URL)
	if err != nil {
		t.Fatal(err)
	}
	d, err := p.StartDevice(ctx)
	if err != nil || d.UserCode == "" || d.URL() == "" {
		t.Fatalf("StartDevice: %+v %v", d, err)
	}
	tr, err := p.PollDevice(ctx, d)
	if err != nil || tr.RefreshToken == "" {
		t.Fatalf("PollDevice: %v", err)
	}
	path, err := oauth2.Save(&oauth2.Stored{User: "anna", Host: "mail.test", Provider: "custom", ClientID: "user:anna", Base: prov.URL, RefreshToken: tr.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file %s: %v %v, want mode 0600", path, fi.Mode(), err)
	}
	src := &oauth2.RefreshSource{Host: "mail.test"}
	t1, fresh, err := src.Token(ctx, "anna")
	if err != nil || !fresh {
		t.Fatalf("Token: %v", err)
	}
	if t2, fresh, _ := src.Token(ctx, "anna"); t2 != t1 || fresh {
		t.Error("a live token is not reused")
	}
	time.Sleep(2100 * time.Millisecond)
	if t3, fresh, _ := src.Token(ctx, "anna"); t3 == t1 || !fresh {
		t.Error("an expired token is not renewed")
	}
	if _, _, refreshed, _ := prov.Counts(); refreshed != 2 {
		t.Errorf("refreshed %d times, want 2", refreshed)
	}
	// A token file others can read is refused.
	os.Chmod(path, 0o644)
	_, err = oauth2.Load("anna", "mail.test")
	if !errors.Is(err, oauth2.ErrTokenFileMode) {
		t.Errorf("Load of a 0644 file: %v, want ErrTokenFileMode", err)
	}
	if filepath.Base(path) != "anna@mail.test.json" {
		t.Errorf("token file name %s", path)
	}
	if _, err := oauth2.Load("bob", "mail.test"); !errors.Is(err, oauth2.ErrNoToken) || !strings.Contains(err.Error(), "mailferry login") {
		t.Errorf("Load without a file: %v", err)
	}
}

// TestGoogleLoopbackLogin: Google's login goes through the browser and a
// loopback redirect with PKCE; the "browser" here follows the address.
func TestGoogleLoopbackLogin(t *testing.T) {
	prov := oauth2test.Start(t, time.Hour)
	p, err := oauth2.NewProvider("google", "cid.apps.googleusercontent.com", "", prov.URL)
	if err != nil || !p.UsesLoopback() {
		t.Fatalf("NewProvider: %v loopback %v", err, p.UsesLoopback())
	}
	var browser sync.WaitGroup
	var page string
	tr, err := p.LoopbackLogin(context.Background(), "anna@example.com", func(u string) {
		browser.Add(1)
		go func() {
			defer browser.Done()
			resp, err := http.Get(u)
			if err != nil {
				t.Errorf("browser: %v", err)
				return
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Errorf("browser: reading the page: %v", err)
			}
			page = string(b)
		}()
	})
	browser.Wait() // the browser got its page (or failed) before the test ends
	if err != nil || tr.RefreshToken == "" || tr.AccessToken == "" {
		t.Fatalf("LoopbackLogin: %v", err)
	}
	if !strings.Contains(page, "you can close this window") {
		t.Errorf("the browser's page after the login: %q", page)
	}
}
