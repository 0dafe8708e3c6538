package localfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"time"
)

// maxStateFile bounds what ReadSmall reads.
const maxStateFile = 16 << 20

// ReadSmall returns the content of the regular file name in the root
// directory, nil and no error when it (or the root) does not exist. A
// symbolic link is not followed; a file larger than 16 MiB is an error.
func (r *Root) ReadSmall(name string) ([]byte, error) {
	if !r.Exists() {
		return nil, nil
	}
	f, err := r.Open(name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStateFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxStateFile {
		return nil, fmt.Errorf("%s: larger than %d bytes", r.Join(name), maxStateFile)
	}
	return b, nil
}

// ReplaceSmall replaces the file name in the root directory with b
// atomically and durably: b goes to a new temporary file (0600), which is
// fsynced and renamed over name, and the directory is fsynced. A crash
// leaves either the old or the new content (and at worst a stray
// ".name.*.tmp" file).
func (r *Root) ReplaceSmall(name string, b []byte) error {
	if _, err := r.Ensure(); err != nil {
		return err
	}
	tmp := "." + name + "." + Unique() + ".tmp"
	if err := r.WriteNew(context.Background(), []string{tmp}, int64(len(b)), bytes.NewReader(b), time.Time{}); err != nil {
		return err
	}
	if err := r.Rename([]string{tmp}, []string{name}); err != nil {
		r.Remove(tmp)
		return err
	}
	return r.SyncDir()
}
