package netconn

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// Trace is a protocol trace (--debug) that gets both directions of a
// connection and passes them on line by line, with credentials removed:
//   - a line that sends a credential (Credential says so) keeps only the
//     fields before it;
//   - while a login is in progress (Secret), every line that is not a
//     server response (Server) is replaced, which covers SASL responses
//     and a password sent as a literal;
//   - the secret itself, and every string Redact removes, is replaced
//     wherever it appears.
type Trace struct {
	// Credential returns how many leading fields of a client line to keep
	// when the line carries a credential, or -1.
	Credential func(fields []string) int
	// Server reports whether a line is the server's.
	Server func(fields []string) bool
	// Redact removes other registered secrets (importers.RedactSecrets).
	Redact func(string) string

	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	pw   string
	auth bool
}

const traceMaxLine = 64 << 10

// NewTrace returns a Trace writing to w.
func NewTrace(w io.Writer, credential func([]string) int, server func([]string) bool, redact func(string) string) *Trace {
	return &Trace{w: w, Credential: credential, Server: server, Redact: redact}
}

// Secret starts (pw != "") or ends (pw == "") a login; a nil Trace does
// nothing. A password given once stays redacted after the login.
func (t *Trace) Secret(pw string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if pw != "" {
		t.pw = pw
	}
	t.auth = pw != ""
}

// Login starts (on) or ends a login whose secret the Trace does not know
// (a SASL exchange): client lines are replaced while it lasts.
func (t *Trace) Login(on bool) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.auth = on
}

// Write takes bytes of either direction.
func (t *Trace) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	for {
		i := bytes.IndexByte(t.buf, '\n')
		if i < 0 {
			break
		}
		t.emit(t.buf[:i+1])
		t.buf = t.buf[i+1:]
	}
	if len(t.buf) > traceMaxLine { // a long literal: pass it on in pieces
		if t.auth {
			t.w.Write([]byte("[redacted]\r\n"))
		} else {
			t.w.Write([]byte(t.scrub(string(t.buf))))
		}
		t.buf = t.buf[:0]
	}
	if len(t.buf) == 0 {
		t.buf = nil // do not keep a large backing array
	}
	return len(p), nil
}

func (t *Trace) scrub(s string) string {
	if t.pw != "" {
		s = strings.ReplaceAll(s, t.pw, "[password]")
	}
	if t.Redact != nil {
		s = t.Redact(s)
	}
	return s
}

func (t *Trace) emit(line []byte) {
	s := string(line)
	f := strings.Fields(s)
	if n := t.Credential(f); n >= 0 && n <= len(f) {
		s = strings.Join(f[:n], " ") + " [redacted]\r\n"
	} else if t.auth && !t.Server(f) {
		s = "[redacted]\r\n"
	}
	t.w.Write([]byte(t.scrub(s)))
}
