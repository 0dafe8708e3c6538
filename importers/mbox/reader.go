package mbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/mailferry/mailferry/importers"
)

const (
	// bufSize is the read buffer of Reader. Lines may be longer; only
	// their first keepSize bytes are looked at.
	bufSize = 64 << 10
	// keepSize bounds what is kept of a From line or a header line.
	keepSize = 2048
)

// bom is the UTF-8 byte order mark some Windows tools put first.
const bom = "\xEF\xBB\xBF"

// ErrNotMbox is returned for a file that does not start with "From "
// (after an optional UTF-8 byte order mark).
var ErrNotMbox = errors.New(`not an mbox file (does not start with "From ")`)

// ReaderOptions tune a Reader. The zero value is the rule of the package
// doc.
type ReaderOptions struct {
	// Thunderbird is kept for callers; it changes nothing any more. It
	// used to add Thunderbird's own rule (IsReallyReallyFromLine in
	// comm-central's MboxMsgInputStream.cpp: an envelope line with a date
	// followed by two header-like lines ends a message without a blank
	// line), which the envelope candidate rule of the package doc now
	// covers for every file.
	Thunderbird bool
	// Location is the zone of envelope dates without one; nil is
	// time.Local.
	Location *time.Location
}

// Entry is one message found by a Reader. It holds offsets, not bytes.
type Entry struct {
	// Offset is where the message's "From " line starts.
	Offset int64
	// FromLine is that line without "From " and the line end (at most
	// 2 KiB of it).
	FromLine string
	// Start is where the message starts (after the "From " line), Raw its
	// length as stored, and Sep the length of the separator that follows
	// (the blank line before the next "From " line or at the end of the
	// file: 0, 1 or 2 bytes: "", "\n", "\r\n" or "\r"). Offset, the From line, Raw and Sep cover the
	// file without gaps.
	Start, Raw, Sep int64
	// Unquote is the number of lines matching ^>+From  in the message,
	// each of which loses one '>' when the body is read (mboxrd). It is 0
	// when the message also holds an unquoted "From " line: its writer
	// did not quote, so its ">From " lines are the sender's text.
	Unquote int64
	// ByLength is true when the end of the message came from a
	// Content-Length header (mboxcl, mboxcl2) rather than from a "From "
	// line.
	ByLength bool
	// EnvelopeDate is the date of the "From " line, HeaderDate that of the
	// Date: header (zero when missing or not parseable).
	EnvelopeDate, HeaderDate time.Time
	// Status holds the header fields that carry flags.
	Status StatusHeaders
}

// Len is the length of the message as Body returns it: Raw minus the
// '>' that unquoting removes.
func (e *Entry) Len() int64 { return e.Raw - e.Unquote }

// End is the offset just after the message and its separator: the next
// message's "From " line, or the end of the file.
func (e *Entry) End() int64 { return e.Start + e.Raw + e.Sep }

// Date is the internal date: the envelope date, else the Date: header,
// else zero.
func (e *Entry) Date() time.Time {
	if !e.EnvelopeDate.IsZero() {
		return e.EnvelopeDate
	}
	return e.HeaderDate
}

// Flags returns the flags of the status headers (see StatusHeaders.Flags).
func (e *Entry) Flags() (flags []imap.Flag, partial bool) { return e.Status.Flags() }

// Reader finds the messages of one mbox file in a single sequential pass,
// holding at most a read buffer (64 KiB) and one line's first 2 KiB,
// whatever the message sizes. See the package doc for the rules.
type Reader struct {
	ra   io.ReaderAt // the first size bytes of the file
	size int64
	br   *bufio.Reader
	pos  int64 // file offset of the next byte br returns
	loc  *time.Location
	opt  ReaderOptions

	started bool
	next    *line
	err     error

	skipped int64
	li      line
}

// NewReader returns a Reader of the first size bytes of ra (an *os.File,
// or a *bytes.Reader in tests). Bytes appended after size are not read.
func NewReader(ra io.ReaderAt, size int64, opt ReaderOptions) *Reader {
	loc := opt.Location
	if loc == nil {
		loc = time.Local
	}
	sec := io.NewSectionReader(ra, 0, size)
	return &Reader{
		ra:   sec,
		size: size,
		br:   bufio.NewReaderSize(sec, bufSize),
		loc:  loc,
		opt:  opt,
	}
}

