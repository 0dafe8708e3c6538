package importers

import (
	"bytes"
	"io"
	"os"
	"sync"
)

// DefaultSpoolMem is the size up to which Spool keeps a body in memory.
const DefaultSpoolMem = 1 << 20

// Spool buffers a one-pass stream (a network literal, a message built from a
// PST item) so it can be opened again: in memory up to memMax bytes, then in
// a temporary file in dir (os.TempDir() when empty) that Release removes.
// Memory held is at most memMax per live Body.
func Spool(r io.Reader, memMax int64, dir string) (Body, error) {
	if memMax <= 0 {
		memMax = DefaultSpoolMem
	}
	var buf bytes.Buffer
	n, err := io.CopyN(&buf, r, memMax+1)
	if err == io.EOF {
		return BytesBody(buf.Bytes()), nil
	}
	if err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "mailferry-spool-*")
	if err != nil {
		return nil, err
	}
	// Unlink-on-release; the file is private (0600 from CreateTemp).
	if _, err := f.Write(buf.Bytes()); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	m, err := io.Copy(f, r)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &spoolFile{f: f, size: n + m}, nil
}

type spoolFile struct {
	mu   sync.Mutex
	f    *os.File
	size int64
}

func (s *spoolFile) Len() int64 { return s.size }

func (s *spoolFile) Open() (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil, os.ErrClosed
	}
	return io.NopCloser(io.NewSectionReader(s.f, 0, s.size)), nil
}

func (s *spoolFile) Release() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	s.f.Close()
	s.f = nil
	return os.Remove(name)
}
