package imapclient

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// ErrLogin marks a refused login (wrong user name or password, a SASL
// credential the server does not take).
var ErrLogin = errors.New("login refused")

// Credential is what a connection logs in with: the login name and
// either a SASL client (Auth) or a password.
//
// This is where a new login method plugs in: importers.Options.Auth
// returns a sasl.Client for the mechanisms the server offers, and every
// connection (go-imap's and the MULTIAPPEND one) authenticates with it
// in RawConn.login.
type Credential struct {
	User string
	// Password returns the password (LOGIN, or AUTHENTICATE PLAIN where
	// the server has LOGINDISABLED).
	Password func() (string, error)
	// Auth, when set, is used instead of Password: it returns the SASL
	// client for the offered mechanisms (AUTH=...). It is called once per
	// connection.
	Auth func(ctx context.Context, mechs []string) (sasl.Client, error)
}

// credential builds the Credential of opts for role (opts.Role wins);
// the password is asked for once and kept.
func credential(ep Endpoint, opts *importers.Options, role string) *Credential {
	if opts.Role != "" {
		role = opts.Role
	}
	cr := &Credential{User: ep.User}
	if opts.Auth != nil {
		auth := opts.Auth
		cr.Auth = func(ctx context.Context, mechs []string) (sasl.Client, error) {
			return auth(ctx, role, ep.User, mechs)
		}
	}
	var pw *string
	cr.Password = func() (string, error) {
		if pw != nil {
			return *pw, nil
		}
		if opts.Password == nil {
			return "", failure.Permanent(failure.Store, fmt.Errorf("imap: no password for %s (set MAILFERRY_PASSWORD or use --password-file)", ep))
		}
		p, err := opts.Password(role, ep.User)
		if err != nil {
			return "", failure.Permanent(failure.Store, fmt.Errorf("imap: password for %s: %w", ep, err))
		}
		importers.AddSecret(p)
		pw = &p
		return p, nil
	}
	return cr
}

// mechanisms are the SASL mechanisms the server offers (AUTH=...).
func (c *RawConn) mechanisms() []string {
	var out []string
	for _, f := range strings.Fields(c.capList) {
		if m, ok := cutPrefixFold(f, "AUTH="); ok {
			out = append(out, m)
		}
	}
	return out
}

// login is the one login of every connection: AUTHENTICATE with the
// credential's SASL client when it has one, else LOGIN with the
// password, or AUTHENTICATE PLAIN when the server refuses LOGIN
// (LOGINDISABLED). A refusal is permanent and wraps ErrLogin; it names the
// user and the mechanism, never the secret.
func (c *RawConn) login(ctx context.Context, cr *Credential, trace *redactor) error {
	ep := c.ep
	if cr.Auth != nil {
		mechs := c.mechanisms()
		// A refusal the SASL client classifies as retryable (an OAuth2
		// token from its cache that expired meanwhile) is tried once more
		// with a new client, which fetches a new token; any other refusal
		// is permanent.
		var err error
		for i := 0; i < 2 && (i == 0 || failure.Retryable(ctx, err)); i++ {
			client, aerr := cr.Auth(ctx, mechs)
			if aerr != nil {
				return failure.Permanent(failure.Store, fmt.Errorf("imap: login as %q at %s (server offers SASL %s): %w", ep.User, ep.Addr(), strings.Join(mechs, " "), aerr))
			}
			err = c.authenticate(client, trace)
			if lf, ok := client.(interface{ LoginFailed(error) error }); ok && err != nil {
				err = lf.LoginFailed(err)
			}
		}
		return err
	}
	pw, err := cr.Password()
	if err != nil {
		return err
	}
	trace.Secret(pw)
	defer trace.Secret("")
	if !c.caps["LOGINDISABLED"] {
		return c.loginCommand(ep.User, pw)
	}
	if !c.caps["AUTH=PLAIN"] {
		return failure.Permanent(failure.Store, fmt.Errorf("imap: %s refuses LOGIN (LOGINDISABLED) and offers no AUTH=PLAIN", ep.Addr()))
	}
	return c.authenticate(sasl.NewPlainClient("", ep.User, pw), trace)
}

// refused is the error of a login the server answered with NO or BAD.
func (c *RawConn) refused(mech string, err error) error {
	var ie *imap.Error
	if !errors.As(err, &ie) {
		return fmt.Errorf("imap: login as %q at %s: %w", c.ep.User, c.ep.Addr(), ioError(err))
	}
	how := ""
	if mech != "" {
		how = " with " + mech
	}
	return failure.Permanent(failure.Store, importers.RedactError(fmt.Errorf("imap: login as %q at %s%s: %w: %w", c.ep.User, c.ep.Addr(), how, ErrLogin, err)))
}

// loginCommand sends LOGIN with user and password as quoted strings, or
// as literals when they have characters a quoted string cannot carry.
func (c *RawConn) loginCommand(user, pw string) error {
	tag := c.nextTag()
	c.w.WriteString(tag + " LOGIN ")
	err := c.astring(tag, user)
	if err == nil {
		c.w.WriteString(" ")
		err = c.astring(tag, pw)
	}
	if err == nil {
		c.w.WriteString("\r\n")
		if err = c.w.Flush(); err != nil {
			c.dead = true
		}
	}
	if err == nil {
		err = c.await(tag, nil)
	}
	if err != nil {
		return c.refused("", err)
	}
	return nil
}

// authenticate runs AUTHENTICATE with client (RFC 3501 6.2.2), with the
// initial response on the command line when the server has SASL-IR. The
// client's responses are secrets: the trace replaces them, and the
// server's refusal is cleared of them.
func (c *RawConn) authenticate(client sasl.Client, trace *redactor) error {
	mech, ir, err := client.Start()
	if err != nil {
		return failure.Permanent(failure.Store, fmt.Errorf("imap: login as %q at %s: SASL %s: %w", c.ep.User, c.ep.Addr(), mech, err))
	}
	trace.Login(true)
	defer trace.Login(false)
	var sent []string
	send := func(b []byte) {
		s := base64.StdEncoding.EncodeToString(b)
		if len(b) == 0 {
			s = "="
		}
		sent = append(sent, s)
		c.w.WriteString(s)
	}
	tag := c.nextTag()
	c.w.WriteString(tag + " AUTHENTICATE " + mech)
	if ir != nil && c.caps["SASL-IR"] {
		c.w.WriteString(" ")
		send(ir)
		ir = nil
	}
	c.w.WriteString("\r\n")
	if err := c.w.Flush(); err != nil {
		c.dead = true
		return c.refused(mech, err)
	}
	first := true
	err = c.awaitText(tag, func(text string) error {
		var resp []byte
		if first && ir != nil {
			resp = ir
		} else {
			challenge, derr := base64.StdEncoding.DecodeString(strings.TrimSpace(text))
			if derr != nil {
				c.w.WriteString("*\r\n") // cancel the exchange
				return c.w.Flush()
			}
			var cerr error
			if resp, cerr = client.Next(challenge); cerr != nil {
				c.w.WriteString("*\r\n")
				return c.w.Flush()
			}
		}
		first = false
		send(resp)
		c.w.WriteString("\r\n")
		return c.w.Flush()
	})
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			for _, s := range sent {
				if len(s) > 4 {
					ie.Text = strings.ReplaceAll(ie.Text, s, "[redacted]")
				}
			}
		}
		return c.refused(mech, err)
	}
	return nil
}
