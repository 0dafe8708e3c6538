package eml

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
)

func init() {
	importers.Register("eml", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	})
}

const (
	// maxDirDepth bounds the directory scan.
	maxDirDepth = 64
	// maxHeader bounds how much of a file is read to find its Date:.
	maxHeader = 1 << 20
)

// Source reads a tree of .eml files. It never changes them.
type Source struct {
	root    string
	log     *slog.Logger
	folders []*importers.TreeFolder
}

var _ importers.Source = (*Source)(nil)

// Open opens PATH, an .eml file or a directory tree of them (see the
// package documentation for the folder layout). opts may be nil.
func Open(path string, opts *importers.Options) (*Source, error) {
	s := &Source{root: path, log: opts.Log()}
	tree := importers.FileTree{Scheme: "eml", Log: s.log, MaxDepth: maxDirDepth, Item: isItem}
	var err error
	if s.folders, err = importers.OpenTree(tree, path, "an .eml file or a directory of them", "no files in this directory or below it"); err != nil {
		return nil, err
	}
	return s, nil
}

// isEMLName reports whether a file's name says it is a message: a file so
// named that does not hold one is an error, where any other file is only
// skipped (see the package doc).
func isEMLName(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".eml")
}

// quietNames are files that are never mail and that systems and tools put
// beside it; they are skipped without a word (compared without case).
var quietNames = []string{".DS_Store", ".localized", "Thumbs.db", "ehthumbs.db", "desktop.ini", "Icon\r"}

// isItem reports whether a file is one of its folder's items: every
// regular file but those quietFile names.
func isItem(name string) bool { return !quietFile(name) }

// quietFile reports whether a directory entry is on the documented list
// of files skipped silently: quietNames, macOS AppleDouble files ("._x",
// the resource fork of x), and mailferry's own state, lock, journal and
// temporary files (".mailferry-*", ".<name>.mailferry-journal").
func quietFile(name string) bool {
	for _, q := range quietNames {
		if strings.EqualFold(name, q) {
			return true
		}
	}
	return strings.HasPrefix(name, "._") || strings.HasPrefix(name, ".mailferry-") ||
		strings.HasPrefix(name, ".") && strings.HasSuffix(name, ".mailferry-journal")
}

// Caps: no flags; the internal date is the Date: header (or mtime) to the
// second; bodies are the files.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: false, DatePrecision: time.Second, ByteExact: true}
}

// Close releases nothing; it exists for the interface.
func (s *Source) Close() error { return nil }

// Folders lists the folders with the number and total size of their files.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, fo := range s.folders {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi := importers.FolderInfo{Folder: fo.Folder, NoSelect: fo.NoSelect}
		if !fo.NoSelect {
			files, err := fo.FileList(isItem)
			if err != nil {
				fi.Messages, fi.Bytes = -1, -1
				files = &importers.FileList{}
			}
			for i := range files.Len() {
				fi.Messages++
				info, err := files.Info(i)
				if err != nil || fi.Bytes < 0 {
					fi.Bytes = -1
					continue
				}
				fi.Bytes += info.Size()
			}
		}
		out = append(out, fi)
	}
	return out, nil
}

// Walk calls fn for each .eml file of folder f in file name order.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	fo, files, opts, err := importers.WalkTree(s.folders, "eml", s.root, f, opts, isItem)
	if err != nil {
		return err
	}
	for i := range files.Len() {
		if err := ctx.Err(); err != nil {
			return err
		}
		path := files.Path(i)
		m := &importers.Message{Ref: "eml:" + path, Folder: fo.Folder}
		named := files.Single() || isEMLName(files.Name(i))
		rerr := readMessage(path, m, named)
		if rerr != nil {
			m.Body = nil
			if errors.Is(rerr, ErrNotMessage) && !named {
				// A file beside the mail: named in the summary, not an error.
				var nm *notMessageError
				if errors.As(rerr, &nm) {
					rerr = importers.NewSkipError(m.Ref, fo.Folder, "not-a-message", nm.code, nm.args...)
				} else {
					rerr = &importers.SkipError{Ref: m.Ref, Folder: fo.Folder, Kind: "not-a-message",
						Reason: strings.TrimPrefix(strings.TrimPrefix(rerr.Error(), ErrNotMessage.Error()), ": ")}
				}
			} else {
				rerr = &importers.MessageError{Ref: m.Ref, Folder: fo.Folder, Err: rerr}
			}
		} else if !opts.InDateRange(m.InternalDate) {
			continue
		}
		if err := fn(m, rerr); err != nil {
			return err
		}
	}
	return nil
}

