// Package mbox writes a Thunderbird-compatible tree of mboxrd files
// (scheme "mbox:PATH"), for example into a profile's "Mail/Local Folders".
//
// # Layout
//
// PATH (created 0700 if missing) holds one mbox file per folder:
// Folder{"INBOX"} is "Inbox" (Thunderbird's name), Folder{"A", "B"} is
// "A.sbd/B", and an empty "A" file is created next to "A.sbd" as Thunderbird
// does. Folder elements are escaped by exporters/localfs (percent escapes
// for unsafe bytes, ".sbd" and ".msf" suffixes escaped, hash suffix for
// over-long or case-colliding names); other Unicode stays UTF-8. Thunderbird
// itself hashes some names instead: such folders show their escaped name.
//
// # Format
//
// Each message is written as
//
//	From - Mon Jan  2 15:04:05 2006      (internal date, asctime, local time)
//	<message, lines matching ^>*From  get one more '>' (mboxrd)>
//	<blank line>
//
// The "From - " line is what Thunderbird writes; the date is the internal
// date in the local time zone, which the mbox importer reads back as local
// time (zero internal date: the Date: header, else the Unix epoch). A
// message without a final newline gets one: mbox cannot keep that, and
// Caps says ByteExact false. No header is added (no X-Mozilla-Status), so
// flags are not kept. Close Thunderbird while writing into its profile; it
// rebuilds its .msf index when it sees the changed file.
//
// # Crash safety
//
// An append is all-or-nothing. While a Sink has an mbox open, a journal
// ".<name>.mailferry-journal" next to it records the committed size (see
// journal.go); each append writes the message, fsyncs the mbox, then
// commits the new size. A failed append truncates the file back at once; an
// append cut short by a crash is truncated by the next run that opens the
// file (and is not counted by Keys before that). The journal is flock'ed,
// so a second run refuses to write the same file, and removed by Close.
//
// # Quota
//
// Quota is the free space of the file system holding PATH, as for the
// Maildir exporter: headroom 0.9 keeps 10 % of the disk free.
package mbox

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
)

func init() {
	exporters.Register("mbox", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (exporters.Sink, error) {
		return New(spec.Path, opts)
	})
}

// InboxName is the file name of the inbox, as Thunderbird names it.
const InboxName = "Inbox"

// nameEncoder escapes the dot of the suffixes that readers skip as
// "not mail" (importers/mbox's quietExt, Thunderbird's own files), so a
// folder named "index.html" or "x.json" is read back.
var nameEncoder = localfs.EscapeEncoder(".sbd", ".msf", ".dat", ".json", ".html", ".htm", ".sqlite",
	".sqlite-journal", ".sqlite-wal", ".sqlite-shm", ".mab", ".rdf", ".js", ".ini", ".log", ".bak", ".tmp",
	".lock", ".plist", ".toc", ".md")

// Sink writes a tree of mbox files. Like every Sink it is used by one
// goroutine at a time.
type Sink struct {
	localfs.SinkBase // root, options, Quota, FolderNamer, StateStore
	names            map[string]*localfs.Names
	open             map[string]*mboxFile // by path below the root
	lru              []string             // keys of open, least recently used first
}

// maxOpen bounds the mbox files (two descriptors each) kept open.
const maxOpen = 16

var (
	_ exporters.Sink   = (*Sink)(nil)
	_ exporters.Target = (*target)(nil)
)

// New returns a Sink writing into the directory path. Nothing is created
// before the first write.
func New(path string, opts *importers.Options) (*Sink, error) {
	b, err := localfs.NewSinkBase("mbox", path, opts, "(mbox: writes a folder tree)")
	if err != nil {
		return nil, err
	}
	return &Sink{SinkBase: b, names: map[string]*localfs.Names{}, open: map[string]*mboxFile{}}, nil
}

// Caps: no flags; the internal date is the From line's (seconds); bytes
// differ only by an added final newline.
func (s *Sink) Caps() exporters.Caps {
	return exporters.Caps{CRLF: false, Flags: false, DatePrecision: time.Second, ByteExact: false}
}

