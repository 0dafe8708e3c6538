package maildir

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/exporters/localfs"
	"github.com/mailferry/mailferry/importers"
)

var _ exporters.BatchTarget = (*target)(nil)

// AppendBatch implements exporters.BatchTarget: it writes every message
// into tmp/, then makes them durable together (the first fsync commits the
// file system's journal for all of them, the others find little left to
// do), moves them into cur/ and syncs cur/ once. One Append does the same
// for a single message, with an fsync of its own and of cur/: batching
// saves most of those waits. On any error every file of the batch is
// removed again, so the batch is stored whole or not at all.
func (t *target) AppendBatch(ctx context.Context, items []exporters.BatchItem) (err error) {
	if t.err != nil {
		return t.err
	}
	if !t.exists || t.partial {
		if err := t.Create(ctx); err != nil {
			return err
		}
	}
	// The folder is opened once for the batch: files are created, moved
	// and synced relative to it (tmp/NAME, cur/NAME).
	d, err := t.s.Root.OpenDir(t.rel()...)
	if err != nil {
		return fmt.Errorf("maildir %s: %w", t.Name(), err)
	}
	defer d.Close()
	type file struct {
		f          *os.File
		tmp, final []string
		moved      bool
	}
	files := make([]file, 0, len(items))
	defer func() {
		for _, fl := range files {
			if fl.f != nil {
				fl.f.Close()
			}
			if err != nil {
				if fl.moved {
					d.Remove(fl.final...)
				} else {
					d.Remove(fl.tmp...)
				}
			}
		}
	}()
	var buf []byte
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		letters, err := t.letters(ctx, it.M.Flags)
		if err != nil {
			return err
		}
		unique := localfs.Unique() + "." + t.s.host
		tmp := []string{"tmp", unique}
		f, err := d.Create(tmp...)
		if err != nil {
			return fmt.Errorf("maildir %s: %w", d.Join(tmp...), err)
		}
		files = append(files, file{f: f, tmp: tmp})
		cnt := &importers.CRLFCounter{R: bytes.NewReader(it.Data)}
		if buf == nil {
			// One copy buffer for the batch: io.Copy (through
			// os.File.ReadFrom, hidden here) would take 32 KiB per
			// message, memory churn for 2 KB messages.
			buf = make([]byte, 32<<10)
		}
		if _, err := io.CopyBuffer(struct{ io.Writer }{f}, cnt, buf); err != nil {
			return fmt.Errorf("maildir %s: %w", d.Join(tmp...), localfs.DiskFull(err))
		}
		if !it.M.InternalDate.IsZero() {
			if err := localfs.SetTimes(f, it.M.InternalDate); err != nil {
				return fmt.Errorf("maildir %s: %w", d.Join(tmp...), err)
			}
		}
		localfs.StartWriteback(f)
		size := int64(len(it.Data))
		final := unique + ",S=" + strconv.FormatInt(size, 10) + ",W=" + strconv.FormatInt(cnt.LFLen(), 10) + t.s.sep() + "2," + letters
		files[len(files)-1].final = []string{"cur", final}
	}
	handles := make([]*os.File, len(files))
	for i := range files {
		handles[i] = files[i].f
	}
	if i, err := localfs.SyncFiles(handles); err != nil {
		return fmt.Errorf("maildir %s: %w", d.Join(files[i].tmp...), err)
	}
	for i := range files {
		fl := &files[i]
		err := fl.f.Close()
		fl.f = nil
		if err != nil {
			return fmt.Errorf("maildir %s: %w", d.Join(fl.tmp...), localfs.DiskFull(err))
		}
	}
	for i := range files {
		fl := &files[i]
		if err := d.Rename(fl.tmp, fl.final); err != nil {
			return fmt.Errorf("maildir %s: %w", d.Join(fl.tmp...), localfs.DiskFull(err))
		}
		fl.moved = true
	}
	if err := d.Sync("cur"); err != nil {
		return fmt.Errorf("maildir %s: %w", d.Join("cur"), err)
	}
	return nil
}
