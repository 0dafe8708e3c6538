package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
)

// Parallel plans and copies (Options.Connections > 1): the folders are
// shared out among workers, each with a source and a sink of its own (one
// more IMAP connection each, or one more handle on a local store), so that
// the server's work on one folder overlaps with the next folder's reading
// and writing. The unit of work is a target folder with every source
// folder mapped to it (kept in source order, one worker at a time), so a
// target's dedupe set, its inventory and its writes stay in one goroutine.
// Global dedupe shares one set across all targets: it runs on one worker.
//
// Worker 0 has the caller's Src and Sink (run.main). The others are
// opened with Engine.Open when the plan starts and serve the copy too; a
// connection the server refuses (a per-user connection limit) leaves
// fewer workers, with a warning, never fails the run.

// parallel tells whether units of work go to several workers.
func (r *run) parallel(units int) bool {
	return r.opts.Connections > 1 && r.open != nil && units > 1 && r.opts.scope() != ScopeGlobal
}

// group groups the folders that keep is true for by target: by the
// target's identity (run.unitKey: case-folded where the target ignores
// case), so that two names of one folder never go to two workers.
func (r *run) group(fps []*FolderPlan, keep func(*FolderPlan) bool) [][]*FolderPlan {
	idx := map[string]int{}
	var units [][]*FolderPlan
	for _, fp := range fps {
		if !keep(fp) {
			continue
		}
		key := r.unitKey(fp)
		i, ok := idx[key]
		if !ok {
			i = len(units)
			idx[key] = i
			units = append(units, nil)
		}
		units[i] = append(units[i], fp)
	}
	return units
}

// biggestFirst sorts units by weight, the heaviest first, so that the
// last unit to finish is a small one.
func biggestFirst(units [][]*FolderPlan, weight func(*FolderPlan) int64) {
	sum := func(u []*FolderPlan) (n int64) {
		for _, fp := range u {
			n += weight(fp)
		}
		return n
	}
	slices.SortStableFunc(units, func(a, b []*FolderPlan) int {
		wa, wb := sum(a), sum(b)
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return 0
	})
}

// planUnits are the plan's units: the folders to scan, by target, the
// biggest (as the source listed them) first.
func (r *run) planUnits(plan *Plan) [][]*FolderPlan {
	units := r.group(plan.Folders, func(fp *FolderPlan) bool { return !fp.inc.upToDate })
	biggestFirst(units, func(fp *FolderPlan) int64 { return max(fp.listed, 0) })
	return units
}

// units are the copy's units: the folders with something to write, by
// target, the most work first.
func (r *run) units(plan *Plan) [][]*FolderPlan {
	units := r.group(plan.Folders, func(fp *FolderPlan) bool { return !fp.inc.upToDate && !fp.settled })
	// Bytes to write, plus a per-message cost for the walk.
	biggestFirst(units, func(fp *FolderPlan) int64 {
		return fp.inc.planNew*4096 + fp.NewBytes + fp.Messages*256
	})
	return units
}

// lockedObserver serializes the workers' events.
type lockedObserver struct {
	mu sync.Mutex
	o  Observer
}

func (l *lockedObserver) Event(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.o.Event(ev)
}

// startWorkers makes the run safe for workers and opens the other
// connections, once; it returns every worker, the caller's first.
func (r *run) startWorkers(ctx context.Context) []*worker {
	if !r.opened {
		r.opened = true
		r.mu = &sync.Mutex{}
		if _, ok := r.obs.(*lockedObserver); !ok {
			r.obs = &lockedObserver{o: r.obs}
		}
		if r.inc != nil {
			r.inc.obs = r.obs
		}
		n := r.opts.Connections
		var (
			mu      sync.Mutex
			wg      sync.WaitGroup
			workers []*worker
		)
		for i := 1; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				src, sink, err := r.open(ctx)
				if err != nil {
					if ctx.Err() == nil {
						r.obs.Event(Event{Type: "warning", Reason: sentence(CodeConnections, i+1, n) + ": " + err.Error(),
							Code: CodeConnections, Args: []any{i + 1, n}, Detail: err.Error()})
					}
					return
				}
				w := r.worker(src, sink)
				mu.Lock()
				workers = append(workers, w)
				mu.Unlock()
			}()
		}
		wg.Wait()
		r.workers = append(r.workers[:1], workers...)
	}
	return r.workers
}

// closeWorkers closes the connections startWorkers opened (not the
// caller's).
func (r *run) closeWorkers() {
	for _, w := range r.workers[1:] {
		w.src.Close()
		w.sink.Close()
	}
	r.workers, r.opened = r.workers[:1], false
}