// Close commits and closes every mbox written and removes the journals.
func (s *Sink) Close() error {
	var first error
	for _, mf := range s.open {
		if err := mf.close(s.Root); err != nil && first == nil {
			first = err
		}
	}
	s.open = map[string]*mboxFile{}
	s.lru = nil
	if err := s.Root.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// namesIn returns the names of directory dir: files, and ".sbd"
// directories under their folder name too.
func (s *Sink) namesIn(dir []string) *localfs.Names {
	key := strings.Join(dir, "/")
	if n := s.names[key]; n != nil {
		return n
	}
	var entries []string
	ents, _ := s.Root.ReadDir(dir...)
	for _, e := range ents {
		entries = append(entries, e.Name())
		if e.IsDir() && strings.HasSuffix(e.Name(), ".sbd") {
			entries = append(entries, strings.TrimSuffix(e.Name(), ".sbd"))
		}
	}
	ci, _ := s.Root.CaseInsensitive(dir, entries)
	n := localfs.NewNames(entries, ci)
	s.names[key] = n
	return n
}

// place returns the ".sbd" directories and the file name of folder f.
func (s *Sink) place(f importers.Folder) (dirs []string, name string, err error) {
	if len(f) == 0 {
		return nil, "", errors.New("empty folder name")
	}
	for i, e := range f {
		if i == 0 && strings.EqualFold(e, "INBOX") {
			e = InboxName
		}
		n, ok := s.namesIn(dirs).Pick(nameEncoder, e, localfs.MaxComponent)
		if !ok {
			return nil, "", fmt.Errorf("folder %q: no free file name", f.String())
		}
		if i == len(f)-1 {
			return dirs, n, nil
		}
		dirs = append(dirs, n+".sbd")
	}
	panic("unreachable")
}

// Resolve maps a logical folder to its mbox file; use is ignored. It
// creates nothing.
func (s *Sink) Resolve(ctx context.Context, f importers.Folder, use imap.MailboxAttr) (exporters.Target, error) {
	t := &target{s: s, f: append(importers.Folder(nil), f...)}
	t.dirs, t.name, t.err = s.place(f)
	if t.err == nil {
		fi, err := s.Root.Lstat(t.rel()...)
		t.exists = err == nil && fi.Mode().IsRegular()
	}
	return t, nil
}

// Folders lists the mbox files of the tree.
func (s *Sink) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	if !s.Root.Exists() {
		return nil, nil
	}
	err := s.list(nil, nil, &out, 0)
	return out, err
}

func (s *Sink) list(dir []string, parent importers.Folder, out *[]importers.FolderInfo, depth int) error {
	if depth > 64 {
		return nil
	}
	ents, err := s.Root.ReadDir(dir...)
	if err != nil {
		return err
	}
	files := map[string]bool{}
	for _, e := range ents {
		if e.Type().IsRegular() {
			files[e.Name()] = true
		}
	}
	elem := func(name string) string {
		if len(dir) == 0 && name == InboxName {
			return "INBOX"
		}
		return localfs.Unescape(name)
	}
	for _, e := range ents {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue
		}
		sub := append(append(importers.Folder(nil), parent...), elem(strings.TrimSuffix(name, ".sbd")))
		switch {
		case e.IsDir() && strings.HasSuffix(name, ".sbd"):
			if !files[strings.TrimSuffix(name, ".sbd")] {
				*out = append(*out, importers.FolderInfo{Folder: sub, NoSelect: true, Messages: -1, Bytes: -1})
			}
			if err := s.list(append(append([]string(nil), dir...), name), sub, out, depth+1); err != nil {
				return err
			}
		case e.Type().IsRegular():
			rel := append(append([]string(nil), dir...), name)
			if !s.isMbox(rel) {
				continue
			}
			fi, _ := e.Info()
			var size int64 = -1
			if fi != nil {
				size = fi.Size()
			}
			*out = append(*out, importers.FolderInfo{Folder: sub, Messages: -1, Bytes: size})
		}
	}
	return nil
}

