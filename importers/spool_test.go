package importers_test

import (
	"bytes"
	"io"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// SpoolSize keeps every byte whatever the hint says.
func TestSpoolSize(t *testing.T) {
	for _, tc := range []struct {
		name     string
		n, size  int
		memMax   int64
		inMemory bool
	}{
		{"exact", 1000, 1000, 4096, true},
		{"empty", 0, 0, 4096, true},
		{"shorter than announced", 500, 1000, 4096, true},
		{"longer than announced", 3000, 1000, 4096, false},
		{"over the memory cap", 9000, 9000, 4096, false},
		{"unknown size", 3000, -1, 4096, true},
		{"unknown size, big", 9000, -1, 4096, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := []byte(strings.Repeat("0123456789abcdef", tc.n/16+1)[:tc.n])
			b, err := importers.SpoolSize(bytes.NewReader(data), int64(tc.size), tc.memMax, t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			if b.Len() != int64(tc.n) {
				t.Errorf("Len %d, want %d", b.Len(), tc.n)
			}
			rc, err := b.Open()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(rc)
			rc.Close()
			if !bytes.Equal(got, data) {
				t.Errorf("body differs: %d bytes, want %d", len(got), len(data))
			}
			_, isMem := b.(importers.BytesBody)
			if isMem != tc.inMemory {
				t.Errorf("in memory %v, want %v", isMem, tc.inMemory)
			}
		})
	}
}
