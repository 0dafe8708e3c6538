package maildir

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/keycache"
)

func init() {
	importers.Register("maildir", func(ctx context.Context, spec importers.Spec, opts *importers.Options) (importers.Source, error) {
		return Open(spec.Path, opts)
	})
}

// maxDepth bounds the LAYOUT=fs directory scan.
const maxDepth = 32

// Source reads a Maildir, a Maildir++ tree or a LAYOUT=fs tree. It never
// changes the store: no renames from new/ to cur/, no flag changes.
type Source struct {
	root    string
	log     func(msg string, args ...any)
	folders []*folder
}

type folder struct {
	f        importers.Folder
	noSelect bool
	// dirs are the Maildirs (with cur/ and/or new/) holding the folder's
	// messages; more than one when a tree has the same folder twice (root
	// and .INBOX, ".A" and "A/").
	dirs []string
}

var _ importers.Source = (*Source)(nil)

// Open opens the Maildir store at path. The layout is found by looking:
// a root with cur/ or new/ is the inbox; ".A.B" directories are Maildir++
// folders; other directories that are Maildirs, or hold Maildirs, are
// LAYOUT=fs folders ("A/B/cur" → Folder{"A","B"}). Directories that are not
// Maildirs (Courier's courierimapkeywords, index directories) and files
// (dovecot-uidlist, dovecot-keywords, subscriptions, ...) are ignored, and
// symbolic links are not followed.
func Open(path string, opts *importers.Options) (*Source, error) {
	if path == "" {
		return nil, importers.UsageError("maildir: want maildir:PATH")
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, importers.UsageError("maildir %s: no such directory", path)
		}
		return nil, fmt.Errorf("maildir %s: %w", path, err)
	}
	if !fi.IsDir() {
		return nil, importers.UsageError("maildir %s: not a directory", path)
	}
	log := opts.Log()
	s := &Source{root: path, log: func(msg string, args ...any) { log.Warn(msg, args...) }}
	if err := s.scan(); err != nil {
		return nil, err
	}
	if len(s.folders) == 0 {
		return nil, importers.UsageError("maildir %s: not a Maildir (no cur/ or new/, no .Folder or Folder/cur subdirectories)", path)
	}
	return s, nil
}

func isMaildir(dir string) bool {
	for _, sub := range []string{"cur", "new"} {
		if fi, err := os.Lstat(filepath.Join(dir, sub)); err == nil && fi.IsDir() {
			return true
		}
	}
	return false
}

func (s *Source) scan() error {
	byKey := map[string]*folder{}
	add := func(f importers.Folder, dir string) {
		k := importers.FolderKey(f)
		fo := byKey[k]
		if fo == nil {
			fo = &folder{f: f}
			byKey[k] = fo
		}
		fo.noSelect = false
		fo.dirs = append(fo.dirs, dir)
	}
	if isMaildir(s.root) {
		add(importers.Folder{"INBOX"}, s.root)
	}
	ents, err := os.ReadDir(s.root)
	if err != nil {
		return fmt.Errorf("maildir %s: %w", s.root, err)
	}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() {
			if e.Type()&fs.ModeSymlink != 0 {
				s.log("maildir: symbolic link not followed", "path", filepath.Join(s.root, name))
			}
			continue
		}
		dir := filepath.Join(s.root, name)
		switch {
		case name == "cur" || name == "new" || name == "tmp":
		case strings.HasPrefix(name, "."):
			f, ok := ParsePlusDirName(name)
			if !ok || !isMaildir(dir) {
				continue
			}
			if len(f) == 1 && f.IsInbox() {
				// QUIRK: some trees have a ".INBOX" Maildir next to (or
				// instead of) the root one; its mail is the inbox too.
				f = importers.Folder{"INBOX"}
			}
			add(f, dir)
		default:
			s.scanFS(dir, importers.Folder{DecodeElement(name)}, 1, add)
		}
	}
	// Parents that are not Maildirs themselves are listed as NoSelect.
	for _, fo := range byKey {
		for i := 1; i < len(fo.f); i++ {
			p := append(importers.Folder(nil), fo.f[:i]...)
			if byKey[importers.FolderKey(p)] == nil {
				byKey[importers.FolderKey(p)] = &folder{f: p, noSelect: true}
			}
		}
	}
	for _, fo := range byKey {
		s.folders = append(s.folders, fo)
	}
	importers.SortFolders(s.folders, func(fo *folder) importers.Folder { return fo.f })
	return nil
}

