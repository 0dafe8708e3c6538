package ui

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
)

// DefaultRoots are the directories the file browser may show: the
// user's home and the mount points of removable and network drives (on
// Windows: every drive letter that exists).
func DefaultRoots() []string {
	var roots []string
	if h, err := os.UserHomeDir(); err == nil && h != "" {
		roots = append(roots, h)
	}
	if runtime.GOOS == "windows" {
		for c := 'A'; c <= 'Z'; c++ {
			d := string(c) + `:\`
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				roots = append(roots, d)
			}
		}
		return roots
	}
	for _, d := range []string{"/media", "/mnt", "/run/media", "/Volumes"} {
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			roots = append(roots, d)
		}
	}
	return roots
}

var errOutside = errors.New("that place is outside your home folder and the mounted drives")

// fileRoots checks paths against the roots.
type fileRoots struct {
	roots []string // cleaned, symbolic links resolved
}

func newFileRoots(roots []string) *fileRoots {
	fr := &fileRoots{}
	for _, r := range roots {
		if a, err := filepath.Abs(r); err == nil {
			if e, err := filepath.EvalSymlinks(a); err == nil {
				a = e
			}
			fr.roots = append(fr.roots, filepath.Clean(a))
		}
	}
	return fr
}

func within(root, p string) bool {
	if p == root {
		return true
	}
	rel, err := filepath.Rel(root, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// allowed returns p made absolute and clean when it is (after resolving
// symbolic links of its existing part) inside a root; a path that does
// not exist yet (a new backup folder) is checked by its nearest existing
// parent.
func (fr *fileRoots) allowed(p string) (string, error) {
	if p == "" || strings.ContainsRune(p, 0) {
		return "", errOutside
	}
	if !filepath.IsAbs(p) {
		return "", errors.New("want a full path")
	}
	p = filepath.Clean(p)
	real, rest := p, ""
	for {
		e, err := filepath.EvalSymlinks(real)
		if err == nil {
			real = filepath.Join(e, rest)
			break
		}
		parent := filepath.Dir(real)
		if parent == real {
			return "", errOutside
		}
		rest = filepath.Join(filepath.Base(real), rest)
		real = parent
	}
	for _, r := range fr.roots {
		if within(r, real) {
			return p, nil
		}
	}
	return "", errOutside
}

// Entry is one line of the file browser.
type Entry struct {
	Name string `json:"name"`
	Path string `json:"path"`
	Dir  bool   `json:"dir"`
	Size int64  `json:"size,omitempty"`
}

// Listing is a directory of the file browser ("" Path: the roots).
type Listing struct {
	Path    string  `json:"path"`
	Parent  string  `json:"parent,omitempty"`
	Entries []Entry `json:"entries"`
}

// list lists dir (the roots when dir is ""); hidden entries (".name") are
// left out.
func (fr *fileRoots) list(dir string) (*Listing, error) {
	if dir == "" {
		l := &Listing{}
		for _, r := range fr.roots {
			l.Entries = append(l.Entries, Entry{Name: r, Path: r, Dir: true})
		}
		return l, nil
	}
	p, err := fr.allowed(dir)
	if err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(p)
	if err != nil {
		return nil, err
	}
	l := &Listing{Path: p}
	if parent := filepath.Dir(p); parent != p {
		if _, err := fr.allowed(parent); err == nil {
			l.Parent = parent
		}
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		full := filepath.Join(p, e.Name())
		en := Entry{Name: e.Name(), Path: full, Dir: e.IsDir()}
		if e.Type()&os.ModeSymlink != 0 {
			fi, err := os.Stat(full)
			if err != nil {
				continue
			}
			if _, err := fr.allowed(full); err != nil {
				continue
			}
			en.Dir = fi.IsDir()
		}
		if !en.Dir {
			if fi, err := e.Info(); err == nil {
				en.Size = fi.Size()
			}
		}
		l.Entries = append(l.Entries, en)
	}
	sort.SliceStable(l.Entries, func(i, j int) bool {
		a, b := l.Entries[i], l.Entries[j]
		if a.Dir != b.Dir {
			return a.Dir
		}
		return strings.ToLower(a.Name) < strings.ToLower(b.Name)
	})
	return l, nil
}
