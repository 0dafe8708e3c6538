package imapclient

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	goimap "github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// Conn is one logged-in IMAP connection. It is used by one goroutine at a
// time. go-imap has no context: bind an operation to a ctx with Watch.
type Conn struct {
	// C is the go-imap client.
	C *goimap.Client
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

func (u *unsolicited) fetch(msg *goimap.FetchMessageData) {
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case goimap.FetchItemDataUID:
			u.mu.Lock()
			if u.seqs == nil {
				u.seqs = map[uint32][]uint32{}
			}
			u.seqs[uint32(it.UID)] = append(u.seqs[uint32(it.UID)], msg.SeqNum)
			u.mu.Unlock()
		case goimap.FetchItemDataBodySection:
			if it.Literal != nil {
				io.Copy(io.Discard, it.Literal)
			}
		case goimap.FetchItemDataBinarySection:
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
	return take(&u.mu, &u.seqs)
}

// take returns *v and sets it to its zero value, holding mu.
func take[T any](mu *sync.Mutex, v *T) T {
	mu.Lock()
	defer mu.Unlock()
	t := *v
	var zero T
	*v = zero
	return t
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
// error does not tell it (a timeout, a refused response), with registered
// secrets removed from the server's text, and classified
// (internal/failure) where go-imap did not: a response the client cannot
// parse or refused is permanent (Garbage), a failure that left the
// connection dead is transient (a retry on a new connection may do),
// the server's answer (NO, BAD) is left to the caller.
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
	var ie *imap.Error
	switch {
	case failure.Classify(err).Kind != failure.Unknown:
	case Garbage(err):
		err = failure.Permanent(failure.Store, err)
	case errors.As(err, &ie):
	case !c.Alive() || c.wire.timedOut() || failure.IsNetwork(err):
		err = failure.Transient(err)
	}
	return importers.RedactError(err)
}

// Garbage reports whether err is a response the client could not parse
// (a literal size that is not a number, a name that is not modified
// UTF-7) or refused (ErrProtocol): asking again gets the same answer.
func Garbage(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrProtocol) {
		return true
	}
	// QUIRK: go-imap formats its parse errors with %v, so the text is all
	// there is.
	msg := err.Error()
	return strings.Contains(msg, "imapwire: expected") || strings.Contains(msg, "utf7:") || strings.Contains(msg, ErrProtocol.Error())
}

// Abandon closes c after a literal could not be read to its end (the
// connection broke, a spool file could not be written), without touching
// the FETCH command again.
//
// QUIRK: go-imap v2 (beta.8) lets its reader goroutine go on as soon as a
// literal reader returns an error; reading the literal again, as
// FetchMessageData.Next and FetchCommand.Close do to discard it, then
// races with that goroutine on the connection's buffer (go test -race,
// TestConnectionFaults). The reader goroutine ends on its own once the
// connection is closed: the FETCH channels are buffered.
func (c *Conn) Abandon() { c.C.Close() }

// AbandonLiteral closes c while a literal is being handed out, without
// reading it: go-imap's reader goroutine waits until the literal reader
// returns an error, and Close waits for that goroutine. The connection is
// killed first, so the reads that release it end after go-imap's buffer.
func (c *Conn) AbandonLiteral(lit io.Reader) {
	if c.wire != nil {
		c.wire.kill()
	}
	io.Copy(io.Discard, lit)
	c.C.Close()
}

// TakeUnsolicited returns (and forgets) the UIDs of FETCH responses
// go-imap did not hand to a command, with their sequence numbers (see
// unsolicited).
func (c *Conn) TakeUnsolicited() map[uint32][]uint32 { return c.uns.take() }

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

// Selected returns the Selected of the last SELECT or EXAMINE, even when
// go-imap has not recorded the selected mailbox yet (Selection), or nil.
func (c *Conn) Selected() *Selected { return c.sel }

