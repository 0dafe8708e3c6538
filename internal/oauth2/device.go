package oauth2

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/atomicfile"
	"github.com/mailferry/mailferry/internal/failure"
)

// Provider is an OAuth2 authorization server with the device-code grant
// (RFC 8628) and the refresh grant.
type Provider struct {
	Name         string // "google", "microsoft", "custom"
	DeviceURL    string
	AuthURL      string // set: the loopback-redirect login (Google) instead of the device code
	TokenURL     string
	Scope        string
	ClientID     string
	ClientSecret string // Google's "Desktop app" clients have one (not really secret)
}

// Google and Microsoft hosts of IMAP (and POP3) that take OAuth2.
var (
	googleHosts    = []string{"imap.gmail.com", "imap.googlemail.com", "pop.gmail.com"}
	microsoftHosts = []string{"outlook.office365.com", "imap-mail.outlook.com", "outlook.office.com", "imap.outlook.com", "pop-mail.outlook.com"}
)

// ProviderFor returns the provider of an IMAP host ("" when unknown).
func ProviderFor(host string) string {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, h := range googleHosts {
		if host == h {
			return "google"
		}
	}
	for _, h := range microsoftHosts {
		if host == h {
			return "microsoft"
		}
	}
	return ""
}

// NewProvider returns the endpoints of name ("google" or "microsoft");
// tenant is Microsoft's directory ("" : "common"); clientID is the app
// registration. base, when set, replaces the provider by one serving
// BASE/device and BASE/token (tests, other providers), and with name
// "google" BASE/authorize instead of BASE/device.
func NewProvider(name, clientID, tenant, base string) (*Provider, error) {
	if clientID == "" {
		return nil, failure.Permanent(failure.Usage, fmt.Errorf("oauth2: --oauth2-client-id is required (the application registered with %s; see README, Google Workspace / Microsoft 365)", providerTitle(name)))
	}
	p := &Provider{Name: name, ClientID: clientID, ClientSecret: os.Getenv("MAILFERRY_OAUTH2_CLIENT_SECRET")}
	importers.AddSecret(p.ClientSecret)
	switch {
	case base != "":
		base = strings.TrimSuffix(base, "/")
		p.Name, p.DeviceURL, p.TokenURL, p.Scope = "custom", base+"/device", base+"/token", "mail"
		if name == "google" {
			p.DeviceURL, p.AuthURL = "", base+"/authorize"
		}
	case name == "google":
		p.AuthURL = "https://accounts.google.com/o/oauth2/v2/auth"
		p.TokenURL = "https://oauth2.googleapis.com/token"
		p.Scope = "https://mail.google.com/"
	case name == "microsoft":
		if tenant == "" {
			tenant = "common"
		}
		t := url.PathEscape(tenant)
		p.DeviceURL = "https://login.microsoftonline.com/" + t + "/oauth2/v2.0/devicecode"
		p.TokenURL = "https://login.microsoftonline.com/" + t + "/oauth2/v2.0/token"
		p.Scope = "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
	default:
		return nil, failure.Permanent(failure.Usage, fmt.Errorf("oauth2: no built-in login for this host (Google and Microsoft 365 only); use --oauth2-token-command"))
	}
	return p, nil
}

func providerTitle(name string) string {
	switch name {
	case "google":
		return "Google Cloud"
	case "microsoft":
		return "Microsoft Entra ID"
	}
	return "the provider"
}

// TokenResponse is the answer of the token endpoint (RFC 6749 5.1/5.2).
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