// scanFS finds LAYOUT=fs folders below dir (which stands for folder f).
func (s *Source) scanFS(dir string, f importers.Folder, depth int, add func(importers.Folder, string)) {
	if depth > maxDepth {
		s.log("maildir: directory tree too deep, not read further", "path", dir)
		return
	}
	if isMaildir(dir) {
		add(f, dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		s.log("maildir: cannot read directory", "path", dir, "err", err)
		return
	}
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || strings.HasPrefix(name, ".") || name == "cur" || name == "new" || name == "tmp" {
			continue
		}
		sub := append(append(importers.Folder(nil), f...), DecodeElement(name))
		s.scanFS(filepath.Join(dir, name), sub, depth+1, add)
	}
}

// Caps: flags are kept, the internal date is the file's mtime, bodies are
// the files.
func (s *Source) Caps() importers.Caps {
	return importers.Caps{Flags: true, DatePrecision: time.Second, ByteExact: true}
}

// Close releases nothing; it exists for the interface.
func (s *Source) Close() error { return nil }

// Folders lists the folders with message counts (from reading cur/ and
// new/) and sizes: from the ",S=" field of the names that have one
// (Dovecot, mailferry and most Maildir++ writers record the file size
// there), from lstat for the others. The sizes are a listing figure (ls):
// the copy never uses them (a message's size is its file's, see Walk), so
// a re-run need not lstat every file twice.
func (s *Source) Folders(ctx context.Context) ([]importers.FolderInfo, error) {
	var out []importers.FolderInfo
	for _, fo := range s.folders {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fi := importers.FolderInfo{Folder: fo.f, NoSelect: fo.noSelect}
		for _, d := range fo.dirs {
			ents, err := listMessages(d)
			if err != nil {
				fi.Messages, fi.Bytes = -1, -1
				break
			}
			fi.Messages += int64(ents.len())
			for i := range ents.len() {
				sub, name := ents.at(i)
				if n, ok := sizeInName(name); ok && fi.Bytes >= 0 {
					fi.Bytes += n // no lstat: see sizeInName
					continue
				}
				e := entry{dir: d, sub: sub, name: name}
				if info, err := os.Lstat(e.path()); err == nil && fi.Bytes >= 0 && info.Mode().IsRegular() {
					fi.Bytes += info.Size()
				} else if err != nil {
					fi.Bytes = -1
				}
			}
		}
		out = append(out, fi)
	}
	return out, nil
}

