package importers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FolderKey is a map key for f: all spellings of the inbox are one key;
// any two other folders have two keys (quoted elements: {"", ""} and
// {"\x00"} differ, as the Maildir++ names of "/" and NUL need).
func FolderKey(f Folder) string {
	if f.IsInbox() {
		return "INBOX"
	}
	return fmt.Sprintf("%q", []string(f))
}

// FolderLess is the order in which local sources list their folders: the
// inbox first, then element by element, parents before children.
func FolderLess(a, b Folder) bool {
	if a.IsInbox() != b.IsInbox() {
		return a.IsInbox()
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return a[i] < b[i]
		}
	}
	return len(a) < len(b)
}

// SortFolders sorts fs by FolderLess of folder(x).
func SortFolders[T any](fs []T, folder func(T) Folder) {
	sort.Slice(fs, func(i, j int) bool { return FolderLess(folder(fs[i]), folder(fs[j])) })
}

// DirFolderName turns a directory name into a folder element: invalid
// UTF-8 replaced, NFC (macOS writes names decomposed).
func DirFolderName(name string) string {
	if !utf8.ValidString(name) {
		name = strings.ToValidUTF8(name, "\uFFFD")
	}
	return norm.NFC.String(name)
}

// TreeFolder is a folder of a FileTree: the directories that hold its
// files (the root's INBOX directory and the root itself are both INBOX),
// or the one file given as the store's path.
type TreeFolder struct {
	Folder   Folder
	NoSelect bool     // only a parent of folders that hold files
	Dirs     []string // directories holding the folder's files, sorted
	File     string   // the single file, when the store's path is a file
}

// TreeEntry is one item file of a TreeFolder.
type TreeEntry struct {
	Path string
	Ent  fs.DirEntry // nil for the single file
}

// Info returns the file's fs.FileInfo.
func (e TreeEntry) Info() (fs.FileInfo, error) {
	if e.Ent != nil {
		return e.Ent.Info()
	}
	return os.Stat(e.Path)
}

// Files lists the regular files of fo that keep accepts, in name order
// directory by directory.
func (fo *TreeFolder) Files(keep func(name string) bool) ([]TreeEntry, error) {
	if fo.File != "" {
		return []TreeEntry{{Path: fo.File}}, nil
	}
	var out []TreeEntry
	for _, d := range fo.Dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			return nil, err
		}
		for _, e := range ents {
			if e.Type().IsRegular() && keep(e.Name()) {
				out = append(out, TreeEntry{Path: filepath.Join(d, e.Name()), Ent: e})
			}
		}
	}
	return out, nil
}

// FileTree describes a store whose folders are directories and whose
// items are files (the eml and msg trees): the root's files are INBOX,
// its subdirectories top-level folders (one named INBOX in any case is
// INBOX), each subdirectory a subfolder. Directories whose names start
// with "." are not folders; symbolic links are not followed (a warning).
type FileTree struct {
	Scheme   string       // for errors and logs: "eml"
	Log      *slog.Logger // warnings
	MaxDepth int          // directories deeper are not read (a warning)
	// Item says whether a file is an item of its folder.
	Item func(name string) bool
	// QuietDot: entries starting with "." are passed over before any
	// other test (no warning for a hidden symbolic link).
	QuietDot bool
}

