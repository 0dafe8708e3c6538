package pop3

// Network plumbing of the POP3 source: the endpoint and, on
// internal/netconn, the dial, the TLS settings and plaintext policy, and
// the progress deadline. The protocol trace (--debug) stays line by line
// in conn.go: it shows command and status lines only, never message
// bodies, with the password and SASL responses already left out.

import (
	"context"
	"crypto/tls"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	imapimp "github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/netconn"
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
// the login unless plaintext is allowed (netconn.PlainAllowed: loopback
// or --insecure-plain).
func stlsRequired(host string, insecurePlain bool) bool {
	return !netconn.PlainAllowed(host, insecurePlain)
}

// dial connects to ep (netconn.Dial: failures are transient) and puts the
// progress deadline (--timeout) on the TCP connection; for pop3s it makes
// the TLS handshake at once. It returns the connection to talk through
// and the Progress under it.
func dial(ctx context.Context, ep Endpoint, opts *importers.Options) (net.Conn, *netconn.Progress, error) {
	nc, err := netconn.Dial(ctx, "pop3", ep.Addr())
	if err != nil {
		return nil, nil, err
	}
	p := netconn.NewProgress(nc, opts.NetTimeout())
	if !ep.ImplicitTLS() {
		return &opConn{Conn: p, p: p}, p, nil
	}
	c, err := handshake(ctx, p, ep, opts, "TLS", "this port speaks plaintext: use pop3:// for STLS")
	return c, p, err
}

// handshake wraps the connection under p in TLS (pop3s, or after STLS)
// with the per-side TLS settings (netconn.ForHost of opts.TLS: --tls-ca,
// --tls-server-name, --tls-insecure-skip-verify), the certificate always
// verified as they say. A failure is classified by netconn.TLSError and
// closes the connection.
func handshake(ctx context.Context, p *netconn.Progress, ep Endpoint, opts *importers.Options, what, plainHint string) (net.Conn, error) {
	tc := tls.Client(p, netconn.ForHost(opts.TLS, ep.Host))
	p.Arm()
	err := tc.HandshakeContext(ctx)
	p.Disarm()
	if err != nil {
		p.Close()
		return nil, netconn.TLSError("pop3", what, ep.Addr(), p.WithTimeout(err), plainHint)
	}
	return &opConn{Conn: tc, p: p}, nil
}

// opConn arms the progress deadline p for each Read and Write: a
// connection on which no byte moved for --timeout while the source waits
// for the server is given up; one idle between operations (the target
// still writing the last message) is not.
type opConn struct {
	net.Conn
	p *netconn.Progress
}

func (c *opConn) Read(b []byte) (int, error) {
	c.p.Arm()
	n, err := c.Conn.Read(b)
	c.p.Disarm()
	return n, c.timedOut(err)
}

func (c *opConn) Write(b []byte) (int, error) {
	c.p.Arm()
	n, err := c.Conn.Write(b)
	c.p.Disarm()
	return n, c.timedOut(err)
}

// timedOut marks err as a transient (retryable) failure naming --timeout
// when the progress deadline closed the connection, as a net.Conn
// deadline's timeout error is; other errors are returned as they are.
func (c *opConn) timedOut(err error) error {
	if err != nil && c.p.TimedOut() {
		return failure.Transient(c.p.WithTimeout(err))
	}
	return err
}
