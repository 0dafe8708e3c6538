package imapclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/mutf7"
	"github.com/mailferry/mailferry/internal/netconn"
)

// RawConn is a logged-in IMAP connection driven without go-imap, for the
// one command go-imap v2 cannot send: APPEND of several messages at once
// (MULTIAPPEND, RFC 3502), streamed with non-synchronizing literals
// (LITERAL+, RFC 7888) when the server has them. Dovecot stores a
// MULTIAPPEND in one transaction: all of the messages or none, at a
// fraction of the cost of one APPEND each.
//
// It starts with the same handshake as Dial (handshake.go): TLS policy,
// STARTTLS and the login with the Session's credential. A RawConn is used by one goroutine at a time.
type RawConn struct {
	ep   Endpoint
	conn net.Conn          // TLS, or prog itself
	prog *netconn.Progress // the TCP connection with the progress deadline
	tee  *traced           // conn, through the trace of the handshake
	r    *bufio.Reader
	w    *bufio.Writer
	tag  int
	caps map[string]bool
	// capList is the last CAPABILITY list as the server spelled it.
	capList string
	dead    bool
	// collect, when set, sees every untagged response (without "* ").
	collect func(string)
	// lastOK is the text of the last tagged OK ("[APPENDUID 1 5:7] Done").
	lastOK string
}

// RawMessage is one message of a RawConn.Append.
type RawMessage struct {
	Flags []imap.Flag
	Date  time.Time // zero: the server's time
	Data  []byte    // CRLF line endings
}

// DialRaw opens a new RawConn for the Session's endpoint, with the
// handshake and login every connection shares (handshake.go).
func (s *Session) DialRaw(ctx context.Context) (*RawConn, error) {
	return handshake(ctx, s.ep, s.opts, s.cred, nil)
}

// AppendUIDs returns the UIDVALIDITY and the UIDs the server gave the
// messages of the last successful Append (RFC 4315 APPENDUID), in order;
// ok is false when the server sent none (no UIDPLUS) or the set does not
// list them one by one.
func (c *RawConn) AppendUIDs() (validity uint32, uids []imap.UID, ok bool) {
	return ParseAppendUID(c.lastOK)
}

// ParseAppendUID parses the APPENDUID response code at the start of a
// tagged OK's text: "[APPENDUID 38505 3955:3957] APPEND completed".
func ParseAppendUID(text string) (validity uint32, uids []imap.UID, ok bool) {
	code, _, found := strings.Cut(strings.TrimPrefix(text, "["), "]")
	if !found || !strings.HasPrefix(text, "[") {
		return 0, nil, false
	}
	f := strings.Fields(code)
	if len(f) != 3 || !strings.EqualFold(f[0], "APPENDUID") {
		return 0, nil, false
	}
	v, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil || v == 0 {
		return 0, nil, false
	}
	for _, part := range strings.Split(f[2], ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := strconv.ParseUint(lo, 10, 32)
		if err != nil || a == 0 {
			return 0, nil, false
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 32); err != nil || b < a || b-a > 1<<20 {
				return 0, nil, false
			}
		}
		for u := a; u <= b; u++ {
			uids = append(uids, imap.UID(u))
		}
	}
	return uint32(v), uids, true
}

// Has reports whether the server announced the capability (upper case).
func (c *RawConn) Has(capability string) bool { return c.caps[capability] }

// Alive reports whether the connection can still be used.
func (c *RawConn) Alive() bool { return !c.dead }