// Scan lists the folders below root, sorted by FolderLess, parents of
// folders that hold files included as NoSelect.
func (t FileTree) Scan(root string) ([]*TreeFolder, error) {
	byKey := map[string]*TreeFolder{}
	add := func(f Folder, dir string) {
		k := FolderKey(f)
		fo := byKey[k]
		if fo == nil {
			fo = &TreeFolder{Folder: f}
			byKey[k] = fo
		}
		fo.NoSelect = false
		fo.Dirs = append(fo.Dirs, dir)
	}
	var walk func(dir string, f Folder, depth int) error
	walk = func(dir string, f Folder, depth int) error {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if depth == 0 {
				return fmt.Errorf("%s %s: %w", t.Scheme, dir, err)
			}
			t.Log.Warn(t.Scheme+": cannot read directory, skipped", "path", dir, "err", err)
			return nil
		}
		has := false
		for _, e := range ents {
			name := e.Name()
			switch {
			case strings.HasPrefix(name, ".") && (t.QuietDot || e.IsDir()):
				// Hidden directories (.Trash, .git, .Spotlight-V100...) are
				// not folders.
				t.Log.Debug(t.Scheme+": hidden entry skipped", "path", filepath.Join(dir, name))
			case e.Type()&fs.ModeSymlink != 0:
				t.Log.Warn(t.Scheme+": symbolic link not followed", "path", filepath.Join(dir, name))
			case e.IsDir():
				if depth+1 > t.MaxDepth {
					t.Log.Warn(t.Scheme+": directory tree too deep, not read further", "path", filepath.Join(dir, name))
					continue
				}
				sub := append(append(Folder(nil), f...), DirFolderName(name))
				if depth == 0 && strings.EqualFold(sub[0], "INBOX") {
					sub = Folder{"INBOX"}
				}
				if err := walk(filepath.Join(dir, name), sub, depth+1); err != nil {
					return err
				}
			case e.Type().IsRegular() && t.Item(name):
				has = true
			}
		}
		if has {
			if len(f) == 0 {
				add(Folder{"INBOX"}, dir)
			} else {
				add(f, dir)
			}
		}
		return nil
	}
	if err := walk(root, nil, 0); err != nil {
		return nil, err
	}
	for _, fo := range byKey {
		for i := 1; i < len(fo.Folder); i++ {
			p := append(Folder(nil), fo.Folder[:i]...)
			if byKey[FolderKey(p)] == nil {
				byKey[FolderKey(p)] = &TreeFolder{Folder: p, NoSelect: true}
			}
		}
	}
	var out []*TreeFolder
	for _, fo := range byKey {
		sort.Strings(fo.Dirs)
		out = append(out, fo)
	}
	SortFolders(out, func(fo *TreeFolder) Folder { return fo.Folder })
	return out, nil
}

// FindTreeFolder returns the folder f of fs, nil when there is none.
func FindTreeFolder(fs []*TreeFolder, f Folder) *TreeFolder {
	k := FolderKey(f)
	for _, fo := range fs {
		if FolderKey(fo.Folder) == k {
			return fo
		}
	}
	return nil
}

// Count counts the item files of fo that keep accepts, independently of
// Files (importers.Counter); the single file counts 1.
func (fo *TreeFolder) Count(ctx context.Context, keep func(name string) bool) (int64, error) {
	if fo.File != "" {
		return 1, nil
	}
	return CountFiles(ctx, fo.Dirs, keep)
}

// FileList is the item files of a TreeFolder as Files lists them (name
// order directory by directory), compact: the names in one byte buffer
// with an offset each, read from the directory a few hundred entries at a
// time, no string or fs.DirEntry per file (a folder may hold a million).
type FileList struct {
	single string   // the store's path when it is one file
	dirs   []string // fo.Dirs
	ends   []int    // ends[d]: the index after directory d's last file
	buf    []byte
	off    []uint32 // name i is buf[off[i]:off[i]+lens[i]]
	lens   []uint16
}

// Len returns the number of files.
func (l *FileList) Len() int {
	if l.single != "" {
		return 1
	}
	return len(l.off)
}

// Path returns the path of file i.
func (l *FileList) Path(i int) string {
	if l.single != "" {
		return l.single
	}
	d, _ := slices.BinarySearch(l.ends, i+1)
	return filepath.Join(l.dirs[d], string(l.name(i)))
}

// Name returns the file name of file i ("" for the store's single file).
func (l *FileList) Name(i int) string {
	if l.single != "" {
		return ""
	}
	return string(l.name(i))
}

// Single reports whether the list is the store's path, one file.
func (l *FileList) Single() bool { return l.single != "" }

func (l *FileList) name(i int) []byte { return l.buf[l.off[i] : l.off[i]+uint32(l.lens[i])] }

