package pst

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/outlook"
)

func init() {
	importers.Register("pst", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	}, outlook.NonMailOption)
}

// hooks are the outlook package functions a Source uses to turn an Item
// into a message; tests replace them.
type hooks struct {
	build func(w io.Writer, it *outlook.Item) error
	flags func(it *outlook.Item) []imap.Flag
	date  func(it *outlook.Item) time.Time
}

var defaultHooks = hooks{build: outlook.Build, flags: outlook.Flags, date: outlook.InternalDate}

// Source reads the mail of a PST or OST file. It is used by one goroutine
// at a time; it keeps the file open until Close.
type Source struct {
	path     string
	file     *os.File
	f        *pstFile
	st       *store
	log      *slog.Logger
	spoolDir string
	hooks    hooks

	byPath map[string][]*folderNode
	order  []string // keys of byPath, in folder order
	crcLog int      // CRC errors already reported

	nonmail *outlook.NonMailDir // outlook.Settings.NonMailDir, nil without

	planBuf []byte // a planWriter's head, reused from message to message
}

var _ importers.Source = (*Source)(nil)

// Open opens the PST or OST file at path. Both the ANSI (Outlook 97-2002)
// and the Unicode (Outlook 2003 and later) formats are read; the 4 KiB-page
// OST format of Outlook 2013 and later is not.
func Open(path string, opts *importers.Options) (*Source, error) {
	if path == "" {
		return nil, importers.UsageError("pst: want pst:FILE")
	}
	fh, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, importers.UsageError("pst %s: no such file", path)
		}
		return nil, fmt.Errorf("pst %s: %w", path, err)
	}
	fi, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, fmt.Errorf("pst %s: %w", path, err)
	}
	if fi.IsDir() {
		fh.Close()
		return nil, importers.UsageError("pst %s: is a directory, want a .pst or .ost file", path)
	}
	s, err := newSource(fh, fi.Size(), path, opts)
	if err != nil {
		fh.Close()
		return nil, err
	}
	s.file = fh
	return s, nil
}

// newSource opens a PST held by r (the fuzz test uses a bytes.Reader).
func newSource(r io.ReaderAt, size int64, path string, opts *importers.Options) (s *Source, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("pst %s: internal error opening the file: %v\n%s", path, p, debug.Stack())
		}
	}()
	f, err := openFile(r, size)
	if err != nil {
		if errors.Is(err, errNotPST) {
			return nil, importers.UsageError("pst %s: %v", path, err)
		}
		return nil, fmt.Errorf("pst %s: %w", path, err)
	}
	st, err := openStore(f)
	if err != nil {
		return nil, fmt.Errorf("pst %s: %w", path, err)
	}
	s = &Source{
		path: path, f: f, st: st, log: opts.Log(), hooks: defaultHooks,
		byPath: map[string][]*folderNode{},
	}
	if opts != nil {
		s.spoolDir = opts.SpoolDir
		if s.nonmail, err = outlook.OpenNonMail(opts); err != nil {
			return nil, err
		}
	}
	for _, w := range st.warnings {
		s.log.Warn("pst: "+w, "file", path)
	}
	for _, fo := range st.list {
		k := pathKey(fo.path)
		if len(s.byPath[k]) == 0 {
			s.order = append(s.order, k)
		} else {
			s.log.Warn("pst: two folders with the same name; their messages are read as one folder", "file", path, "folder", fo.path.String())
		}
		s.byPath[k] = append(s.byPath[k], fo)
		if fo.err != nil {
			s.log.Warn("pst: folder properties unreadable; its messages are still read", "file", path, "folder", fo.path.String(), "nid", fmt.Sprintf("0x%x", fo.e.nid), "err", fo.err)
		}
	}
	if n := len(st.outside); n > 0 {
		total := 0
		var where []string
		for nid, c := range st.outside {
			total += c
			name := fmt.Sprintf("0x%x", nid)
			if fo := st.folders[nid]; fo != nil {
				name = fmt.Sprintf("%q (0x%x)", fo.name, nid)
			}
			where = append(where, name)
		}
		sort.Strings(where)
		s.log.Warn("pst: items outside the personal folders tree are not read (Outlook does not show them either)",
			"file", path, "items", total, "parents", strings.Join(where, ", "))
	}
	return s, nil
}

// pathKey keys byPath by the exact folder path: unlike
// importers.FolderKey, a PST's "Inbox" and "INBOX" stay two folders.
func pathKey(f importers.Folder) string { return strings.Join(f, "\x00") }

// Caps: flags and dates come from MAPI properties; the message is rebuilt
// from properties, so it is not byte-exact.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: false}
}

// Close closes the file. Bodies already handed out stay valid (they are
// spooled); attachment readers of items in flight do not.
func (s *Source) Close() error {
	if s.nonmail != nil {
		s.nonmail.Close()
		s.nonmail = nil
	}
	if s.file == nil {
		return nil
	}
	err := s.file.Close()
	s.file = nil
	return err
}

// Folders lists the folders under the top of the personal folders, parents
// first. Messages counts the items Walk will hand to its WalkFunc: every
// item (items that are not mail come as *importers.SkipError, unreadable
// ones as errors).
// Bytes is -1: messages are built from properties, their size is known
// only then.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, k := range s.order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fos := s.byPath[k]
		fi := importers.FolderInfo{Folder: fos[0].path, Bytes: -1}
		for _, fo := range fos {
			if u, ok := s.st.special[fo.e.nid]; ok && fi.Use == "" {
				fi.Use = u
			}
			fi.Messages += int64(s.countMail(fo))
		}
		out = append(out, fi)
	}
	return out, nil
}