// Skipped is the number of bytes before the first "From " line: 3 when
// the file starts with a UTF-8 byte order mark, else 0.
func (r *Reader) Skipped() int64 { return r.skipped }

// line is one line of the file as the scanner saw it. A line ends at LF,
// CRLF or a lone CR (importers.ReadLine).
type line struct {
	off   int64
	n     int64  // length with the line end
	head  []byte // the first keepSize bytes (with the line end if it fits)
	nl    bool   // ends with a line end
	blank bool   // "\n", "\r\n" or "\r"
	from  bool   // starts with "From "
	quote bool   // matches ^>+From
}

func (l *line) clone() *line {
	c := *l
	c.head = append([]byte(nil), l.head...)
	return &c
}

// readLine reads the next line into l. It returns io.EOF when no byte is
// left.
func (r *Reader) readLine(l *line) error {
	l.off = r.pos
	chunk, err := importers.ReadLine(r.br)
	l.n = int64(len(chunk))
	if len(chunk) == 0 && err != nil {
		if err == io.EOF {
			return io.EOF
		}
		return err
	}
	k := len(chunk)
	if k > keepSize {
		k = keepSize
	}
	l.head = append(l.head[:0], chunk[:k]...)
	l.nl = err == nil
	l.blank = err == nil && isBlank(chunk)
	l.from = bytes.HasPrefix(chunk, []byte("From "))
	var q quoteMatch
	done := q.feed(chunk)
	for err == bufio.ErrBufferFull {
		chunk, err = importers.ReadLine(r.br)
		l.n += int64(len(chunk))
		if !done {
			done = q.feed(chunk)
		}
		l.nl = err == nil
	}
	l.quote = q.matched()
	r.pos += l.n
	if err != nil && err != io.EOF {
		return err
	}
	return nil
}

// isBlank reports whether a whole line, with its line end, is empty.
func isBlank(b []byte) bool {
	return string(b) == "\n" || string(b) == "\r\n" || string(b) == "\r"
}

// start skips a byte order mark and reads the first "From " line.
func (r *Reader) start() error {
	r.started = true
	if b, _ := r.br.Peek(len(bom)); string(b) == bom {
		r.br.Discard(len(bom))
		r.pos = int64(len(bom))
		r.skipped = int64(len(bom))
	}
	b, err := r.br.Peek(5)
	if len(b) == 0 && err == io.EOF {
		return io.EOF // empty file (or only a BOM): no messages
	}
	if string(b) != "From " {
		if err != nil && err != io.EOF {
			return err
		}
		return ErrNotMbox
	}
	if err := r.readLine(&r.li); err != nil {
		return err
	}
	r.next = r.li.clone()
	return nil
}