// Info returns file i's fs.FileInfo (Lstat in a directory, Stat for the
// single file, as TreeEntry.Info).
func (l *FileList) Info(i int) (fs.FileInfo, error) {
	if l.single != "" {
		return os.Stat(l.single)
	}
	return os.Lstat(l.Path(i))
}

// FileList lists what Files lists, compactly.
func (fo *TreeFolder) FileList(keep func(name string) bool) (*FileList, error) {
	if fo.File != "" {
		return &FileList{single: fo.File}, nil
	}
	l := &FileList{dirs: fo.Dirs}
	for _, d := range fo.Dirs {
		start := len(l.off)
		f, err := os.Open(d)
		if err != nil {
			return nil, err
		}
		for {
			ents, err := f.ReadDir(512)
			for _, e := range ents {
				name := e.Name()
				if !e.Type().IsRegular() || !keep(name) {
					continue
				}
				if len(name) > 1<<16-1 || len(l.buf)+len(name) > 1<<32-1 {
					f.Close()
					return nil, fmt.Errorf("%s: too many file names to list", d)
				}
				l.off = append(l.off, uint32(len(l.buf)))
				l.lens = append(l.lens, uint16(len(name)))
				l.buf = append(l.buf, name...)
			}
			if err == io.EOF || (err == nil && len(ents) == 0) {
				break
			}
			if err != nil {
				f.Close()
				return nil, err
			}
		}
		f.Close()
		// Sorted by name, as os.ReadDir sorts.
		idx := make([]int32, len(l.off)-start)
		for i := range idx {
			idx[i] = int32(start + i)
		}
		slices.SortFunc(idx, func(a, b int32) int { return bytes.Compare(l.name(int(a)), l.name(int(b))) })
		off := make([]uint32, len(idx))
		lens := make([]uint16, len(idx))
		for i, j := range idx {
			off[i], lens[i] = l.off[j], l.lens[j]
		}
		copy(l.off[start:], off)
		copy(l.lens[start:], lens)
		l.ends = append(l.ends, len(l.off))
	}
	l.buf, l.off, l.lens = slices.Clip(l.buf), slices.Clip(l.off), slices.Clip(l.lens)
	return l, nil
}

// OpenTree opens the store of a file-tree source (eml, msg) at path: one
// file, read as the folder INBOX, or a directory scanned by tree. want
// says what PATH should be (in the usage error of an empty path); none
// is the usage error of a directory without a single item.
func OpenTree(tree FileTree, path, want, none string) ([]*TreeFolder, error) {
	if path == "" {
		return nil, UsageError("%s: want %s:PATH (%s)", tree.Scheme, tree.Scheme, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, UsageError("%s %s: no such file or directory", tree.Scheme, path)
		}
		return nil, fmt.Errorf("%s %s: %w", tree.Scheme, path, err)
	}
	if !fi.IsDir() {
		return []*TreeFolder{{Folder: Folder{"INBOX"}, File: path}}, nil
	}
	folders, err := tree.Scan(path)
	if err != nil {
		return nil, err
	}
	if len(folders) == 0 {
		return nil, UsageError("%s %s: %s", tree.Scheme, path, none)
	}
	return folders, nil
}

// WalkTree starts a file-tree source's Walk of folder f: the folder, its
// item files (those keep accepts) and the walk options (never nil). root
// and scheme name the store in the errors.
func WalkTree(folders []*TreeFolder, scheme, root string, f Folder, opts *WalkOptions, keep func(name string) bool) (*TreeFolder, *FileList, *WalkOptions, error) {
	fo := FindTreeFolder(folders, f)
	if fo == nil {
		return nil, nil, nil, fmt.Errorf("%s %s: no folder %q", scheme, root, f.String())
	}
	if opts == nil {
		opts = &WalkOptions{}
	}
	files, err := fo.FileList(keep)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s folder %q: %w", scheme, f.String(), err)
	}
	return fo, files, opts, nil
}
