package ui

import (
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// startTest starts a server on a free port for a test, with the file
// browser limited to a temporary directory.
func startTest(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Roots == nil {
		cfg.Roots = []string{t.TempDir()}
	}
	if cfg.ThunderbirdDirs == nil {
		cfg.ThunderbirdDirs = []string{}
	}
	if cfg.Exe == "" {
		cfg.Exe = "/nonexistent/mailferry"
	}
	s, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// do sends a request to s with the given Host, Origin and cookie.
func do(t *testing.T, s *Server, method, path, host, origin string, cookie *http.Cookie, body string) *http.Response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://127.0.0.1:"+strconv.Itoa(s.Port())+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// login exchanges the token of s's URL for the session cookie.
func login(t *testing.T, s *Server) *http.Cookie {
	t.Helper()
	u, _ := url.Parse(s.URL())
	host := "127.0.0.1:" + strconv.Itoa(s.Port())
	resp := do(t, s, "GET", "/?"+u.RawQuery, host, "", nil, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("token exchange: %d, Location %q; want 303 to /", resp.StatusCode, resp.Header.Get("Location"))
	}
	for _, c := range resp.Cookies() {
		if c.Name == s.guard.cookieName() {
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Strict", c)
			}
			if strings.Contains(c.Value, u.Query().Get("token")) {
				t.Error("the cookie is the token itself")
			}
			return c
		}
	}
	t.Fatal("no session cookie")
	return nil
}

func TestUITokenHostOrigin(t *testing.T) {
	s := startTest(t, Config{})
	port := strconv.Itoa(s.Port())
	host := "127.0.0.1:" + port
	self := "http://" + host
	u, _ := url.Parse(s.URL())
	if u.Hostname() != "127.0.0.1" || len(u.Query().Get("token")) < 32 {
		t.Fatalf("URL %s: want 127.0.0.1 and a long token", s.URL())
	}

	// Without the token or the cookie: nothing.
	for _, p := range []string{"/", "/app.js", "/api/hello", "/api/files?path=/", "/?token=wrong"} {
		if r := do(t, s, "GET", p, host, "", nil, ""); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s without a session: %d, want 403", p, r.StatusCode)
		}
	}
	c := login(t, s)
	// The token is single-use.
	if r := do(t, s, "GET", "/?"+u.RawQuery, host, "", nil, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("second use of the token: %d, want 403", r.StatusCode)
	}
	if r := do(t, s, "GET", "/api/hello", host, "", c, ""); r.StatusCode != 200 {
		t.Errorf("GET /api/hello with the cookie: %d", r.StatusCode)
	}
	if r := do(t, s, "GET", "/api/hello", "localhost:"+port, "", c, ""); r.StatusCode != 200 {
		t.Errorf("GET /api/hello as localhost: %d", r.StatusCode)
	}
	if r := do(t, s, "GET", "/api/hello", host, "", &http.Cookie{Name: s.guard.cookieName(), Value: "guess"}, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("a wrong cookie: %d, want 403", r.StatusCode)
	}

	// The session of another mailferry ui (another port) is not this one's.
	if r := do(t, s, "GET", "/api/hello", host, "", &http.Cookie{Name: cookiePrefix + "1", Value: c.Value}, ""); r.StatusCode != http.StatusForbidden {
		t.Errorf("the cookie under another port's name: %d, want 403", r.StatusCode)
	}

	// DNS rebinding: a page of evil.example whose name now resolves to
	// 127.0.0.1 sends Host: evil.example:PORT (with the cookie even, were
	// it to have it).
	for _, h := range []string{"evil.example:" + port, "evil.example", "127.0.0.1", "127.0.0.1:1", "localhost.evil.example:" + port, "[::1]:" + port} {
		if r := do(t, s, "GET", "/api/hello", h, "", c, ""); r.StatusCode != http.StatusForbidden {
			t.Errorf("Host %q: %d, want 403", h, r.StatusCode)
		}
	}
	// Cross-site: another origin, GET or POST.
	for _, o := range []string{"http://evil.example", "null", "http://127.0.0.1:1", "https://" + host, "http://localhost:" + port} {
		if r := do(t, s, "GET", "/api/hello", host, o, c, ""); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET with Origin %q: %d, want 403", o, r.StatusCode)
		}
		if r := do(t, s, "POST", "/api/run", host, o, c, `{"action":"plan"}`); r.StatusCode != http.StatusForbidden {
			t.Errorf("POST with Origin %q: %d, want 403", o, r.StatusCode)
		}
	}
	// A POST needs the page's Origin.
	if r := do(t, s, "POST", "/api/stop", host, "", c, `{"id":1}`); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST without Origin: %d, want 403", r.StatusCode)
	}
	if r := do(t, s, "POST", "/api/stop", host, self, c, `{"id":1}`); r.StatusCode != http.StatusNotFound {
		t.Errorf("POST /api/stop with the page's Origin: %d, want 404 (no such step)", r.StatusCode)
	}
	if r := do(t, s, "POST", "/api/stop", host, self, nil, `{"id":1}`); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST without the cookie: %d, want 403", r.StatusCode)
	}
	for _, m := range []string{"PUT", "DELETE", "OPTIONS"} {
		if r := do(t, s, m, "/api/run", host, self, c, ""); r.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s: %d, want 405", m, r.StatusCode)
		}
	}
	// A cross-site navigation or fetch (Sec-Fetch-Site) is refused too.
	req, _ := http.NewRequest("GET", "http://"+host+"/api/hello", nil)
	req.AddCookie(c)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("Sec-Fetch-Site: cross-site: %v %v, want 403", resp.StatusCode, err)
	}
}

func TestUIListensOnLoopbackOnly(t *testing.T) {
	for _, a := range []string{"0.0.0.0:0", "192.0.2.1:0", ":0", "[::]:0"} {
		if s, err := Start(Config{Addr: a, Exe: "x", Roots: []string{}}); err == nil {
			s.Close()
			t.Errorf("Start(%q) listened", a)
		}
	}
}

func TestUIAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"ja,en-US;q=0.9,en;q=0.8": "ja",
		"en-US,en;q=0.9,ja;q=0.8": "en",
		"fr-FR,ja;q=0.5":          "ja",
		"":                        "en",
		"de":                      "en",
		"ja-JP":                   "ja",
	} {
		if got := string(acceptLang(h)); got != want {
			t.Errorf("Accept-Language %q: %s, want %s", h, got, want)
		}
	}
}
