package pst

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/mailferry/mailferry/importers"
)

// FuzzPST opens arbitrary bytes as a PST and reads everything in it. Any
// panic, even one the Source recovers (it then says "internal error"), is
// a failure. Seeds: the generated fixtures, go-pst's small ANSI sample,
// and cut and damaged copies of them (found crashers are kept in
// testdata/fuzz/FuzzPST).
func FuzzPST(f *testing.F) {
	var seeds [][]byte
	for _, name := range []string{"ansi-plain.pst", "ansi-932.pst", "unicode-cyclic.pst"} {
		b, err := os.ReadFile(fixturePath(name))
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	if b, err := os.ReadFile(samplePath(f, "32-bit.pst")); err == nil {
		seeds = append(seeds, b)
	}
	for _, b := range seeds[:len(seeds):len(seeds)] {
		f.Add(b)
		f.Add(b[:len(b)/2])
		f.Add(b[:min(len(b), 1024)])
		d := bytes.Clone(b)
		for i := 700; i < len(d); i += 997 {
			d[i] ^= 0x5a
		}
		f.Add(d)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		readFuzz(t, data)
	})
}

func readFuzz(t *testing.T, data []byte) {
	s, err := newSource(bytes.NewReader(data), int64(len(data)), "fuzz.pst", &importers.Options{})
	if err != nil {
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Open: %v", err)
		}
		return
	}
	ctx := context.Background()
	fis, err := s.Folders(ctx)
	if err != nil {
		t.Fatalf("Folders: %v", err)
	}
	for _, fi := range fis {
		err := s.Walk(ctx, fi.Folder, nil, func(m *importers.Message, rerr error) error {
			if rerr != nil {
				if strings.Contains(rerr.Error(), "internal error") {
					t.Fatalf("%s: %v", m.Ref, rerr)
				}
				return nil
			}
			rc, err := m.Body.Open()
			if err != nil {
				t.Fatalf("%s: Open: %v", m.Ref, err)
			}
			n, err := io.Copy(io.Discard, rc)
			rc.Close()
			if err != nil || n != m.Body.Len() {
				t.Fatalf("%s: read %d of %d: %v", m.Ref, n, m.Body.Len(), err)
			}
			return nil
		})
		if err != nil && strings.Contains(err.Error(), "internal error") {
			t.Fatalf("Walk(%s): %v", fi.Folder, err)
		}
	}
}