// ErrNotMessage is wrapped by the errors of files that are not messages.
var ErrNotMessage = errors.New("not an e-mail message")

// notMessageError is a file that is not a message, with the SkipError
// code that says why (importers.SkipFormat).
type notMessageError struct {
	code string
	args []any
}

func notMessage(code string, args ...any) *notMessageError { return &notMessageError{code, args} }

func (e *notMessageError) Error() string {
	return ErrNotMessage.Error() + ": " + fmt.Sprintf(importers.SkipFormat(e.code), e.args...)
}

func (e *notMessageError) Is(target error) bool { return target == ErrNotMessage }

// readMessage checks that p holds a message and fills m's body and date.
// Unless named (a .eml file, or the file given as eml:PATH), every line of
// the header block must be a field or a continuation line, not only the
// first.
func readMessage(p string, m *importers.Message, named bool) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() == 0 {
		return notMessage(importers.SkipEmptyFile)
	}
	h, err := scanHeader(bufio.NewReaderSize(io.LimitReader(f, maxHeader), 32<<10))
	if err != nil {
		return err
	}
	if !named && h.bad != nil {
		return h.bad
	}
	if h.skip > 0 {
		m.Body = &importers.RangeBody{Path: p, Offset: h.skip, Size: fi.Size() - h.skip}
	} else {
		m.Body = &importers.FileBody{Path: p, Size: fi.Size()}
	}
	if d, ok := ParseDate(h.date); ok {
		m.InternalDate = d
	} else {
		m.InternalDate = fi.ModTime()
	}
	return nil
}

// header is what scanHeader learns of a file.
type header struct {
	skip int64  // bytes before the header (BOM, mbox "From " line)
	date string // the first Date: value, unfolded
	// bad says which later line of the header block is neither a field
	// nor a continuation line (nil when all are).
	bad *notMessageError
}

var utf8BOM = []byte("\xef\xbb\xbf")

// scanHeader reads the header block at the start of r: it must start with
// a field; the first Date: field is kept. Lines that are not fields later
// on are noted in h.bad (a .eml file is passed on as it is anyway). Lines
// end at LF, CRLF or a lone CR (importers.ReadLine).
func scanHeader(r *bufio.Reader) (header, error) {
	var h header
	if b, _ := r.Peek(3); bytes.Equal(b, utf8BOM) {
		// QUIRK: Windows tools write a UTF-8 BOM before the header.
		r.Discard(3)
		h.skip = 3
	}
	if b, _ := r.Peek(5); string(b) == "From " {
		// QUIRK: some exporters keep the mbox envelope line.
		line, err := importers.ReadLine(r)
		if err != nil {
			return h, notMessage(importers.SkipOnlyFromLine)
		}
		h.skip += int64(len(line))
	}
	first := true
	inDate := false
	var date []byte
	for n := 1; ; n++ {
		line, err := importers.ReadLine(r)
		if err == bufio.ErrBufferFull {
			// A very long line: skip the rest of it.
			for err == bufio.ErrBufferFull {
				_, err = importers.ReadLine(r)
			}
			inDate = false
			first = false
			continue
		}
		trimmed := bytes.TrimRight(line, "\r\n")
		if len(trimmed) == 0 {
			if first {
				return h, notMessage(importers.SkipNoHeader)
			}
			break // end of the header (or of the file)
		}
		switch {
		case trimmed[0] == ' ' || trimmed[0] == '\t':
			if first {
				return h, notMessage(importers.SkipStartsWithContinuation)
			}
			if inDate {
				date = append(date, trimmed...)
			}
		default:
			name, ok := fieldName(trimmed)
			if first && !ok {
				return h, notMessage(importers.SkipNoFirstField, clip(trimmed))
			}
			if !ok && h.bad == nil {
				h.bad = notMessage(importers.SkipNotAField, n, clip(trimmed))
			}
			inDate = false
			if ok && strings.EqualFold(name, "Date") && date == nil {
				inDate = true
				date = append([]byte{}, trimmed[bytes.IndexByte(trimmed, ':')+1:]...)
			}
		}
		first = false
		if err != nil {
			break
		}
	}
	h.date = string(date)
	return h, nil
}

// fieldName returns the name of a "Name: value" line.
func fieldName(line []byte) (string, bool) {
	i := bytes.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	name := bytes.TrimRight(line[:i], " \t")
	if len(name) == 0 {
		return "", false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return "", false
		}
	}
	return string(name), true
}

func clip(b []byte) string {
	if len(b) > 40 {
		b = b[:40]
	}
	return strings.ToValidUTF8(string(b), "?")
}
