package imap

import (
	"bytes"
	"io"
	"strings"
	"sync"

	"github.com/mailferry/mailferry/importers"
)

// redactor is go-imap's DebugWriter: it gets both directions of the
// protocol (go-imap tees reads and writes into the same writer) and passes
// them on line by line, with credentials removed:
//   - a LOGIN or AUTHENTICATE command keeps only its tag and name;
//   - while a login is in progress, every line that is not a server
//     response ("*", "+", or a tagged OK/NO/BAD) is replaced, which covers
//     SASL responses and a password sent as a literal;
//   - the password itself is replaced wherever it appears.
type redactor struct {
	mu   sync.Mutex
	w    io.Writer
	buf  []byte
	pw   string
	auth bool
}

const traceMaxLine = 64 << 10

func newRedactor(w io.Writer) *redactor { return &redactor{w: w} }

// secret starts (pw != "") or ends (pw == "") a login.
func (r *redactor) secret(pw string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pw != "" {
		r.pw = pw
	}
	r.auth = pw != ""
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.buf = append(r.buf, p...)
	for {
		i := bytes.IndexByte(r.buf, '\n')
		if i < 0 {
			break
		}
		r.emit(r.buf[:i+1])
		r.buf = r.buf[i+1:]
	}
	if len(r.buf) > traceMaxLine { // a long literal: pass it on in pieces
		if r.auth {
			r.w.Write([]byte("[redacted]\r\n"))
		} else {
			r.w.Write([]byte(r.scrub(string(r.buf))))
		}
		r.buf = r.buf[:0]
	}
	if len(r.buf) == 0 {
		r.buf = nil // do not keep a large backing array
	}
	return len(p), nil
}

func (r *redactor) scrub(s string) string {
	if r.pw != "" {
		s = strings.ReplaceAll(s, r.pw, "[password]")
	}
	// Every other registered secret too (another login's, a token).
	return importers.RedactSecrets(s)
}

func (r *redactor) emit(line []byte) {
	s := string(line)
	f := strings.Fields(s)
	switch {
	case len(f) >= 2 && (strings.EqualFold(f[1], "LOGIN") || strings.EqualFold(f[1], "AUTHENTICATE")):
		s = f[0] + " " + f[1] + " [redacted]\r\n"
	case r.auth && !serverLine(f):
		s = "[redacted]\r\n"
	}
	r.w.Write([]byte(r.scrub(s)))
}

func serverLine(f []string) bool {
	if len(f) == 0 {
		return false
	}
	if f[0] == "*" || f[0] == "+" {
		return true
	}
	if len(f) >= 2 {
		switch strings.ToUpper(f[1]) {
		case "OK", "NO", "BAD":
			return true
		}
	}
	return false
}