// Close logs out and closes the connection.
func (c *RawConn) Close() error {
	if !c.dead {
		c.conn.SetDeadline(time.Now().Add(3 * time.Second))
		c.simple("LOGOUT")
	}
	c.dead = true
	err := c.conn.Close()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Drop closes the connection at once: the server discards a command that
// was not complete.
func (c *RawConn) Drop() {
	c.dead = true
	c.conn.Close()
}

func (c *RawConn) nextTag() string {
	c.tag++
	return "m" + strconv.Itoa(c.tag)
}

// readLine reads one response line without CRLF; literals inside it are
// read and kept inline (enough for the responses this code looks at).
func (c *RawConn) readLine() (string, error) {
	var b strings.Builder
	for {
		var lb []byte
		for {
			chunk, err := c.r.ReadSlice('\n')
			lb = append(lb, chunk...)
			if err == nil {
				break
			}
			if err != bufio.ErrBufferFull {
				c.dead = true
				return "", err
			}
			if len(lb)+b.Len() > maxLine {
				c.Drop()
				return "", fmt.Errorf("imap: %w: the server sent a line of more than %d bytes: refused", ErrProtocol, maxLine)
			}
		}
		line := strings.TrimRight(string(lb), "\r\n")
		b.WriteString(line)
		n, ok := literalSize(line)
		if !ok {
			return b.String(), nil
		}
		// This client only reads status lines and short data: a literal
		// in them is a string, never a message.
		if n > maxStringLiteral {
			c.Drop()
			return "", fmt.Errorf("imap: %w: the server announced a literal of %d bytes where at most %d are expected: refused", ErrProtocol, n, maxStringLiteral)
		}
		if _, err := io.CopyN(&b, c.r, n); err != nil {
			c.dead = true
			return "", err
		}
	}
}

// literalSize reports the size of a literal announced at the end of line.
func literalSize(line string) (int64, bool) {
	if !strings.HasSuffix(line, "}") {
		return 0, false
	}
	i := strings.LastIndexByte(line, '{')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(line[i+1:len(line)-1], "+"), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// await reads responses until the tagged one; it returns nil for OK and an
// *imap.Error for NO and BAD. cont, when not nil, is called for a "+"
// continuation request; returning from it resumes reading.
func (c *RawConn) await(tag string, cont func() error) error {
	var f func(string) error
	if cont != nil {
		f = func(string) error { return cont() }
	}
	return c.awaitText(tag, f)
}

// awaitText is await whose cont gets the continuation's text (after "+").
func (c *RawConn) awaitText(tag string, cont func(text string) error) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return fmt.Errorf("imap: connection lost: %w", ioError(c.prog.WithTimeout(err)))
		}
		switch {
		case strings.HasPrefix(line, "+"):
			if cont == nil {
				c.Drop()
				return failure.Permanent(failure.Store, fmt.Errorf("imap: %w: unexpected continuation request", ErrProtocol))
			}
			if err := cont(strings.TrimPrefix(line[1:], " ")); err != nil {
				return ioError(err)
			}
		case strings.HasPrefix(line, "* "):
			c.untagged(line[2:])
		case strings.HasPrefix(line, tag+" "):
			st := line[len(tag)+1:]
			if len(st) >= 2 && strings.EqualFold(st[:2], "OK") {
				c.lastOK = strings.TrimSpace(st[2:])
			}
			return statusError(st)
		}
	}
}

func (c *RawConn) untagged(s string) {
	if c.collect != nil {
		c.collect(s)
	}
	switch {
	case strings.HasPrefix(s, "CAPABILITY "):
		c.setCaps(strings.TrimPrefix(s, "CAPABILITY "))
	case strings.HasPrefix(s, "BYE"):
		c.dead = true
	}
}

func (c *RawConn) setCaps(s string) {
	c.capList = s
	c.caps = map[string]bool{}
	for _, f := range strings.Fields(s) {
		c.caps[strings.ToUpper(f)] = true
	}
}

// statusError parses "OK|NO|BAD [CODE ...] text".
func statusError(s string) error {
	kind, rest, _ := strings.Cut(s, " ")
	kind = strings.ToUpper(kind)
	if kind == "OK" {
		return nil
	}
	rest = importers.RedactSecrets(rest)
	e := &imap.Error{Type: imap.StatusResponseTypeNo, Text: rest}
	if kind == "BAD" {
		e.Type = imap.StatusResponseTypeBad
	}
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			code, _, _ := strings.Cut(rest[1:end], " ")
			e.Code = imap.ResponseCode(strings.ToUpper(code))
			e.Text = strings.TrimSpace(rest[end+1:])
		}
	}
	return e
}

func (c *RawConn) simple(cmd string) error {
	tag := c.nextTag()
	c.w.WriteString(tag + " " + cmd + "\r\n")
	if err := c.w.Flush(); err != nil {
		c.dead = true
		return err
	}
	return c.await(tag, nil)
}

func (c *RawConn) capability() error {
	if err := c.simple("CAPABILITY"); err != nil {
		return fmt.Errorf("imap: CAPABILITY: %w", err)
	}
	return nil
}

// astring writes s as a quoted string or a literal; a synchronizing
// literal waits for the server's "+".
func (c *RawConn) astring(tag, s string) error {
	if quotable(s) {
		c.w.WriteString(quote(s))
		return nil
	}
	if c.caps["LITERAL+"] {
		fmt.Fprintf(c.w, "{%d+}\r\n%s", len(s), s)
		return nil
	}
	fmt.Fprintf(c.w, "{%d}\r\n", len(s))
	if err := c.w.Flush(); err != nil {
		c.dead = true
		return err
	}
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(line, "+"):
			c.w.WriteString(s)
			return nil
		case strings.HasPrefix(line, tag+" "):
			if err := statusError(line[len(tag)+1:]); err != nil {
				return err
			}
			c.Drop()
			return errors.New("command ended before its literal")
		case strings.HasPrefix(line, "* "):
			c.untagged(line[2:])
		}
	}
}

