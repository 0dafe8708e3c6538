package pop3

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/internal/failure"
)

// ErrInUse is the server's "-ERR [IN-USE]" (RFC 2449): another client
// (a mail program left running, a phone) holds the maildrop lock.
var ErrInUse = errors.New("the maildrop is locked by another POP3 client ([IN-USE]): close the mail program or device that is checking this account, then run again")

// serverError is a "-ERR" answer.
type serverError struct {
	cmd  string
	text string
}

func (e *serverError) Error() string {
	return fmt.Sprintf("pop3: %s: -ERR %s", e.cmd, importers.RedactSecrets(e.text))
}

// conn is one POP3 session.
type conn struct {
	nc   net.Conn
	r    *bufio.Reader
	caps map[string]string // CAPA: name -> rest of the line
	// noTop, noUIDL: the server refused TOP or UIDL once.
	noTop, noUIDL bool
	debug         io.Writer
}

// readLine reads one line without its line end; a server that ends lines
// with a bare LF is accepted.
func (c *conn) readLine() ([]byte, error) {
	line, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		// A very long line: keep reading it.
		buf := append([]byte(nil), line...)
		for err == bufio.ErrBufferFull {
			line, err = c.r.ReadSlice('\n')
			buf = append(buf, line...)
		}
		line = buf
	}
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	return line, nil
}

// status reads a "+OK"/"-ERR" line.
func (c *conn) status(cmd string) (string, error) {
	line, err := c.readLine()
	if err != nil {
		return "", err
	}
	if c.debug != nil {
		fmt.Fprintf(c.debug, "S: %s\n", importers.RedactSecrets(string(line)))
	}
	s := string(line)
	switch {
	case strings.HasPrefix(s, "+OK"):
		return strings.TrimSpace(s[3:]), nil
	case strings.HasPrefix(s, "-ERR"):
		text := strings.TrimSpace(s[4:])
		if strings.HasPrefix(strings.ToUpper(text), "[IN-USE]") {
			// A lock is released when the other client quits: retry later.
			return "", failure.Mark(failure.Store, true, fmt.Errorf("%w (server: %s)", ErrInUse, importers.RedactSecrets(text)))
		}
		return "", &serverError{cmd: cmd, text: text}
	case strings.HasPrefix(s, "+ "), s == "+":
		return s, nil // SASL continuation
	}
	return "", failure.Transient(fmt.Errorf("pop3: %s: unexpected answer %q", cmd, trunc(s)))
}

func trunc(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return importers.RedactSecrets(s)
}

// cmd sends one command line and reads its status. shown is what the trace
// shows (the password redacted).
func (c *conn) cmd(line, shown string) (string, error) {
	if c.debug != nil {
		fmt.Fprintf(c.debug, "C: %s\n", shown)
	}
	if _, err := io.WriteString(c.nc, line+"\r\n"); err != nil {
		return "", err
	}
	name := shown
	if i := strings.IndexByte(name, ' '); i > 0 {
		name = name[:i]
	}
	return c.status(name)
}

// dotReader reads a multi-line answer: it removes the byte-stuffing of
// lines starting with "." and stops at the "." line. Line ends are
// returned as the server sent them.
type dotReader struct {
	c    *conn
	buf  []byte
	done bool
	err  error
}

func (d *dotReader) Read(p []byte) (int, error) {
	for len(d.buf) == 0 {
		if d.done {
			return 0, io.EOF
		}
		if d.err != nil {
			return 0, d.err
		}
		line, err := d.c.r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			d.err = err
			return 0, err
		}
		full := err == nil
		if full && (string(line) == ".\r\n" || string(line) == ".\n") {
			d.done = true
			return 0, io.EOF
		}
		if len(line) > 0 && line[0] == '.' {
			line = line[1:]
		}
		d.buf = append(d.buf[:0], line...)
		if !full {
			// The rest of a long line: no dot handling in its middle.
			for err == bufio.ErrBufferFull {
				line, err = d.c.r.ReadSlice('\n')
				d.buf = append(d.buf, line...)
			}
			if err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				d.err = err
			}
		}
	}
	n := copy(p, d.buf)
	d.buf = d.buf[n:]
	return n, nil
}

// multi reads a whole multi-line answer into memory (small ones only:
// CAPA, UIDL, LIST, TOP n 0).
func (c *conn) multi(max int64) ([]byte, error) {
	d := &dotReader{c: c}
	b, err := io.ReadAll(io.LimitReader(d, max))
	if err == nil {
		_, err = io.Copy(io.Discard, d) // beyond the limit: dropped
	}
	return b, err
}

