package importers

import (
	"bytes"
	"errors"
	"fmt"
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
	if size > 0 {
		if err := SpoolFits(size, dir); err != nil {
			return nil, err
		}
	}
	f, err := os.CreateTemp(dir, "mailferry-spool-*")
	if err != nil {
		return nil, err
	}
	// The file is private (0600 from CreateTemp). Where the system allows
	// it, it is unlinked at once: it vanishes with its last descriptor,
	// even when the process is killed.
	sf := &spoolFile{f: f}
	if unlinkOpen && os.Remove(f.Name()) == nil {
		sf.unlinked = true
	}
	if _, err := f.Write(head); err != nil {
		sf.Release()
		return nil, err
	}
	m, err := io.Copy(f, r)
	if err != nil {
		sf.Release()
		return nil, err
	}
	sf.size = int64(len(head)) + m
	return sf, nil
}

// SpoolMargin is the free space Spool leaves on the spool's file system.
const SpoolMargin = 64 << 20

// ErrSpoolFull marks a body refused because the spool's file system has
// not room enough for it.
var ErrSpoolFull = errors.New("not enough free space to spool it")

// SpoolFits reports whether a body of size bytes can be spooled in dir
// (os.TempDir() when empty) leaving SpoolMargin free; the error wraps
// ErrSpoolFull and names the directory (set TMPDIR or --spool-dir).
func SpoolFits(size int64, dir string) error {
	free, err := freeSpace(dir)
	if err != nil {
		return nil // cannot tell: try
	}
	if size > free-SpoolMargin {
		if dir == "" {
			dir = os.TempDir()
		}
		return fmt.Errorf("%w: %d bytes, %d free in %s (TMPDIR)", ErrSpoolFull, size, max(free, 0), dir)
	}
	return nil
}

type spoolFile struct {
	mu       sync.Mutex
	f        *os.File
	size     int64
	unlinked bool
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
	if s.unlinked {
		return nil
	}
	return os.Remove(name)
}
