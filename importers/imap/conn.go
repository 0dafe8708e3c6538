package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/importers"
)

// ErrLogin marks a refused login (wrong user name or password).
var ErrLogin = errors.New("login refused")

// dialTimeout bounds the TCP connect.
const dialTimeout = 30 * time.Second

// Conn is one logged-in IMAP connection. It is used by one goroutine at a
// time. go-imap has no context: bind an operation to a ctx with Watch.
type Conn struct {
	// C is the go-imap client.
	C *imapclient.Client
	// Caps are the capabilities after login.
	Caps imap.CapSet
	// Namespace is the personal namespace (prefix and delimiter).
	Namespace
	// Endpoint is where the connection goes.
	Endpoint Endpoint

	sel *Selected
}

// Selected describes the mailbox this Conn has selected.
type Selected struct {
	Name        string
	ReadOnly    bool
	UIDValidity uint32
	UIDNext     uint32
	NumMessages uint32
}

// Alive reports whether the connection can still be used. A connection is
// dead after a network error, after Close, and after go-imap closed it
// (it does so when the server refuses a synchronizing literal).
func (c *Conn) Alive() bool {
	select {
	case <-c.C.Closed():
		return false
	default:
	}
	return c.C.State() != imap.ConnStateLogout
}

// Watch closes the connection when ctx is done, which makes every pending
// go-imap call return. Call the returned stop when the operation is over;
// if ctx ended, the connection is dead and the caller should return
// ctx.Err().
func (c *Conn) Watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { c.C.Close() })
}

