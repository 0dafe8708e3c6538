package ui

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// cookiePrefix and the port name the session cookie the token is
// exchanged for: cookies are not kept apart by port, so two mailferry ui
// running at once would otherwise overwrite each other's.
const cookiePrefix = "mailferry_ui_"

func (g *guard) cookieName() string { return cookiePrefix + strconv.Itoa(g.port) }

// guard holds the one-time token of the first URL and the session secret
// it is exchanged for, and checks every request.
type guard struct {
	port int

	mu      sync.Mutex
	token   string // "" once exchanged
	session string
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("ui: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

func newGuard(port int) *guard {
	return &guard{port: port, token: randomHex(32), session: randomHex(32)}
}

// hosts are the Host values a request may carry: the listening address by
// number or as localhost. Anything else is a DNS-rebinding attempt (a name
// of the attacker's that resolves to 127.0.0.1) or a mistake.
func (g *guard) hosts() []string {
	p := strconv.Itoa(g.port)
	return []string{"127.0.0.1:" + p, "localhost:" + p}
}

func (g *guard) hostOK(host string) bool {
	for _, h := range g.hosts() {
		if strings.EqualFold(host, h) {
			return true
		}
	}
	return false
}

// originOK: the Origin, when the browser sends one, is the page's own
// (http://HOST where HOST is the request's Host).
func (g *guard) originOK(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	return strings.EqualFold(o, "http://"+r.Host)
}

func equal(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// exchange consumes the one-time token; it returns the session secret
// when tok is the token.
func (g *guard) exchange(tok string) (string, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !equal(tok, g.token) {
		return "", false
	}
	g.token = ""
	return g.session, true
}

func (g *guard) sessionOK(r *http.Request) bool {
	c, err := r.Cookie(g.cookieName())
	if err != nil {
		return false
	}
	return equal(c.Value, g.session)
}

func forbid(w http.ResponseWriter, why string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	w.Write([]byte("403 forbidden: " + why + "\n"))
}

// wrap checks every request before next sees it:
//   - Host is 127.0.0.1:PORT or localhost:PORT (DNS rebinding);
//   - Origin, when present, is the page's own; POST needs it (cross-site
//     requests and forms); only GET, HEAD and POST;
//   - Sec-Fetch-Site, when present, is same-origin or none;
//   - the session cookie, or on GET / the one-time token (?token=), which
//     is exchanged for the cookie and redirected to the token-less URL.
func (g *guard) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hostOK(r.Host) {
			forbid(w, "wrong Host")
			return
		}
		if !g.originOK(r) {
			forbid(w, "cross-origin request")
			return
		}
		if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
			forbid(w, "cross-site request")
			return
		}
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost:
			if r.Header.Get("Origin") == "" {
				forbid(w, "POST without Origin")
				return
			}
		default:
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		if tok := r.URL.Query().Get("token"); tok != "" && r.Method == http.MethodGet && r.URL.Path == "/" {
			sess, ok := g.exchange(tok)
			if !ok {
				forbid(w, "this address was already used or is wrong; start mailferry ui again for a new one")
				return
			}
			http.SetCookie(w, &http.Cookie{Name: g.cookieName(), Value: sess, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
		if !g.sessionOK(r) {
			forbid(w, "no session: open the address mailferry ui printed")
			return
		}
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		next.ServeHTTP(w, r)
	})
}