// quotable reports whether s can be sent as a quoted string.
func quotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// AppendFlags returns the flags of flags that APPEND can set: the system
// flags \Seen, \Answered, \Flagged, \Deleted and \Draft (in canonical
// case) and keywords that are IMAP atoms. \Recent (no client can set it),
// other system flags (Dovecot answers BAD) and keywords with spaces,
// parentheses, quotes or non-ASCII characters (possible in Maildir
// keyword files and Thunderbird tags; not sendable) are left out, so that
// the message is stored without them rather than not at all.
func AppendFlags(flags []imap.Flag) []imap.Flag {
	out := make([]imap.Flag, 0, len(flags))
	for _, f := range flags {
		if strings.HasPrefix(string(f), `\`) {
			for _, sf := range systemFlags {
				if strings.EqualFold(string(f), string(sf)) && !slices.Contains(out, sf) {
					out = append(out, sf)
				}
			}
			continue
		}
		if flagAtom(f) && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return out
}

var systemFlags = []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}

// flagAtom reports whether keyword f is an IMAP atom (RFC 3501 flag-keyword).
func flagAtom(f imap.Flag) bool {
	s := string(f)
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch <= 0x20 || ch >= 0x7f || strings.IndexByte(`(){%*"\]`, ch) >= 0 {
			return false
		}
	}
	return true
}

// Append stores msgs in mailbox (a server name in UTF-8) with one APPEND:
// one message is a plain APPEND, several a MULTIAPPEND (the caller checks
// Has("MULTIAPPEND")). The server stores all or none. A NO or BAD answer is
// returned as *imap.Error; on any other error the connection is dropped.
func (c *RawConn) Append(ctx context.Context, mailbox string, msgs []RawMessage) error {
	if c.dead {
		return failure.Transient(errors.New("imap: connection closed"))
	}
	stop := context.AfterFunc(ctx, func() { c.conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	c.prog.Arm()
	defer c.prog.Disarm()
	c.lastOK = ""
	plus := c.caps["LITERAL+"]
	tag := c.nextTag()
	c.w.WriteString(tag + " APPEND " + quote(EncodeMailbox(mailbox)))
	next := 0 // the message whose literal the server waits for (sync literals)
	writeMeta := func(m RawMessage) {
		var flags []string
		for _, f := range AppendFlags(m.Flags) {
			flags = append(flags, string(f))
		}
		c.w.WriteString(" (" + strings.Join(flags, " ") + ")")
		if !m.Date.IsZero() {
			c.w.WriteString(` "` + m.Date.Format("02-Jan-2006 15:04:05 -0700") + `"`)
		}
		if plus {
			fmt.Fprintf(c.w, " {%d+}\r\n", len(m.Data))
		} else {
			fmt.Fprintf(c.w, " {%d}\r\n", len(m.Data))
		}
	}
	fail := func(err error) error {
		c.Drop()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("imap: APPEND: %w", ioError(c.prog.WithTimeout(err)))
	}
	if plus {
		for _, m := range msgs {
			writeMeta(m)
			if _, err := c.w.Write(m.Data); err != nil {
				return fail(err)
			}
		}
		c.w.WriteString("\r\n")
		if err := c.w.Flush(); err != nil {
			return fail(err)
		}
		if err := c.await(tag, nil); err != nil {
			var ie *imap.Error
			if !errors.As(err, &ie) {
				return fail(err)
			}
			return err
		}
		return nil
	}
	writeMeta(msgs[0])
	if err := c.w.Flush(); err != nil {
		return fail(err)
	}
	err := c.await(tag, func() error {
		if next >= len(msgs) {
			return errors.New("unexpected continuation request")
		}
		c.w.Write(msgs[next].Data)
		next++
		if next < len(msgs) {
			writeMeta(msgs[next])
		} else {
			c.w.WriteString("\r\n")
		}
		return c.w.Flush()
	})
	if err != nil {
		var ie *imap.Error
		if !errors.As(err, &ie) {
			return fail(err)
		}
		if next > 0 && next < len(msgs) {
			// Refused in the middle of the command: the server expects no
			// more, but we cannot be sure of the state: start afresh.
			c.Drop()
		}
		return err
	}
	return nil
}

// EncodeMailbox encodes a UTF-8 mailbox name in modified UTF-7 (RFC 3501
// section 5.1.3), as it goes on the wire.
func EncodeMailbox(s string) string { return mutf7.Encode(s) }