// Close logs out (waiting at most a few seconds) and closes the
// connection.
func (c *Conn) Close() error {
	if c.Alive() {
		done := make(chan struct{})
		go func() {
			c.C.Logout().Wait()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
		}
	}
	err := c.C.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Selection returns the selected mailbox, or nil.
func (c *Conn) Selection() *Selected {
	if c.sel == nil || c.C.Mailbox() == nil {
		return nil
	}
	return c.sel
}

// Reselect is Select that always sends SELECT/EXAMINE, for a current
// message count and UIDNEXT.
func (c *Conn) Reselect(mailbox string, readOnly bool) (*Selected, error) {
	c.sel = nil
	return c.Select(mailbox, readOnly)
}

// Select selects mailbox (read-only with EXAMINE when readOnly), unless it
// is already selected that way. Then the Selected returned is the one of
// the earlier SELECT: its counts may be out of date (use Reselect).
func (c *Conn) Select(mailbox string, readOnly bool) (*Selected, error) {
	if s := c.Selection(); s != nil && s.Name == mailbox && s.ReadOnly == readOnly {
		return s, nil
	}
	c.sel = nil // a failed SELECT deselects
	d, err := c.C.Select(mailbox, &imap.SelectOptions{ReadOnly: readOnly}).Wait()
	if err != nil {
		return nil, err
	}
	c.sel = &Selected{Name: mailbox, ReadOnly: readOnly, UIDValidity: d.UIDValidity, UIDNext: uint32(d.UIDNext), NumMessages: d.NumMessages}
	return c.sel, nil
}

// Dial connects to ep, secures the connection as the TLS policy demands,
// logs in with the password from opts.Password(role, ep.User) and reads the
// capabilities and the personal namespace. role is used when opts.Role is
// empty.
func Dial(ctx context.Context, ep Endpoint, opts *importers.Options, role string) (*Conn, error) {
	if opts == nil {
		opts = &importers.Options{}
	}
	if opts.Role != "" {
		role = opts.Role
	}
	return dial(ctx, ep, opts, func() (string, error) { return password(opts, role, ep) })
}

func password(opts *importers.Options, role string, ep Endpoint) (string, error) {
	if opts.Password == nil {
		return "", fmt.Errorf("imap: no password for %s (set MAILFERRY_PASSWORD or use --password-file)", ep)
	}
	pw, err := opts.Password(role, ep.User)
	if err != nil {
		return "", fmt.Errorf("imap: password for %s: %w", ep, err)
	}
	return pw, nil
}

func (ep Endpoint) startTLSRequired(opts *importers.Options) bool {
	if ep.requireTLS != nil {
		return *ep.requireTLS
	}
	return StartTLSRequired(ep.Host, opts.InsecurePlain)
}

// tlsConfig clones opts.TLS and names the server.
func tlsConfig(opts *importers.Options, host string) *tls.Config {
	var cfg *tls.Config
	if opts.TLS != nil {
		cfg = opts.TLS.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if cfg.ServerName == "" {
		cfg.ServerName = host
	}
	return cfg
}

func dial(ctx context.Context, ep Endpoint, opts *importers.Options, getPassword func() (string, error)) (_ *Conn, err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	raw, err := d.DialContext(ctx, "tcp", ep.Addr())
	if err != nil {
		return nil, fmt.Errorf("imap: connect to %s: %w", ep.Addr(), err)
	}
	// Until the login is done, ctx bounds everything through the socket.
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer func() {
		if err != nil {
			stop()
			raw.Close()
			if ctx.Err() != nil {
				err = fmt.Errorf("imap: %s: %w", ep.Addr(), ctx.Err())
			}
		}
	}()

	cfg := tlsConfig(opts, ep.Host)
	copts := &imapclient.Options{TLSConfig: cfg}
	var trace *redactor
	if opts.Debug != nil {
		trace = newRedactor(opts.Debug)
		copts.DebugWriter = trace
	}
	var c *imapclient.Client
	switch {
	case ep.ImplicitTLS():
		tcfg := cfg.Clone()
		if tcfg.NextProtos == nil {
			tcfg.NextProtos = []string{"imap"}
		}
		tc := tls.Client(raw, tcfg)
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, tlsError("TLS", ep, err)
		}
		c = imapclient.New(tc, copts)
	case ep.startTLSRequired(opts):
		c, err = imapclient.NewStartTLS(raw, copts)
		if err != nil {
			if certError(err) {
				return nil, tlsError("STARTTLS", ep, err)
			}
			return nil, fmt.Errorf("imap: STARTTLS with %s: %w (a plaintext connection to a host that is not loopback must be upgraded: use imaps://, or --insecure-plain on a network you trust)", ep.Addr(), err)
		}
	default:
		c = imapclient.New(raw, copts)
	}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if err := c.WaitGreeting(); err != nil {
		return nil, fmt.Errorf("imap: greeting from %s: %w", ep.Addr(), err)
	}

	if c.State() != imap.ConnStateAuthenticated { // not PREAUTH
		if err := login(c, ep, getPassword, trace); err != nil {
			return nil, err
		}
	}
	conn := &Conn{C: c, Endpoint: ep}
	conn.Caps = c.Caps()
	if conn.Caps == nil {
		return nil, fmt.Errorf("imap: %s: no CAPABILITY answer", ep.Addr())
	}
	if err := conn.readNamespace(); err != nil {
		return nil, fmt.Errorf("imap: %s: %w", ep.Addr(), err)
	}
	if !stop() {
		// ctx ended while we were done: the socket is closed.
		return nil, ctx.Err()
	}
	return conn, nil
}

// certError reports whether err is a failed certificate check.
func certError(err error) bool {
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	var he x509.HostnameError
	var ve *tls.CertificateVerificationError
	return errors.As(err, &ua) || errors.As(err, &ci) || errors.As(err, &he) || errors.As(err, &ve)
}

// tlsError wraps a failed TLS handshake (what is "TLS" or "STARTTLS") with
// a hint at the usual causes.
func tlsError(what string, ep Endpoint, err error) error {
	hint := ""
	switch {
	case certError(err):
		hint = " (the server's certificate is not trusted: for a self-signed certificate or a private CA give the CA's certificate with --tls-ca FILE)"
	case strings.Contains(err.Error(), "does not look like a TLS handshake"):
		hint = " (this port speaks plaintext: use imap:// for STARTTLS)"
	}
	return fmt.Errorf("imap: %s with %s: %w%s", what, ep.Addr(), err, hint)
}

func login(c *imapclient.Client, ep Endpoint, getPassword func() (string, error), trace *redactor) error {
	pw, err := getPassword()
	if err != nil {
		return err
	}
	caps := c.Caps()
	trace.secret(pw)
	defer trace.secret("")
	if caps.Has(imap.CapLoginDisabled) {
		plain := false
		for _, m := range caps.AuthMechanisms() {
			plain = plain || strings.EqualFold(m, "PLAIN")
		}
		if !plain {
			return fmt.Errorf("imap: %s refuses LOGIN (LOGINDISABLED) and offers no AUTH=PLAIN", ep.Addr())
		}
		err = c.Authenticate(sasl.NewPlainClient("", ep.User, pw))
	} else {
		err = c.Login(ep.User, pw).Wait()
	}
	if err != nil {
		var ie *imap.Error
		if errors.As(err, &ie) {
			return fmt.Errorf("imap: login as %q at %s: %w: %w", ep.User, ep.Addr(), ErrLogin, err)
		}
		return fmt.Errorf("imap: login as %q at %s: %w", ep.User, ep.Addr(), err)
	}
	return nil
}

// readNamespace reads the personal namespace, or only the delimiter from
// LIST "" "" when the server has no NAMESPACE.
func (c *Conn) readNamespace() error {
	if c.Caps.Has(imap.CapNamespace) {
		nd, err := c.C.Namespace().Wait()
		if err == nil && len(nd.Personal) > 0 {
			c.Prefix, c.Delim = nd.Personal[0].Prefix, nd.Personal[0].Delim
			for _, d := range append(append([]imap.NamespaceDescriptor(nil), nd.Other...), nd.Shared...) {
				c.Others = append(c.Others, d.Prefix)
			}
			return nil
		}
	}
	l, err := c.C.List("", "", nil).Collect()
	if err != nil {
		return fmt.Errorf("LIST for the hierarchy delimiter: %w", err)
	}
	if len(l) > 0 {
		c.Delim = l[0].Delim
	}
	return nil
}

// Session is a connection that comes back: Conn returns the live
// connection or dials a new one (a failed APPEND literal, a server that
// closed an idle connection). The password is asked for once.
type Session struct {
	ep   Endpoint
	opts *importers.Options
	role string
	conn *Conn
	pw   *string
}

// NewSession returns a Session for ep; nothing is dialed yet. role ("source"
// or "target") is passed to opts.Password when opts.Role is empty.
func NewSession(ep Endpoint, opts *importers.Options, role string) *Session {
	if opts == nil {
		opts = &importers.Options{}
	}
	if opts.Role != "" {
		role = opts.Role
	}
	return &Session{ep: ep, opts: opts, role: role}
}

// Endpoint returns the session's endpoint.
func (s *Session) Endpoint() Endpoint { return s.ep }

// Options returns the options the session was made with.
func (s *Session) Options() *importers.Options { return s.opts }

// Conn returns the live connection, dialing (again) when there is none.
func (s *Session) Conn(ctx context.Context) (*Conn, error) {
	// A canceled ctx must fail the operation even when the command would
	// finish before Watch closes the connection.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.conn != nil && s.conn.Alive() {
		return s.conn, nil
	}
	if s.conn != nil {
		s.conn.C.Close()
		s.conn = nil
	}
	c, err := dial(ctx, s.ep, s.opts, s.password)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return c, nil
}

// Current returns the connection without dialing, or nil.
func (s *Session) Current() *Conn { return s.conn }

func (s *Session) password() (string, error) {
	if s.pw != nil {
		return *s.pw, nil
	}
	pw, err := password(s.opts, s.role, s.ep)
	if err != nil {
		return "", err
	}
	s.pw = &pw
	return pw, nil
}

// Drop closes the connection at once, without LOGOUT. The server discards
// a command that was not complete, such as an APPEND whose literal stopped
// short. The next Conn dials again.
func (s *Session) Drop() {
	if s.conn != nil {
		s.conn.C.Close()
		s.conn = nil
	}
}

// Close logs out and closes the connection.
func (s *Session) Close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}
