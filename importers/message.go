package importers

import (
	"bytes"
	"io"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Folder is a mailbox path split into elements, e.g. Folder{"Archive", "2019"}.
// It is never joined with a store's delimiter here: IMAP servers (LIST
// delimiter), Maildir++ (".") and Thunderbird (".sbd/") all differ.
// The empty Folder is not valid; the inbox is Folder{"INBOX"}.
type Folder []string

// String joins the elements with "/" for display only.
func (f Folder) String() string { return strings.Join(f, "/") }

// Equal reports whether f and g name the same folder.
func (f Folder) Equal(g Folder) bool {
	if len(f) != len(g) {
		return false
	}
	for i := range f {
		if f[i] != g[i] {
			return false
		}
	}
	return true
}

// IsInbox reports whether f is the inbox (case-insensitive "INBOX" at the top).
func (f Folder) IsInbox() bool { return len(f) == 1 && strings.EqualFold(f[0], "INBOX") }

// Message is one e-mail travelling from a Source to a Sink.
//
// The Source that created the Message owns Body until it hands the Message to
// its WalkFunc; after the WalkFunc returns the Source calls Body.Release, so
// a WalkFunc that wants to keep the body must not return before it is done.
type Message struct {
	// Ref is a stable, human-readable source location used in logs, reports
	// and errors: "mbox:/path/Inbox@12345", "maildir:/path/cur/1234.x:2,S",
	// "imap:INBOX;UIDVALIDITY=7;UID=42".
	Ref string
	// Folder is the source folder.
	Folder Folder
	// Flags use go-imap's names: \Seen, \Answered, \Flagged, \Draft,
	// \Deleted, $Forwarded and keywords.
	Flags []imap.Flag
	// InternalDate is the arrival date; zero when the source has none (never
	// time.Now()).
	InternalDate time.Time
	// Body is the raw RFC 5322 message as stored.
	Body Body
	// Header, when non-nil, holds the message's header fields already parsed
	// by the source (at least Message-ID, Date, From, To, Subject). Sources
	// for which reading a body is expensive (IMAP) set it so the dedupe stage
	// need not open Body when a Message-ID is present.
	Header map[string][]string
	// CRLF is true when the source guarantees the body's line endings are
	// CRLF already (IMAP literals), so no conversion or counting is needed.
	CRLF bool
	// UID is the source's unique ID of the message where it has one (IMAP).
	UID uint32
}

// Size returns the body length in bytes as stored at the source.
func (m *Message) Size() int64 { return m.Body.Len() }

// HasFlag reports whether m carries flag f (case-insensitive for system flags).
func (m *Message) HasFlag(f imap.Flag) bool {
	for _, g := range m.Flags {
		if strings.EqualFold(string(g), string(f)) {
			return true
		}
	}
	return false
}

// Body is the raw message. Open may be called any number of times; each
// reader starts at byte 0. Len is exact before any byte is read. Release
// frees resources (spool files); calling it twice is harmless.
type Body interface {
	Open() (io.ReadCloser, error)
	Len() int64
	Release() error
}

// BytesBody is a Body held in memory. Use it only for small, already
// materialized messages (tests, synthesized headers).
type BytesBody []byte

func (b BytesBody) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
func (b BytesBody) Len() int64                   { return int64(len(b)) }
func (b BytesBody) Release() error               { return nil }

// FileBody is a whole file on disk. Size must be the file's size when the
// Source listed it; Open fails if the file has changed size since, so a body
// never silently differs from what was planned.
type FileBody struct {
	Path string
	Size int64
}

func (b *FileBody) Len() int64     { return b.Size }
func (b *FileBody) Release() error { return nil }
func (b *FileBody) Open() (io.ReadCloser, error) {
	return openRange(b.Path, 0, b.Size, true)
}

// RangeBody is a byte range of a file (an mbox message) returned as it is.
type RangeBody struct {
	Path   string
	Offset int64
	Size   int64
}

func (b *RangeBody) Len() int64     { return b.Size }
func (b *RangeBody) Release() error { return nil }
func (b *RangeBody) Open() (io.ReadCloser, error) {
	return openRange(b.Path, b.Offset, b.Size, false)
}

type sectionReadCloser struct {
	*io.SectionReader
	f *os.File
	n int64
	// read counts bytes delivered, to detect a file that shrank.
	read int64
	path string
}

func (s *sectionReadCloser) Read(p []byte) (int, error) {
	n, err := s.SectionReader.Read(p)
	s.read += int64(n)
	if err == io.EOF && s.read < s.n {
		return n, &os.PathError{Op: "read", Path: s.path, Err: io.ErrUnexpectedEOF}
	}
	return n, err
}

func (s *sectionReadCloser) Close() error { return s.f.Close() }

func openRange(path string, off, n int64, whole bool) (io.ReadCloser, error) {
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	if whole {
		fi, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, err
		}
		if fi.Size() != n {
			f.Close()
			return nil, &os.PathError{Op: "open", Path: path, Err: ErrChanged}
		}
	}
	return &sectionReadCloser{SectionReader: io.NewSectionReader(f, off, n), f: f, n: n, path: path}, nil
}
