package imapclient

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mailferry/mailferry/internal/mutf7"
	"github.com/mailferry/mailferry/internal/netconn"
)

// Limits on what a server may send where the client must hold it in
// memory. go-imap v2 buffers every string literal (a mailbox name, a
// response text) whole, and a line whole: a hostile server announcing a
// literal of 10 GB would make it allocate that much.
const (
	// maxStringLiteral bounds a literal that is not a message section.
	maxStringLiteral = 1 << 20
	// maxHeaderLiteral bounds a header section (BODY[HEADER...]).
	maxHeaderLiteral = 16 << 20
	// maxLine bounds a response line without its literals.
	maxLine = 1 << 20
)

// ErrTimeout marks a connection given up because no byte moved for the
// timeout (--timeout) while the client waited for the server.
var ErrTimeout = netconn.ErrTimeout

// ErrProtocol marks a response the client refuses (a literal over the
// limits, a line without end).
var ErrProtocol = errors.New("protocol violation")

// wire is what go-imap reads and writes: the connection (TLS or not) over
// the TCP connection with the progress deadline (netconn.Progress), and,
// when filter is set, a check of the server's stream: literals and lines
// over the limits above are refused, and a LIST or LSUB response whose
// mailbox name go-imap could not decode (control characters, NUL, invalid
// UTF-8 or modified UTF-7) is held back and recorded in skipped, instead
// of failing the whole listing.
type wire struct {
	net.Conn
	p *netconn.Progress

	filter bool
	f      streamFilter // used by the reading goroutine only
	// emu guards err, the first refusal of the filter (also returned by
	// Read), and skipped, the names of the LIST responses held back.
	emu     sync.Mutex
	err     error
	skipped []string
}

// newWire reads and writes c, which runs over p.
func newWire(p *netconn.Progress, c net.Conn, filter bool) *wire {
	return &wire{Conn: c, p: p, filter: filter}
}

// arm starts (or nests) a pending operation; disarm ends it.
func (w *wire) arm() {
	if w != nil {
		w.p.Arm()
	}
}

func (w *wire) disarm() {
	if w != nil {
		w.p.Disarm()
	}
}

func (w *wire) refusal() error {
	w.emu.Lock()
	defer w.emu.Unlock()
	return w.err
}

// kill closes the connection and makes every later Read fail at once,
// without the bytes the filter still holds.
func (w *wire) kill() { w.p.Kill() }

// timedOut reports whether the progress deadline closed the connection.
func (w *wire) timedOut() bool { return w != nil && w.p.TimedOut() }

func (w *wire) timeoutError() error { return w.p.TimeoutError() }

func (w *wire) Read(p []byte) (int, error) {
	if w.filter {
		return w.filteredRead(p)
	}
	return w.rawRead(p)
}

func (w *wire) rawRead(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if err != nil && w.p.TimedOut() {
		err = w.p.TimeoutError()
	}
	return n, err
}

// filteredRead returns bytes of the server stream that passed the filter.
func (w *wire) filteredRead(p []byte) (int, error) {
	f := &w.f
	for {
		if w.p.Killed() {
			return 0, net.ErrClosed
		}
		if len(f.out) > 0 {
			n := copy(p, f.out)
			f.out = f.out[n:]
			if len(f.out) == 0 {
				f.out = f.spare[:0] // all consumed: reuse the buffer
			}
			return n, nil
		}
		if err := w.refusal(); err != nil {
			return 0, err
		}
		if f.lit > 0 && !f.holding {
			// Inside a literal: straight through, no copy.
			n, err := w.rawRead(p[:min(int64(len(p)), f.lit)])
			f.lit -= int64(n)
			return n, err
		}
		if cap(f.in) < 32<<10 {
			f.in = make([]byte, 32<<10)
		}
		n, err := w.rawRead(f.in[:cap(f.in)])
		if n > 0 {
			ferr := f.feed(f.in[:n])
			if c := cap(f.out); c > cap(f.spare) && c <= 1<<20 {
				f.spare = f.out[:0]
			}
			if len(f.skipped) > 0 {
				w.emu.Lock()
				w.skipped = append(w.skipped, f.skipped...)
				w.emu.Unlock()
				f.skipped = nil
			}
			if ferr != nil {
				w.emu.Lock()
				w.err = ferr
				w.emu.Unlock()
				if len(f.out) > 0 {
					continue
				}
				return 0, ferr
			}
			if len(f.out) > 0 {
				continue
			}
		}
		if err != nil {
			return 0, err
		}
	}
}

