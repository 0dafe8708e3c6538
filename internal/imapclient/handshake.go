package imapclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/netconn"
)

// handshake is the start every connection shares, go-imap's (Dial) and
// the MULTIAPPEND one (DialRaw): it connects to ep, makes the TLS
// handshake (imaps://) or upgrades with STARTTLS, reads the greeting and
// the capabilities, logs in with cred (login.go) and reads the
// capabilities again. It returns the connection in the authenticated
// state, driven by hand (RawConn); the whole exchange goes to trace.
//
// The TLS policy: imaps:// verifies the certificate (Options.TLS). On
// imap://, STARTTLS is used whenever the server offers it. Where plaintext
// is not allowed (netconn.PlainAllowed: a host that is not loopback,
// without --insecure-plain), STARTTLS is required and the certificate
// verified; where it is allowed, the upgrade is opportunistic: a
// certificate that does not verify (a loopback test server's) keeps the
// connection encrypted rather than sending the password in plaintext,
// which the user allowed anyway.
func handshake(ctx context.Context, ep Endpoint, opts *importers.Options, cred *Credential, trace *redactor) (_ *RawConn, err error) {
	nc, err := netconn.Dial(ctx, "imap", ep.Addr())
	if err != nil {
		return nil, err
	}
	// The progress deadline sits on the TCP connection, under TLS; until
	// the login is done, ctx bounds everything through the socket.
	p := netconn.NewProgress(nc, opts.NetTimeout())
	p.Arm()
	defer p.Disarm()
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c := &RawConn{prog: p, ep: ep}
	c.setConn(p, trace)
	defer func() {
		if !stop() && err == nil {
			err = ctx.Err() // ctx ended while we were done: the socket is closed
		}
		if err != nil {
			nc.Close()
			if ctx.Err() != nil {
				err = fmt.Errorf("imap: %s: %w", ep.Addr(), ctx.Err())
			}
			err = importers.RedactError(p.WithTimeout(err))
		}
	}()
	if ep.ImplicitTLS() {
		cfg := netconn.ForHost(opts.TLS, ep.Host)
		if cfg.NextProtos == nil {
			cfg.NextProtos = []string{"imap"}
		}
		tc := tls.Client(p, cfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, netconn.TLSError("imap", "TLS", ep.Addr(), err, "this port speaks plaintext: use imap:// for STARTTLS")
		}
		c.setConn(tc, trace)
	}
	preauth, err := c.greeting()
	if err != nil {
		return nil, err
	}
	if !ep.ImplicitTLS() {
		switch {
		case c.caps["STARTTLS"] && !preauth:
			if err := c.startTLS(ctx, opts, trace); err != nil {
				return nil, err
			}
		case ep.startTLSRequired(opts):
			return nil, failure.Permanent(failure.Store, fmt.Errorf("imap: %s does not offer STARTTLS; refusing to send the password in plaintext "+
				"(a plaintext connection to a host that is not loopback must be upgraded: use imaps://, or --insecure-plain on a network you trust)", ep.Addr()))
		}
	}
	if preauth {
		return c, nil
	}
	if err := c.login(ctx, cred, trace); err != nil {
		return nil, err
	}
	if err := c.capability(); err != nil {
		return nil, err
	}
	return c, nil
}

// setConn makes c read and write conn (through trace when not nil).
func (c *RawConn) setConn(conn net.Conn, trace *redactor) {
	c.conn = conn
	c.tee = &traced{Conn: conn}
	if trace != nil {
		c.tee.trace = trace
	}
	c.r = bufio.NewReaderSize(c.tee, 16<<10)
	c.w = bufio.NewWriterSize(c.tee, 64<<10)
}

// traced is a connection whose bytes, both ways, also go to trace while
// it is set.
type traced struct {
	net.Conn
	trace *redactor
}

func (t *traced) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	if n > 0 && t.trace != nil {
		t.trace.Write(p[:n])
	}
	return n, err
}