// Next returns the next message, or io.EOF after the last one. An error
// other than io.EOF and ErrNotMbox names the offset; the Reader then
// stays failed.
func (r *Reader) Next() (*Entry, error) {
	if r.err != nil {
		return nil, r.err
	}
	if !r.started {
		if err := r.start(); err != nil {
			r.err = err
			if err != io.EOF && err != ErrNotMbox {
				r.err = fmt.Errorf("offset %d: %w", r.pos, err)
			}
			return nil, r.err
		}
	}
	if r.next == nil {
		r.err = io.EOF
		return nil, io.EOF
	}
	fl := r.next
	r.next = nil
	e := &Entry{
		Offset:   fl.off,
		FromLine: strings.TrimRight(strings.TrimPrefix(string(fl.head), "From "), "\r\n"),
		Start:    fl.off + fl.n,
	}
	if _, d, ok := ParseFromLine(e.FromLine, r.loc); ok {
		e.EnvelopeDate = d
	}

	var (
		hdr      = headerCapture{last: -1}
		inHeader = true
		pending  *line // the last line, when it was blank
		pend     line
		clEnd    = int64(-1) // end of the message by Content-Length
		quoted   int64
		bare     int64 // unquoted "From " lines in the message
	)
	li := &r.li
scan:
	for {
		err := r.readLine(li)
		if err == io.EOF {
			switch {
			case clEnd >= 0 && pending != nil && pending.off == clEnd:
				e.Raw, e.Sep = clEnd-e.Start, pending.n
			case clEnd >= 0 && clEnd == r.pos:
				e.Raw = clEnd - e.Start
			case pending != nil:
				// QUIRK: a blank line at the end of the file is the
				// separator after the last message, as before a "From ".
				e.Raw, e.Sep = pending.off-e.Start, pending.n
			default:
				e.Raw = r.pos - e.Start
			}
			e.ByLength = clEnd >= 0
			break scan
		}
		if err != nil {
			r.err = fmt.Errorf("offset %d: %w", li.off, err)
			return nil, r.err
		}
		if li.from {
			var sep bool
			if clEnd >= 0 {
				// lengthHolds checked that a candidate (or the end of the
				// file) is there.
				sep = li.off == clEnd || pending != nil && pending.off == clEnd
			} else {
				// QUIRK: the blank line before a "From " line is not
				// needed: some writers (Thunderbird, Netscape, scripts
				// that concatenate files) leave it out. The header field
				// after it decides (see the package doc).
				sep = li.nl && r.fieldAt(r.pos)
			}
			if sep {
				switch {
				case clEnd >= 0 && li.off == clEnd:
					e.Raw = clEnd - e.Start
				case pending != nil:
					e.Raw, e.Sep = pending.off-e.Start, pending.n
				default:
					e.Raw = li.off - e.Start
				}
				e.ByLength = clEnd >= 0
				r.next = li.clone()
				break scan
			}
			bare++
		}
		if clEnd >= 0 && (li.off > clEnd || li.off == clEnd && !li.blank) {
			clEnd = -1 // the Content-Length did not hold after all
		}
		if inHeader {
			if li.blank {
				inHeader = false
				if n, ok := hdr.contentLength(); ok {
					if p := li.off + li.n + n; r.lengthHolds(p) {
						clEnd = p
					}
				}
			} else {
				hdr.add(li.head)
			}
		}
		if li.quote {
			quoted++
		}
		if li.blank {
			pend = line{off: li.off, n: li.n}
			pending = &pend
		} else {
			pending = nil
		}
	}
	// QUIRK: one '>' comes off every ^>+From  line (mboxrd), which is
	// exactly reversible for mboxrd writers; in an mboxo file (older
	// Thunderbird, Postfix) a line that was ">From " comes back as "From ":
	// the two formats cannot be told apart. A message holding an unquoted
	// "From " line was stored by a writer that does not quote at all
	// (mboxcl2, a plain cat), so its ">From " lines are left alone.
	if bare == 0 {
		e.Unquote = quoted
	}
	e.Status = hdr.status()
	if d, ok := ParseHeaderDate(hdr.vals[hDate]); ok {
		e.HeaderDate = d
	}
	return e, nil
}

// fieldAt reports whether a header field line starts at offset p: a
// field name of printable ASCII without space or colon (at least one
// byte), then ':'. This is what makes a "From " line an envelope
// candidate (see the package doc).
func (r *Reader) fieldAt(p int64) bool {
	if p == r.pos {
		// Usually decided by what is buffered already: no system call.
		b, _ := r.br.Peek(256)
		for i, c := range b {
			switch {
			case c == ':':
				return i > 0
			case c < 33 || c > 126:
				return false
			}
		}
		if len(b) < 256 && r.pos+int64(len(b)) >= r.size {
			return false // the end of the file, before any ':'
		}
	}
	var buf [256]byte
	for first := true; p < r.size; first = false {
		n, err := r.ra.ReadAt(buf[:], p)
		if n == 0 {
			return false
		}
		for i, c := range buf[:n] {
			switch {
			case c == ':':
				return !first || i > 0
			case c < 33 || c > 126:
				return false
			}
		}
		p += int64(n)
		if err != nil {
			return false
		}
	}
	return false
}

// candidateAt reports whether an envelope candidate starts at offset p,
// which must be at the start of a line: "From ", then, after the end of
// that line, a header field line.
func (r *Reader) candidateAt(p int64) bool {
	var buf [256]byte
	n, _ := r.ra.ReadAt(buf[:5], p)
	if string(buf[:n]) != "From " {
		return false
	}
	p += 5
	for p < r.size {
		n, err := r.ra.ReadAt(buf[:], p)
		if n == 0 {
			return false
		}
		if i := importers.IndexLineEnd(buf[:n]); i >= 0 {
			p += int64(i) + 1
			if buf[i] == '\r' {
				if i+1 < n {
					if buf[i+1] == '\n' {
						p++
					}
				} else if r.byteAt(p) == '\n' {
					p++
				}
			}
			return r.fieldAt(p)
		}
		p += int64(n)
		if err != nil {
			return false
		}
	}
	return false
}

