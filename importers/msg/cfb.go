package msg

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/richardlehane/mscfb"
)

// The compound file (MS-CFB) side: mscfb parses the container, this file
// turns its flat entry list into a tree and reads streams with bounds.

// storage is one CFB storage (directory) with its streams and sub-storages.
type storage struct {
	name     string
	streams  map[string]*mscfb.File // by upper-case name
	children map[string]*storage    // by upper-case name
}

func newStorage(name string) *storage {
	return &storage{name: name, streams: map[string]*mscfb.File{}, children: map[string]*storage{}}
}

// cfb is an opened compound file.
type cfb struct {
	size int64 // of the whole file: no stream can be larger
	root *storage
	mu   sync.Mutex // mscfb.File keeps a read position; one reader at a time
}

// errNotCFB wraps errors of files that are not compound files at all.
var errNotCFB = errors.New("not an Outlook .msg file (no compound file header)")

// openCFB parses the compound file in ra. mscfb is run under recover: a
// corrupt file must give an error, never a panic.
func openCFB(ra io.ReaderAt, size int64) (c *cfb, err error) {
	if size < 512 {
		return nil, fmt.Errorf("%w: %d bytes", errNotCFB, size)
	}
	var sig [8]byte
	if _, err := ra.ReadAt(sig[:], 0); err != nil {
		return nil, err
	}
	if string(sig[:]) != "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" {
		return nil, errNotCFB
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("corrupt compound file (%v)", r)
		}
	}()
	r, err := mscfb.New(ra)
	if err != nil {
		return nil, fmt.Errorf("corrupt compound file: %w", err)
	}
	c = &cfb{size: size, root: newStorage("")}
	byPath := map[string]*storage{"": c.root}
	var lookup func(path []string) *storage
	lookup = func(path []string) *storage {
		key := strings.ToUpper(strings.Join(path, "/"))
		if s := byPath[key]; s != nil {
			return s
		}
		parent := lookup(path[:len(path)-1])
		name := path[len(path)-1]
		s := parent.children[strings.ToUpper(name)]
		if s == nil {
			s = newStorage(name)
			parent.children[strings.ToUpper(name)] = s
		}
		byPath[key] = s
		return s
	}
	for i, f := range r.File {
		if i == 0 {
			continue // the root entry
		}
		if len(f.Path) > maxStorageDepth {
			return nil, fmt.Errorf("corrupt compound file: storages nested deeper than %d", maxStorageDepth)
		}
		parent := lookup(f.Path)
		key := strings.ToUpper(f.Name)
		if f.FileInfo().IsDir() {
			if parent.children[key] == nil {
				parent.children[key] = newStorage(f.Name)
			}
			continue
		}
		if parent.streams[key] == nil {
			parent.streams[key] = f
		}
	}
	return c, nil
}

// maxStorageDepth bounds storage nesting: each embedded message adds two
// levels (the attachment and its __substg1.0_3701000D).
const maxStorageDepth = 2*maxEmbedDepth + 8

// readStream reads a whole stream of at most limit bytes.
func (c *cfb) readStream(f *mscfb.File, limit int64) ([]byte, error) {
	if f.Size > limit {
		return nil, fmt.Errorf("stream %s is %d bytes, more than the %d allowed", f.Name, f.Size, limit)
	}
	if f.Size > c.size {
		return nil, fmt.Errorf("stream %s claims %d bytes in a %d-byte file", f.Name, f.Size, c.size)
	}
	if f.Size == 0 {
		return nil, nil
	}
	buf := make([]byte, f.Size)
	rc := c.open(f)
	defer rc.Close()
	if _, err := io.ReadFull(rc, buf); err != nil {
		return nil, fmt.Errorf("stream %s: %w", f.Name, err)
	}
	return buf, nil
}

// open returns a reader of stream f from its start. Readers of one file
// must not be used at the same time (outlook.Build reads one attachment
// at a time).
func (c *cfb) open(f *mscfb.File) io.ReadCloser {
	return &streamReader{c: c, f: f, left: f.Size}
}

// streamReader reads an mscfb stream from offset 0, under recover.
type streamReader struct {
	c       *cfb
	f       *mscfb.File
	started bool
	left    int64
}

func (s *streamReader) Read(p []byte) (n int, err error) {
	if s.left <= 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if s.f.Size > s.c.size {
		return 0, fmt.Errorf("stream %s claims %d bytes in a %d-byte file", s.f.Name, s.f.Size, s.c.size)
	}
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("stream %s: corrupt compound file (%v)", s.f.Name, r)
		}
	}()
	if !s.started {
		// QUIRK: mscfb.File keeps its read position; ReadAt seeks from
		// the start of the chain on every call (quadratic), so a reader
		// seeks once and then reads sequentially.
		if _, err := s.f.Seek(0, io.SeekStart); err != nil {
			return 0, fmt.Errorf("stream %s: %w", s.f.Name, err)
		}
		s.started = true
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err = s.f.Read(p)
	s.left -= int64(n)
	if err == io.EOF {
		if s.left > 0 {
			return n, fmt.Errorf("stream %s: %w", s.f.Name, io.ErrUnexpectedEOF)
		}
		err = nil
	}
	if err != nil {
		return n, fmt.Errorf("stream %s: %w", s.f.Name, err)
	}
	if n == 0 {
		return 0, fmt.Errorf("stream %s: no progress reading", s.f.Name)
	}
	return n, nil
}

func (s *streamReader) Close() error { return nil }

// pageCache is an io.ReaderAt that keeps recently read 4 KiB pages: mscfb
// reads every FAT entry (4 bytes) and mini-stream sector (64 bytes) with
// its own ReadAt call.
type pageCache struct {
	ra    io.ReaderAt
	size  int64
	mu    sync.Mutex
	pages map[int64][]byte
	order []int64
}

const (
	pageSize  = 4096
	pageCount = 64
)

func newPageCache(ra io.ReaderAt, size int64) *pageCache {
	return &pageCache{ra: ra, size: size, pages: map[int64][]byte{}}
}

func (c *pageCache) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	if len(p) > pageSize {
		return c.ra.ReadAt(p, off)
	}
	n := 0
	for n < len(p) {
		if off >= c.size {
			return n, io.EOF
		}
		pg, err := c.page(off / pageSize)
		if err != nil {
			return n, err
		}
		k := copy(p[n:], pg[off%pageSize:])
		if k == 0 {
			return n, io.EOF
		}
		n += k
		off += int64(k)
	}
	return n, nil
}

func (c *pageCache) page(i int64) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if pg, ok := c.pages[i]; ok {
		return pg, nil
	}
	buf := make([]byte, pageSize)
	n, err := c.ra.ReadAt(buf, i*pageSize)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return nil, err
	}
	buf = buf[:n]
	if len(c.order) >= pageCount {
		delete(c.pages, c.order[0])
		c.order = c.order[1:]
	}
	c.pages[i] = buf
	c.order = append(c.order, i)
	return buf, nil
}
