package importers

import (
	"bufio"
	"bytes"
	"io"
	"math/rand"
	"testing"
	"testing/iotest"
)

// byteCRLF is CRLFReader as it was, byte by byte: the reference.
type byteCRLF struct {
	r      *bufio.Reader
	prevCR bool
	pendLF bool
}

func (c *byteCRLF) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if c.pendLF {
			p[n] = '\n'
			n++
			c.pendLF = false
			continue
		}
		b, err := c.r.ReadByte()
		if err != nil {
			if c.prevCR {
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

// readAllIn reads r with reads of random sizes (1 to 300 bytes).
func readAllIn(r io.Reader, rng *rand.Rand) ([]byte, error) {
	var out []byte
	for {
		p := make([]byte, 1+rng.Intn(300))
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// The run-copying CRLFReader (and CRLFCounter) gives exactly the bytes of the byte-by-byte
// one, for any mix of CR, LF and other bytes, read in any sizes, from a
// source that returns one byte at a time or many.
func TestCRLFReaderSameAsByteByByte(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	alphabet := []byte("ab\r\n\r\nx\x00\xff")
	for i := 0; i < 3000; i++ {
		src := make([]byte, rng.Intn(2000))
		for j := range src {
			if rng.Intn(4) == 0 {
				src[j] = alphabet[rng.Intn(len(alphabet))]
			} else {
				src[j] = byte('A' + rng.Intn(26))
			}
		}
		var in func() io.Reader
		if i%2 == 0 {
			in = func() io.Reader { return bytes.NewReader(src) }
		} else {
			in = func() io.Reader { return iotest.OneByteReader(bytes.NewReader(src)) }
		}
		want, err := io.ReadAll(&byteCRLF{r: bufio.NewReaderSize(in(), 32<<10)})
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAllIn(CRLFReader(in()), rng)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("input %q:\ngot  %q\nwant %q", src, got, want)
		}
		for k, r := range []io.Reader{bytes.NewReader(src), iotest.OneByteReader(bytes.NewReader(src)), iotest.HalfReader(bytes.NewReader(src)), nil} {
			cnt := &CRLFCounter{R: r}
			if k == 3 { // counted as written, in two pieces
				h := len(src) / 3
				cnt.Write(src[:h])
				cnt.Write(src[h:])
			} else {
				io.Copy(io.Discard, cnt)
			}
			var lf, cr int64 // the byte-by-byte count
			for j, b := range src {
				switch {
				case b == '\n' && (j == 0 || src[j-1] != '\r'):
					lf++
				case j > 0 && src[j-1] == '\r' && b != '\n':
					cr++
				}
			}
			if cnt.BareLF != lf || cnt.BareCR != cr {
				t.Fatalf("input %q: CRLFCounter bare LF %d, CR %d; want %d, %d", src, cnt.BareLF, cnt.BareCR, lf, cr)
			}
			if cnt.Len() != int64(len(got)) || cnt.N != int64(len(src)) {
				t.Fatalf("input %q: CRLFCounter.Len %d (N %d), CRLFReader gave %d bytes", src, cnt.Len(), cnt.N, len(got))
			}
		}
	}
}

func BenchmarkCRLFReader(b *testing.B) {
	line := bytes.Repeat([]byte("x"), 75)
	var src []byte
	for len(src) < 1<<20 {
		src = append(append(src, line...), '\n')
	}
	b.SetBytes(int64(len(src)))
	for range b.N {
		io.Copy(io.Discard, CRLFReader(bytes.NewReader(src)))
	}
}
