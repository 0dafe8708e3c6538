package main

import (
	"net"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/oauth2"
	"github.com/spf13/pflag"
)

// authOptions are the login flags of the network stores (OAuth2).
type authOptions struct {
	auth, srcAuth, dstAuth string
	tokenCommand           string
	clientID, tenant       string
	endpoint               string // hidden: a provider serving BASE/device and BASE/token
}

func (a *authOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&a.auth, "auth", "auto", "IMAP login: password, oauth2, or auto (oauth2 for Gmail/Google Workspace and Microsoft 365 hosts or when --oauth2-token-command is given)")
	f.StringVar(&a.srcAuth, "source-auth", "", "--auth for the source only")
	f.StringVar(&a.dstAuth, "target-auth", "", "--auth for the target only")
	f.StringVar(&a.tokenCommand, "oauth2-token-command", "", "shell command printing an OAuth2 access token (run when a token is needed; $MAILFERRY_OAUTH2_USER is the login); default: the login stored by mailferry login")
	f.StringVar(&a.clientID, "oauth2-client-id", "", "OAuth2 client ID of your app registration (mailferry login)")
	f.StringVar(&a.tenant, "oauth2-tenant", "", "Microsoft 365: the directory (tenant) ID or domain (default: common)")
	f.StringVar(&a.endpoint, "oauth2-endpoint", "", "OAuth2 provider base URL serving /device and /token (other providers, tests)")
	f.MarkHidden("oauth2-endpoint")
}

// apply sets opts.Auth for the network store spec when its login is
// OAuth2 (--auth, --source-auth, --target-auth).
func (a *authOptions) apply(opts *importers.Options, role string, spec ...string) error {
	if len(spec) == 0 {
		return nil
	}
	_, host, port, ok := netStore(spec[0])
	if !ok {
		return nil // not a network store (or the store reports the error)
	}
	mode, flag := a.auth, "--auth"
	if role == "source" && a.srcAuth != "" {
		mode, flag = a.srcAuth, "--source-auth"
	}
	if role == "target" && a.dstAuth != "" {
		mode, flag = a.dstAuth, "--target-auth"
	}
	switch strings.ToLower(mode) {
	case "password":
		return nil
	case "auto", "":
		if !oauth2.Auto(host, a.tokenCommand != "") {
			return nil
		}
	case "oauth2":
	default:
		return importers.UsageError("%s %q: want password, oauth2 or auto", flag, mode)
	}
	var src oauth2.Source
	if a.tokenCommand != "" {
		src = &oauth2.CommandSource{Command: a.tokenCommand, Role: role}
	} else {
		src = &oauth2.RefreshSource{Host: host, Base: a.endpoint}
	}
	opts.Auth = oauth2.NewAuth(src, host, port)

	return nil
}

// netStore splits an imap(s):// or pop3(s):// spec into user, host and
// port (the scheme's default when absent).
func netStore(spec string) (user, host string, port int, ok bool) {
	if ep, err := imapimp.ParseURL(spec); err == nil {
		return ep.User, ep.Host, ep.Port, true
	}
	lower := strings.ToLower(spec)
	for scheme, def := range map[string]int{"pop3://": 110, "pop3s://": 995} {
		if !strings.HasPrefix(lower, scheme) {
			continue
		}
		rest := strings.TrimSuffix(spec[len(scheme):], "/")
		at := strings.LastIndex(rest, "@")
		if at < 0 {
			return "", "", 0, false
		}
		h, p, err := net.SplitHostPort(rest[at+1:])
		if err != nil {
			h, p = strings.Trim(rest[at+1:], "[]"), strconv.Itoa(def)
		}
		n, err := strconv.Atoi(p)
		if err != nil || h == "" {
			return "", "", 0, false
		}
		return rest[:at], h, n, true
	}
	return "", "", 0, false
}
