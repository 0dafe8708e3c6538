package mbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/text/unicode/norm"

	"github.com/mailferry/mailferry/importers"
)

func init() {
	importers.Register("mbox", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	})
}

// errEmpty is the error of a message that has no bytes at all.
var errEmpty = errors.New(`empty message (a "From " line and nothing else)`)

// SourceOptions configure NewSource.
type SourceOptions struct {
	// Scheme starts every Ref ("mbox" when empty): "<scheme>:<file>@<offset>".
	Scheme string
	// Thunderbird applies Thunderbird's separator rule to every file (see
	// ReaderOptions).
	Thunderbird bool
	// Log receives warnings; nil discards.
	Log *slog.Logger
}

// Source reads a list of mbox files as folders. It never writes to them.
// Like every Source it is used by one goroutine at a time.
type Source struct {
	files []File
	opt   SourceOptions
	log   *slog.Logger
}

var _ importers.Source = (*Source)(nil)

// NewSource returns a Source of files (as List returns them). Files with
// an empty Path are folders that only hold others.
func NewSource(files []File, opt SourceOptions) *Source {
	if opt.Scheme == "" {
		opt.Scheme = "mbox"
	}
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Source{files: files, opt: opt, log: log}
}

// Open opens mbox:PATH: one mbox file, which is the folder named after the
// file without a ".mbox" or ".mbx" extension ("INBOX" and "Inbox" stay as
// they are; the engine maps them), or a directory of them (see List).
func Open(path string, opts *importers.Options) (*Source, error) {
	if path == "" {
		return nil, importers.UsageError("mbox: want mbox:PATH (an mbox file or a directory of them)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, importers.UsageError("mbox %s: no such file or directory", path)
		}
		return nil, fmt.Errorf("mbox %s: %w", path, err)
	}
	sopt := SourceOptions{Log: opts.Log()}
	if !fi.IsDir() {
		ok, err := Sniff(path)
		if err != nil {
			return nil, fmt.Errorf("mbox %s: %w", path, err)
		}
		if !ok {
			return nil, importers.UsageError("mbox %s: not an mbox file (it does not start with a \"From \" line)", path)
		}
		name := filepath.Base(path)
		if s, ok := trimSuffixFold(name, ".mbox"); ok {
			name = s
		} else if s, ok := trimSuffixFold(name, ".mbx"); ok {
			name = s
		}
		return NewSource([]File{{Folder: importers.Folder{norm.NFC.String(name)}, Path: path}}, sopt), nil
	}
	files, err := List(path, ListOptions{Log: opts.Log()})
	if err != nil {
		return nil, fmt.Errorf("mbox %s: %w", path, err)
	}
	if len(files) == 0 {
		return nil, importers.UsageError("mbox %s: no mbox files in this directory", path)
	}
	return NewSource(files, sopt), nil
}

// Files returns the folders and their files.
func (s *Source) Files() []File { return s.files }

// Caps: flags come from the status headers, the internal date from the
// "From " line (seconds), and bodies are unquoted (mboxrd), so not
// byte-exact.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: false}
}

// Close releases nothing; it exists for the interface.
func (s *Source) Close() error { return nil }

// Folders lists the folders with their message counts and sizes (the sum
// of Body.Len), which it learns by scanning every file once: sequential
// reading at disk speed, no message held in memory. A file that cannot be
// scanned gets -1 and a warning; Walk reports the error.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, f := range s.files {
		fi := importers.FolderInfo{Folder: f.Folder, NoSelect: f.Path == ""}
		if f.Path != "" {
			n, b, err := s.count(ctx, f.Path)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				s.log.Warn(s.opt.Scheme+": cannot scan folder", "folder", f.Folder.String(), "path", f.Path, "err", err)
				n, b = -1, -1
			}
			fi.Messages, fi.Bytes = n, b
		}
		out = append(out, fi)
	}
	return out, nil
}

func (s *Source) count(ctx context.Context, path string) (n, bytes int64, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return 0, 0, err
	}
	rd := NewReader(fh, st.Size(), ReaderOptions{Thunderbird: s.opt.Thunderbird})
	for {
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		e, err := rd.Next()
		if err == io.EOF {
			return n, bytes, nil
		}
		if err != nil {
			return 0, 0, err
		}
		n++
		bytes += e.Len()
	}
}

func (s *Source) find(f importers.Folder) *File {
	for i := range s.files {
		if s.files[i].Folder.Equal(f) {
			return &s.files[i]
		}
	}
	return nil
}

// Walk calls fn for every message of folder f in file order. A message
// that has no bytes goes to fn as a *importers.MessageError naming the
// file, folder and offset; an I/O error ends the walk with an error that
// names the offset. Messages with \Deleted (Thunderbird's expunged bit)
// are passed on: the engine skips them unless --keep-deleted.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	file := s.find(f)
	if file == nil {
		return fmt.Errorf("%s: no folder %q", s.opt.Scheme, f.String())
	}
	if file.Path == "" {
		return nil
	}
	if opts == nil {
		opts = &importers.WalkOptions{}
	}
	fh, err := os.Open(file.Path)
	if err != nil {
		return fmt.Errorf("%s folder %q: %w", s.opt.Scheme, f.String(), err)
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("%s folder %q: %w", s.opt.Scheme, f.String(), err)
	}
	size := st.Size()
	rd := NewReader(fh, size, ReaderOptions{Thunderbird: s.opt.Thunderbird})
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		e, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s folder %q: %s: %w", s.opt.Scheme, f.String(), file.Path, err)
		}
		m := &importers.Message{Ref: fmt.Sprintf("%s:%s@%d", s.opt.Scheme, file.Path, e.Offset), Folder: file.Folder}
		var rerr error
		if e.Len() == 0 {
			rerr = &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: errEmpty}
		} else {
			var partial bool
			m.Flags, partial = e.Flags()
			m.InternalDate = e.Date()
			m.Body = NewBody(file.Path, size, e)
			if partial {
				s.log.Warn(s.opt.Scheme+": message only partly downloaded (POP \"headers only\"); copied as it is", "ref", m.Ref)
			}
			if !opts.InDateRange(m.InternalDate) {
				continue
			}
		}
		if err := fn(m, rerr); err != nil {
			return err
		}
	}
}
