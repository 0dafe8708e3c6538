package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Step 4, record: the outcome of each store is counted in the plan and in
// the incremental state (state.go).

// outcome accounts for the result of storing one message: nil goes on
// with the next message, an error stops the folder (a *QuotaError or a
// *targetError stops the run).
func (w *worker) outcome(plan *Plan, fp *FolderPlan, m *importers.Message, wire int64, err error) error {
	w.r.inc.stored(fp, m.UID, err == nil)
	switch {
	case err == nil:
		fp.New++
		fp.NewBytes += wire
		fp.Copied++
		w.r.obs.Event(Event{Type: "copied", Folder: fp.SourceP, Ref: m.Ref, Bytes: wire})
		return nil
	case errors.Is(err, exporters.ErrOverQuota):
		return &QuotaError{Plan: plan, MidRun: true, Err: err}
	}
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if errors.As(err, &rej) || errors.As(err, &me) {
		fp.Failed++
		detail := detailOf(err, m.Ref)
		w.r.problem(plan, Problem{Ref: m.Ref, Folder: fp.SourceP, Kind: "rejected", Size: wire, Reason: err.Error(), Code: CodeRejected, Detail: detail})
		w.r.obs.Event(Event{Type: "error", Folder: fp.SourceP, Ref: m.Ref, Reason: err.Error(), Code: CodeRejected, Detail: detail})
		return nil
	}
	return &targetError{fmt.Errorf("writing %s to %s: %w", m.Ref, fp.Target, err)}
}

// recordNotNew counts a message the copy does not write (a duplicate, too
// big, deleted, skipped, unreadable).
func (c *folderCopy) recordNotNew(m *importers.Message, d decision) {
	c.w.account(c.plan, c.fp, m, d, true)
	if d.kind == "dup" {
		c.w.r.obs.Event(Event{Type: "dup", Folder: c.fp.SourceP, Ref: m.Ref})
	}
}

// folderFailed records err, the end of fp's copy pass: a source folder
// that could not be read (counted, the run goes on: nil), or a failure
// that stops the run (cancelled, interrupted, quota, the target's).
func (w *worker) folderFailed(ctx context.Context, plan *Plan, fp *FolderPlan, err error) error {
	if err == nil {
		return nil
	}
	var qe *QuotaError
	if ctx.Err() != nil || errors.As(err, &qe) || errors.Is(err, ErrInterrupted) || isWalkFatal(err) {
		return err
	}
	fp.Errors++
	w.r.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "error", Reason: err.Error(), Code: CodeFolderError, Detail: err.Error()})
	return nil
}

// checkAltered asks a target that can tell (exporters.AlterationChecker)
// which of the messages this folder's copy stored the server altered;
// each is counted (still copied: it is in the target) and named. A check
// that fails is a warning: the messages are stored.
func (w *worker) checkAltered(ctx context.Context, plan *Plan, fp *FolderPlan) {
	ac, ok := fp.target.(exporters.AlterationChecker)
	if !ok || ctx.Err() != nil {
		return
	}
	alts, err := ac.Altered(ctx)
	if err != nil {
		w.r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Target: fp.Target,
			Reason: sentence(CodeAlteredUnknown) + ": " + err.Error(), Code: CodeAlteredUnknown, Detail: err.Error()})
		return
	}
	for _, a := range alts {
		fp.Altered++
		w.r.problem(plan, Problem{Ref: a.Ref, Folder: fp.SourceP, Kind: "altered", Reason: a.Reason, Code: CodeAltered, Detail: a.Reason})
		w.r.obs.Event(Event{Type: "error", Folder: fp.SourceP, Ref: a.Ref, Reason: a.Reason, Code: CodeAltered, Detail: a.Reason})
	}
}
