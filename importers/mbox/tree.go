package mbox

import (
	"bytes"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/mailferry/mailferry/importers"
)

// File is one folder of an mbox tree.
type File struct {
	Folder importers.Folder
	// Path is the folder's mbox file; "" for a folder that only holds
	// others (listed with NoSelect).
	Path string
}

// ListOptions tune List.
type ListOptions struct {
	// Thunderbird lists a Thunderbird account directory: only "Name.sbd"
	// directories hold subfolders and file names are folder names as they
	// are. Without it, ".mbox" and ".mbx" are taken off file names, every
	// directory is a folder level, and an Apple Mail export "Name.mbox/"
	// directory (with its messages in a file "mbox") is the folder Name.
	Thunderbird bool
	// Log receives what was skipped; nil discards.
	Log *slog.Logger
}

// maxDepth bounds the directory recursion.
const maxDepth = 64

// List returns the folders of the mbox tree at dir, parents before their
// children, siblings in byte order of their names, names in Unicode NFC.
//
// A file is an mbox when it is empty (an empty folder) or starts, after
// an optional UTF-8 byte order mark, with a "From " line that has a date
// or is followed by a header field. Dotfiles, symbolic links, Thunderbird's
// indexes and settings (.msf, .dat, .json, .html, .sqlite, ...) are skipped
// quietly (debug level); other files that are not mbox files and
// directories that cannot be folders are skipped with a warning. "Name"
// and "Name.sbd/" (and, without Thunderbird, "Name/" and "Name.mbox") are
// one folder. When two files would give the same folder name, the second
// keeps its full file name.
func List(dir string, opt ListOptions) ([]File, error) {
	log := opt.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	l := &lister{tb: opt.Thunderbird, log: log}
	if _, err := os.ReadDir(dir); err != nil {
		return nil, err
	}
	return l.dir(dir, nil, 0, false), nil
}

type lister struct {
	tb  bool
	log *slog.Logger
}

type subdir struct {
	path  string
	apple bool // an Apple Mail "Name.mbox" directory
}

type node struct {
	name string
	file string
	dirs []subdir
}

// quietExt are extensions of files that sit next to mbox files and are
// never mail: Thunderbird's summaries, settings and logs, and others'.
var quietExt = []string{
	".msf", ".dat", ".json", ".html", ".htm", ".sqlite", ".sqlite-journal", ".sqlite-wal", ".sqlite-shm",
	".mab", ".rdf", ".js", ".ini", ".log", ".bak", ".tmp", ".lock", ".plist", ".toc", ".md",
}

func quietFile(name string) bool {
	low := strings.ToLower(name)
	for _, ext := range quietExt {
		if strings.HasSuffix(low, ext) {
			return true
		}
	}
	return name == "table_of_contents"
}

func trimSuffixFold(s, suffix string) (string, bool) {
	if len(s) > len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix) {
		return s[:len(s)-len(suffix)], true
	}
	return s, false
}

