package oauth2

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/internal/failure"
)

// AuthFunc is the type of importers.Options.Auth.
type AuthFunc = func(ctx context.Context, role, user string, mechs []string) (sasl.Client, error)

// NewAuth returns an importers.Options.Auth that logs in to host:port
// with tokens from src, choosing OAUTHBEARER over XOAUTH2. The client it
// returns is a *Client (see LoginFailed).
func NewAuth(src Source, host string, port int) AuthFunc {
	return func(ctx context.Context, role, user string, mechs []string) (sasl.Client, error) {
		mech := Choose(mechs)
		if mech == "" {
			return nil, failure.Permanent(failure.Store, fmt.Errorf("oauth2: %s offers neither OAUTHBEARER nor XOAUTH2 (it offers: %s); use --%s-auth password", host, strings.Join(mechs, " "), role))
		}
		tok, fresh, err := src.Token(ctx, user)
		if err != nil {
			return nil, err
		}
		c := NewClient(mech, user, tok, host, port)
		c.fresh, c.src = fresh, src
		return c, nil
	}
}

// Auto reports whether --auth auto means OAuth2 for host: a Google or
// Microsoft host, or a token command given.
func Auto(host string, tokenCommand bool) bool {
	return tokenCommand || ProviderFor(host) != ""
}
