package pop3

// Network plumbing of the POP3 source, kept in this one file so that it can
// be switched to internal/netconn (TLS config, loopback/plain policy, dial
// with a progress deadline, redacting trace) once that is merged.

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
)

// Endpoint is a parsed pop3:// or pop3s:// spec. It never holds a password.
type Endpoint struct {
	Scheme string // "pop3" (STLS, or plaintext on loopback) or "pop3s" (implicit TLS)
	User   string
	Host   string
	Port   int
}

// ImplicitTLS reports whether the connection starts with a TLS handshake.
func (e Endpoint) ImplicitTLS() bool { return e.Scheme == "pop3s" }

// Addr is host:port for net.Dial.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String returns the spec without password: "pop3s://user@host:995".
func (e Endpoint) String() string { return e.Scheme + "://" + url.PathEscape(e.User) + "@" + e.Addr() }

// ParseURL parses "pop3://user@host[:port]" or "pop3s://user@host[:port]"
// with the rules of imap:// URLs (user may contain '@', no password).
// All errors wrap importers.ErrUsage.
func ParseURL(raw string) (Endpoint, error) {
	lower := strings.ToLower(raw)
	var e Endpoint
	var imapURL string
	switch {
	case strings.HasPrefix(lower, "pop3s://"):
		e.Scheme, e.Port, imapURL = "pop3s", 995, "imaps://"+raw[len("pop3s://"):]
	case strings.HasPrefix(lower, "pop3://"):
		e.Scheme, e.Port, imapURL = "pop3", 110, "imap://"+raw[len("pop3://"):]
	default:
		return e, importers.UsageError("%q: want pop3://user@host[:port] or pop3s://user@host[:port]", importers.Redact(raw))
	}
	ep, err := imapimp.ParseURL(imapURL)
	if err != nil {
		return e, importers.UsageError("%s: %v", importers.Redact(raw),
			strings.TrimPrefix(strings.ReplaceAll(err.Error(), "imap", "pop3"), "usage: "))
	}
	e.User, e.Host = ep.User, ep.Host
	if ep.Port != 143 && ep.Port != 993 {
		e.Port = ep.Port
	} else if strings.Contains(raw[len(e.Scheme)+3:], ":"+strconv.Itoa(ep.Port)) {
		e.Port = ep.Port // explicitly given
	}
	return e, nil
}

// stlsRequired is the policy for pop3:// (as for imap://): STLS before
// the login unless the host is loopback or --insecure-plain.
func stlsRequired(host string, insecurePlain bool) bool {
	return imapimp.StartTLSRequired(host, insecurePlain)
}

// tlsConfig returns the TLS settings for host (--tls-ca,
// --tls-insecure-skip-verify come in opts.TLS).
func tlsConfig(opts *importers.Options, host string) *tls.Config {
	var c *tls.Config
	if opts.TLS != nil {
		c = opts.TLS.Clone()
	} else {
		c = &tls.Config{}
	}
	if c.ServerName == "" {
		c.ServerName = host
	}
	if c.MinVersion == 0 {
		c.MinVersion = tls.VersionTLS12
	}
	return c
}

// dial connects to ep (TLS for pop3s) with the --timeout as dial and
// handshake limit.
func dial(ctx context.Context, ep Endpoint, opts *importers.Options) (net.Conn, error) {
	d := net.Dialer{Timeout: opts.NetTimeout()}
	nc, err := d.DialContext(ctx, "tcp", ep.Addr())
	if err != nil {
		return nil, err
	}
	if ep.ImplicitTLS() {
		return handshake(ctx, nc, ep, opts)
	}
	return nc, nil
}

// handshake wraps nc in TLS (pop3s, or after STLS).
func handshake(ctx context.Context, nc net.Conn, ep Endpoint, opts *importers.Options) (net.Conn, error) {
	tc := tls.Client(nc, tlsConfig(opts, ep.Host))
	hctx, cancel := context.WithTimeout(ctx, opts.NetTimeout())
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		nc.Close()
		return nil, err
	}
	return tc, nil
}

// deadlineConn gives up a connection on which no byte moved for timeout
// while an operation waits (a progress deadline, not a total one).
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}
