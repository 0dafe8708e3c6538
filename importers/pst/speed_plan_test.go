package pst

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/importers"
)

type walked struct {
	ref     string
	n, crlf int64
	key     dedupe.Key
	keyed   bool
	raw     []byte
}

func walkPST(t *testing.T, path string, headersOnly bool) []walked {
	t.Helper()
	s, err := Open(path, &importers.Options{SpoolDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	fis, err := s.Folders(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []walked
	for _, fi := range fis {
		err := s.Walk(ctx, fi.Folder, &importers.WalkOptions{HeadersOnly: headersOnly}, func(m *importers.Message, rerr error) error {
			if rerr != nil || m.Body == nil {
				out = append(out, walked{ref: m.Ref + " (not read)"})
				return nil
			}
			w := walked{ref: m.Ref, n: m.Body.Len()}
			if kc, ok := m.Body.(importers.KeyCache); ok {
				var k [16]byte
				k, w.crlf, w.keyed = kc.CachedKey()
				w.key = dedupe.Key(k)
			}
			rc, err := m.Body.Open()
			if err != nil {
				t.Fatal(err)
			}
			w.raw, _ = io.ReadAll(rc)
			rc.Close()
			out = append(out, w)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// A HeadersOnly walk (the engine's plan) gives each message's length, and,
// where it gives a key and CRLF length without the bytes, exactly those of
// the full walk's bytes; opened, its body is the full walk's bytes.
func TestHeadersOnlyWalkSameAsFull(t *testing.T) {
	paths := []string{fixturePath("ansi-932.pst"), fixturePath("unicode-cyclic.pst"), fixturePath("ansi-plain.pst")}
	if !testing.Short() {
		paths = append(paths, samplePath(t, "support.pst"), samplePath(t, "enron.pst"))
	}
	for _, p := range paths {
		full, plan := walkPST(t, p, false), walkPST(t, p, true)
		if len(full) != len(plan) {
			t.Fatalf("%s: %d messages in a full walk, %d with HeadersOnly", p, len(full), len(plan))
		}
		keyed := 0
		for i := range full {
			f, h := full[i], plan[i]
			if f.ref != h.ref || f.n != h.n || !bytes.Equal(f.raw, h.raw) || int64(len(f.raw)) != f.n {
				t.Fatalf("%s: %s: full walk %d bytes (Len %d), HeadersOnly %s %d bytes (Len %d)", p, f.ref, len(f.raw), f.n, h.ref, len(h.raw), h.n)
			}
			if !h.keyed {
				continue
			}
			keyed++
			k, _, _ := dedupe.Of(bytes.NewReader(f.raw))
			cnt := &importers.CRLFCounter{R: bytes.NewReader(f.raw)}
			io.Copy(io.Discard, cnt)
			if h.key != k || h.crlf != cnt.Len() {
				t.Errorf("%s: %s: HeadersOnly key %s crlf %d, full bytes give %s %d", p, f.ref, h.key, h.crlf, k, cnt.Len())
			}
		}
		t.Logf("%s: %d messages, %d keyed without their bytes", p, len(full), keyed)
	}
}