// takeSkipped returns and forgets the mailbox names the filter held back.
func (w *wire) takeSkipped() []string {
	if w == nil {
		return nil
	}
	return take(&w.emu, &w.skipped)
}

// streamFilter follows the server's stream: responses made of lines, and
// literals announced at the end of a line.
type streamFilter struct {
	in  []byte
	out []byte
	// spare is out's buffer, kept for reuse.
	spare []byte
	// lit is what is left of the current literal.
	lit int64
	// line is the current line (since the response's start or its last
	// literal), up to maxLine; emitted of its bytes went to out or hold.
	line    []byte
	emitted int
	// decided: the first bytes of the response told whether it is a
	// LIST/LSUB response, which is held in hold until it ends.
	decided bool
	holding bool
	hold    []byte
	skipped []string
}

// maxHold bounds a held LIST response.
const maxHold = 4 << 20

func (f *streamFilter) feed(b []byte) error {
	for len(b) > 0 {
		if f.lit > 0 {
			n := int(min(int64(len(b)), f.lit))
			if f.holding {
				f.hold = append(f.hold, b[:n]...)
			} else {
				f.out = append(f.out, b[:n]...)
			}
			f.lit -= int64(n)
			b = b[n:]
			continue
		}
		i := bytes.IndexByte(b, '\n')
		chunk := b
		if i >= 0 {
			chunk = b[:i+1]
		}
		b = b[len(chunk):]
		if len(f.line)+len(chunk) > maxLine {
			return fmt.Errorf("imap: %w: the server sent a line of more than %d bytes: refused", ErrProtocol, maxLine)
		}
		f.line = append(f.line, chunk...)
		if !f.decided {
			if len(f.line) < 7 && i < 0 {
				continue // not enough to tell yet
			}
			f.decided = true
			f.holding = len(f.line) >= 7 && listLine(f.line)
		}
		if f.holding {
			f.hold = append(f.hold, f.line[f.emitted:]...)
			if len(f.hold) > maxHold {
				return fmt.Errorf("imap: %w: the server sent a LIST response of more than %d bytes: refused", ErrProtocol, maxHold)
			}
		} else {
			f.out = append(f.out, f.line[f.emitted:]...)
		}
		f.emitted = len(f.line)
		if i < 0 {
			continue
		}
		line := bytes.TrimRight(f.line, "\r\n")
		f.line, f.emitted = f.line[:0], 0
		if n, kind, ok := announced(line); ok {
			limit := int64(-1)
			switch {
			case f.holding || kind == litString:
				limit = maxStringLiteral
			case kind == litHeader:
				limit = maxHeaderLiteral
			}
			if limit >= 0 && n > limit {
				return fmt.Errorf("imap: %w: the server announced a literal of %d bytes where at most %d are expected: refused", ErrProtocol, n, limit)
			}
			f.lit = n
			continue
		}
		// The response ended.
		f.decided = false
		if f.holding {
			f.holding = false
			if name, bad := badListName(f.hold); bad {
				f.skipped = append(f.skipped, name)
			} else {
				f.out = append(f.out, f.hold...)
			}
			f.hold = nil
		}
	}
	return nil
}

func listLine(line []byte) bool {
	l := strings.ToUpper(string(line[:7]))
	return l == "* LIST " || l == "* LSUB "
}

type litKind int

const (
	litString litKind = iota
	litHeader
	litBody
)