// lines splits a multi-line answer.
func lines(b []byte) []string {
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimRight(l, "\r")
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// capa reads the capabilities (RFC 2449); a server without CAPA has none.
func (c *conn) capa() {
	c.caps = map[string]string{}
	if _, err := c.cmd("CAPA", "CAPA"); err != nil {
		return
	}
	b, err := c.multi(64 << 10)
	if err != nil {
		return
	}
	for _, l := range lines(b) {
		name, rest, _ := strings.Cut(l, " ")
		c.caps[strings.ToUpper(name)] = rest
	}
}

func (c *conn) has(capName string) bool { _, ok := c.caps[capName]; return ok }

// login authenticates: with opts.Auth (SASL AUTH, RFC 5034) when set,
// else USER/PASS. A refusal is permanent.
func (c *conn) login(ctx context.Context, ep Endpoint, opts *importers.Options, role string) error {
	if opts.Auth != nil {
		mechs := strings.Fields(c.caps["SASL"])
		cl, err := opts.Auth(ctx, role, ep.User, mechs)
		if err != nil {
			return failure.Permanent(failure.Store, fmt.Errorf("pop3: login %s: %w", ep.User, err))
		}
		mech, ir, err := cl.Start()
		if err != nil {
			return failure.Permanent(failure.Store, fmt.Errorf("pop3: login %s (%s): %w", ep.User, mech, err))
		}
		line := "AUTH " + mech
		if ir != nil {
			enc := base64.StdEncoding.EncodeToString(ir)
			importers.AddSecret(enc)
			if len(ir) == 0 {
				enc = "="
			}
			line += " " + enc
		}
		ans, err := c.cmd(line, "AUTH "+mech+" [redacted]")
		for err == nil && strings.HasPrefix(ans, "+") {
			chal, _ := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(ans, "+")))
			resp, rerr := cl.Next(chal)
			if rerr != nil {
				io.WriteString(c.nc, "*\r\n")
				c.status("AUTH")
				return failure.Permanent(failure.Store, fmt.Errorf("pop3: login %s (%s): %w", ep.User, mech, rerr))
			}
			enc := base64.StdEncoding.EncodeToString(resp)
			importers.AddSecret(enc)
			ans, err = c.cmd(enc, "[redacted]")
		}
		if err != nil {
			return loginErr(ep.User, mech, err)
		}
		return nil
	}
	if opts.Password == nil {
		return failure.Permanent(failure.Usage, fmt.Errorf("pop3: no password for %s", ep.User))
	}
	pw, err := opts.Password(role, ep.User)
	if err != nil {
		return failure.Permanent(failure.Usage, err)
	}
	importers.AddSecret(pw)
	if _, err := c.cmd("USER "+ep.User, "USER "+ep.User); err != nil {
		return loginErr(ep.User, "USER", err)
	}
	if _, err := c.cmd("PASS "+pw, "PASS [redacted]"); err != nil {
		return loginErr(ep.User, "PASS", err)
	}
	return nil
}

func loginErr(user, mech string, err error) error {
	var se *serverError
	if errors.As(err, &se) {
		return failure.Permanent(failure.Store, fmt.Errorf("pop3: login %s refused (%s): %s", user, mech, importers.RedactSecrets(se.text)))
	}
	return err
}

// entry is one message of the maildrop.
type entry struct {
	num  int
	uidl string // "" when the server has no UIDL
	size int64  // LIST size (octets as transmitted, CRLF)
}

// list returns the maildrop with sizes and, when the server has it, UIDLs.
func (c *conn) list() ([]entry, error) {
	if _, err := c.cmd("LIST", "LIST"); err != nil {
		return nil, err
	}
	b, err := c.multi(1 << 30)
	if err != nil {
		return nil, err
	}
	var es []entry
	idx := map[int]int{}
	for _, l := range lines(b) {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, err1 := strconv.Atoi(f[0])
		sz, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil || n <= 0 {
			continue
		}
		idx[n] = len(es)
		es = append(es, entry{num: n, size: sz})
	}
	if c.noUIDL {
		return es, nil
	}
	if _, err := c.cmd("UIDL", "UIDL"); err != nil {
		var se *serverError
		if errors.As(err, &se) {
			c.noUIDL = true
			return es, nil
		}
		return nil, err
	}
	b, err = c.multi(1 << 30)
	if err != nil {
		return nil, err
	}
	for _, l := range lines(b) {
		f := strings.Fields(l)
		if len(f) < 2 {
			continue
		}
		n, err := strconv.Atoi(f[0])
		if i, ok := idx[n]; ok && err == nil {
			es[i].uidl = f[1]
		}
	}
	return es, nil
}

// top returns message n's header (TOP n 0); ok is false when the server
// has no TOP.
func (c *conn) top(n int) (hdr []byte, ok bool, err error) {
	if c.noTop {
		return nil, false, nil
	}
	if _, err := c.cmd("TOP "+strconv.Itoa(n)+" 0", "TOP "+strconv.Itoa(n)+" 0"); err != nil {
		var se *serverError
		if errors.As(err, &se) {
			c.noTop = true
			return nil, false, nil
		}
		return nil, false, err
	}
	b, err := c.multi(maxHeader)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

// maxHeader bounds a header kept from TOP.
const maxHeader = 256 << 10

// retr starts RETR n; the body is read from the returned reader to EOF.
func (c *conn) retr(n int) (io.Reader, error) {
	if _, err := c.cmd("RETR "+strconv.Itoa(n), "RETR "+strconv.Itoa(n)); err != nil {
		return nil, err
	}
	return &dotReader{c: c}, nil
}

// quit ends the session: the server deletes what DELE marked only now.
func (c *conn) quit() error {
	_, err := c.cmd("QUIT", "QUIT")
	c.nc.Close()
	return err
}
