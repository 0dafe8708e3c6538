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

func (e *Engine) copyFolder(ctx context.Context, plan *Plan, fp *FolderPlan, ex *sets, set *dedupe.Index) error {
	if fp.inc.upToDate || fp.settled {
		return nil // the incremental state and UIDNEXT, or the plan, say nothing is new
	}
	e.obs.Event(Event{Type: "folder", Folder: fp.SourceP, Target: fp.Target})
	created := fp.target.Exists()
	var batch *batcher
	if bt, ok := fp.target.(exporters.BatchTarget); ok && !e.Opts.NoBatch {
		batch = &batcher{bt: bt}
	}
	wopts := e.Opts.Walk
	// When the plan found most messages in the target already, fetch only
	// the new ones' bodies (on Body.Open), not every message's.
	wopts.HeadersOnly = fp.inc.planNew*8 <= fp.inc.planWalked
	from := e.inc.copyStart(ctx, e.Src, fp)
	defer e.inc.copyDone(fp)
	err := e.accountedWalk(ctx, plan, fp, from, &wopts, true, func(m *importers.Message, rerr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fp.Messages++
		d := e.decide(ctx, m, rerr, set, ex.opener(ctx, fp.target), false)
		e.inc.walked(fp, m.UID, d)
		if d.kind != "new" {
			e.account(plan, fp, m, d, true)
			if d.kind == "dup" {
				e.obs.Event(Event{Type: "dup", Folder: fp.SourceP, Ref: m.Ref})
			}
			return nil
		}
		if d.sameID {
			fp.SameIDKept++
		}
		if !created {
			if err := fp.target.Create(ctx); err != nil {
				return fmt.Errorf("creating target folder %s: %w", fp.Target, err)
			}
			created = true
			fp.Exists = true
		}
		if batch != nil && d.in.wire <= batchMaxMessage {
			item, err := e.load(m, d.in.wire)
			if err != nil {
				return e.outcome(plan, fp, m, d.in.wire, err)
			}
			batch.items = append(batch.items, item)
			batch.bytes += d.in.wire
			if len(batch.items) < batchMaxItems && batch.bytes < batchMaxBytes {
				return nil
			}
			return e.flush(ctx, plan, fp, batch)
		}
		if batch != nil {
			// Keep the source's order: what is pending goes first.
			err := e.flush(ctx, plan, fp, batch)
			if err == nil {
				err = e.drain(ctx, plan, fp, batch)
			}
			if err != nil {
				return err
			}
		}
		return e.outcome(plan, fp, m, d.in.wire, e.appendRetry(ctx, fp, m, d.in))
	})
	if batch != nil {
		if err == nil {
			err = e.flush(ctx, plan, fp, batch)
		}
		// Even after an error: what was stored is accounted for.
		if derr := e.drain(ctx, plan, fp, batch); err == nil {
			err = derr
		}
	}
	if err != nil {
		var qe *QuotaError
		if ctx.Err() != nil || errors.As(err, &qe) || errors.Is(err, ErrInterrupted) {
			return err
		}
		if isWalkFatal(err) {
			return err
		}
		fp.Errors++
		e.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "error", Reason: err.Error()})
	}
	return nil
}

// openWire opens m's body as the target stores it: converted to CRLF when
// the target wants CRLF and the source does not have it.
func (e *Engine) openWire(m *importers.Message) (io.ReadCloser, error) {
	rc, err := m.Body.Open()
	if err != nil {
		return nil, &importers.MessageError{Ref: m.Ref, Folder: m.Folder, Err: err}
	}
	if e.caps.CRLF && !m.CRLF {
		return struct {
			io.Reader
			io.Closer
		}{importers.CRLFReader(rc), rc}, nil
	}
	return rc, nil
}

func (e *Engine) appendOne(ctx context.Context, fp *FolderPlan, m *importers.Message, wire int64) error {
	r, err := e.openWire(m)
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