// byteAt returns the byte at offset p, or -1 past the end.
func (r *Reader) byteAt(p int64) int {
	if p < 0 || p >= r.size {
		return -1
	}
	var b [1]byte
	if n, _ := r.ra.ReadAt(b[:], p); n != 1 {
		return -1
	}
	return int(b[0])
}

// lengthHolds reports whether a message ending at p (by its
// Content-Length) is followed by the end of the file, an envelope
// candidate, or a blank line and then a candidate or the end of the file;
// p must be at the start of a line.
func (r *Reader) lengthHolds(p int64) bool {
	if p > r.size || p < 1 {
		return false
	}
	if p == r.size {
		return true
	}
	// At the start of a line: after LF, or after a CR that is not part
	// of a CRLF.
	switch r.byteAt(p - 1) {
	case '\n':
	case '\r':
		if r.byteAt(p) == '\n' {
			return false
		}
	default:
		return false
	}
	q := p
	switch r.byteAt(q) {
	case '\n':
		q++
	case '\r':
		q++
		if r.byteAt(q) == '\n' {
			q++
		}
	}
	if q > p && q == r.size {
		return true
	}
	return r.candidateAt(q)
}

// quoteMatch tells, fed the start of a line in pieces, whether the line
// matches ^>+From .
type quoteMatch struct {
	state uint8 // 0 start, 1 in the '>' run, 2 in "From ", 3 no, 4 yes
	k     int
}

// feed consumes b and reports whether the answer is known.
func (q *quoteMatch) feed(b []byte) bool {
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch q.state {
		case 0:
			if c != '>' {
				q.state = 3
				return true
			}
			q.state = 1
		case 1:
			switch c {
			case '>':
			case 'F':
				q.state, q.k = 2, 1
			default:
				q.state = 3
				return true
			}
		case 2:
			if c != "From "[q.k] {
				q.state = 3
				return true
			}
			q.k++
			if q.k == 5 {
				q.state = 4
				return true
			}
		default:
			return true
		}
	}
	return q.state >= 3
}

func (q *quoteMatch) matched() bool { return q.state == 4 }

// The header fields the Reader keeps (first occurrence only).
const (
	hDate = iota
	hContentLength
	hMozStatus
	hMozStatus2
	hMozKeys
	hStatus
	hXStatus
	hXKeywords
	nFields
)

var fieldNames = [nFields]string{
	hDate:          "date",
	hContentLength: "content-length",
	hMozStatus:     "x-mozilla-status",
	hMozStatus2:    "x-mozilla-status2",
	hMozKeys:       "x-mozilla-keys",
	hStatus:        "status",
	hXStatus:       "x-status",
	hXKeywords:     "x-keywords",
}

type headerCapture struct {
	vals [nFields]string
	seen [nFields]bool
	last int // field continued by a folded line; -1 none
}

// add takes one header line (at most keepSize bytes of it). Only the
// fields it keeps are copied.
func (h *headerCapture) add(l []byte) {
	l = bytes.TrimRight(l, "\r\n")
	if len(l) == 0 {
		return
	}
	if l[0] == ' ' || l[0] == '\t' {
		if h.last >= 0 && len(h.vals[h.last]) < keepSize {
			h.vals[h.last] += " " + string(bytes.TrimSpace(l))
		}
		return
	}
	h.last = -1
	i := bytes.IndexByte(l, ':')
	if i <= 0 || i > 40 {
		return
	}
	name := bytes.TrimRight(l[:i], " \t")
	for f, fn := range fieldNames {
		if len(name) == len(fn) && bytes.EqualFold(name, []byte(fn)) {
			if !h.seen[f] {
				h.seen[f] = true
				h.vals[f] = string(bytes.TrimSpace(l[i+1:]))
				h.last = f
			}
			return
		}
	}
}

func (h *headerCapture) contentLength() (int64, bool) {
	if !h.seen[hContentLength] {
		return 0, false
	}
	n, err := strconv.ParseInt(h.vals[hContentLength], 10, 64)
	return n, err == nil && n >= 0
}

func (h *headerCapture) status() StatusHeaders {
	return StatusHeaders{
		XMozillaStatus:  h.vals[hMozStatus],
		XMozillaStatus2: h.vals[hMozStatus2],
		XMozillaKeys:    h.vals[hMozKeys],
		Status:          h.vals[hStatus],
		XStatus:         h.vals[hXStatus],
		XKeywords:       h.vals[hXKeywords],
	}
}
