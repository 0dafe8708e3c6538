package importers

import (
	"bufio"
	"io"
)

// CRLFReader returns a reader that turns every bare LF of r into CRLF and
// leaves everything else (including existing CRLF and bare CR) unchanged.
// This is the one transform an IMAP APPEND needs (RFC 3501 section 4.3).
func CRLFReader(r io.Reader) io.Reader {
	return &crlfReader{r: bufio.NewReaderSize(r, 32<<10)}
}

type crlfReader struct {
	r      *bufio.Reader
	prevCR bool
	pendLF bool
}

func (c *crlfReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.pendLF {
			p[n] = '\n'
			n++
			c.pendLF = false
			c.prevCR = false
			continue
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if n > 0 {
				return n, nil
			}
			return 0, err
		}
		if b == '\n' && !c.prevCR {
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

// CRLFCounter counts, while reading through it, how long the stream would be
// after CRLFReader. Use it to learn an APPEND size in the same pass that
// computes a dedupe key.
type CRLFCounter struct {
	R      io.Reader
	N      int64 // bytes read
	BareLF int64 // LFs not preceded by CR
	prevCR bool
}

func (c *CRLFCounter) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	prev := c.prevCR
	for _, b := range p[:n] {
		if b == '\n' && !prev {
			c.BareLF++
		}
		prev = b == '\r'
	}
	c.prevCR = prev
	c.N += int64(n)
	return n, err
}

// Len is the length of the stream after CRLF conversion.
func (c *CRLFCounter) Len() int64 { return c.N + c.BareLF }
