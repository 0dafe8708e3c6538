package imap

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/mailferry/mailferry/importers/maildir"
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
var ErrTimeout = errors.New("timeout")

// ErrProtocol marks a response the client refuses (a literal over the
// limits, a line without end).
var ErrProtocol = errors.New("protocol violation")

// wire wraps a connection to a server (above TLS):
//
//   - a progress deadline: while armed (an operation is pending), the
//     connection is closed when no byte moved in either direction for the
//     timeout. Bytes moving keep it alive, so a slow but steady FETCH or
//     APPEND of a big message is not cut; an idle connection between
//     operations is not armed.
//   - when filter is set (the go-imap connections), a check of the
//     server's stream: literals and lines over the limits above are
//     refused, and a LIST or LSUB response whose mailbox name go-imap
//     could not decode (control characters, NUL, invalid UTF-8 or
//     modified UTF-7) is held back and recorded in skipped, instead of
//     failing the whole listing.
type wire struct {
	net.Conn
	timeout time.Duration

	last   atomic.Int64 // UnixNano of the last byte moved
	fired  atomic.Bool
	killed atomic.Bool

	mu    sync.Mutex
	armed int
	timer *time.Timer

	filter bool
	f      streamFilter // used by the reading goroutine only
	// emu guards err, the first refusal of the filter (also returned by
	// Read), and skipped, the names of the LIST responses held back.
	emu     sync.Mutex
	err     error
	skipped []string
}

func newWire(c net.Conn, timeout time.Duration, filter bool) *wire {
	w := &wire{Conn: c, timeout: timeout, filter: filter}
	w.last.Store(time.Now().UnixNano())
	return w
}

// arm starts (or nests) a pending operation; disarm ends it.
func (w *wire) arm() {
	if w == nil || benchUnguarded {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.armed++
	if w.armed > 1 {
		return
	}
	w.last.Store(time.Now().UnixNano())
	if w.timer == nil {
		w.timer = time.AfterFunc(w.timeout, w.check)
	} else {
		w.timer.Reset(w.timeout)
	}
}

func (w *wire) disarm() {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.armed > 0 {
		w.armed--
	}
	if w.armed == 0 && w.timer != nil {
		w.timer.Stop()
	}
}

func (w *wire) check() {
	w.mu.Lock()
	if w.armed == 0 {
		w.mu.Unlock()
		return
	}
	idle := time.Since(time.Unix(0, w.last.Load()))
	if idle < w.timeout {
		w.timer.Reset(w.timeout - idle)
		w.mu.Unlock()
		return
	}
	w.fired.Store(true)
	w.mu.Unlock()
	// Closing makes every pending Read and Write return, whatever
	// deadline go-imap set itself.
	w.Conn.Close()
}

func (w *wire) refusal() error {
	w.emu.Lock()
	defer w.emu.Unlock()
	return w.err
}

// kill closes the connection and makes every later Read fail at once,
// without the bytes the filter still holds.
func (w *wire) kill() {
	w.killed.Store(true)
	w.Conn.Close()
}

// timedOut reports whether the progress deadline closed the connection.
func (w *wire) timedOut() bool { return w != nil && w.fired.Load() }

func (w *wire) timeoutError() error {
	return fmt.Errorf("%w: no data from the server for %s (--timeout)", ErrTimeout, w.timeout)
}

func (w *wire) Read(p []byte) (int, error) {
	if w.filter {
		return w.filteredRead(p)
	}
	return w.rawRead(p)
}

func (w *wire) rawRead(p []byte) (int, error) {
	n, err := w.Conn.Read(p)
	if n > 0 && !benchUnguarded {
		w.last.Store(time.Now().UnixNano())
	}
	if err != nil && w.fired.Load() {
		err = w.timeoutError()
	}
	return n, err
}

func (w *wire) Write(p []byte) (int, error) {
	if benchUnguarded {
		return w.Conn.Write(p)
	}
	// Write in pieces so that a big literal keeps the deadline alive
	// while the kernel takes it.
	var done int
	for done < len(p) {
		end := min(len(p), done+64<<10)
		n, err := w.Conn.Write(p[done:end])
		done += n
		if n > 0 {
			w.last.Store(time.Now().UnixNano())
		}
		if err != nil {
			if w.fired.Load() {
				err = w.timeoutError()
			}
			return done, err
		}
	}
	return done, nil
}

// filteredRead returns bytes of the server stream that passed the filter.
func (w *wire) filteredRead(p []byte) (int, error) {
	f := &w.f
	for {
		if w.killed.Load() {
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
	w.emu.Lock()
	defer w.emu.Unlock()
	s := w.skipped
	w.skipped = nil
	return s
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
	dec, err := maildir.DecodeMUTF7(string(raw))
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
