package mbox

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mailferry/mailferry/importers"
)

// The independent count (importers.Counter).
//
// CountItems does not use Reader: it is a second, simpler scan whose only
// job is to find every place a message could start, so that the engine can
// prove that Reader's parse lost nothing (found = copied + duplicates +
// skipped). Its rule is deliberately wider than Reader's:
//
//   - a candidate is a line that begins exactly "From " at the start of the
//     file or right after a line end (LF, CRLF or a lone CR), whose next
//     line is a header field line (a field name of printable ASCII without
//     space or colon, then ':'), or which is the last line of the file;
//   - the first line of the file counts whatever follows it (Reader always
//     starts a message there); a UTF-8 byte order mark before it is skipped;
//   - no blank line is required before a candidate, and its date is not
//     looked at: a body line "From x" followed by "Subject: y" is counted.
//     So the count may exceed Reader's, never the other way round for a
//     well-formed file, and a difference is reported, not hidden;
//   - mboxcl2 (Content-Length framing): such files hold unquoted "From "
//     lines in bodies. When a header has a Content-Length whose end is the
//     end of the file, a "From " line, or a blank line followed by a "From "
//     line or the end of the file (the same test Reader applies), the body
//     is skipped unread; a Content-Length that does not hold is ignored and
//     the body's candidate lines count.

// CountItems counts the candidate envelope lines of folder f's file.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	file := s.find(f)
	if file == nil {
		return 0, fmt.Errorf("%s: no folder %q", s.opt.Scheme, f.String())
	}
	if file.Path == "" {
		return 0, nil
	}
	fh, err := os.Open(file.Path)
	if err != nil {
		return 0, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return 0, err
	}
	return CountEnvelopes(ctx, fh, st.Size())
}

var _ importers.Counter = (*Source)(nil)

// countLineMax is how much of a line the count looks at.
const countLineMax = 1024

// CountEnvelopes counts the candidate envelope lines (see above) in the
// first size bytes of ra.
func CountEnvelopes(ctx context.Context, ra io.ReaderAt, size int64) (int64, error) {
	sc := &lineScan{r: bufio.NewReaderSize(io.NewSectionReader(ra, 0, size), 64<<10)}
	if b, err := sc.r.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		sc.r.Discard(3)
		sc.pos = 3
	}
	var (
		n       int64
		cur     cline
		nxt     cline
		first   = true
		inHead  bool  // in the header of a counted message
		clen    int64 // its Content-Length, -1: none
		lastKey bool  // the last header field was Content-Length (continuations)
	)
	ok, err := sc.next(&cur)
	if err != nil || !ok {
		return 0, err
	}
	for i := 0; ; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		more, err := sc.next(&nxt)
		if err != nil {
			return 0, err
		}
		if bytes.HasPrefix(cur.head, []byte("From ")) && (first || !more || isFieldLine(nxt.head)) {
			n++
			inHead, clen, lastKey = true, -1, false
		} else if inHead {
			switch {
			case len(cur.head) == 0 && cur.complete:
				inHead = false
				if clen >= 0 {
					if p := cur.end + clen; clen > 0 && p <= size && lengthHolds(ra, size, p) && more {
						// Skip the body: its "From " lines are text. The
						// line after the blank one (nxt) is the body's
						// first; p, a line start after it, is where the
						// scan goes on.
						if err := sc.skipTo(p); err != nil {
							return 0, err
						}
						more, err = sc.next(&nxt)
						if err != nil {
							return 0, err
						}
					}
				}
			case len(cur.head) > 0 && (cur.head[0] == ' ' || cur.head[0] == '\t'):
				if lastKey {
					clen = -1 // folded Content-Length: not trusted
				}
			default:
				lastKey = false
				if name, val, ok := bytes.Cut(cur.head, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
					lastKey = true
					v, err := strconv.ParseInt(string(bytes.TrimSpace(val)), 10, 64)
					if err == nil && v >= 0 && cur.complete {
						clen = v
					} else {
						clen = -1
					}
				}
			}
		}
		first = false
		if !more {
			return n, nil
		}
		cur, nxt = nxt, cur
	}
}

// isFieldLine reports whether b starts a header field: one or more
// printable ASCII characters other than space and ':', then ':'.
func isFieldLine(b []byte) bool {
	for i, c := range b {
		if c == ':' {
			return i > 0
		}
		if c < 33 || c > 126 {
			return false
		}
	}
	return false
}

// lengthHolds reports whether a message ending at p is followed by the end
// of the file, a "From " line, or a blank line and then a "From " line or
// the end of the file; the byte before p must be a line end.
func lengthHolds(ra io.ReaderAt, size, p int64) bool {
	if p < 1 || p > size {
		return false
	}
	if p == size {
		return true
	}
	var buf [8]byte
	n, err := ra.ReadAt(buf[:], p-1)
	if err != nil && err != io.EOF {
		return false
	}
	if p-1+int64(n) > size {
		n = int(size - (p - 1))
	}
	b := buf[:n]
	if len(b) == 0 || b[0] != '\n' {
		return false
	}
	b = b[1:]
	return bytes.HasPrefix(b, []byte("From ")) || bytes.HasPrefix(b, []byte("\nFrom ")) ||
		bytes.HasPrefix(b, []byte("\r\nFrom ")) || string(b) == "\n" || string(b) == "\r\n"
}

// cline is one line of the count's scan: its first bytes, without the
// line end.
type cline struct {
	head     []byte
	complete bool  // head is the whole line
	end      int64 // offset after the line end
}

// lineScan splits a stream at LF, CRLF and lone CR.
type lineScan struct {
	r   *bufio.Reader
	pos int64
}

// next reads the next line into l; false at the end of the input.
func (s *lineScan) next(l *cline) (bool, error) {
	l.head = l.head[:0]
	l.complete = true
	read := false
	for {
		c, err := s.r.ReadByte()
		if err == io.EOF {
			l.end = s.pos
			return read, nil
		}
		if err != nil {
			return false, err
		}
		s.pos++
		read = true
		switch c {
		case '\n':
			l.end = s.pos
			return true, nil
		case '\r':
			if b, err := s.r.Peek(1); err == nil && b[0] == '\n' {
				s.r.Discard(1)
				s.pos++
			}
			l.end = s.pos
			return true, nil
		}
		if len(l.head) < countLineMax {
			l.head = append(l.head, c)
		} else {
			l.complete = false
		}
	}
}

// skipTo discards the input up to offset p.
func (s *lineScan) skipTo(p int64) error {
	if p <= s.pos {
		return nil
	}
	n, err := s.r.Discard(int(p - s.pos))
	s.pos += int64(n)
	if err == io.EOF {
		return nil
	}
	return err
}
