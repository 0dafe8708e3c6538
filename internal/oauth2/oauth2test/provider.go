// Package oauth2test is a fake OAuth2 provider on 127.0.0.1 for tests:
// the device-code grant (RFC 8628), the refresh grant, short-lived access
// tokens, a minting endpoint for token commands, and the introspection
// endpoint that Dovecot's oauth2 passdb asks.
package oauth2test

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// Provider is a running fake provider. URL serves /device, /token,
// /mint?user=U and /introspect.
type Provider struct {
	URL string
	// Lifetime of the access tokens it issues.
	Lifetime time.Duration
	// PendingPolls is how many device-code polls answer
	// authorization_pending before the user "approves".
	PendingPolls int

	mu           sync.Mutex
	access       map[string]grant // access token -> grant
	refresh      map[string]string
	devices      map[string]*device
	codes        map[string]authCode // loopback login: code -> what it was issued for
	introspected int
	minted       int
	refreshed    int
	refused      int
}

type grant struct {
	user string
	exp  time.Time
}

type authCode struct {
	user, challenge, redirect string
}

type device struct {
	user  string
	polls int
}

// Start starts a provider that stops with t. DeviceUser is the user a
// device-code login approves as.
func Start(t testing.TB, lifetime time.Duration) *Provider {
	p := &Provider{Lifetime: lifetime, access: map[string]grant{}, refresh: map[string]string{}, devices: map[string]*device{}, codes: map[string]authCode{}}
	srv := httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func random() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Mint issues an access token for user.
func (p *Provider) Mint(user string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.minted++
	return p.mint(user)
}

func (p *Provider) mint(user string) string {
	tok := "at-" + random()
	p.access[tok] = grant{user, time.Now().Add(p.Lifetime)}
	return tok
}

// ExpireAll makes every access token issued so far expired: the next
// introspection of one is refused.
func (p *Provider) ExpireAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for tok, g := range p.access {
		g.exp = past
		p.access[tok] = g
	}
}

// Approve makes device-code logins approve as user.
func (p *Provider) Approve(code, user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d := p.devices[code]; d != nil {
		d.user = user
	}
}

// Counts: introspections answered, tokens minted by /mint, refresh
// grants, introspections refused.
func (p *Provider) Counts() (introspected, minted, refreshed, refused int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.introspected, p.minted, p.refreshed, p.refused
}

func reply(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(v)
}

func (p *Provider) serve(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	p.mu.Lock()
	defer p.mu.Unlock()
	switch r.URL.Path {
	case "/mint":
		p.minted++
		w.Write([]byte(p.mint(r.Form.Get("user")) + "\n"))
	case "/authorize":
		// The "browser" approves at once as the login_hint and goes back
		// to the loopback address.
		code := "ac-" + random()
		p.codes[code] = authCode{r.Form.Get("login_hint"), r.Form.Get("code_challenge"), r.Form.Get("redirect_uri")}
		http.Redirect(w, r, r.Form.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(r.Form.Get("state")), http.StatusFound)
	case "/device":
		code := "dc-" + random()
		// The fake approves as the user named by the client id "user:NAME"
		// unless Approve says otherwise.
		p.devices[code] = &device{user: strings.TrimPrefix(r.Form.Get("client_id"), "user:")}
		reply(w, 200, map[string]any{"device_code": code, "user_code": "WDJB-MJHT", "verification_uri": p.URL + "/verify", "expires_in": 60, "interval": 1})
	case "/token":
		switch r.Form.Get("grant_type") {
		case "authorization_code":
			c, ok := p.codes[r.Form.Get("code")]
			sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
			if !ok || c.challenge != base64.RawURLEncoding.EncodeToString(sum[:]) || c.redirect != r.Form.Get("redirect_uri") {
				reply(w, 400, map[string]any{"error": "invalid_grant"})
				return
			}
			delete(p.codes, r.Form.Get("code"))
			rt := "rt-" + random()
			p.refresh[rt] = c.user
			reply(w, 200, map[string]any{"access_token": p.mint(c.user), "refresh_token": rt, "expires_in": int(p.Lifetime / time.Second), "token_type": "Bearer"})
		case "urn:ietf:params:oauth:grant-type:device_code":
			d := p.devices[r.Form.Get("device_code")]
			if d == nil {
				reply(w, 400, map[string]any{"error": "invalid_grant"})
				return
			}
			if d.polls < p.PendingPolls {
				d.polls++
				reply(w, 400, map[string]any{"error": "authorization_pending"})
				return
			}
			delete(p.devices, r.Form.Get("device_code"))
			rt := "rt-" + random()
			p.refresh[rt] = d.user
			reply(w, 200, map[string]any{"access_token": p.mint(d.user), "refresh_token": rt, "expires_in": int(p.Lifetime / time.Second), "token_type": "Bearer"})
		case "refresh_token":
			user, ok := p.refresh[r.Form.Get("refresh_token")]
			if !ok {
				reply(w, 400, map[string]any{"error": "invalid_grant", "error_description": "refresh token revoked"})
				return
			}
			p.refreshed++
			reply(w, 200, map[string]any{"access_token": p.mint(user), "expires_in": int(p.Lifetime / time.Second), "token_type": "Bearer"})
		default:
			reply(w, 400, map[string]any{"error": "unsupported_grant_type"})
		}
	case "/introspect":
		tok := r.Form.Get("token")
		if tok == "" {
			tok = strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		}
		p.introspected++
		g, ok := p.access[tok]
		if !ok || time.Now().After(g.exp) {
			p.refused++
			reply(w, 200, map[string]any{"active": false})
			return
		}
		reply(w, 200, map[string]any{"active": true, "username": g.user})
	default:
		http.NotFound(w, r)
	}
}

// Tokens returns every access and refresh token issued so far.
func (p *Provider) Tokens() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var l []string
	for t := range p.access {
		l = append(l, t)
	}
	for t := range p.refresh {
		l = append(l, t)
	}
	return l
}
