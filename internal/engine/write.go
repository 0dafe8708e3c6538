package engine

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Step 3, write: the copy pass over one folder stores the messages the
// decisions call new, one by one or in batches (batch.go), retried
// (resilience.go).

// folderCopy is the copy pass over one folder, a pipeline per source
// message: decide (decide.go), write (here), record (record.go).
type folderCopy struct {
	w       *worker
	plan    *Plan
	fp      *FolderPlan
	ex      *sets
	set     *dedupe.Index // the target's keys and what the run took (nil: no dedupe)
	batch   *batcher      // nil: one message at a time
	created bool          // the target folder exists
}

// copyFolder runs the copy pass over fp's source folder.
func (w *worker) copyFolder(ctx context.Context, plan *Plan, fp *FolderPlan, ex *sets, set *dedupe.Index) error {
	if fp.inc.upToDate || fp.settled {
		return nil // the incremental state and UIDNEXT, or the plan, say nothing is new
	}
	w.r.obs.Event(Event{Type: "folder", Folder: fp.SourceP, Target: fp.Target})
	c := &folderCopy{w: w, plan: plan, fp: fp, ex: ex, set: set, created: fp.target.Exists()}
	if bt, ok := fp.target.(exporters.BatchTarget); ok && !w.opts.NoBatch {
		c.batch = &batcher{bt: bt}
	}
	wopts := w.opts.Walk
	// When the plan found most messages in the target already, fetch only
	// the new ones' bodies (on Body.Open), not every message's.
	wopts.HeadersOnly = fp.inc.planNew*8 <= fp.inc.planWalked
	from := w.r.inc.copyStart(ctx, w.src, fp)
	defer w.r.inc.copyDone(fp)
	err := w.accountedWalk(ctx, plan, fp, from, &wopts, true, func(m *importers.Message, rerr error) error {
		return c.message(ctx, m, rerr)
	})
	return c.finish(ctx, err)
}

// message is the pipeline for one source message.
func (c *folderCopy) message(ctx context.Context, m *importers.Message, rerr error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.fp.Messages++
	d := c.w.decide(ctx, m, rerr, c.set, c.ex.opener(ctx, c.fp.target), false)
	c.w.r.inc.walked(c.fp, m.UID, d)
	if d.kind != "new" {
		c.recordNotNew(m, d)
		return nil
	}
	return c.write(ctx, m, d)
}

// write stores a new message: into the batch when it is small and the
// target takes batches, else on its own after what is pending.
func (c *folderCopy) write(ctx context.Context, m *importers.Message, d decision) error {
	if d.sameID {
		c.fp.SameIDKept++
	}
	if err := c.ensureFolder(ctx); err != nil {
		return err
	}
	if c.batch != nil && d.in.wire <= batchMaxMessage {
		return c.addToBatch(ctx, m, d.in.wire)
	}
	// Keep the source's order: what is pending goes first.
	if err := c.flush(ctx); err != nil {
		return err
	}
	return c.w.outcome(c.plan, c.fp, m, d.in.wire, c.w.appendRetry(ctx, c.fp, m, d.in))
}

// ensureFolder creates the target folder before its first message.
func (c *folderCopy) ensureFolder(ctx context.Context) error {
	if c.created {
		return nil
	}
	if err := c.fp.target.Create(ctx); err != nil {
		return fmt.Errorf("creating target folder %s: %w", c.fp.Target, err)
	}
	c.created = true
	c.fp.Exists = true
	return nil
}

// addToBatch adds m to the batch and sends the batch when it is full.
func (c *folderCopy) addToBatch(ctx context.Context, m *importers.Message, wire int64) error {
	item, err := c.w.load(m, wire)
	if err != nil {
		return c.w.outcome(c.plan, c.fp, m, wire, err)
	}
	c.batch.items = append(c.batch.items, item)
	c.batch.bytes += wire
	if len(c.batch.items) < batchMaxItems && c.batch.bytes < batchMaxBytes {
		return nil
	}
	return c.w.flush(ctx, c.plan, c.fp, c.batch)
}

// flush sends the pending batch and waits for every batch in flight.
func (c *folderCopy) flush(ctx context.Context) error {
	if c.batch == nil {
		return nil
	}
	err := c.w.flush(ctx, c.plan, c.fp, c.batch)
	if err == nil {
		err = c.w.drain(ctx, c.plan, c.fp, c.batch)
	}
	return err
}

// finish sends what is pending and accounts, even after an error, what
// was stored; then it records the folder's failure (record.go).
func (c *folderCopy) finish(ctx context.Context, err error) error {
	if c.batch != nil {
		if err == nil {
			err = c.w.flush(ctx, c.plan, c.fp, c.batch)
		}
		if derr := c.w.drain(ctx, c.plan, c.fp, c.batch); err == nil {
			err = derr
		}
	}
	c.w.checkAltered(ctx, c.plan, c.fp)
	return c.w.folderFailed(ctx, c.plan, c.fp, err)
}

// openWire opens m's body as the target stores it: converted to CRLF when
// the target wants CRLF and the source does not have it.
func (w *worker) openWire(m *importers.Message) (io.ReadCloser, error) {
	rc, err := m.Body.Open()
	if err != nil {
		return nil, &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}
	}
	if w.caps.CRLF && !m.CRLF {
		return struct {
			io.Reader
			io.Closer
		}{importers.CRLFReader(rc), rc}, nil
	}
	return rc, nil
}

func (w *worker) appendOne(ctx context.Context, fp *FolderPlan, m *importers.Message, wire int64) error {
	r, err := w.openWire(m)
	if err != nil {
		return err
	}
	defer r.Close()
	err = fp.target.Append(ctx, m, wire, r)
	if err == nil || errors.Is(err, exporters.ErrOverQuota) {
		return err
	}
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if errors.As(err, &rej) || errors.As(err, &me) {
		return err
	}
	return &targetError{err}
}