// ForgetSelection makes the next Select send SELECT or EXAMINE again, for
// a fresh message count.
func (c *Conn) ForgetSelection() { c.sel = nil }

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
	if d.UIDNext == 0 {
		// QUIRK: Courier-IMAP sends no UIDNEXT with SELECT/EXAMINE (RFC
		// 3501 makes it optional); without it the target's sweep of late
		// commits never ran there. Ask STATUS, which Courier answers for
		// the selected mailbox too; a NO leaves it unknown (0).
		if st, err := c.C.Status(mailbox, &imap.StatusOptions{UIDValidity: true, UIDNext: true}).Wait(); err == nil && st.UIDValidity == d.UIDValidity {
			c.sel.UIDNext = uint32(st.UIDNext)
		}
	}
	return c.sel, nil
}

// Dial connects to ep with the handshake every connection shares
// (handshake.go: TLS policy, STARTTLS, the login with the credential of
// opts for role), hands the logged-in connection to go-imap and reads the
// capabilities and the personal namespace. role is used when opts.Role is
// empty.
func Dial(ctx context.Context, ep Endpoint, opts *importers.Options, role string) (*Conn, error) {
	if opts == nil {
		opts = &importers.Options{}
	}
	return dial(ctx, ep, opts, credential(ep, opts, role))
}

func (ep Endpoint) startTLSRequired(opts *importers.Options) bool {
	if ep.requireTLS != nil {
		return *ep.requireTLS
	}
	return StartTLSRequired(ep.Host, opts.InsecurePlain)
}

func dial(ctx context.Context, ep Endpoint, opts *importers.Options, cred *Credential) (_ *Conn, err error) {
	var trace *redactor
	if opts.Debug != nil {
		trace = newRedactor(opts.Debug)
	}
	rc, err := handshake(ctx, ep, opts, cred, trace)
	if err != nil {
		return nil, err
	}
	rc.tee.trace = nil // go-imap traces from here on
	w := newWire(rc.prog, rc.conn, true)
	w.arm()
	defer w.disarm()
	// go-imap reads a greeting first: the connection is logged in, with
	// the capabilities read after the login.
	w.f.out = []byte("* PREAUTH [CAPABILITY " + rc.capList + "] logged in\r\n")
	if n := rc.r.Buffered(); n > 0 {
		// What the server sent after the login's answer.
		b, _ := rc.r.Peek(n)
		if ferr := w.f.feed(b); ferr != nil {
			rc.Drop()
			return nil, failure.Permanent(failure.Store, ferr)
		}
	}
	uns := &unsolicited{}
	copts := &goimap.Options{UnilateralDataHandler: &goimap.UnilateralDataHandler{Fetch: uns.fetch}}
	if trace != nil {
		copts.DebugWriter = trace
	}
	stop := context.AfterFunc(ctx, func() { rc.conn.Close() })
	c := goimap.New(w, copts)
	defer func() {
		if err != nil {
			c.Close()
			if ctx.Err() != nil {
				err = fmt.Errorf("imap: %s: %w", ep.Addr(), ctx.Err())
			}
			err = ioError(w.p.WithTimeout(err))
		}
	}()
	if err := c.WaitGreeting(); err != nil {
		return nil, fmt.Errorf("imap: greeting from %s: %w", ep.Addr(), err)
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
	cred *Credential
	conn *Conn
}

// NewSession returns a Session for ep; nothing is dialed yet. role ("source"
// or "target") is passed to opts.Password and opts.Auth when opts.Role is
// empty.
func NewSession(ep Endpoint, opts *importers.Options, role string) *Session {
	if opts == nil {
		opts = &importers.Options{}
	}
	return &Session{ep: ep, opts: opts, cred: credential(ep, opts, role)}
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
	c, err := dial(ctx, s.ep, s.opts, s.cred)
	if err != nil {
		return nil, err
	}
	s.conn = c
	return c, nil
}

// Current returns the connection without dialing, or nil.
func (s *Session) Current() *Conn { return s.conn }

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
