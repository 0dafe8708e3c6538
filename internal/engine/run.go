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
//
// Three objects: the Engine is the caller's (what to copy, from where to
// where, how); each Plan or Copy call makes a run, the state of that call
// (observer, incremental state, the plan's problems, the workers); a
// worker is one connection pair of the run (a source and a sink) and does
// the per-folder steps over it: plan a folder (plan.go), decide each
// message (decide.go), write (write.go, batch.go, resilience.go), record
// (record.go). Worker 0 has the caller's Src and Sink; the others are
// opened with Engine.Open for Options.Connections (parallel.go).

// Engine plans and runs copies.
type Engine struct {
	Src  importers.Source
	Sink exporters.Sink
	Opts Options

	// Open opens one more source and sink like Src and Sink (another
	// connection each), for Options.Connections; nil: one pair only.
	Open func(ctx context.Context) (importers.Source, exporters.Sink, error)
}

// run is the state of one Plan or Copy call, shared by its workers.
type run struct {
	opts *Options // the Engine's
	open func(ctx context.Context) (importers.Source, exporters.Sink, error)
	obs  Observer
	inc  *incState   // nil: not incremental (state.go)
	mu   *sync.Mutex // guards the Plan's Problems while workers run (parallel.go)
	// workers are the run's connection pairs: workers[0] the caller's
	// Src and Sink, the others opened by the plan (startWorkers), used by
	// the copy too, closed at the end (closeWorkers).
	workers []*worker
	opened  bool
}

// worker is one connection pair of a run: a source and a sink of its own.
// Every per-folder step is a worker method; a folder is copied by one
// worker at a time (parallel.go).
type worker struct {
	r    *run
	opts *Options // the run's
	src  importers.Source
	sink exporters.Sink
	caps exporters.Caps // of sink
}

// newRun starts a run over e's Src and Sink.
func (e *Engine) newRun() *run {
	obs := e.Opts.Observer
	if obs == nil {
		obs = nopObserver{}
	}
	r := &run{opts: &e.Opts, open: e.Open, obs: obs}
	r.workers = []*worker{r.worker(e.Src, e.Sink)}
	return r
}

// worker makes a worker of r over src and sink.
func (r *run) worker(src importers.Source, sink exporters.Sink) *worker {
	return &worker{r: r, opts: r.opts, src: src, sink: sink, caps: sink.Caps()}
}

// main is the worker of the caller's Src and Sink: the plan lists,
// maps and checks quota over it.
func (r *run) main() *worker { return r.workers[0] }

// Plan lists the source, maps folders, keys the target and the source,
// and checks quota. It writes nothing.
func (e *Engine) Plan(ctx context.Context) (*Plan, *sets, error) {
	r := e.newRun()
	defer r.closeWorkers()
	return r.plan(ctx)
}

// Copy plans, checks quota, and copies. It returns the plan with the
// outcome filled in. A quota refusal returns a *QuotaError and writes
// nothing. Per-message problems do not make Copy fail: see Plan.Incomplete.
func (e *Engine) Copy(ctx context.Context) (*Plan, error) {
	r := e.newRun()
	defer r.closeWorkers()
	plan, ex, err := r.plan(ctx)
	if err != nil {
		return plan, err
	}
	r.obs.Event(Event{Type: "plan", Plan: plan})
	if err := r.refuse(plan); err != nil {
		return plan, err
	}
	if r.opts.DryRun {
		return plan, nil
	}
	return plan, r.copy(ctx, plan, ex)
}

// refuse returns a *QuotaError when the plan does not fit the target's
// quota and the options do not say to ignore it.
func (r *run) refuse(plan *Plan) error {
	if plan.Fits() || r.opts.IgnoreQuota {
		return nil
	}
	var bad []QuotaCheck
	for _, q := range plan.Quota {
		if q.Known && !q.Fits {
			bad = append(bad, q)
		}
	}
	return &QuotaError{Plan: plan, Checks: bad}
}

// copy is the copy pass of the plan: the folders with something to
// write, on one worker or several, then the empty folders.
func (r *run) copy(ctx context.Context, plan *Plan, ex *sets) error {
	start := time.Now()
	// The copy pass recomputes its decisions from the same existing keys,
	// so a source that changed in between is handled, not trusted.
	tot := plan.Totals()
	r.obs.Event(Event{Type: "start", Messages: tot.New, Bytes: tot.NewBytes})
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
	var err error
	if units := r.units(plan); r.parallel(len(units)) {
		err = r.copyParallel(ctx, plan, work, units) // parallel.go
	} else {
		err = r.copySequential(ctx, plan, work)
	}
	if err == nil {
		err = r.createEmpty(ctx, plan) // folders.go
	}
	plan.Elapsed = time.Since(start)
	return err
}

// copySequential copies the folders one after the other over the plan's
// connections, then sweeps the targets written.
func (r *run) copySequential(ctx context.Context, plan *Plan, work *sets) error {
	w := r.main()
	last := map[string]int{} // the last folder copied into each target
	for i, fp := range plan.Folders {
		last[fp.Target] = i
	}
	for i, fp := range plan.Folders {
		if err := w.copyFolder(ctx, plan, fp, work, work.get(fp.Target)); err != nil {
			return err
		}
		if last[fp.Target] == i {
			work.release(fp.Target)
		}
	}
	w.sweep(ctx, plan.Folders) // resilience.go
	return nil
}

// problem records a message or folder that was not copied.
func (r *run) problem(plan *Plan, p Problem) {
	if r.mu != nil {
		r.mu.Lock()
		defer r.mu.Unlock()
	}
	plan.Problems = append(plan.Problems, p)
}

// isWalkFatal tells a failure of the target (stop the run) from a source
// folder that could not be read (count it, go on).
func isWalkFatal(err error) bool {
	var we *targetError
	return errors.As(err, &we)
}
