package eml

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
)

var _ exporters.BatchTarget = (*target)(nil)

// syncHook, when set (tests), runs before a batch's files are fsynced;
// an error from it is handled as a failed fsync.
var syncHook func() error

// AppendBatch implements exporters.BatchTarget with the promise of Append
// for every message of the batch: each is written to a hidden temporary
// file, then all of them are made durable together (their writeback is
// started as each is written, so that one journal commit carries most of
// them), then each is hard-linked to its name and the folder is synced
// once. Only then does AppendBatch return, and only then does the engine
// count the messages and record its state: a crash before the folder's
// sync leaves at most complete, fsynced files under their names (a re-run
// finds them in the folder's keys), never a partial one, and no state
// that names them. On any error every file of the batch is removed
// again, so the batch is stored whole or not at all.
func (t *target) AppendBatch(ctx context.Context, items []exporters.BatchItem) (err error) {
	if t.err != nil {
		return t.err
	}
	if !t.exists {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	d, err := t.s.Root.OpenDir(t.dirs...)
	if err != nil {
		return fmt.Errorf("eml %s: %w", t.Name(), err)
	}
	defer d.Close()
	type file struct {
		f          *os.File
		tmp, final string
		base       string
	}
	files := make([]file, 0, len(items))
	defer func() {
		for _, fl := range files {
			if fl.f != nil {
				fl.f.Close()
			}
			if err != nil {
				if fl.final != "" {
					d.Remove(fl.final)
				} else {
					d.Remove(fl.tmp)
				}
			}
		}
	}()
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		hi := headerOf(it.Data[:min(len(it.Data), 64<<10)])
		k, _, err := dedupe.Of(bytes.NewReader(it.Data))
		if err != nil {
			return localfs.ForMessage(it.M, fmt.Errorf("eml %s: %w", t.Name(), err))
		}
		tmp := ".mailferry-" + localfs.Unique() + ".tmp"
		f, err := d.Create(tmp)
		if err != nil {
			return fmt.Errorf("eml %s: %w", d.Join(tmp), err)
		}
		files = append(files, file{f: f, tmp: tmp})
		if _, err := f.Write(it.Data); err != nil {
			return fmt.Errorf("eml %s: %w", d.Join(tmp), localfs.DiskFull(err))
		}
		date := it.M.InternalDate
		if date.IsZero() {
			date = hi.date
		}
		if !date.IsZero() {
			if err := localfs.SetTimes(f, date); err != nil {
				return fmt.Errorf("eml %s: %w", d.Join(tmp), err)
			}
		}
		localfs.StartWriteback(f)
		files[len(files)-1].base = FileName(date, hi.subject, k)
	}
	if syncHook != nil {
		if err := syncHook(); err != nil {
			return fmt.Errorf("eml %s: %w", t.Name(), err)
		}
	}
	handles := make([]*os.File, len(files))
	for i := range files {
		handles[i] = files[i].f
	}
	if i, err := localfs.SyncFiles(handles); err != nil {
		return fmt.Errorf("eml %s: %w", d.Join(files[i].tmp), err)
	}
	for i := range files {
		fl := &files[i]
		err := fl.f.Close()
		fl.f = nil
		if err != nil {
			return fmt.Errorf("eml %s: %w", d.Join(fl.tmp), localfs.DiskFull(err))
		}
	}
	for i := range files {
		fl := &files[i]
		name, err := linkFree(fl.base, func(name string) error { return d.LinkNoReplace(fl.tmp, name) }, func(name string) string { return d.Join(name) })
		if err != nil {
			return err
		}
		fl.final = name
	}
	if err := d.Sync(); err != nil {
		return fmt.Errorf("eml %s: %w", t.Name(), err)
	}
	return nil
}

// linkFree links a file to base with link, or to base with "-2", "-3", …
// before the extension when that name is taken, and returns the name it
// got; shown is a name's path for messages.
func linkFree(base string, link func(name string) error, shown func(name string) string) (string, error) {
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = strings.TrimSuffix(base, Ext) + "-" + strconv.Itoa(i) + Ext
		}
		err := link(name)
		if err == nil {
			return name, nil
		}
		if !errors.Is(err, fs.ErrExist) || i >= 1000 {
			return "", fmt.Errorf("eml %s: %w", shown(name), localfs.DiskFull(err))
		}
	}
}
