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
	return SpoolSize(r, -1, memMax, dir)
}

// SpoolSize is Spool for a stream whose length is known in advance (an
// IMAP literal): a body that fits in memory gets a buffer of exactly that
// size instead of a growing one. size is a hint: a stream that turns out
// shorter gives a shorter Body, one that turns out longer is spooled whole.
func SpoolSize(r io.Reader, size, memMax int64, dir string) (Body, error) {
	if memMax <= 0 {
		memMax = DefaultSpoolMem
	}
	var head []byte
	if size >= 0 && size <= memMax {
		buf := make([]byte, size)
		n, err := io.ReadFull(r, buf)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return BytesBody(buf[:n]), nil
		}
		if err != nil {
			return nil, err
		}
		var one [1]byte
		switch _, err := io.ReadFull(r, one[:]); err {
		case io.EOF:
			return BytesBody(buf), nil
		case nil:
			head = append(buf, one[0]) // longer than announced
		default:
			return nil, err
		}
	} else {
		var buf bytes.Buffer
		_, err := io.CopyN(&buf, r, memMax+1)
		if err == io.EOF {
			return BytesBody(buf.Bytes()), nil
		}
		if err != nil {
			return nil, err
		}
		head = buf.Bytes()
	}
	f, err := os.CreateTemp(dir, "mailferry-spool-*")
	if err != nil {
		return nil, err
	}
	// Unlink-on-release; the file is private (0600 from CreateTemp).
	if _, err := f.Write(head); err != nil {
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
	return &spoolFile{f: f, size: int64(len(head)) + m}, nil
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