func (t *traced) Write(p []byte) (int, error) {
	if t.trace != nil {
		t.trace.Write(p)
	}
	return t.Conn.Write(p)
}

// greeting reads the server's greeting and the capabilities (from the
// greeting's CAPABILITY code, or asked for). preauth: the server logged
// the connection in already.
func (c *RawConn) greeting() (preauth bool, err error) {
	line, err := c.readLine()
	if err != nil {
		return false, fmt.Errorf("imap: greeting from %s: %w", c.ep.Addr(), ioError(err))
	}
	upper := strings.ToUpper(line)
	switch {
	case strings.HasPrefix(upper, "* OK"):
	case strings.HasPrefix(upper, "* PREAUTH"):
		preauth = true
	case strings.HasPrefix(upper, "* BYE"):
		// Busy, or too many connections: another time may do.
		return false, failure.Transient(fmt.Errorf("imap: %s refused the connection: %.200s", c.ep.Addr(), line))
	case strings.HasPrefix(upper, "+OK"):
		return false, failure.Permanent(failure.Store, fmt.Errorf("imap: %s greets with %.100q: this is a POP3 server, not IMAP; use pop3://%s (or pop3s://) to read from it",
			c.ep.Addr(), line, strings.TrimPrefix(strings.TrimPrefix(c.ep.String(), "imaps://"), "imap://")))
	default:
		return false, failure.Permanent(failure.Store, fmt.Errorf("imap: %s: %w: unexpected greeting %.200q (is this an IMAP server?)", c.ep.Addr(), ErrProtocol, line))
	}
	if _, rest, ok := strings.Cut(line, "[CAPABILITY "); ok {
		if list, _, ok := strings.Cut(rest, "]"); ok {
			c.setCaps(list)
			return preauth, nil
		}
	}
	return preauth, c.capability()
}

// startTLS sends STARTTLS and makes the TLS handshake, verified where
// plaintext is not allowed, opportunistic where it is (see handshake).
func (c *RawConn) startTLS(ctx context.Context, opts *importers.Options, trace *redactor) error {
	ep := c.ep
	if err := c.simple("STARTTLS"); err != nil {
		return fmt.Errorf("imap: STARTTLS with %s: %w", ep.Addr(), classified(err))
	}
	if c.r.Buffered() > 0 {
		return failure.Permanent(failure.Store, fmt.Errorf("imap: STARTTLS with %s: %w: the server sent data before the TLS handshake", ep.Addr(), ErrProtocol))
	}
	cfg := netconn.ForHost(opts.TLS, ep.Host)
	if !ep.startTLSRequired(opts) {
		var unverified func(error) // only a debug line wants the outcome
		if log := opts.Log(); log.Enabled(ctx, slog.LevelDebug) {
			unverified = func(err error) {
				log.Debug("imap: STARTTLS: certificate not verified (plaintext is allowed for this host, so the connection stays encrypted)", "host", ep.Host, "error", err)
			}
		}
		cfg = netconn.Opportunistic(cfg, unverified)
	}
	tc := tls.Client(c.conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return netconn.TLSError("imap", "STARTTLS", ep.Addr(), err, "the server did not start TLS after STARTTLS")
	}
	c.setConn(tc, trace)
	return c.capability()
}

// ioError classifies an error of reading or writing the connection: a
// response the client refused (ErrProtocol) is permanent, anything else
// (the connection broke, the progress deadline) transient.
func ioError(err error) error {
	if err == nil || failure.Classify(err).Kind != failure.Unknown {
		return err
	}
	if errors.Is(err, ErrProtocol) {
		return failure.Permanent(failure.Store, err)
	}
	return failure.Transient(err)
}

// classified is err of a command: the server's answer (*imap.Error, NO or
// BAD) is permanent, the rest as ioError.
func classified(err error) error {
	var ie *imap.Error
	if errors.As(err, &ie) && failure.Classify(err).Kind == failure.Unknown {
		return failure.Permanent(failure.Store, err)
	}
	return ioError(err)
}
