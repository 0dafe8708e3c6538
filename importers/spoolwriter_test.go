package importers

import (
	"bytes"
	"crypto/sha256"
	"io"
	"testing"
)

// A SpoolWriter gives back exactly what was written, from memory or,
// past memMax, from its temporary file, which Release removes.
func TestSpoolWriter(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789abcdef\r\n"), 1000) // 18,000 bytes
	for _, memMax := range []int64{1 << 20, 18000, 17999, 100} {
		w := NewSpoolWriter(memMax, t.TempDir())
		for p := data; len(p) > 0; {
			n := min(len(p), 777)
			if _, err := w.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
		b, err := w.Body()
		if err != nil {
			t.Fatal(err)
		}
		if _, inMem := b.(BytesBody); inMem != (memMax >= int64(len(data))) {
			t.Errorf("memMax %d: in memory %v", memMax, inMem)
		}
		for i := 0; i < 2; i++ { // opened twice: the same bytes
			rc, err := b.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if sha256.Sum256(got) != sha256.Sum256(data) || b.Len() != int64(len(data)) {
				t.Errorf("memMax %d: %d bytes back (Len %d), want %d, same hash", memMax, len(got), b.Len(), len(data))
			}
		}
		b.Release()
	}
	w := NewSpoolWriter(10, t.TempDir())
	w.Write(data)
	w.Abort()
}
