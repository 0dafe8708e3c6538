package importers

import (
	"bufio"
	"bytes"
	"io"
	"math/rand"
	"testing"
	"testing/iotest"
)

// refCRLF is the CRLF conversion done the obvious way: every LF and every
// CR that is not part of a CRLF becomes CRLF.
func refCRLF(b []byte) []byte {
	var out []byte
	for i, c := range b {
		switch {
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			out = append(out, '\r', '\n')
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			out = append(out, '\r', '\n')
		default:
			out = append(out, c)
		}
	}
	return out
}

// refLines splits after each LF, CRLF or lone CR.
func refLines(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] == '\n' || b[i] == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			out = append(out, b[start:i+1])
			start = i + 1
		}
	}
	if start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

func randomText(rng *rand.Rand, n int) []byte {
	const alphabet = "ab\r\n\r\n\rFrom x:"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.Intn(len(alphabet))]
	}
	return b
}

func TestCRLFReaderAndCounter(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	cases := [][]byte{nil, []byte("\r"), []byte("\n"), []byte("\r\n"), []byte("a\rb\nc\r\nd\r"), []byte("\r\r\n\n\r")}
	for i := 0; i < 300; i++ {
		cases = append(cases, randomText(rng, rng.Intn(200)))
	}
	cases = append(cases, randomText(rng, 100000))
	for _, in := range cases {
		want := refCRLF(in)
		// One byte at a time, so that a CR ends a read.
		got, err := io.ReadAll(CRLFReader(iotest.OneByteReader(bytes.NewReader(in))))
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("CRLFReader(%q) = %q, %v; want %q", in, got, err, want)
		}
		c := &CRLFCounter{R: iotest.HalfReader(bytes.NewReader(in))}
		io.Copy(io.Discard, c)
		if c.Len() != int64(len(want)) || c.N != int64(len(in)) {
			t.Fatalf("CRLFCounter(%q): Len %d N %d, want %d %d", in, c.Len(), c.N, len(want), len(in))
		}
		lfOnly := int64(len(in)) + int64(bytes.Count(in, []byte("\n"))-bytes.Count(in, []byte("\r\n")))
		if c.LFLen() != lfOnly {
			t.Fatalf("LFLen(%q) = %d, want %d", in, c.LFLen(), lfOnly)
		}
	}
}

func TestReadLine(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	cases := [][]byte{nil, []byte("\r"), []byte("x\r"), []byte("x\r\n"), []byte("abc"), []byte("\r\r\n\n\r\n\r")}
	for i := 0; i < 300; i++ {
		cases = append(cases, randomText(rng, rng.Intn(300)))
	}
	// A CR last in a full buffer, then its LF.
	cases = append(cases, append(bytes.Repeat([]byte("x"), 15), "\r\nnext\r"...))
	cases = append(cases, append(bytes.Repeat([]byte("x"), 15), "\rnext\r"...))
	for _, in := range cases {
		for _, r := range []io.Reader{bytes.NewReader(in), iotest.OneByteReader(bytes.NewReader(in))} {
			br := bufio.NewReaderSize(r, 16)
			var lines [][]byte
			var cur []byte
			for {
				l, err := ReadLine(br)
				cur = append(cur, l...)
				if err == bufio.ErrBufferFull {
					if len(l) == 0 {
						t.Fatalf("%q: ErrBufferFull with nothing", in)
					}
					continue
				}
				if len(cur) > 0 {
					lines = append(lines, cur)
				}
				cur = nil
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("%q: %v", in, err)
				}
				if len(l) == 0 {
					t.Fatalf("%q: empty line without error", in)
				}
			}
			want := refLines(in)
			if len(lines) != len(want) {
				t.Fatalf("ReadLine(%q) = %q, want %q", in, lines, want)
			}
			for i := range want {
				if !bytes.Equal(lines[i], want[i]) {
					t.Fatalf("ReadLine(%q) = %q, want %q", in, lines, want)
				}
			}
		}
	}
	for _, tc := range []struct {
		in   string
		want int
	}{{"", -1}, {"abc", -1}, {"a\rb\n", 1}, {"ab\nc\r", 2}, {string(bytes.Repeat([]byte("x"), 1000)) + "\r", 1000}} {
		if got := IndexLineEnd([]byte(tc.in)); got != tc.want {
			t.Errorf("IndexLineEnd(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
