package exporters

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Parallel copies (Options.Connections > 1): the folders are shared out
// among workers, each with a source and a sink of its own (one more IMAP
// connection each, or one more handle on a local store), so that the
// server's work on one folder overlaps with the next folder's reading and
// writing. The unit of work is a target folder with every source folder
// mapped to it (kept in source order, one worker at a time), so a
// target's dedupe set and its writes stay in one goroutine. Global dedupe
// shares one set across all targets: it runs on one worker.
//
// Worker 0 is the engine itself (the plan's connections). The others are
// opened with Engine.Open when the copy starts; a connection the server
// refuses (a per-user connection limit) leaves fewer workers, with a
// warning, never fails the run.

// units groups the plan's folders that have something to do by target,
// the biggest first.
func (e *Engine) units(plan *Plan) [][]*FolderPlan {
	if e.Opts.scope() == ScopeGlobal {
		return [][]*FolderPlan{plan.Folders}
	}
	idx := map[string]int{}
	var units [][]*FolderPlan
	for _, fp := range plan.Folders {
		if fp.inc.upToDate || fp.settled {
			continue
		}
		i, ok := idx[fp.Target]
		if !ok {
			i = len(units)
			idx[fp.Target] = i
			units = append(units, nil)
		}
		units[i] = append(units[i], fp)
	}
	weight := func(u []*FolderPlan) (n int64) {
		for _, fp := range u {
			// Bytes to write, plus a per-message cost for the walk.
			n += fp.inc.planNew*4096 + fp.NewBytes + fp.Messages*256
		}
		return n
	}
	slices.SortStableFunc(units, func(a, b []*FolderPlan) int {
		wa, wb := weight(a), weight(b)
		switch {
		case wa > wb:
			return -1
		case wa < wb:
			return 1
		}
		return 0
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

// copyParallel runs copyFolder for the units on up to Options.Connections
// workers. After a fatal error (quota, a target that fails) no worker
// starts another unit; the first such error is returned.
func (e *Engine) copyParallel(ctx context.Context, plan *Plan, work *sets, units [][]*FolderPlan) error {
	e.mu = &sync.Mutex{}
	e.obs = &lockedObserver{o: e.obs}
	if e.inc != nil {
		e.inc.obs = e.obs
	}
	for _, u := range units { // the sets map is not written by the workers
		for _, fp := range u {
			work.get(fp.Target)
		}
	}
	n := min(e.Opts.Connections, len(units))
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
	worker := func(w *Engine) {
		var mine []*FolderPlan
		defer func() { w.sweep(ctx, mine) }()
		for u := range queue {
			for _, fp := range u {
				if stopped() {
					return
				}
				if w != e {
					// The plan's target belongs to the plan's connection.
					t, err := w.Sink.Resolve(ctx, fp.mapped.Folder, fp.mapped.Use)
					if err == nil && t.Name() != fp.Target {
						err = fmt.Errorf("resolves to %s on another connection", t.Name())
					}
					if err != nil {
						fail(&writeError{fmt.Errorf("mapping folder %s: %w", fp.SourceP, err)})
						return
					}
					fp.target = t
				}
				mine = append(mine, fp)
				if err := w.copyFolder(ctx, plan, fp, work.get(fp.Target)); err != nil {
					fail(err)
					return
				}
			}
		}
	}
	var wg sync.WaitGroup
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			src, sink, err := e.Open(ctx)
			if err != nil {
				if ctx.Err() == nil {
					e.obs.Event(Event{Type: "warning", Reason: fmt.Sprintf("connection %d of %d not opened, going on with fewer: %v", i+1, n, err)})
				}
				return
			}
			defer src.Close()
			defer sink.Close()
			w := *e
			w.Src, w.Sink = src, sink
			worker(&w)
		}()
	}
	worker(e)
	wg.Wait()
	return failed
}
