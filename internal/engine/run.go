package engine

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// The run: Engine.Plan and Engine.Copy, top to bottom.

// Engine plans and runs copies.
type Engine struct {
	Src  importers.Source
	Sink exporters.Sink
	Opts Options

	// Open opens one more source and sink like Src and Sink (another
	// connection each), for Options.Connections; nil: one pair only.
	Open func(ctx context.Context) (importers.Source, exporters.Sink, error)

	caps exporters.Caps // of Sink
	*run                // the state of the current Plan or Copy
}

// run is the state of one Plan or Copy call, shared by the engine and
// its workers: the engines of the other connections (Engine.worker).
type run struct {
	obs Observer
	inc *incState   // nil: not incremental (state.go)
	mu  *sync.Mutex // guards the Plan's Problems while workers run (parallel.go)
	// workers are the engines of the other connections (parallel.go),
	// opened by the plan, used by the copy too, closed at the end.
	workers []*Engine
	opened  bool
}

// init starts a run.
func (e *Engine) init() {
	e.caps = e.Sink.Caps()
	obs := e.Opts.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	e.run = &run{obs: obs}
}

// worker is the engine of one more connection of e's run: its own source
// and sink, the run (observer, state, problems lock) shared with e.
func (e *Engine) worker(src importers.Source, sink exporters.Sink) *Engine {
	return &Engine{Src: src, Sink: sink, Opts: e.Opts, Open: e.Open, caps: e.caps, run: e.run}
}

// Plan lists the source, maps folders, keys the target and the source,
// and checks quota. It writes nothing.
func (e *Engine) Plan(ctx context.Context) (*Plan, *sets, error) {
	defer e.closeWorkers()
	return e.plan(ctx)
}

// Copy plans, checks quota, and copies. It returns the plan with the
// outcome filled in. A quota refusal returns a *QuotaError and writes
// nothing. Per-message problems do not make Copy fail: see Plan.Incomplete.
func (e *Engine) Copy(ctx context.Context) (*Plan, error) {
	defer e.closeWorkers()
	plan, ex, err := e.plan(ctx)
	if err != nil {
		return plan, err
	}
	e.obs.Event(Event{Type: "plan", Plan: plan})
	if !plan.Fits() && !e.Opts.IgnoreQuota {
		var bad []QuotaCheck
		for _, q := range plan.Quota {
			if q.Known && !q.Fits {
				bad = append(bad, q)
			}
		}
		return plan, &QuotaError{Plan: plan, Checks: bad}
	}
	if e.Opts.DryRun {
		return plan, nil
	}
	start := time.Now()
	// The copy pass recomputes its decisions from the same existing keys,
	// so a source that changed in between is handled, not trusted.
	tot := plan.Totals()
	e.obs.Event(Event{Type: "start", Messages: tot.New, Bytes: tot.NewBytes})
	work := ex.clone()
	settled := map[string]bool{}
	for _, fp := range plan.Folders {
		fp.inc.planNew, fp.inc.planWalked = fp.New, fp.Messages-fp.inc.prefix
		// Nothing new: reading the folder again would only confirm it (a
		// re-run costs the plan's header reads, not two passes). A message
		// that arrives in the source meanwhile is for the next run, as
		// with mbsync. Incremental folders have their own shortcut.
		if fp.New == 0 && fp.inc.uidValidity == 0 && work.get(fp.Target).Multi() == 0 {
			fp.settled = true
			settled[fp.SourceP] = true
			continue
		}
		fp.New, fp.NewBytes, fp.Duplicates, fp.SameIDKept, fp.TooBig, fp.TooBigB, fp.Deleted, fp.Errors, fp.Skipped, fp.Messages = 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
	}
	// The copy pass lists its own problems, but for the settled folders.
	plan.Problems = slices.DeleteFunc(plan.Problems, func(p Problem) bool { return !settled[p.Folder] })
	if units := e.units(plan); e.parallel(len(units)) {
		err = e.copyParallel(ctx, plan, work, units) // parallel.go
	} else {
		err = e.copySequential(ctx, plan, work)
	}
	if err == nil {
		err = e.createEmpty(ctx, plan) // folders.go
	}
	plan.Elapsed = time.Since(start)
	return plan, err
}

// copySequential copies the folders one after the other over the plan's
// connections, then sweeps the targets written.
func (e *Engine) copySequential(ctx context.Context, plan *Plan, work *sets) error {
	for _, fp := range plan.Folders {
		if err := e.copyFolder(ctx, plan, fp, work, work.get(fp.Target)); err != nil {
			return err
		}
	}
	e.sweep(ctx, plan.Folders) // resilience.go
	return nil
}

// problem records a message or folder that was not copied.
func (e *Engine) problem(plan *Plan, p Problem) {
	if e.mu != nil {
		e.mu.Lock()
		defer e.mu.Unlock()
	}
	plan.Problems = append(plan.Problems, p)
}

// isWalkFatal tells a failure of the target (stop the run) from a source
// folder that could not be read (count it, go on).
func isWalkFatal(err error) bool {
	var we *targetError
	return errors.As(err, &we)
}