// isMbox reports whether the file is empty or starts with "From ".
func (s *Sink) isMbox(rel []string) bool {
	f, err := s.Root.Open(rel...)
	if err != nil {
		return false
	}
	defer f.Close()
	var b [5]byte
	n, _ := io.ReadFull(f, b[:])
	return n == 0 || string(b[:n]) == "From "
}

type target struct {
	s      *Sink
	f      importers.Folder
	dirs   []string
	name   string
	exists bool
	err    error
}

// mf returns the open mbox of the target, if this Sink appended to it.
func (t *target) mf() *mboxFile { return t.s.open[strings.Join(t.rel(), "/")] }

func (t *target) rel() []string { return append(append([]string(nil), t.dirs...), t.name) }
func (t *target) jrel() []string {
	return append(append([]string(nil), t.dirs...), journalName(t.name))
}

// Name is the mbox file's path.
func (t *target) Name() string {
	if t.err != nil {
		return t.s.Root.Path() + " (folder " + t.f.String() + ")"
	}
	return t.s.Root.Join(t.rel()...)
}

func (t *target) Exists() bool { return t.exists }

// Create makes the ".sbd" directories, an empty mbox for every parent (as
// Thunderbird has them) and the folder's own empty mbox.
func (t *target) Create(ctx context.Context) error {
	if t.err != nil {
		return t.err
	}
	if err := t.s.Root.MkdirAll(t.dirs...); err != nil {
		return fmt.Errorf("mbox folder %q: %w", t.f.String(), err)
	}
	for i := range t.dirs {
		parent := append(append([]string(nil), t.dirs[:i]...), strings.TrimSuffix(t.dirs[i], ".sbd"))
		if err := t.touch(parent); err != nil {
			return err
		}
	}
	if err := t.touch(t.rel()); err != nil {
		return err
	}
	for i := len(t.dirs); i >= 0; i-- {
		if err := t.s.Root.SyncDir(t.dirs[:i]...); err != nil {
			return err
		}
	}
	t.exists = true
	return nil
}

// touch creates an empty mbox file if there is none; an existing file must
// be an mbox.
func (t *target) touch(rel []string) error {
	f, err := t.s.Root.Create(rel...)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("mbox folder %q: %w", t.f.String(), err)
	}
	fi, err := t.s.Root.Lstat(rel...)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("mbox folder %q: %s exists and is not a file", t.f.String(), t.s.Root.Join(rel...))
	}
	if !t.s.isMbox(rel) {
		return fmt.Errorf("mbox folder %q: %s exists and is not an mbox file; not writing into it", t.f.String(), t.s.Root.Join(rel...))
	}
	return nil
}

// committed returns how much of the mbox is whole messages: its size, or
// less when a journal left by an interrupted run says so.
func (t *target) committed(size int64) int64 {
	if mf := t.mf(); mf != nil {
		return mf.size
	}
	jf, err := t.s.Root.Open(t.jrel()...)
	if err != nil {
		return size
	}
	defer jf.Close()
	f, err := t.s.Root.Open(t.rel()...)
	if err != nil {
		return size
	}
	defer f.Close()
	if r, ok := readJournal(jf); ok && r.size < size && judge(f, size, r) == tailOurs {
		return r.size
	}
	return size
}

// Keys parses the mbox (up to its committed size) and keys each message,
// reading only its header when it has a Message-ID.
func (t *target) Keys(ctx context.Context, fn func(dedupe.Key) error) error {
	if t.err != nil || !t.exists {
		return nil
	}
	f, err := t.s.Root.Open(t.rel()...)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	rd := newReader(io.NewSectionReader(f, 0, t.committed(fi.Size())))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		_, body, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if errors.Is(err, errNotMbox) {
			t.s.Opts.Log().Warn("mbox: target file is not an mbox; nothing will be written to it", "path", t.Name())
			t.err = fmt.Errorf("%s: %w", t.Name(), err)
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		k, _, err := dedupe.Of(body)
		if err != nil {
			return fmt.Errorf("%s: %w", t.Name(), err)
		}
		if err := fn(k); err != nil {
			return err
		}
	}
}

