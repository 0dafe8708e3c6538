package msg

import (
	"context"
	"fmt"
	"io"
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
	s := &Source{root: path, log: opts.Log(), warned: map[string]bool{}, build: outlook.Build}
	tree := importers.FileTree{Scheme: "msg", Log: s.log, MaxDepth: maxDirDepth, Item: isMsgName, QuietDot: true}
	var err error
	if s.folders, err = importers.OpenTree(tree, path, "a .msg file or a directory of them", "no .msg files in this directory or below it"); err != nil {
		return nil, err
	}
	if opts != nil {
		s.spoolDir = opts.SpoolDir
		if s.nonmail, err = outlook.OpenNonMail(opts); err != nil {
			return nil, err
		}
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
			files, err := fo.FileList(isMsgName)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			if err != nil {
				fi.Messages = -1
			} else {
				fi.Messages = int64(files.Len())
			}
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
	fo, files, opts, err := importers.WalkTree(s.folders, "msg", s.root, f, opts, isMsgName)
	if err != nil {
		return err
	}
	skipped := map[string]int{}
	defer s.logSkipped(fo.Folder, skipped)
	for i := range files.Len() {
		if err := ctx.Err(); err != nil {
			return err
		}
		p := files.Path(i)
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
