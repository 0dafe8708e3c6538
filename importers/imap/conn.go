package imap

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
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

	sel  *Selected
	wire *wire
	uns  *unsolicited
}

// unsolicited records the FETCH responses go-imap did not hand to a
// command: among them a second response for a UID already received in
// the same UID FETCH, which is how a server that gives one UID to
// several messages shows (go-imap drops it).
type unsolicited struct {
	mu   sync.Mutex
	seqs map[uint32][]uint32 // UID -> sequence numbers
}

func (u *unsolicited) fetch(msg *imapclient.FetchMessageData) {
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			u.mu.Lock()
			if u.seqs == nil {
				u.seqs = map[uint32][]uint32{}
			}
			u.seqs[uint32(it.UID)] = append(u.seqs[uint32(it.UID)], msg.SeqNum)
			u.mu.Unlock()
		case imapclient.FetchItemDataBodySection:
			if it.Literal != nil {
				io.Copy(io.Discard, it.Literal)
			}
		case imapclient.FetchItemDataBinarySection:
			if it.Literal != nil {
				io.Copy(io.Discard, it.Literal)
			}
		}
	}
}

// take returns and forgets what was recorded.
func (u *unsolicited) take() map[uint32][]uint32 {
	if u == nil {
		return nil
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	s := u.seqs
	u.seqs = nil
	return s
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
//
// Watch also arms the progress deadline (importers.Options.Timeout): until
// stop, the connection is closed when no byte moves for that long.
func (c *Conn) Watch(ctx context.Context) (stop func() bool) {
	c.wire.arm()
	stopCtx := context.AfterFunc(ctx, func() { c.C.Close() })
	return func() bool {
		c.wire.disarm()
		return stopCtx()
	}
}

// TakeSkipped returns (and forgets) the mailbox names of LIST responses
// that were left out because go-imap could not decode them or no store
// should get them: control characters, NUL, invalid UTF-8 or modified
// UTF-7. The names are raw: quote them for a message (slog does).
func (c *Conn) TakeSkipped() []string { return c.wire.takeSkipped() }

// SkippedReason is why a mailbox of TakeSkipped was left out.
const SkippedReason = "its name has control characters, NUL, or is not valid (modified UTF-7 / UTF-8)"

// TimedOut reports whether the progress deadline closed the connection.
func (c *Conn) TimedOut() bool { return c.wire.timedOut() }

// Err returns err with the reason the connection died when go-imap's own
// error does not tell it (a timeout, a refused response), and with
// registered secrets removed from the server's text.
func (c *Conn) Err(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case c.wire == nil:
	case c.wire.timedOut() && !errors.Is(err, ErrTimeout):
		err = fmt.Errorf("%w (%w)", err, c.wire.timeoutError())
	case c.wire.refusal() != nil && !errors.Is(err, ErrProtocol) && !strings.Contains(err.Error(), c.wire.refusal().Error()):
		err = fmt.Errorf("%w (%w)", err, c.wire.refusal())
	}
	return importers.RedactError(err)
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
	importers.AddSecret(pw)
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
	uns := &unsolicited{}
	copts.UnilateralDataHandler = &imapclient.UnilateralDataHandler{Fetch: uns.fetch}
	var trace *redactor
	if opts.Debug != nil {
		trace = newRedactor(opts.Debug)
		copts.DebugWriter = trace
	}
	timeout := opts.NetTimeout()
	var conn net.Conn = raw
	var greeting []byte
	switch {
	case ep.ImplicitTLS():
		tcfg := cfg.Clone()
		if tcfg.NextProtos == nil {
			tcfg.NextProtos = []string{"imap"}
		}
		tc := tls.Client(raw, tcfg)
		raw.SetDeadline(time.Now().Add(timeout))
		if err := tc.HandshakeContext(ctx); err != nil {
			return nil, tlsError("TLS", ep, err)
		}
		raw.SetDeadline(time.Time{})
		conn = tc
	case ep.startTLSRequired(opts):
		// STARTTLS by hand rather than with imapclient.NewStartTLS, so
		// that the wire checks sit above TLS.
		tc, err := startTLS(ctx, raw, cfg, timeout, trace)
		if err != nil {
			if certError(err) {
				return nil, tlsError("STARTTLS", ep, err)
			}
			return nil, fmt.Errorf("imap: STARTTLS with %s: %w (a plaintext connection to a host that is not loopback must be upgraded: use imaps://, or --insecure-plain on a network you trust)", ep.Addr(), err)
		}
		conn = tc
		// go-imap reads a greeting first; the capabilities of the real
		// one are stale after STARTTLS (it asks again).
		greeting = []byte("* OK TLS established\r\n")
	}
	w := newWire(conn, timeout, true)
	w.f.out = greeting
	w.arm()
	defer w.disarm()
	c := imapclient.New(w, copts)
	defer func() {
		if err != nil {
			c.Close()
			if w.timedOut() && !errors.Is(err, ErrTimeout) {
				err = fmt.Errorf("%w (%w)", err, w.timeoutError())
			}
		}
	}()
	if err := c.WaitGreeting(); err != nil {
		return nil, fmt.Errorf("imap: greeting from %s: %w", ep.Addr(), err)
	}

	if c.State() != imap.ConnStateAuthenticated && opts.Auth != nil { // OAUTH2-HOOK: SASL (OAuth2) instead of the password
		if err := authLogin(ctx, opts, ep.User, func() []string { return c.Caps().AuthMechanisms() }, func(cl sasl.Client) error { return c.Authenticate(cl) }); err != nil {
			return nil, err
		}
	}
	if c.State() != imap.ConnStateAuthenticated { // not PREAUTH
		if err := login(c, ep, getPassword, trace); err != nil {
			return nil, err
		}
	}
	cn := &Conn{C: c, Endpoint: ep, wire: w, uns: uns}
	cn.Caps = c.Caps()
	if cn.Caps == nil {
		return nil, fmt.Errorf("imap: %s: no CAPABILITY answer", ep.Addr())
	}
	if err := cn.readNamespace(); err != nil {
		return nil, fmt.Errorf("imap: %s: %w", ep.Addr(), err)
	}
	if !stop() {
		// ctx ended while we were done: the socket is closed.
		return nil, ctx.Err()
	}
	return cn, nil
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
	importers.AddSecret(pw)
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
			return importers.RedactError(fmt.Errorf("imap: login as %q at %s: %w: %w", ep.User, ep.Addr(), ErrLogin, err))
		}
		return importers.RedactError(fmt.Errorf("imap: login as %q at %s: %w", ep.User, ep.Addr(), err))
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

// startTLS reads the greeting on a plaintext connection, sends STARTTLS
// and makes the TLS handshake; every step within timeout. The exchange
// goes to trace.
func startTLS(ctx context.Context, raw net.Conn, cfg *tls.Config, timeout time.Duration, trace *redactor) (*tls.Conn, error) {
	raw.SetDeadline(time.Now().Add(timeout))
	r := bufio.NewReaderSize(raw, 4096)
	readLine := func() (string, error) {
		var b []byte
		for {
			chunk, err := r.ReadSlice('\n')
			b = append(b, chunk...)
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull || len(b) > maxLine {
				return "", err
			}
		}
		if trace != nil {
			trace.Write(b)
		}
		return strings.TrimRight(string(b), "\r\n"), nil
	}
	greeting, err := readLine()
	if err != nil {
		return nil, fmt.Errorf("greeting: %w", err)
	}
	if !strings.HasPrefix(strings.ToUpper(greeting), "* OK") {
		return nil, fmt.Errorf("unexpected greeting %.200q", greeting)
	}
	const cmd = "T0 STARTTLS\r\n"
	if trace != nil {
		trace.Write([]byte(cmd))
	}
	if _, err := io.WriteString(raw, cmd); err != nil {
		return nil, err
	}
	for {
		line, err := readLine()
		if err != nil {
			return nil, err
		}
		if rest, ok := strings.CutPrefix(line, "T0 "); ok {
			if err := statusError(rest); err != nil {
				return nil, err
			}
			break
		}
	}
	if r.Buffered() > 0 {
		return nil, errors.New("the server sent data before the TLS handshake")
	}
	tc := tls.Client(raw, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	raw.SetDeadline(time.Time{})
	return tc, nil
}

// authLogin logs in with the SASL client of opts.Auth. A refusal that
// the client classifies as retryable (a cached token that expired) is
// tried once more with a new client, which fetches a new token; any
// other refusal is permanent. // OAUTH2-HOOK
func authLogin(ctx context.Context, opts *importers.Options, user string, mechs func() []string, auth func(sasl.Client) error) error {
	var err error
	for i := 0; i < 2 && (i == 0 || failure.Retryable(ctx, err)); i++ {
		var cl sasl.Client
		if cl, err = opts.Auth(ctx, opts.Role, user, mechs()); err != nil {
			return err
		}
		if err = auth(cl); err != nil {
			if lf, ok := cl.(interface{ LoginFailed(error) error }); ok {
				err = lf.LoginFailed(fmt.Errorf("%w: %w", ErrLogin, err))
			} else {
				err = failure.Permanent(failure.Store, importers.RedactError(fmt.Errorf("imap: %w: SASL login as %q: %w", ErrLogin, user, err)))
			}
		}
	}
	return err
}