// Append adds one message at the end of the mbox, all or nothing.
func (t *target) Append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	if t.err != nil {
		return t.err
	}
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	mf, err := t.s.use(t.rel(), t.jrel())
	if err != nil {
		return fmt.Errorf("mbox folder %q: %w", t.f.String(), err)
	}
	return t.appendErr(m, mf.append(ctx, m, size, r))
}

func (t *target) appendErr(m *importers.Message, err error) error {
	if errors.Is(err, errQuoteRun) {
		return &exporters.RejectedError{Reason: err.Error()}
	}
	if err != nil {
		return localfs.ForMessage(m, fmt.Errorf("mbox %s: %w", t.Name(), err))
	}
	return nil
}

var _ exporters.BatchTarget = (*target)(nil)

// AppendBatch implements exporters.BatchTarget: the messages are appended
// together, with one fsync and one journal commit; on any error none stays.
func (t *target) AppendBatch(ctx context.Context, items []exporters.BatchItem) error {
	if t.err != nil {
		return t.err
	}
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	mf, err := t.s.use(t.rel(), t.jrel())
	if err != nil {
		return fmt.Errorf("mbox folder %q: %w", t.f.String(), err)
	}
	all := make([]appendItem, len(items))
	for i, it := range items {
		all[i] = appendItem{it.M, int64(len(it.Data)), bytes.NewReader(it.Data)}
	}
	return t.appendErr(items[0].M, mf.appendAll(ctx, all))
}

// use returns the open mbox rel, opening it (and closing the least
// recently used one beyond maxOpen) when needed.
func (s *Sink) use(rel, jrel []string) (*mboxFile, error) {
	key := strings.Join(rel, "/")
	for i, k := range s.lru {
		if k == key {
			s.lru = append(append(s.lru[:i:i], s.lru[i+1:]...), key)
			return s.open[key], nil
		}
	}
	if len(s.lru) >= maxOpen {
		old := s.lru[0]
		s.lru = s.lru[1:]
		mf := s.open[old]
		delete(s.open, old)
		if err := mf.close(s.Root); err != nil {
			return nil, err
		}
	}
	mf, err := openMbox(s, rel, jrel)
	if err != nil {
		return nil, err
	}
	s.open[key] = mf
	s.lru = append(s.lru, key)
	return mf, nil
}

// mboxFile is an mbox open for appending, with its locked journal.
type mboxFile struct {
	f      *os.File
	j      *journal
	size   int64  // committed size
	prefix string // written before the next message to end the last one properly
	rel    []string
	jrel   []string
	path   string // for messages
	jpath  string
	broken error
}

func openMbox(s *Sink, rel, jrel []string) (*mboxFile, error) {
	root := s.Root
	jf, err := root.Create(jrel...)
	fresh := err == nil
	if errors.Is(err, fs.ErrExist) {
		jf, err = root.OpenRW(jrel...)
	}
	if err != nil {
		return nil, err
	}
	ok, err := localfs.TryLock(jf)
	if err != nil || !ok {
		jf.Close()
		if err == nil {
			err = errors.New("another mailferry run is writing it (its journal is locked)")
		}
		return nil, fmt.Errorf("%s: %w", root.Join(rel...), err)
	}
	mf := &mboxFile{j: &journal{f: jf}, rel: rel, jrel: jrel, path: root.Join(rel...), jpath: root.Join(jrel...)}
	fail := func(err error) (*mboxFile, error) {
		jf.Close()
		if fresh {
			root.Remove(jrel...)
		}
		if mf.f != nil {
			mf.f.Close()
		}
		return nil, err
	}
	mf.f, err = root.OpenRW(rel...)
	if err != nil {
		return fail(err)
	}
	fi, err := mf.f.Stat()
	if err != nil {
		return fail(err)
	}
	size := fi.Size()
	if size > 0 {
		var b [5]byte
		if n, _ := mf.f.ReadAt(b[:], 0); n < 5 || string(b[:]) != "From " {
			return fail(fmt.Errorf("%s is not an mbox file; not writing into it", root.Join(rel...)))
		}
	}
	if !fresh {
		r, ok := readJournal(jf)
		mf.j.seq = r.seq
		if ok {
			size, err = s.recover(mf.f, size, r, rel, jrel)
			if err != nil {
				return fail(err)
			}
		}
	}
	mf.size = size
	mf.prefix = separatorNeeded(mf.f, size)
	if err := mf.j.commit(size); err != nil {
		return fail(err)
	}
	if fresh {
		if err := root.SyncDir(rel[:len(rel)-1]...); err != nil {
			return fail(err)
		}
	}
	return mf, nil
}