func (l *lister) dir(dir string, parent importers.Folder, depth int, apple bool) []File {
	if depth > maxDepth {
		l.log.Warn("mbox: directory tree too deep, not read further", "path", dir)
		return nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		l.log.Warn("mbox: cannot read directory", "path", dir, "err", err)
		return nil
	}
	nodes := map[string]*node{}
	get := func(name string) *node {
		// QUIRK: macOS HFS+ returns names in NFD; IMAP wants NFC mailbox
		// names (RFC 6855 section 3, RFC 5198), so "Café" stays one folder.
		name = norm.NFC.String(name)
		n := nodes[name]
		if n == nil {
			n = &node{name: name}
			nodes[name] = n
		}
		return n
	}
	for _, e := range ents {
		name := e.Name()
		p := filepath.Join(dir, name)
		switch {
		case strings.HasPrefix(name, "."):
			l.log.Debug("mbox: hidden file skipped", "path", p)
			continue
		case e.Type()&fs.ModeSymlink != 0:
			l.log.Warn("mbox: symbolic link not followed", "path", p)
			continue
		case e.IsDir():
			l.subdir(p, name, get)
			continue
		case !e.Type().IsRegular():
			l.log.Warn("mbox: special file skipped", "path", p)
			continue
		case apple && name == "mbox":
			continue // the parent folder's own messages, see subdir
		case quietFile(name) || apple && name == "Info.plist":
			l.log.Debug("mbox: not a mail file, skipped", "path", p)
			continue
		case l.tb && strings.HasPrefix(name, "nstmp"):
			// QUIRK: Thunderbird compacts a folder into "nstmp" and renames
			// it; one left over is a copy of some folder, not a folder.
			l.log.Warn("mbox: leftover of an interrupted Thunderbird compaction, skipped", "path", p)
			continue
		}
		ok, err := Sniff(p)
		if err != nil {
			l.log.Warn("mbox: cannot read file, skipped", "path", p, "err", err)
			continue
		}
		if !ok {
			l.log.Warn("mbox: not an mbox file (no \"From \" line first), skipped", "path", p)
			continue
		}
		fname := name
		if !l.tb {
			if s, ok := trimSuffixFold(name, ".mbox"); ok {
				fname = s
			} else if s, ok := trimSuffixFold(name, ".mbx"); ok {
				fname = s
			}
		}
		n := get(fname)
		if n.file != "" {
			n = get(name)
			if n.file != "" {
				l.log.Warn("mbox: two files for one folder name, second skipped", "path", p, "folder", n.name)
				continue
			}
		}
		n.file = p
	}
	names := make([]string, 0, len(nodes))
	for k := range nodes {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []File
	for _, name := range names {
		n := nodes[name]
		f := append(append(importers.Folder(nil), parent...), name)
		var kids []File
		for _, d := range n.dirs {
			kids = append(kids, l.dir(d.path, f, depth+1, d.apple)...)
		}
		if n.file == "" && len(kids) == 0 {
			continue // an empty directory
		}
		out = append(out, File{Folder: f, Path: n.file})
		out = append(out, kids...)
	}
	return out
}

// subdir files directory p (named name) under the folder it belongs to.
func (l *lister) subdir(p, name string, get func(string) *node) {
	if s, ok := trimSuffixFold(name, ".sbd"); ok {
		get(s).dirs = append(get(s).dirs, subdir{path: p})
		return
	}
	if _, ok := trimSuffixFold(name, ".mozmsgs"); ok {
		l.log.Debug("mbox: search integration directory skipped", "path", p)
		return
	}
	if l.tb {
		if fi, err := os.Stat(filepath.Join(p, "cur")); err == nil && fi.IsDir() {
			l.log.Warn("mbox: Thunderbird Maildir folder skipped (read it with maildir:)", "path", p)
		} else {
			l.log.Warn("mbox: directory skipped (Thunderbird keeps subfolders in Name.sbd)", "path", p)
		}
		return
	}
	if s, ok := trimSuffixFold(name, ".mbox"); ok {
		// Apple Mail export: Name.mbox/mbox holds Name's messages.
		inner := filepath.Join(p, "mbox")
		if fi, err := os.Lstat(inner); err == nil && fi.Mode().IsRegular() {
			if mb, err := Sniff(inner); err == nil && mb {
				n := get(s)
				if n.file == "" {
					n.file = inner
				}
				n.dirs = append(n.dirs, subdir{path: p, apple: true})
				return
			}
		}
	}
	get(name).dirs = append(get(name).dirs, subdir{path: p})
}

// Sniff reports whether the file at path looks like an mbox file: it is
// empty, or it starts (after an optional UTF-8 byte order mark) with a
// "From " line that has a date or is followed by a header field.
func Sniff(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	buf := make([]byte, 4096)
	n, err := io.ReadFull(f, buf)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return false, err
	}
	return sniffBytes(buf[:n]), nil
}

func sniffBytes(b []byte) bool {
	b = bytes.TrimPrefix(b, []byte(bom))
	if len(b) == 0 {
		return true
	}
	if !bytes.HasPrefix(b, []byte("From ")) {
		return false
	}
	nl := importers.IndexLineEnd(b)
	if nl < 0 {
		_, _, ok := ParseFromLine(string(b), nil)
		return ok
	}
	if _, _, ok := ParseFromLine(string(b[:nl]), nil); ok {
		return true
	}
	next := b[nl+1:]
	if b[nl] == '\r' && len(next) > 0 && next[0] == '\n' {
		next = next[1:]
	}
	i := 0
	for i < len(next) && next[i] != ':' && next[i] > ' ' && next[i] < 0x7f {
		i++
	}
	return i > 0 && i < len(next) && next[i] == ':'
}
