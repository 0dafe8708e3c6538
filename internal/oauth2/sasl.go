// Package oauth2 logs in to mail servers with OAuth2 access tokens: the
// SASL clients XOAUTH2 (Google's format, also spoken by Microsoft 365
// and Dovecot) and OAUTHBEARER (RFC 7628), the token sources (a command
// the user gives, or the built-in device-code flow of RFC 8628 with a
// stored refresh token), and the importers.Options.Auth hook built from
// them.
//
// Every token this package sees is registered with importers.AddSecret
// before it is used, so that it never reaches a log, --json, an error
// or a protocol trace.
package oauth2

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// Mechanism names.
const (
	XOAUTH2     = "XOAUTH2"
	OAUTHBEARER = sasl.OAuthBearer
)

// Choose returns the mechanism to use among those the server offers:
// OAUTHBEARER when offered, else XOAUTH2, else "".
func Choose(mechs []string) string {
	has := func(m string) bool {
		for _, x := range mechs {
			if strings.EqualFold(x, m) {
				return true
			}
		}
		return false
	}
	switch {
	case has(OAUTHBEARER):
		return OAUTHBEARER
	case has(XOAUTH2):
		return XOAUTH2
	}
	return ""
}

// Client is the SASL client of one login. Besides sasl.Client it tells
// the login path how to classify a refusal (LoginFailed).
type Client struct {
	mech  string
	user  string
	token string
	host  string
	port  int
	// fresh: the token was just fetched (not taken from the cache), so
	// a refusal is not an expiry.
	fresh   bool
	refused bool
	src     Source
}

// NewClient returns the SASL client for mech ("XOAUTH2" or
// "OAUTHBEARER") logging in user with token; host and port go into
// OAUTHBEARER's message (they may be empty/0).
func NewClient(mech, user, token, host string, port int) *Client {
	addSecret(token)
	return &Client{mech: mech, user: user, token: token, host: host, port: port, fresh: true}
}

// addSecret registers a token and the forms it takes on the wire.
func addSecret(tok string) {
	importers.AddSecret(tok)
	importers.AddSecret("Bearer " + tok)
}

func (c *Client) message() []byte {
	if c.mech == XOAUTH2 {
		return []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01")
	}
	s := "n,a=" + c.user + ","
	if c.host != "" {
		s += "\x01host=" + c.host
	}
	if c.port != 0 {
		s += fmt.Sprintf("\x01port=%d", c.port)
	}
	return []byte(s + "\x01auth=Bearer " + c.token + "\x01\x01")
}

// Start implements sasl.Client: the initial response carries the token.
func (c *Client) Start() (string, []byte, error) {
	ir := c.message()
	// The trace shows the initial response base64-encoded.
	importers.AddSecret(base64.StdEncoding.EncodeToString(ir))
	return c.mech, ir, nil
}

// Next implements sasl.Client. A challenge after the initial response
// is the server's JSON error (both mechanisms): the client answers as
// the specifications want (XOAUTH2: an empty response; OAUTHBEARER: a
// single %x01) and the server then ends the exchange with NO.
func (c *Client) Next(challenge []byte) ([]byte, error) {
	c.refused = true
	if c.mech == OAUTHBEARER {
		return []byte{0x01}, nil
	}
	return []byte{}, nil
}

// Mechanism is the SASL mechanism of the client.
func (c *Client) Mechanism() string { return c.mech }

// Fresh reports whether the token was fetched for this login rather
// than taken from the cache.
func (c *Client) Fresh() bool { return c.fresh }

// LoginFailed classifies a refused login. A token taken from the cache
// may have expired since: it is dropped and the error is retryable (a
// new login fetches a new token). A fresh token that is refused is a
// permanent failure.Store error naming the user and the mechanism.
func (c *Client) LoginFailed(err error) error {
	if err == nil {
		return nil
	}
	if !c.fresh && c.src != nil {
		c.src.Invalidate(c.token)
		return failure.Transient(importers.RedactError(fmt.Errorf("oauth2: %s login as %q refused with a cached token (expired?): %w", c.mech, c.user, err)))
	}
	return failure.Permanent(failure.Store, importers.RedactError(fmt.Errorf("oauth2: %s login as %q refused with a new access token (wrong account, token for another user or scope, or IMAP access disabled for the account): %w", c.mech, c.user, err)))
}

var _ sasl.Client = (*Client)(nil)