// recover applies the journal record r of an interrupted run to the
// mbox f of the given size and returns its size after: the torn append
// the journal proves to be ours is cut; bytes another program appended
// are kept; a tail that mixes both is an error (nothing is cut).
func (s *Sink) recover(f *os.File, size int64, r jrec, rel, jrel []string) (int64, error) {
	path := s.Root.Join(rel...)
	switch judge(f, size, r) {
	case tailOurs:
		if err := f.Truncate(r.size); err != nil {
			return size, err
		}
		if err := f.Sync(); err != nil {
			return size, err
		}
		s.Opts.Log().Warn("mbox: removed the incomplete message of an interrupted run", "path", path, "bytes", size-r.size)
		return r.size, nil
	case tailMixed:
		return size, fmt.Errorf("%s: a run was interrupted while appending at byte %d, and another program appended to the file since; "+
			"not truncating and not writing to it: check the messages from byte %d on (the first may be incomplete), then remove %s",
			path, r.size, r.size, s.Root.Join(jrel...))
	case tailForeign:
		if size > r.size {
			s.Opts.Log().Info("mbox: file grew since an interrupted run (another program appended); kept", "path", path, "bytes", size-r.size)
		} else {
			s.Opts.Log().Info("mbox: file is shorter than an interrupted run left it (compacted since)", "path", path)
		}
	}
	return size, nil
}

// RecoverJournals applies and removes the journals that interrupted runs
// left in the tree (mbox files with nothing new are not opened by a run,
// so their journals would stay): every journal that is not locked by a
// running writer and whose tail judge can settle. A journal whose mbox
// has a mixed tail stays, with a warning. The Sink's writes must be
// locked (Lock) first.
func (s *Sink) RecoverJournals() {
	if !s.Root.Exists() {
		return
	}
	s.recoverIn(nil, 0)
}

func (s *Sink) recoverIn(dir []string, depth int) {
	if depth > 64 {
		return
	}
	ents, err := s.Root.ReadDir(dir...)
	if err != nil {
		return
	}
	for _, e := range ents {
		sub := append(append([]string(nil), dir...), e.Name())
		if e.IsDir() && strings.HasSuffix(e.Name(), ".sbd") && !strings.HasPrefix(e.Name(), ".") {
			s.recoverIn(sub, depth+1)
			continue
		}
		name, ok := isJournal(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		rel := append(append([]string(nil), dir...), name)
		if _, open := s.open[strings.Join(rel, "/")]; open {
			continue
		}
		if err := s.recoverOne(rel, sub); err != nil {
			s.Opts.Log().Warn("mbox: journal of an interrupted run left in place", "path", s.Root.Join(sub...), "err", err)
		}
	}
}

func (s *Sink) recoverOne(rel, jrel []string) error {
	jf, err := s.Root.OpenRW(jrel...)
	if err != nil {
		return err
	}
	defer jf.Close()
	if ok, err := localfs.TryLock(jf); err != nil || !ok {
		return err // a writer has it
	}
	r, ok := readJournal(jf)
	f, err := s.Root.OpenRW(rel...)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// The mbox is gone: so is anything to recover.
	case err != nil:
		return err
	default:
		defer f.Close()
		fi, err := f.Stat()
		if err != nil {
			return err
		}
		if ok {
			if _, err := s.recover(f, fi.Size(), r, rel, jrel); err != nil {
				return err
			}
		}
	}
	if err := s.Root.Remove(jrel...); err != nil {
		return err
	}
	return s.Root.SyncDir(jrel[:len(jrel)-1]...)
}

