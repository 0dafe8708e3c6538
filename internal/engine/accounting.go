package engine

import (
	"context"
	"errors"

	"time"

	"github.com/mailferry/mailferry/importers"
)

// The accounting invariant.
//
// A parse that merges two messages into one, or silently passes over an
// item, loses mail without an error: the messages it did not see are
// neither copied nor missing as far as the engine and Verify know, since
// both use that same parse. So when the source can count a folder's items
// independently (importers.Counter: the files of a directory tree, the
// candidate envelope lines of an mbox file, the rows of a PST contents
// table, an IMAP folder's EXISTS), every walk of the folder, in the plan,
// in the copy and in Verify, checks
//
//	found = accounted
//	      = copied (or new) + proven duplicates + skipped (too big, marked
//	        deleted, not mail, outside --since/--before) + errors + failed
//
// where each term counts items the walk delivered (plus those the engine
// left out by date, see below). Any difference is a Problem of kind
// "unaccounted" naming the folder, the count and the difference, and makes
// the run incomplete (exit 3). FolderPlan.Found and VerifyFolder.Found
// carry the count, -1 when the source has none (or it failed, which is a
// warning).
//
// Date filter: sources leave messages outside --since/--before out of
// their walk silently, so for a source with a Counter the engine walks
// without the filter and applies it itself, with the sources' rule (the
// internal date, Since inclusive, Before exclusive, messages without a
// date pass), counting what it leaves out in Filtered. For an IMAP source
// this costs the header lines of the messages outside the range, which
// the source's UID SEARCH would have spared.
//
// Incremental copies (state.go) walk only the UIDs above a mark. The count
// is then the source's count above the same mark (UIDCounter); in the copy
// pass, which starts after the plan's prefix of messages already in the
// target, those prefix messages (and the ones the plan left out by date
// below the copy's start) are accounted before the walk. A folder the
// state shows up to date is not walked, so not counted (Found -1). Folders
// the plan settled (nothing to write) keep the plan's check.
//
// A folder that changes during its walk (mail arriving, an expunge)
// changes the count: on a difference the count is taken once more after
// the walk, and the walk is accounted if it matches either count.

// folderAcct is the accounting side of one FolderPlan.
type folderAcct struct {
	// filteredUIDs are the UIDs the plan's walk of an incremental folder
	// left out by date: the copy accounts those below its start.
	filteredUIDs []uint32
}

// counter returns the source's independent count of f above minUID, or
// ok false when it has none.
func counter(ctx context.Context, src importers.Source, f importers.Folder, minUID uint32) (count func() (int64, error), ok bool) {
	c, isC := src.(importers.Counter)
	if !isC {
		return nil, false
	}
	if minUID == 0 {
		return func() (int64, error) { return c.CountItems(ctx, f) }, true
	}
	uc, isU := src.(importers.UIDCounter)
	if !isU {
		return nil, false
	}
	return func() (int64, error) { return uc.CountFrom(ctx, f, minUID) }, true
}

// dateFilter returns whether the walk options filter by date.
func dateFilter(o *importers.WalkOptions) bool {
	return o != nil && (!o.Since.IsZero() || !o.Before.IsZero())
}

// accountedWalk is safeWalk checked against the source's independent
// count (see above). copying marks the copy pass.
func (w *worker) accountedWalk(ctx context.Context, plan *Plan, fp *FolderPlan, from uint32, opts *importers.WalkOptions, copying bool, fn importers.WalkFunc) error {
	fp.Found, fp.Filtered, fp.Unaccounted = -1, 0, 0
	countFrom, base := from, int64(0)
	if copying && from > 0 && fp.inc.uidValidity != 0 && from == fp.inc.pmark.uid {
		// The copy starts after the plan's prefix (copyStart set
		// Messages to it); the count starts where the plan's did.
		countFrom, base = fp.FromUID, fp.Messages
		fp.Filtered = int64(countBelow(fp.acct.filteredUIDs, from))
	}
	if !copying {
		fp.acct.filteredUIDs = nil
	}
	count, found, ok, err := startCount(ctx, w.src, fp.Source, countFrom, w.r.obs, fp.SourceP)
	if err != nil {
		return err
	}
	if !ok {
		return w.safeWalk(ctx, fp, from, opts, fn)
	}
	walk := func(o *importers.WalkOptions, fn importers.WalkFunc) error { return w.safeWalk(ctx, fp, from, o, fn) }
	walked, werr := dateFilteredWalk(opts, walk, func(m *importers.Message) {
		fp.Filtered++
		if !copying && fp.inc.uidValidity != 0 && m.UID != 0 {
			fp.acct.filteredUIDs = append(fp.acct.filteredUIDs, m.UID)
		}
	}, fn)
	if stopped(ctx, werr) {
		return werr
	}
	accounted := base + walked + fp.Filtered
	found = recount(count, found, accounted)
	fp.Found = found
	if d := found - accounted; d != 0 {
		fp.Unaccounted = d
		code, args := unaccountedReason(found, accounted)
		reason := sentence(code, args...)
		w.r.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "unaccounted", Reason: reason, Code: code, Args: args})
		w.r.obs.Event(Event{Type: "error", Folder: fp.SourceP, Ref: fp.SourceP, Reason: reason, Code: code, Args: args})
	}
	return werr
}

