package msg

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

func init() {
	importers.Register("msg", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	}, outlook.NonMailOption)
}

// maxDirDepth bounds the directory scan.
const maxDirDepth = 64

// Source reads .msg files. It never changes them.
type Source struct {
	root     string
	log      *slog.Logger
	spoolDir string
	folders  []*importers.TreeFolder
	warned   map[string]bool     // folders whose skipped items were logged
	nonmail  *outlook.NonMailDir // outlook.Settings.NonMailDir, nil without

	// build is outlook.Build; tests replace it.
	build func(io.Writer, *outlook.Item) error
}

var _ importers.Source = (*Source)(nil)

// Open opens PATH, a .msg file or a directory tree of them (see the
// package documentation for the folder layout). opts may be nil.
func Open(path string, opts *importers.Options) (*Source, error) {
	if path == "" {
		return nil, importers.UsageError("msg: want msg:PATH (a .msg file or a directory of them)")
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, importers.UsageError("msg %s: no such file or directory", path)
		}
		return nil, fmt.Errorf("msg %s: %w", path, err)
	}
	s := &Source{root: path, log: opts.Log(), warned: map[string]bool{}, build: outlook.Build}
	if opts != nil {
		s.spoolDir = opts.SpoolDir
		if s.nonmail, err = outlook.OpenNonMail(opts); err != nil {
			return nil, err
		}
	}
	if !fi.IsDir() {
		s.folders = []*importers.TreeFolder{{Folder: importers.Folder{"INBOX"}, File: path}}
		return s, nil
	}
	tree := importers.FileTree{Scheme: "msg", Log: s.log, MaxDepth: maxDirDepth, Item: isMsgName, QuietDot: true}
	if s.folders, err = tree.Scan(path); err != nil {
		return nil, err
	}
	if len(s.folders) == 0 {
		return nil, importers.UsageError("msg %s: no .msg files in this directory or below it", path)
	}
	return s, nil
}

func isMsgName(name string) bool {
	return !strings.HasPrefix(name, ".") && strings.EqualFold(filepath.Ext(name), ".msg")
}

// Caps: flags and dates come from MAPI properties; bodies are rebuilt.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: false}
}

// Close releases the --nonmail directory; files are closed after each
// message.
func (s *Source) Close() error {
	if s.nonmail != nil {
		s.nonmail.Close()
		s.nonmail = nil
	}
	return nil
}

// Folders lists the folders. Messages counts every .msg file: Walk hands
// each to its WalkFunc (items that are not mail as *importers.SkipError);
// Bytes is -1 because the size is known only once a message is built.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, fo := range s.folders {
		fi := importers.FolderInfo{Folder: fo.Folder, NoSelect: fo.NoSelect, Bytes: -1}
		if !fo.NoSelect {
			files, err := fo.Files(isMsgName)
			if err != nil {
				fi.Messages = -1
			}
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			fi.Messages += int64(len(files))
		}
		out = append(out, fi)
	}
	return out, nil
}

// Walk builds and hands out each mail item of folder f in file name order.
// Items that are not mail (contacts, appointments, ...) reach fn as
// *importers.SkipError, after being written to outlook.Settings.NonMailDir when it
// is set.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	fo := importers.FindTreeFolder(s.folders, f)
	if fo == nil {
		return fmt.Errorf("msg %s: no folder %q", s.root, f.String())
	}
	if opts == nil {
		opts = &importers.WalkOptions{}
	}
	files, err := fo.Files(isMsgName)
	if err != nil {
		return fmt.Errorf("msg folder %q: %w", f.String(), err)
	}
	skipped := map[string]int{}
	defer s.logSkipped(fo.Folder, skipped)
	for _, e := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := e.Path
		m := &importers.Message{Ref: "msg:" + p, Folder: fo.Folder}
		class, se, err := s.message(p, m, opts)
		switch {
		case err != nil:
			m.Body = nil
			err = &importers.MessageError{Ref: m.Ref, Folder: fo.Folder, Err: err}
		case class != "":
			skipped[class]++
			err = se
		case m.Body == nil:
			continue // filtered by date
		}
		ferr := fn(m, err)
		if m.Body != nil {
			m.Body.Release()
		}
		if ferr != nil {
			return ferr
		}
	}
	return nil
}

// message reads file p into m. It returns the message class when the item
// is not mail (m is then left without body); m.Body stays nil when the
// date filter drops the message.
func (s *Source) message(p string, m *importers.Message, opts *importers.WalkOptions) (skipClass string, se *importers.SkipError, err error) {
	f, err := os.Open(p)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", nil, err
	}
	if !st.Mode().IsRegular() {
		return "", nil, fmt.Errorf("not a regular file (%s)", st.Mode().Type())
	}
	c, err := openCFB(newPageCache(f, st.Size()), st.Size())
	if err != nil {
		return "", nil, err
	}
	it, err := c.item()
	if err != nil {
		return "", nil, err
	}
	if !outlook.IsMail(it.MessageClass) {
		se, err := s.nonMail(c, p, it.MessageClass, m)
		if err != nil {
			return "", nil, err
		}
		return it.MessageClass, se, nil
	}
	m.Flags = outlook.Flags(it)
	m.InternalDate = outlook.InternalDate(it)
	if !opts.InDateRange(m.InternalDate) {
		return "", nil, nil
	}
	m.Body, err = s.spool(it)
	return "", nil, err
}

// spool builds it into a re-openable body: memory up to
// importers.DefaultSpoolMem, then a temporary file.
func (s *Source) spool(it *outlook.Item) (importers.Body, error) {
	sw := importers.NewSpoolWriter(0, s.spoolDir)
	if err := s.build(sw, it); err != nil {
		sw.Abort()
		return nil, err
	}
	return sw.Body()
}

func (s *Source) logSkipped(f importers.Folder, skipped map[string]int) {
	if len(skipped) == 0 || s.warned[importers.FolderKey(f)] {
		return
	}
	s.warned[importers.FolderKey(f)] = true
	classes := make([]string, 0, len(skipped))
	total := 0
	for c, n := range skipped {
		classes = append(classes, fmt.Sprintf("%s=%d", c, n))
		total += n
	}
	sort.Strings(classes)
	s.log.Warn("msg: items that are not mail skipped", "folder", f.String(), "count", total, "classes", strings.Join(classes, ", "))
}
