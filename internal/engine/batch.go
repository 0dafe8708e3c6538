package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Batches for a BatchTarget: small messages are read into memory and
// stored together, at most batchMaxItems messages or batchMaxBytes bytes
// at a time, so memory stays bounded whatever the size of the mailbox.
// Larger messages are streamed one by one with Append.
//
// A batch is stored in the background while the source is read for the
// next one (one batch in flight at a time, so at most two batches in
// memory): the network or disk wait of the target overlaps with reading
// the source. The outcome of each message is accounted in the worker's
// goroutine when the batch is collected (drain), before anything else
// touches the target.
const (
	batchMaxItems   = 64
	batchMaxBytes   = 4 << 20
	batchMaxMessage = 512 << 10
)

type batcher struct {
	bt    exporters.BatchTarget
	items []exporters.BatchItem
	bytes int64
	fl    *flight // the batch being stored, nil if none
}

type flight struct {
	items []exporters.BatchItem
	err   error // of AppendBatch
	done  chan struct{}
}

// load reads m as the target stores it (CRLF converted when needed); the
// result must be wire bytes long.
func (w *worker) load(m *importers.Message, wire int64) (exporters.BatchItem, error) {
	r, err := w.openWire(m)
	if err != nil {
		return exporters.BatchItem{}, err
	}
	defer r.Close()
	buf := make([]byte, wire)
	if _, err := io.ReadFull(r, buf); err != nil {
		return exporters.BatchItem{}, &importers.MessageError{Ref: m.Ref, Folder: m.Folder,
			Err: fmt.Errorf("reading the message: %w (expected %d bytes)", err, wire)}
	}
	var one [1]byte
	if n, _ := r.Read(one[:]); n > 0 {
		return exporters.BatchItem{}, &importers.MessageError{Ref: m.Ref, Folder: m.Folder,
			Err: fmt.Errorf("the message is longer than the %d bytes it had when it was planned", wire)}
	}
	// The batch outlives the walk callback: keep what the message needs.
	mc := *m
	mc.Body = nil
	return exporters.BatchItem{M: &mc, Data: buf}, nil
}

// flush starts storing the pending batch in the background, after
// collecting the one in flight.
func (w *worker) flush(ctx context.Context, plan *Plan, fp *FolderPlan, b *batcher) error {
	if err := w.drain(ctx, plan, fp, b); err != nil {
		return err
	}
	if len(b.items) == 0 {
		return nil
	}
	f := &flight{items: b.items, done: make(chan struct{})}
	b.items, b.bytes, b.fl = nil, 0, f
	go func() {
		defer close(f.done)
		f.err = b.bt.AppendBatch(ctx, f.items)
	}()
	return nil
}

// drain waits for the batch in flight and accounts for its messages. When
// the target refused it as a whole (over quota, one bad message), the
// messages are stored one by one so that each gets its own outcome.
func (w *worker) drain(ctx context.Context, plan *Plan, fp *FolderPlan, b *batcher) error {
	f := b.fl
	if f == nil {
		return nil
	}
	b.fl = nil
	<-f.done
	err := f.err
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if err != nil && !errors.Is(err, exporters.ErrOverQuota) && !errors.As(err, &rej) && !errors.As(err, &me) && ctx.Err() != nil {
		return ctx.Err()
	}
	// A failed batch is stored one by one (resilience.go): after a
	// connection failure what arrived anyway is not stored again.
	// Items a one-by-one AppendBatch stored before it failed are copied:
	// they are never sent again.
	items := f.items
	var pe *exporters.PartialBatchError
	if errors.As(err, &pe) && pe.Stored > 0 && pe.Stored <= len(items) {
		for _, it := range items[:pe.Stored] {
			if oerr := w.outcome(plan, fp, it.M, int64(len(it.Data)), nil); oerr != nil {
				return oerr
			}
		}
		items = items[pe.Stored:]
		err = pe.Err
		if len(items) == 0 {
			return nil
		}
	}
	var errs []error
	if err != nil {
		errs = w.batchFallback(ctx, fp, b.bt, items, err)
	}
	for i, it := range items {
		var aerr error
		if errs != nil {
			aerr = errs[i]
		}
		if err := w.outcome(plan, fp, it.M, int64(len(it.Data)), aerr); err != nil {
			return err
		}
	}
	return nil
}