func (p *Provider) post(ctx context.Context, u string, form url.Values) (*TokenResponse, int, error) {
	form.Set("client_id", p.ClientID)
	if p.ClientSecret != "" {
		form.Set("client_secret", p.ClientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, "POST", u, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, 0, failure.Transient(fmt.Errorf("oauth2: %s: %w", p.Name, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, resp.StatusCode, failure.Transient(fmt.Errorf("oauth2: %s: %w", p.Name, err))
	}
	var tr TokenResponse
	if err := json.Unmarshal(body, &tr); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("oauth2: %s answered HTTP %d without JSON", p.Name, resp.StatusCode)
	}
	addSecret(tr.AccessToken)
	importers.AddSecret(tr.RefreshToken)
	return &tr, resp.StatusCode, nil
}

// DeviceCode is what the user must do to log in.
type DeviceCode struct {
	DeviceCode      string `json:"device_code"`
	UserCode        string `json:"user_code"`
	VerificationURI string `json:"verification_uri"`
	VerificationURL string `json:"verification_url"` // Google's spelling
	ExpiresIn       int64  `json:"expires_in"`
	Interval        int64  `json:"interval"`
	Message         string `json:"message"`
}

// URL is the verification address.
func (d *DeviceCode) URL() string {
	if d.VerificationURI != "" {
		return d.VerificationURI
	}
	return d.VerificationURL
}

// StartDevice asks for a device code (RFC 8628 3.1).
func (p *Provider) StartDevice(ctx context.Context) (*DeviceCode, error) {
	form := url.Values{"scope": {p.Scope}}
	form.Set("client_id", p.ClientID)
	req, err := http.NewRequestWithContext(ctx, "POST", p.DeviceURL, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := httpClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth2: %s device code: %w", p.Name, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var d DeviceCode
	if resp.StatusCode != 200 || json.Unmarshal(body, &d) != nil || d.DeviceCode == "" {
		var tr TokenResponse
		json.Unmarshal(body, &tr)
		return nil, fmt.Errorf("oauth2: %s refused the device code request (HTTP %d): %s %s", p.Name, resp.StatusCode, tr.Error, tr.Description)
	}
	importers.AddSecret(d.DeviceCode)
	return &d, nil
}

// PollDevice waits until the user has approved the code (RFC 8628 3.4,
// 3.5) and returns the tokens.
func (p *Provider) PollDevice(ctx context.Context, d *DeviceCode) (*TokenResponse, error) {
	interval := time.Duration(d.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := time.Now().Add(time.Duration(d.ExpiresIn) * time.Second)
	if d.ExpiresIn <= 0 {
		deadline = time.Now().Add(15 * time.Minute)
	}
	for {
		tr, _, err := p.post(ctx, p.TokenURL, url.Values{
			"grant_type":  {"urn:ietf:params:oauth:grant-type:device_code"},
			"device_code": {d.DeviceCode},
		})
		if err != nil && !failure.Retryable(ctx, err) {
			return nil, err
		}
		if err == nil {
			switch tr.Error {
			case "":
				if tr.AccessToken == "" {
					return nil, fmt.Errorf("oauth2: %s gave no access token", p.Name)
				}
				return tr, nil
			case "authorization_pending":
			case "slow_down":
				interval += 5 * time.Second
			default:
				return nil, fmt.Errorf("oauth2: %s: login not completed: %s %s", p.Name, tr.Error, tr.Description)
			}
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("oauth2: %s: the code expired before the login was approved; run mailferry login again", p.Name)
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
	}
}

// Refresh trades a refresh token for a new access token (RFC 6749 6).
func (p *Provider) Refresh(ctx context.Context, refresh string) (*TokenResponse, error) {
	tr, code, err := p.post(ctx, p.TokenURL, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refresh},
		"scope":         {p.Scope},
	})
	if err != nil {
		return nil, err
	}
	if tr.Error != "" || tr.AccessToken == "" {
		err := fmt.Errorf("oauth2: %s refused to renew the login (HTTP %d: %s %s); run mailferry login again", p.Name, code, tr.Error, tr.Description)
		if code >= 500 {
			return nil, failure.Transient(err)
		}
		return nil, failure.Permanent(failure.Store, importers.RedactError(err))
	}
	return tr, nil
}

// Stored is the content of a token file.
type Stored struct {
	User         string `json:"user"`
	Host         string `json:"host"`
	Provider     string `json:"provider"`
	ClientID     string `json:"client_id"`
	Tenant       string `json:"tenant,omitempty"`
	Base         string `json:"base,omitempty"`
	RefreshToken string `json:"refresh_token"`
}

// TokenFile is where the refresh token of user at host is stored:
// UserConfigDir/mailferry/oauth2/USER@HOST.json.
func TokenFile(user, host string) (string, error) {
	dir := os.Getenv("MAILFERRY_CONFIG_DIR")
	if dir == "" {
		d, err := os.UserConfigDir()
		if err != nil {
			return "", fmt.Errorf("oauth2: no configuration directory: %w", err)
		}
		dir = filepath.Join(d, "mailferry")
	}
	name := strings.ToLower(user + "@" + host)
	name = strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == 0 || r == ':' {
			return '_'
		}
		return r
	}, name)
	return filepath.Join(dir, "oauth2", name+".json"), nil
}

// Save writes st to its token file with mode 0600 (the directory 0700).
func Save(st *Stored) (string, error) {
	path, err := TokenFile(st.User, st.Host)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(st, "", "  ")
	return path, atomicfile.Write(path, append(b, '\n'), 0o600)
}

// ErrTokenFileMode: a token file others can read.
var ErrTokenFileMode = errors.New("token file is readable by other users")

// Load reads the token file of user at host. A file that the group or
// others may read is refused.
func Load(user, host string) (*Stored, error) {
	path, err := TokenFile(user, host)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, failure.Permanent(failure.Usage, fmt.Errorf("oauth2: %w for %s at %s (run: mailferry login imaps://%s@%s)", ErrNoToken, user, host, user, host))
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, failure.Permanent(failure.Usage, fmt.Errorf("oauth2: %s: %w (mode %04o; chmod 600 it)", path, ErrTokenFileMode, fi.Mode().Perm()))
	}
	var st Stored
	if err := json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(&st); err != nil {
		return nil, fmt.Errorf("oauth2: %s: not a token file: %w", path, err)
	}
	importers.AddSecret(st.RefreshToken)
	return &st, nil
}