// startCount takes the source's independent count of f above minUID
// before its walk: ok false when the source has none, or when counting
// failed (a warning names folder; the walk then goes unchecked); err is
// ctx's error when ctx ended.
func startCount(ctx context.Context, src importers.Source, f importers.Folder, minUID uint32, obs Observer, folder string) (count func() (int64, error), found int64, ok bool, err error) {
	count, ok = counter(ctx, src, f, minUID)
	if !ok {
		return nil, 0, false, nil
	}
	found, err = count()
	if err != nil {
		if ctx.Err() != nil {
			return nil, 0, false, ctx.Err()
		}
		obs.Event(Event{Type: "warning", Folder: folder,
			Reason: sentence(CodeCountFailed, folder) + ": " + err.Error(), Code: CodeCountFailed, Args: []any{folder}, Detail: err.Error()})
		return nil, 0, false, nil
	}
	return count, found, true, nil
}

// dateFilteredWalk runs walk with opts' date range lifted and applies the
// range itself, so that every item the source has is seen: an item outside
// the range goes to filtered instead of fn. walked is the number of items
// given to fn.
func dateFilteredWalk(opts *importers.WalkOptions, walk func(*importers.WalkOptions, importers.WalkFunc) error, filtered func(*importers.Message), fn importers.WalkFunc) (walked int64, err error) {
	wopts, filter := opts, dateFilter(opts)
	if filter {
		o := *opts
		o.Since, o.Before = time.Time{}, time.Time{}
		wopts = &o
	}
	err = walk(wopts, func(m *importers.Message, rerr error) error {
		if filter && rerr == nil && m != nil && !opts.InDateRange(m.InternalDate) {
			filtered(m)
			return nil
		}
		walked++
		return fn(m, rerr)
	})
	return walked, err
}

// recount settles the count found before the walk against the items
// accounted for: on a difference the count is taken once more, and the
// new one is kept when it matches (the folder changed during the walk).
func recount(count func() (int64, error), found, accounted int64) int64 {
	if found != accounted {
		if again, err := count(); err == nil && again == accounted {
			return again
		}
	}
	return found
}

func countBelow(uids []uint32, max uint32) int {
	n := 0
	for _, u := range uids {
		if u <= max {
			n++
		}
	}
	return n
}

// stopped tells an error that ends the run (cancelled, interrupted, the
// target failed) from a folder that could not be read in full, whose
// items are still to be accounted for.
func stopped(ctx context.Context, err error) bool {
	if err == nil {
		return false
	}
	var qe *QuotaError
	return ctx.Err() != nil || errors.Is(err, ErrInterrupted) || errors.As(err, &qe) || isWalkFatal(err)
}

// unaccountedReason is the code and args of a difference between found
// and accounted.
func unaccountedReason(found, accounted int64) (code string, args []any) {
	if d := found - accounted; d > 0 {
		return CodeUnaccounted, []any{found, accounted, d}
	}
	return CodeUnaccountedMore, []any{found, accounted, accounted - found}
}

// foundTotal sums the known counts; -1 when no folder has one.
func foundTotal(found []int64) int64 {
	t, known := int64(0), false
	for _, n := range found {
		if n >= 0 {
			t += n
			known = true
		}
	}
	if !known {
		return -1
	}
	return t
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// planFound returns the totals' Found and Unaccounted of plan.
func planFound(folders []*FolderPlan) (found, unaccounted int64) {
	ns := make([]int64, 0, len(folders))
	for _, f := range folders {
		ns = append(ns, f.Found)
		unaccounted += abs64(f.Unaccounted)
	}
	return foundTotal(ns), unaccounted
}

// verifyFound returns the totals' Found and Unaccounted of a verify report.
func verifyFound(folders []*VerifyFolder) (found, unaccounted int64) {
	ns := make([]int64, 0, len(folders))
	for _, f := range folders {
		ns = append(ns, f.Found)
		unaccounted += abs64(f.Unaccounted)
	}
	return foundTotal(ns), unaccounted
}

// accountedWalk is the Verifier's walk of folder f checked against the
// source's independent count, with the date filter applied here (see
// above).
func (v *Verifier) accountedWalk(ctx context.Context, rep *VerifyReport, vf *VerifyFolder, f importers.Folder, opts *importers.WalkOptions, obs Observer, fn importers.WalkFunc) error {
	vf.Found, vf.Filtered, vf.Unaccounted = -1, 0, 0
	count, found, ok, err := startCount(ctx, v.Src, f, 0, obs, vf.Source)
	if err != nil {
		return err
	}
	if !ok {
		return v.Src.Walk(ctx, f, opts, fn)
	}
	walk := func(o *importers.WalkOptions, fn importers.WalkFunc) error { return v.Src.Walk(ctx, f, o, fn) }
	walked, werr := dateFilteredWalk(opts, walk, func(*importers.Message) { vf.Filtered++ }, fn)
	if ctx.Err() != nil {
		return werr
	}
	accounted := walked + vf.Filtered
	found = recount(count, found, accounted)
	vf.Found = found
	if d := found - accounted; d != 0 {
		vf.Unaccounted = d
		code, args := unaccountedReason(found, accounted)
		p := VerifyProblem{Kind: "unaccounted", Folder: vf.Source, Target: vf.Target, Ref: vf.Source, Reason: sentence(code, args...), Code: code, Args: args}
		rep.Problems = append(rep.Problems, p)
		obs.Event(Event{Type: "error", Folder: vf.Source, Ref: vf.Source, Reason: p.Reason, Code: code, Args: args})
	}
	return werr
}