// announced parses a literal announcement "{N}" at the end of line and
// tells what the literal is from the token before it.
func announced(line []byte) (n int64, kind litKind, ok bool) {
	if len(line) == 0 || line[len(line)-1] != '}' {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(line, '{')
	if i < 0 {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSuffix(string(line[i+1:len(line)-1]), "+"), 10, 64)
	if err != nil || n < 0 {
		// Not a literal go-imap would read (it fails on its own).
		return 0, 0, false
	}
	before := bytes.TrimRight(line[:i], " ")
	j := bytes.LastIndexAny(before, " (")
	tok := strings.ToUpper(string(before[j+1:]))
	switch {
	case strings.HasPrefix(tok, "BODY[") || strings.HasPrefix(tok, "BINARY[") || strings.HasPrefix(tok, "RFC822"):
		if strings.Contains(tok, "HEADER") || strings.Contains(tok, "MIME") {
			return n, litHeader, true
		}
		// A section's brackets may hold spaces (HEADER.FIELDS (A B)):
		// look back for the opening bracket too.
		if k := bytes.LastIndexByte(before, '['); k >= 0 && strings.Contains(strings.ToUpper(string(before[k:])), "HEADER") {
			return n, litHeader, true
		}
		return n, litBody, true
	case strings.HasSuffix(tok, "]") || strings.HasSuffix(tok, ">"):
		if k := bytes.LastIndex(bytes.ToUpper(before), []byte("BODY[")); k >= 0 {
			if bytes.Contains(bytes.ToUpper(before[k:]), []byte("HEADER")) {
				return n, litHeader, true
			}
			return n, litBody, true
		}
	}
	return n, litString, true
}

// badListName parses a held LIST/LSUB response ("* LIST (attrs) delim
// mailbox ...", literals inline) and reports whether its mailbox name is
// one go-imap cannot decode or one no store should get: control
// characters, NUL, bytes outside ASCII, invalid modified UTF-7. name is
// the raw name (quote it for a message). A response it cannot parse is not
// bad: go-imap decides.
func badListName(resp []byte) (name string, bad bool) {
	s := resp[7:]
	// Attributes.
	if len(s) == 0 || s[0] != '(' {
		return "", false
	}
	end := bytes.IndexByte(s, ')')
	if end < 0 {
		return "", false
	}
	s = bytes.TrimLeft(s[end+1:], " ")
	// Delimiter: NIL or a quoted char.
	switch {
	case len(s) >= 3 && strings.EqualFold(string(s[:3]), "NIL"):
		s = s[3:]
	case len(s) >= 3 && s[0] == '"':
		k := 1
		if s[k] == '\\' {
			k++
		}
		if k+1 >= len(s) || s[k+1] != '"' {
			return "", false
		}
		s = s[k+2:]
	default:
		return "", false
	}
	s = bytes.TrimLeft(s, " ")
	var raw []byte
	switch {
	case len(s) > 0 && s[0] == '"':
		var b []byte
		k := 1
		for ; k < len(s) && s[k] != '"'; k++ {
			if s[k] == '\\' && k+1 < len(s) {
				k++
			}
			b = append(b, s[k])
		}
		if k >= len(s) {
			return "", false
		}
		raw = b
	case len(s) > 0 && s[0] == '{':
		nl := bytes.IndexByte(s, '\n')
		if nl < 0 {
			return "", false
		}
		n, _, ok := announced(bytes.TrimRight(s[:nl], "\r"))
		if !ok || int64(len(s)-nl-1) < n {
			return "", false
		}
		raw = s[nl+1 : nl+1+int(n)]
	default:
		k := bytes.IndexAny(s, " \r\n)")
		if k < 0 {
			k = len(s)
		}
		raw = s[:k]
	}
	name = string(raw)
	if strings.EqualFold(string(raw), "INBOX") {
		return name, false
	}
	dec, err := mutf7.Decode(string(raw))
	if err != nil || !utf8.ValidString(dec) {
		return name, true
	}
	// Control characters other than NUL are kept: a server that holds such
	// a folder has mail in it, and the local targets escape the name.
	for _, r := range dec {
		if r == 0 || r == utf8.RuneError {
			return name, true
		}
	}
	return name, false
}