// RefreshSource gives access tokens from the stored refresh token of
// each user (written by mailferry login), renewing them before they
// expire and storing a rotated refresh token.
type RefreshSource struct {
	Host string
	// Base overrides the provider's endpoints (tests).
	Base  string
	cache cache
	fetch sync.Mutex // one renewal at a time: parallel logins share it
}

func (s *RefreshSource) Token(ctx context.Context, user string) (string, bool, error) {
	s.fetch.Lock()
	defer s.fetch.Unlock()
	if t, ok := s.cache.get(user); ok {
		return t, false, nil
	}
	st, err := Load(user, s.Host)
	if err != nil {
		return "", false, err
	}
	base := st.Base
	if s.Base != "" {
		base = s.Base
	}
	p, err := NewProvider(st.Provider, st.ClientID, st.Tenant, base)
	if err != nil {
		return "", false, err
	}
	tr, err := p.Refresh(ctx, st.RefreshToken)
	if err != nil {
		return "", false, err
	}
	if tr.RefreshToken != "" && tr.RefreshToken != st.RefreshToken {
		st.RefreshToken = tr.RefreshToken
		if _, err := Save(st); err != nil {
			return "", false, fmt.Errorf("oauth2: storing the renewed login: %w", err)
		}
	}
	var exp time.Time
	if tr.ExpiresIn > 0 {
		// Renew a little before the provider's expiry.
		life := time.Duration(tr.ExpiresIn) * time.Second
		exp = time.Now().Add(life - min(life/10, time.Minute))
	}
	s.cache.put(user, tr.AccessToken, exp)
	return tr.AccessToken, true, nil
}

func (s *RefreshSource) Invalidate(tok string) { s.cache.drop(tok) }