// separatorNeeded returns what must be written so that the next "From "
// line follows a blank line.
func separatorNeeded(f *os.File, size int64) string {
	if size == 0 {
		return ""
	}
	n := min(size, 4)
	b := make([]byte, n)
	f.ReadAt(b, size-n)
	s := string(b)
	switch {
	case strings.HasSuffix(s, "\n\n"), strings.HasSuffix(s, "\r\n\r\n"):
		return ""
	case strings.HasSuffix(s, "\n"):
		return "\n"
	}
	return "\n\n"
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// firstWriter calls before with the first bytes written, then writes.
type firstWriter struct {
	w      io.Writer
	before func(p []byte) error
}

func (f *firstWriter) Write(p []byte) (int, error) {
	if f.before != nil && len(p) > 0 {
		if err := f.before(p); err != nil {
			return 0, err
		}
		f.before = nil
	}
	return f.w.Write(p)
}

func (mf *mboxFile) append(ctx context.Context, m *importers.Message, size int64, r io.Reader) error {
	return mf.appendAll(ctx, []appendItem{{m, size, r}})
}

// appendItem is one message of appendAll.
type appendItem struct {
	m    *importers.Message
	size int64
	r    io.Reader
}

// appendAll appends the messages, then makes them durable together: one
// fsync and one journal commit for all. On any error none of them stays.
func (mf *mboxFile) appendAll(ctx context.Context, items []appendItem) (err error) {
	if mf.broken != nil {
		return mf.broken
	}
	off := mf.size
	// Before the first byte reaches the file, the journal records what
	// it is (journal.go): bufio hands over at least 64 KiB or the whole
	// append at once.
	first := &firstWriter{w: io.NewOffsetWriter(mf.f, off), before: func(p []byte) error {
		if err := mf.j.pending(off, len(items), p); err != nil {
			return localfs.WriteFailed(mf.jpath, err)
		}
		return nil
	}}
	cw := &countWriter{w: first}
	w := bufio.NewWriterSize(cw, 64<<10)
	defer func() {
		if err == nil {
			return
		}
		// Roll back: nothing of this message stays.
		if terr := mf.f.Truncate(off); terr != nil {
			mf.broken = fmt.Errorf("could not remove a failed append (the next run will): %w", terr)
		} else {
			mf.f.Sync()
		}
	}()
	if _, err := w.WriteString(mf.prefix); err != nil {
		return localfs.WriteFailed(mf.path, err)
	}
	for _, it := range items {
		body := localfs.NewBodyReader(ctx, it.r, it.size)
		if err := writeMessage(w, it.m.InternalDate, body); err != nil {
			// A write that failed (a full disk) stops the reading too:
			// only a read error is the message's fault.
			if rerr := body.ReadErr(); rerr != nil {
				return rerr
			}
			if errors.Is(err, errQuoteRun) {
				return err
			}
			return localfs.WriteFailed(mf.path, err)
		}
		if err := body.Check(); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return localfs.WriteFailed(mf.path, err)
	}
	if err := mf.f.Sync(); err != nil {
		return localfs.WriteFailed(mf.path, err)
	}
	if err := mf.j.commit(off + cw.n); err != nil {
		return localfs.WriteFailed(mf.jpath, err)
	}
	mf.size = off + cw.n
	mf.prefix = ""
	return nil
}

// close syncs the mbox, removes the journal and closes both.
func (mf *mboxFile) close(root *localfs.Root) error {
	err := mf.f.Sync()
	if cerr := mf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil && mf.broken == nil {
		// Only a clean file loses its journal.
		if rerr := root.Remove(mf.jrel...); rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			err = rerr
		}
		root.SyncDir(mf.jrel[:len(mf.jrel)-1]...)
	}
	mf.j.f.Close()
	return err
}
