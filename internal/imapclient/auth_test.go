package imapclient

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// The SASL hook (importers.Options.Auth): every connection, go-imap's and
// the MULTIAPPEND one, authenticates with the client it returns, never
// LOGIN; a refusal is permanent, names the user and the mechanism and
// never shows the credential, in the error or the trace.
func TestAuthHook(t *testing.T) {
	const pw = "s3cr3t-sasl-Secret"
	addr := memServerCaps(t, "alice", pw, imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapNamespace: {}, "AUTH=PLAIN": {}})
	ep := endpoint(t, "imap://alice@"+addr, false)
	for _, try := range []string{pw, pw + "-wrong"} {
		var trace bytes.Buffer
		calls := 0
		opts := &importers.Options{Debug: &trace,
			Password: func(string, string) (string, error) { t.Error("Password called with Auth set"); return "", nil },
			Auth: func(ctx context.Context, role, user string, mechs []string) (sasl.Client, error) {
				calls++
				if role != "source" || user != "alice" || !slices.Contains(mechs, "PLAIN") {
					t.Errorf("Auth(%q, %q, %q)", role, user, mechs)
				}
				return sasl.NewPlainClient("", user, try), nil
			}}
		c, err := Dial(context.Background(), ep, opts, "source")
		if try == pw {
			if err != nil {
				t.Fatalf("AUTHENTICATE PLAIN through the hook: %v", err)
			}
			c.Close()
			rc, err := NewSession(ep, opts, "source").DialRaw(context.Background())
			if err != nil {
				t.Fatalf("raw AUTHENTICATE through the hook: %v", err)
			}
			rc.Close()
			if calls != 2 {
				t.Errorf("Auth called %d times for 2 connections", calls)
			}
		} else {
			if !errors.Is(err, ErrLogin) || failure.Classify(err).Retryable || !strings.Contains(err.Error(), "PLAIN") || !strings.Contains(err.Error(), `"alice"`) {
				t.Errorf("refused SASL login: %v, want a permanent ErrLogin naming user and mechanism", err)
			}
			if err != nil && strings.Contains(err.Error(), pw) {
				t.Errorf("the error shows the secret: %v", err)
			}
		}
		s := trace.String()
		if strings.Contains(s, pw) || strings.Contains(s, " LOGIN ") || !strings.Contains(s, "AUTHENTICATE [redacted]") {
			t.Errorf("trace shows the secret, or LOGIN, or no redacted AUTHENTICATE:\n%s", s)
		}
	}
}
