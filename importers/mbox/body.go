package mbox

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/mailferry/mailferry/importers"
)

// Body is one message of an mbox file. Nothing of it is held in memory:
// each Open reads the byte range from the file again and, when Unquote is
// not 0, removes one '>' from every line matching ^>+From  on the fly.
//
// Open fails with importers.ErrChanged when the file is no longer the
// one scanned: it is shorter than when scanned, or the message's "From "
// line (or the next one) is no longer where it was, as after Thunderbird's
// "Compact Folders". Mail appended meanwhile is fine. A reader also fails
// instead of returning a different number of bytes than Len.
type Body struct {
	Path string
	// Offset is the message's "From " line, Next the next message's (or
	// -1 when the message is the last one scanned).
	Offset, Next int64
	// Start and Raw are the stored message bytes; Unquote the number of
	// '>' to remove (see Entry).
	Start, Raw, Unquote int64
	// FileSize is the size of the file when it was scanned.
	FileSize int64
}

var _ importers.Body = (*Body)(nil)

// NewBody returns the Body of e, a message of the file at path whose size
// was size when it was scanned.
func NewBody(path string, size int64, e *Entry) *Body {
	next := e.End()
	if next >= size {
		next = -1
	}
	return &Body{Path: path, Offset: e.Offset, Next: next, Start: e.Start, Raw: e.Raw, Unquote: e.Unquote, FileSize: size}
}

// Len is the exact number of bytes a reader from Open returns.
func (b *Body) Len() int64 { return b.Raw - b.Unquote }

// Release does nothing: the body stays in its file.
func (b *Body) Release() error { return nil }

// Open returns a reader of the message. The caller closes it.
func (b *Body) Open() (io.ReadCloser, error) {
	f, err := os.Open(b.Path)
	if err != nil {
		return nil, err
	}
	if err := b.check(f); err != nil {
		f.Close()
		return nil, err
	}
	return &readCloser{Reader: bodyReader(f, b.Path, b.Start, b.Raw, b.Unquote), f: f}, nil
}

// bodyReader reads the message stored at [start, start+raw) of ra,
// unquoting it when unquote is not 0.
func bodyReader(ra io.ReaderAt, path string, start, raw, unquote int64) io.Reader {
	rr := &rangeReader{r: io.NewSectionReader(ra, start, raw), left: raw, path: path}
	if unquote == 0 {
		return rr
	}
	size := int64(32 << 10)
	if raw+16 < size {
		size = raw + 16 // small messages need no 32 KiB buffer
	}
	return &unquoteReader{br: bufio.NewReaderSize(rr, int(size)), atStart: true, want: raw - unquote, path: path}
}

func (b *Body) check(f *os.File) error {
	changed := &os.PathError{Op: "open", Path: b.Path, Err: importers.ErrChanged}
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < b.FileSize {
		return changed
	}
	var buf [5]byte
	for _, off := range []int64{b.Offset, b.Next} {
		if off < 0 {
			continue
		}
		if _, err := f.ReadAt(buf[:], off); err != nil || string(buf[:]) != "From " {
			return changed
		}
	}
	return nil
}

type readCloser struct {
	io.Reader
	f *os.File
}

func (r *readCloser) Close() error { return r.f.Close() }

// rangeReader reads a section of a file and fails if it ends early.
type rangeReader struct {
	r    *io.SectionReader
	left int64
	path string
}

func (r *rangeReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.left -= int64(n)
	if err == io.EOF && r.left > 0 {
		return n, &os.PathError{Op: "read", Path: r.path, Err: io.ErrUnexpectedEOF}
	}
	return n, err
}

// unquoteReader removes one '>' from each line matching ^>+From  (the
// mboxrd rule) as the bytes go through; lines end at LF, CRLF or a lone
// CR, as for Reader. It holds no more than its buffer
// and a count of '>' not yet returned, however long a line or a run of
// '>' is.
type unquoteReader struct {
	br      *bufio.Reader
	cur     []byte // bytes of br's buffer to return next
	gt      int64  // '>' to return before cur
	atStart bool
	err     error
	n, want int64
	path    string
}

func (u *unquoteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for {
		if u.gt > 0 {
			k := len(p)
			if int64(k) > u.gt {
				k = int(u.gt)
			}
			for i := range p[:k] {
				p[i] = '>'
			}
			u.gt -= int64(k)
			return u.count(k)
		}
		if len(u.cur) > 0 {
			k := copy(p, u.cur)
			u.cur = u.cur[k:]
			return u.count(k)
		}
		if u.err != nil {
			if u.err == io.EOF && u.n != u.want {
				return 0, u.changed()
			}
			return 0, u.err
		}
		if u.atStart {
			u.atStart = false
			var run int64
			for {
				c, err := u.br.ReadByte()
				if err != nil {
					u.err = err
					break
				}
				if c != '>' {
					u.br.UnreadByte()
					break
				}
				run++
			}
			if run > 0 && u.err == nil {
				if b, _ := u.br.Peek(5); string(b) == "From " {
					run--
				}
			}
			u.gt = run
			continue
		}
		chunk, err := importers.ReadLine(u.br)
		u.cur = chunk
		switch err {
		case nil:
			u.atStart = true
		case bufio.ErrBufferFull:
		default:
			u.err = err
		}
	}
}

func (u *unquoteReader) count(k int) (int, error) {
	u.n += int64(k)
	if u.n > u.want {
		return 0, u.changed()
	}
	return k, nil
}

func (u *unquoteReader) changed() error {
	return &os.PathError{Op: "read", Path: u.path, Err: fmt.Errorf("%w (not the length scanned)", importers.ErrChanged)}
}
