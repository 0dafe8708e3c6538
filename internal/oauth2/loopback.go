package oauth2

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/mailferry/mailferry/importers"
)

// Google does not give the mail scope to the device-code flow; its
// command-line tools use the loopback redirect (RFC 8252 7.3) with PKCE
// (RFC 7636): the user opens an address in a browser on this machine,
// Google sends the browser back to http://127.0.0.1:PORT/ with a code,
// and the code is traded for the tokens.

// UsesLoopback reports whether the provider's login is the loopback
// redirect rather than the device code.
func (p *Provider) UsesLoopback() bool { return p.AuthURL != "" }

// LoopbackLogin runs the loopback login: show gets the address to open;
// it returns once the browser came back (or ctx ends, or 10 minutes).
func (p *Provider) LoopbackLogin(ctx context.Context, loginHint string, show func(url string)) (*TokenResponse, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth2: listening for the browser's return: %w", err)
	}
	defer ln.Close()
	redirect := "http://" + ln.Addr().String() + "/"
	verifier := randomString(32)
	importers.AddSecret(verifier)
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(16)
	q := url.Values{
		"client_id":             {p.ClientID},
		"redirect_uri":          {redirect},
		"response_type":         {"code"},
		"scope":                 {p.Scope},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
		"access_type":           {"offline"},
		"prompt":                {"consent"},
		"state":                 {state},
	}
	if loginHint != "" {
		q.Set("login_hint", loginHint)
	}
	type result struct {
		code string
		err  error
	}
	done := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := r.URL.Query()
		if v.Get("state") != state {
			http.Error(w, "unexpected request", http.StatusBadRequest)
			return
		}
		var res result
		if e := v.Get("error"); e != "" {
			res.err = fmt.Errorf("oauth2: %s: login refused: %s", p.Name, e)
			fmt.Fprintln(w, "mailferry: the login was refused; see the terminal.")
		} else {
			res.code = v.Get("code")
			importers.AddSecret(res.code)
			fmt.Fprintln(w, "mailferry: logged in; you can close this window.")
		}
		// The page reaches the browser before the login goes on (and
		// the server is shut down), not cut off by it.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		select {
		case done <- res:
		default:
		}
	})}
	go srv.Serve(ln)
	defer func() {
		// Shutdown lets the answer in flight finish; Close after 2 s.
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()
	show(p.AuthURL + "?" + q.Encode())
	var res result
	select {
	case res = <-done:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-time.After(10 * time.Minute):
		return nil, fmt.Errorf("oauth2: %s: no answer from the browser within 10 minutes; run mailferry login again", p.Name)
	}
	if res.err != nil {
		return nil, res.err
	}
	tr, code, err := p.post(ctx, p.TokenURL, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {res.code},
		"code_verifier": {verifier},
		"redirect_uri":  {redirect},
	})
	if err != nil {
		return nil, err
	}
	if tr.Error != "" || tr.AccessToken == "" {
		return nil, fmt.Errorf("oauth2: %s refused the login code (HTTP %d): %s %s", p.Name, code, tr.Error, tr.Description)
	}
	return tr, nil
}

func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
