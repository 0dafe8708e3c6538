package localfs

import (
	"fmt"
	"os"
)

// Dir is one directory of a Root, opened once so that a batch of files can
// be created, linked, renamed and synced in it without walking and
// Lstat-ing the path from the root for every file. Its directories were
// checked when it was opened (real directories, no symbolic link on the
// way); every later operation is relative to the open directory, so that a
// path component replaced afterwards cannot redirect it. Names given to
// its methods are single components (CheckComponent), or, where a method
// says so, a subdirectory and a name. Like Root it is used by one
// goroutine at a time.
type Dir struct {
	root *Root
	rel  []string
	d    *os.Root
	subs map[string]bool // subdirectories checked (once per Dir)
}

// OpenDir opens the existing directory rel of the root.
func (r *Root) OpenDir(rel ...string) (*Dir, error) {
	rr, err := r.existingDir("open", rel)
	if err != nil {
		return nil, err
	}
	p, err := relPath(rel)
	if err != nil {
		return nil, err
	}
	d, err := rr.OpenRoot(p)
	if err != nil {
		return nil, err
	}
	return &Dir{root: r, rel: append([]string(nil), rel...), d: d}, nil
}

// Close releases the directory.
func (d *Dir) Close() error { return d.d.Close() }

// Join is the absolute path of name in the directory, for messages.
func (d *Dir) Join(name ...string) string {
	return d.root.Join(append(append([]string(nil), d.rel...), name...)...)
}

// path checks the components of a name in the directory: one component,
// or a subdirectory (which must be a real directory, checked the first
// time it is used: a Dir lives for one batch) and a name.
func (d *Dir) path(name []string) (string, error) {
	if len(name) == 0 || len(name) > 2 {
		return "", fmt.Errorf("%w: %d path components", ErrUnsafe, len(name))
	}
	p, err := relPath(name)
	if err != nil {
		return "", err
	}
	if len(name) == 2 && !d.subs[name[0]] {
		fi, err := d.d.Lstat(name[0])
		if err != nil {
			return "", err
		}
		if err := mustBeDir(d.Join(name[0]), fi); err != nil {
			return "", err
		}
		if d.subs == nil {
			d.subs = map[string]bool{}
		}
		d.subs[name[0]] = true
	}
	return p, nil
}

// Create creates the new file name (0600) with O_EXCL|O_NOFOLLOW: an
// existing file or symbolic link is an error.
func (d *Dir) Create(name ...string) (*os.File, error) {
	p, err := d.path(name)
	if err != nil {
		return nil, err
	}
	f, err := d.d.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL|oNoFollow, 0o600)
	if err != nil {
		return nil, DiskFull(err)
	}
	return f, nil
}

// Remove removes the file name.
func (d *Dir) Remove(name ...string) error {
	p, err := d.path(name)
	if err != nil {
		return err
	}
	return d.d.Remove(p)
}

// Rename renames the file from to to, both in the directory (or in its
// subdirectories), replacing to unless it is a file with other hard links
// (checkLinks).
func (d *Dir) Rename(from, to []string) error {
	fp, err := d.path(from)
	if err != nil {
		return err
	}
	tp, err := d.path(to)
	if err != nil {
		return err
	}
	if fi, err := d.d.Lstat(tp); err == nil && fi.Mode().IsRegular() {
		if err := checkLinks(d.Join(to...), fi); err != nil {
			return err
		}
	}
	return d.d.Rename(fp, tp)
}

// LinkNoReplace is Root.LinkNoReplace within the directory.
func (d *Dir) LinkNoReplace(from, to string) error {
	fp, err := d.path([]string{from})
	if err != nil {
		return err
	}
	tp, err := d.path([]string{to})
	if err != nil {
		return err
	}
	return linkNoReplace(d.d, fp, tp, d.Join(to))
}

// Sync fsyncs the directory (or its subdirectory sub) so that the names
// created in it are durable. File systems that cannot sync a directory
// are not an error.
func (d *Dir) Sync(sub ...string) error {
	p := "."
	if len(sub) > 0 {
		var err error
		if p, err = d.path(sub); err != nil {
			return err
		}
	}
	f, err := d.d.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Sync(); err != nil && !syncUnsupported(err) {
		return err
	}
	return nil
}

// SyncFiles makes the data of files, all on one file system, durable the
// way a batch wants it. On Linux 5.8 and later it is one syncfs(2) of
// their file system (one journal commit and device flush for the batch,
// where an fsync per file costs a device flush each; syncfs also writes
// back whatever else is dirty on that file system). Elsewhere it fsyncs
// each file, their writeback started by StartWriteback as each was
// written. It returns the index of the file whose sync failed (0 when the
// syncfs failed) and the error.
func SyncFiles(files []*os.File) (int, error) {
	if ok, err := syncBatch(files); ok {
		if err != nil {
			return 0, DiskFull(err)
		}
		return -1, nil
	}
	for i, f := range files {
		if err := f.Sync(); err != nil {
			return i, DiskFull(err)
		}
	}
	return -1, nil
}