// targetOf is fp's target on w's connection.
func (w *worker) targetOf(ctx context.Context, fp *FolderPlan) (exporters.Target, error) {
	main := w.r.main()
	if w == main {
		return fp.target, nil
	}
	t, err := w.sink.Resolve(ctx, fp.mapped.Folder, fp.mapped.Use)
	// The same folder may have another name there: the safe name an
	// earlier Create had to use (FolderNamer.NameKey).
	if err == nil && t.Name() != fp.Target && nameKey(main.sink, t.Name()) != nameKey(main.sink, fp.Target) {
		err = fmt.Errorf("resolves to %s on another connection", t.Name())
	}
	if err != nil {
		return nil, &targetError{fmt.Errorf("mapping folder %s: %w", fp.SourceP, err)}
	}
	return t, nil
}

// runUnits runs fn for each unit on the workers, at most as many as there
// are units; after, when non-nil, runs in each worker at its end with the
// units it did. After an error no worker starts another unit; the first
// error (a QuotaError before others) is returned.
func (r *run) runUnits(ctx context.Context, plan *Plan, units [][]*FolderPlan, fn func(w *worker, u []*FolderPlan) error, after func(w *worker, done [][]*FolderPlan)) error {
	workers := r.startWorkers(ctx)
	workers = workers[:min(len(workers), len(units))]
	queue := make(chan []*FolderPlan, len(units))
	for _, u := range units {
		queue <- u
	}
	close(queue)
	var (
		mu     sync.Mutex
		failed error
	)
	stopped := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return failed != nil
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		var qe *QuotaError
		if failed == nil || (errors.As(err, &qe) && !errors.As(failed, &qe)) {
			failed = err
		}
	}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var done [][]*FolderPlan
			if after != nil {
				defer func() { after(w, done) }()
			}
			for u := range queue {
				if stopped() {
					return
				}
				done = append(done, u)
				if err := fn(w, u); err != nil {
					fail(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	// The problems in the order of the folders, as one worker lists them.
	order := map[string]int{}
	for i, fp := range plan.Folders {
		order[fp.SourceP] = i
	}
	slices.SortStableFunc(plan.Problems, func(a, b Problem) int { return order[a.Folder] - order[b.Folder] })
	return failed
}

// planParallel keys each unit's target and scans its source folders on
// the workers; it returns the targets' keys as existing does.
func (r *run) planParallel(ctx context.Context, plan *Plan, units [][]*FolderPlan) (*sets, error) {
	ex := &sets{scope: r.opts.scope(), by: map[string]*dedupe.Index{}}
	if ex.scope == ScopeFolder {
		for _, u := range units { // the map is only read by the workers
			ex.by[u[0].Target] = dedupe.NewIndex()
		}
	}
	err := r.runUnits(ctx, plan, units, func(w *worker, u []*FolderPlan) error {
		have := ex.get(u[0].Target)
		var set *dedupe.Index
		var t exporters.Target
		if have != nil {
			var err error
			t, err = w.targetOf(ctx, u[0])
			if err != nil {
				return err
			}
			if t.Exists() {
				if err := w.inventory(ctx, t, have); err != nil {
					return err
				}
			}
			set = have.Clone()
		}
		for _, fp := range u {
			if err := w.scan(ctx, plan, fp, t, ex, set, have); err != nil {
				return err
			}
		}
		have.MergeMulti(set)
		return nil
	}, nil)
	if err != nil {
		return nil, err
	}
	return ex, nil
}

// copyParallel runs copyFolder for the units on the workers; each sweeps
// the targets it wrote at its end.
func (r *run) copyParallel(ctx context.Context, plan *Plan, work *sets, units [][]*FolderPlan) error {
	for _, u := range units { // the sets map is not written by the workers
		work.get(u[0].Target)
	}
	return r.runUnits(ctx, plan, units, func(w *worker, u []*FolderPlan) error {
		var shared exporters.Target // the unit's one target folder on w
		for _, fp := range u {
			t := shared
			if t == nil {
				var err error
				if t, err = w.targetOf(ctx, fp); err != nil {
					return err
				}
				shared = t
			}
			fp.target = t
			if err := w.copyFolder(ctx, plan, fp, work, work.get(fp.Target)); err != nil {
				return err
			}
		}
		// A unit holds every folder copied into its target.
		work.release(u[0].Target)
		return nil
	}, func(w *worker, done [][]*FolderPlan) {
		w.sweep(ctx, slices.Concat(done...))
	})
}