// sizeInName returns the size a Maildir++ name records in its ",S="
// field (in the unique part, before the info part).
func sizeInName(name string) (int64, bool) {
	unique, _, _ := SplitInfo(name)
	i := strings.Index(unique, ",S=")
	if i < 0 {
		return 0, false
	}
	v := unique[i+3:]
	if j := strings.IndexByte(v, ','); j >= 0 {
		v = v[:j]
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// entry is one message file of a Maildir.
type entry struct {
	dir  string // the Maildir
	sub  string // "cur" or "new"
	name string
}

func (e *entry) path() string { return filepath.Join(e.dir, e.sub, e.name) }

func (s *Source) find(f importers.Folder) *folder {
	k := importers.FolderKey(f)
	for _, fo := range s.folders {
		if importers.FolderKey(fo.f) == k {
			return fo
		}
	}
	return nil
}

// Walk calls fn for each message of folder f in name order (delivery time,
// then name). The body is the file; the internal date is its mtime.
// A message renamed between listing and reading (another program changed
// its flags) is looked up again by its unique name.
func (s *Source) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	fo := s.find(f)
	if fo == nil {
		return fmt.Errorf("maildir %s: no folder %q", s.root, f.String())
	}
	if opts == nil {
		opts = &importers.WalkOptions{}
	}
	for _, d := range fo.dirs {
		ents, err := listMessages(d)
		if err != nil {
			return fmt.Errorf("maildir folder %q: %w", f.String(), err)
		}
		kw, err := ReadKeywords(d)
		if err != nil {
			s.log("maildir: cannot read keywords, lower-case flags ignored", "path", filepath.Join(d, KeywordsFile), "err", err)
			kw = nil
		}
		var renamed map[string]string // unique part → current name, built on first need
		// The keys and CRLF sizes of earlier runs (importers/keycache).
		kc := keycache.Open("maildir", d)
		defer closeCache(kc, ents)
		for i := range ents.len() {
			if err := ctx.Err(); err != nil {
				return err
			}
			e := &entry{dir: d}
			e.sub, e.name = ents.at(i)
			m, rerr := s.message(e, fo.f, kw, &renamed, kc)
			if rerr == nil && !opts.InDateRange(m.InternalDate) {
				continue
			}
			if rerr != nil {
				m.Body = nil
				rerr = &importers.MessageError{Ref: m.Ref, Folder: fo.f, Err: rerr}
			}
			if err := fn(m, rerr); err != nil {
				return err
			}
		}
	}
	return nil
}

// closeCache saves the key cache of one Maildir whose messages are ents.
func closeCache(kc *keycache.Folder, ents *listing) {
	if kc == nil {
		return
	}
	kc.Close(keycache.NamesOf(ents.len(), func(i int) string {
		u, _, _ := SplitInfo(string(ents.nameAt(i)))
		return u
	}))
}

func (s *Source) message(e *entry, f importers.Folder, kw *Keywords, renamed *map[string]string, kc *keycache.Folder) (*importers.Message, error) {
	m := &importers.Message{Ref: "maildir:" + e.path(), Folder: f}
	fi, err := os.Lstat(e.path())
	if errors.Is(err, fs.ErrNotExist) {
		// QUIRK: a live Maildir renames files when flags change
		// (cur/x:2,S → cur/x:2,RS) and moves new/x to cur/x:2,.
		if *renamed == nil {
			*renamed = currentNames(e.dir)
		}
		u, _, _ := SplitInfo(e.name)
		if name, ok := (*renamed)[u]; ok {
			e.sub, e.name = filepath.Split(name)
			e.sub = strings.TrimSuffix(e.sub, string(filepath.Separator))
			m.Ref = "maildir:" + e.path()
			fi, err = os.Lstat(e.path())
		}
	}
	if err != nil {
		return m, err
	}
	if !fi.Mode().IsRegular() {
		what := "a special file"
		if fi.Mode()&fs.ModeSymlink != 0 {
			what = "a symbolic link"
		}
		return m, fmt.Errorf("%s, not a message file: not read", what)
	}
	m.Flags = ParseFlags(e.name, kw)
	m.InternalDate = fi.ModTime()
	unique, _, _ := SplitInfo(e.name)
	m.Body = kc.Body(&importers.FileBody{Path: e.path(), Size: fi.Size()}, e.path(), unique, fi)
	return m, nil
}

// currentNames maps the unique part of every message name in dir's cur/
// and new/ to "cur/name" or "new/name".
func currentNames(dir string) map[string]string {
	out := map[string]string{}
	for _, sub := range []string{"new", "cur"} {
		ents, _ := os.ReadDir(filepath.Join(dir, sub))
		for _, de := range ents {
			u, _, _ := SplitInfo(de.Name())
			out[u] = filepath.Join(sub, de.Name())
		}
	}
	return out
}
