package importers

import (
	"bufio"
	"bytes"
	"io"
)

// Line ends. Everywhere a line is recognised on the read path (mbox
// envelope lines and separators, the header block of an .eml file, the
// dedupe key's header parse), a line ends at LF, at CRLF, or at a CR that
// is not followed by LF: classic Mac OS files and some bounce archives use
// CR alone. A CR followed by LF is one line end, never two.

// IndexLineEnd returns the index in b of the first CR or LF, or -1 when b
// holds neither. It costs about the length of the line, not of b, so that
// calling it line after line on a large buffer stays linear.
func IndexLineEnd(b []byte) int {
	for w := 128; ; w *= 2 {
		if w > len(b) {
			w = len(b)
		}
		win := b[:w]
		i := bytes.IndexByte(win, '\n')
		if i >= 0 {
			win = win[:i]
		}
		if j := bytes.IndexByte(win, '\r'); j >= 0 {
			return j
		}
		if i >= 0 || w == len(b) {
			return i
		}
	}
}

// ReadLine is bufio.Reader.ReadSlice for any line end: it returns the bytes
// up to and including the next LF, CRLF or lone CR, with err == nil. Like
// ReadSlice, it returns bufio.ErrBufferFull with the buffered bytes when
// the buffer fills before a line end (call again for the rest of the
// line), and the last bytes with io.EOF (or another error) when the input
// ends without one. The slice is valid until the next read from br.
func ReadLine(br *bufio.Reader) ([]byte, error) {
	scanned := 0
	for {
		b, err := br.Peek(scanned + 1)
		if len(b) <= scanned {
			// Nothing more: a full buffer without a line end, the end of
			// the input, or an error.
			line, _ := br.Peek(scanned)
			br.Discard(scanned)
			switch {
			case err == bufio.ErrBufferFull:
			case err == nil:
				err = io.EOF
			}
			return line, err
		}
		b, _ = br.Peek(br.Buffered())
		if i := IndexLineEnd(b[scanned:]); i >= 0 {
			i += scanned
			if b[i] == '\r' {
				if i+1 == len(b) {
					// Is it CRLF? One more byte tells.
					if len(b) == br.Size() && i > 0 {
						// Leave the CR for the next call.
						br.Discard(i)
						return b[:i], bufio.ErrBufferFull
					}
					nb, _ := br.Peek(i + 2)
					if len(nb) == i+2 && nb[i+1] == '\n' {
						i++
					}
					b = nb
				} else if b[i+1] == '\n' {
					i++
				}
			}
			line := b[:i+1]
			br.Discard(i + 1)
			return line, nil
		}
		if len(b) == br.Size() {
			br.Discard(len(b))
			return b, bufio.ErrBufferFull
		}
		scanned = len(b)
	}
}

// CRLFReader returns a reader that turns every bare LF of r into CRLF and
// every bare CR (a CR not followed by LF, as in classic Mac OS files) into
// CRLF, and leaves everything else, existing CRLF included, unchanged.
// This is the one transform an IMAP APPEND needs (RFC 3501 section 4.3:
// a message's lines end in CRLF). CRLFCounter.Len is the length of its
// output.
func CRLFReader(r io.Reader) io.Reader {
	return &crlfReader{r: bufio.NewReaderSize(r, 32<<10)}
}

type crlfReader struct {
	r      *bufio.Reader
	prevCR bool // the last byte read was a CR, not yet known to be bare
	pendLF bool
}

func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.pendLF {
			p[n] = '\n'
			n++
			c.pendLF = false
			continue
		}
		if !c.prevCR {
			// A run without CR or LF is copied as it is, straight from
			// the buffer; line ends go byte by byte below.
			if c.r.Buffered() == 0 {
				if _, err := c.r.Peek(1); err != nil {
					if n > 0 {
						return n, nil
					}
					return 0, err
				}
			}
			buf, _ := c.r.Peek(c.r.Buffered())
			i := IndexLineEnd(buf)
			if i < 0 {
				i = len(buf)
			}
			if i > 0 {
				k := copy(p[n:], buf[:i])
				c.r.Discard(k)
				n += k
				continue
			}
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if c.prevCR {
				// A CR at the very end is bare too.
				c.prevCR = false
				c.pendLF = true
				continue
			}
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		switch {
		case c.prevCR && b != '\n':
			// The CR before b was bare: end its line, then look at b
			// again.
			c.r.UnreadByte()
			c.prevCR = false
			c.pendLF = true
			continue
		case b == '\n' && !c.prevCR:
			p[n] = '\r'
			n++
			c.pendLF = true
			continue
		}
		p[n] = b
		n++
		c.prevCR = b == '\r'
	}
	return n, nil
}

// CRLFCounter counts, while reading through it, how long the stream would
// be after CRLFReader. Use it to learn an APPEND size in the same pass that
// computes a dedupe key.
type CRLFCounter struct {
	R      io.Reader
	N      int64 // bytes read
	BareLF int64 // LFs not preceded by CR
	BareCR int64 // CRs not followed by LF (a CR last in the stream counts)
	prevCR bool
}

func (c *CRLFCounter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.count(p[:n])
	return n, err
}

// Write counts p as if it had been read through c (c.R is not used): a
// message already in memory is counted without a copy.
func (c *CRLFCounter) Write(p []byte) (int, error) {
	c.count(p)
	return len(p), nil
}

func (c *CRLFCounter) count(p []byte) {
	prev := c.prevCR
	// From line end to line end: a run of other bytes only ends a CR.
	for b := p; len(b) > 0; {
		i := IndexLineEnd(b)
		if i != 0 && prev {
			c.BareCR++ // a CR followed by another byte
			prev = false
		}
		if i < 0 {
			break
		}
		if b[i] == '\n' {
			if !prev {
				c.BareLF++
			}
			prev = false
		} else {
			if prev {
				c.BareCR++
			}
			prev = true
		}
		b = b[i+1:]
	}
	c.prevCR = prev
	c.N += int64(len(p))
}

// Len is the length of the stream after CRLF conversion (CRLFReader): each
// bare LF and each bare CR gains one byte. A CR at the end of what was read
// so far counts as bare.
func (c *CRLFCounter) Len() int64 {
	n := c.N + c.BareLF + c.BareCR
	if c.prevCR {
		n++
	}
	return n
}

// LFLen is the length of the stream with only bare LFs turned into CRLF,
// bare CRs kept: the "virtual size" that Dovecot's Maildir W= field means.
func (c *CRLFCounter) LFLen() int64 { return c.N + c.BareLF }