// countMail counts a folder's items: Walk hands every one to its WalkFunc
// (mail as messages, the others as *importers.SkipError, unreadable ones
// as errors).
func (s *Source) countMail(fo *folderNode) (n int) {
	return len(s.st.msgs[fo.e.nid])
}

// Walk reads the mail items of folder f in NID order (creation order).
// Items that are not mail (appointments, contacts, tasks, notes, journal
// entries, distribution lists) reach fn as *importers.SkipError (Kind from
// outlook.NonMailKind), after being written to outlook.Settings.NonMailDir when it
// is set; they are also counted in one log line per folder. An item that cannot be read or built reaches fn as a
// *importers.MessageError naming the file, the folder and the item's NID
// (and subject when it is readable).
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	fos := s.byPath[pathKey(f)]
	if len(fos) == 0 {
		return importers.UsageError("pst %s: no folder %q", s.path, f.String())
	}
	var wo importers.WalkOptions
	if opts != nil {
		wo = *opts
	}
	skipped := map[string]int{}
	defer func() {
		if len(skipped) > 0 {
			var parts []string
			total := 0
			for c, n := range skipped {
				parts = append(parts, fmt.Sprintf("%s=%d", c, n))
				total += n
			}
			sort.Strings(parts)
			s.log.Info("pst: skipped items that are not mail", "file", s.path, "folder", f.String(), "items", total, "classes", strings.Join(parts, " "))
		}
		s.f.mu.Lock()
		n := s.f.crcErrors
		s.f.mu.Unlock()
		if n > s.crcLog {
			s.log.Warn("pst: blocks with a bad checksum were read as they are", "file", s.path, "folder", f.String(), "blocks", n-s.crcLog)
			s.crcLog = n
		}
	}()
	for _, fo := range fos {
		for _, e := range s.st.msgs[fo.e.nid] {
			if err := ctx.Err(); err != nil {
				return err
			}
			ref := fmt.Sprintf("pst:%s#nid=0x%x", s.path, e.nid)
			m, class, err := s.message(e, wo)
			if err != nil {
				ferr := fn(&importers.Message{Ref: ref, Folder: f}, &importers.MessageError{Ref: ref, Folder: f, Err: err})
				if ferr != nil {
					return ferr
				}
				continue
			}
			if m == nil {
				if !isMail(class) {
					skipped[class]++
					msg := &importers.Message{Ref: ref, Folder: f}
					var rerr error
					se, err := s.nonMail(e, class, ref, f)
					if err != nil {
						rerr = &importers.MessageError{Ref: ref, Folder: f, Err: err}
					} else {
						rerr = se
					}
					if ferr := fn(msg, rerr); ferr != nil {
						return ferr
					}
				}
				continue
			}
			m.Ref, m.Folder = ref, f
			ferr := fn(m, nil)
			m.Body.Release()
			if ferr != nil {
				return ferr
			}
		}
	}
	return nil
}

// message reads one item. It returns (nil, class, nil) for items that are
// not mail or fall outside the walk's date range. A panic while reading is
// turned into the item's error.
func (s *Source) message(e nbtEntry, wo importers.WalkOptions) (m *importers.Message, class string, err error) {
	subject := ""
	defer func() {
		if p := recover(); p != nil {
			m = nil
			err = fmt.Errorf("internal error reading the item: %v\n%s", p, debug.Stack())
		}
		if err != nil && subject != "" {
			err = fmt.Errorf("subject %q: %w", subject, err)
		}
	}()
	n := s.f.nodeOf(e)
	p, err := n.pc()
	if err != nil {
		return nil, "", err
	}
	if v, ok, err := p.get(pidSubject); err == nil && ok {
		subject = cleanSubject(v.str(codepageOf(p, s.st.cp)))
	}
	if v, ok, err := p.get(pidMessageClass); err != nil {
		return nil, "", err
	} else if ok {
		class = v.str(s.st.cp)
	}
	if !isMail(class) {
		return nil, class, nil
	}
	it, err := s.st.itemFromPC(n, p, 0, nil)
	if err != nil {
		return nil, class, err
	}
	date := s.hooks.date(it)
	if !wo.InDateRange(date) {
		return nil, class, nil
	}
	var body importers.Body
	if wo.HeadersOnly {
		body, err = s.planned(it)
	} else {
		body, err = s.spool(it)
	}
	if err != nil {
		return nil, class, err
	}
	return &importers.Message{Flags: s.hooks.flags(it), InternalDate: date, Body: body}, class, nil
}

// spool runs the builder into an importers.SpoolWriter: in memory up to
// importers.DefaultSpoolMem, then in a temporary file.
func (s *Source) spool(it *outlook.Item) (body importers.Body, err error) {
	sw := importers.NewSpoolWriter(0, s.spoolDir)
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error building the message: %v\n%s", p, debug.Stack())
		}
		if err != nil {
			sw.Abort()
			body = nil
		}
	}()
	if err := s.hooks.build(sw, it); err != nil {
		return nil, fmt.Errorf("building the message: %w", err)
	}
	return sw.Body()
}
