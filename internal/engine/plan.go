package engine

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Step 1 of a copy, plan: list and map the source folders, key the target,
// walk the source headers and decide each message, check quota.

// sets holds the dedupe indexes by target name (or one global index).
type sets struct {
	scope  Scope
	global *dedupe.Index
	by     map[string]*dedupe.Index
	// targets are the global index's stores (dedupe store numbers).
	targets []exporters.Target
}

func (s *sets) get(target string) *dedupe.Index {
	switch s.scope {
	case ScopeGlobal:
		return s.global
	case ScopeOff:
		return nil
	}
	if s.by[target] == nil {
		s.by[target] = dedupe.NewIndex()
	}
	return s.by[target]
}

func (s *sets) clone() *sets {
	c := &sets{scope: s.scope, by: map[string]*dedupe.Index{}, targets: s.targets}
	if s.global != nil {
		c.global = s.global.Clone()
	}
	for k, v := range s.by {
		c.by[k] = v.Clone()
	}
	return c
}

// existing keys the target's current contents: nothing with dedupe
// off, every target folder into one index with global scope
// (existingGlobal), else each planned target folder into its own
// (existingPerTarget).
func (w *worker) existing(ctx context.Context, plan *Plan) (*sets, error) {
	s := &sets{scope: w.opts.scope(), by: map[string]*dedupe.Index{}}
	switch s.scope {
	case ScopeOff:
		return s, nil
	case ScopeGlobal:
		s.global = dedupe.NewIndex()
		if allUpToDate(plan) {
			return s, nil
		}
		if err := w.existingGlobal(ctx, s); err != nil {
			return nil, err
		}
		return s, nil
	}
	if err := w.existingPerTarget(ctx, plan, s); err != nil {
		return nil, err
	}
	return s, nil
}

// existingGlobal keys every selectable folder of the sink into s.global;
// s.targets gets the folders in the order of their store numbers.
func (w *worker) existingGlobal(ctx context.Context, s *sets) error {
	fis, err := w.sink.Folders(ctx)
	if err != nil {
		return err
	}
	for _, fi := range fis {
		if fi.NoSelect {
			continue
		}
		t, err := w.sink.Resolve(ctx, fi.Folder, "")
		if err != nil {
			return err
		}
		s.targets = append(s.targets, t)
		if err := w.inventoryInto(ctx, t, uint32(len(s.targets)-1), s.global); err != nil {
			return fmt.Errorf("reading target folder %s: %w", t.Name(), err)
		}
	}
	return nil
}

// existingPerTarget keys each target folder of the plan that exists once,
// into its own index, unless every source folder mapped to it is up to
// date (incremental state).
func (w *worker) existingPerTarget(ctx context.Context, plan *Plan, s *sets) error {
	done := map[string]bool{}
	needed := map[string]bool{}
	for _, fp := range plan.Folders {
		needed[fp.Target] = needed[fp.Target] || !fp.inc.upToDate
	}
	for _, fp := range plan.Folders {
		if done[fp.Target] || !fp.target.Exists() || !needed[fp.Target] {
			continue
		}
		done[fp.Target] = true
		if err := w.inventory(ctx, fp.target, s.get(fp.Target)); err != nil {
			return err
		}
	}
	return nil
}

// inventory adds what target t holds to set.
func (w *worker) inventory(ctx context.Context, t exporters.Target, set *dedupe.Index) error {
	w.r.obs.Event(Event{Type: "inventory", Folder: t.Name()})
	if err := w.inventoryInto(ctx, t, 0, set); err != nil {
		return fmt.Errorf("reading target folder %s: %w", t.Name(), err)
	}
	return nil
}

// plan is step 1 of a run: it lists and maps the source folders
// (planFolders), keys the target and walks the source headers, in
// parallel where the run has several connections (parallel.go), and
// checks the quota.
func (r *run) plan(ctx context.Context) (*Plan, *sets, error) {
	start := time.Now()
	plan := &Plan{DryRun: r.opts.DryRun}
	if n, ok := r.main().src.(importers.Noter); ok {
		plan.Notes = n.Notes()
	}
	r.inc = r.incremental()
	if err := r.planFolders(ctx, plan); err != nil {
		return nil, nil, err
	}
	var err error
	var ex *sets
	if units := r.planUnits(plan); r.parallel(len(units)) {
		ex, err = r.planParallel(ctx, plan, units) // parallel.go
	} else {
		ex, err = r.planSequential(ctx, plan)
	}
	if err != nil {
		return nil, nil, err
	}
	r.quota(ctx, plan)
	plan.Elapsed = time.Since(start)
	return plan, ex, nil
}

// planFolders lists the source folders and adds a FolderPlan to plan for
// each selectable folder the mapping selects: its target folder resolved
// through the mapping (mapping.go) and its incremental state prepared
// (state.go), over the caller's Src and Sink.
func (r *run) planFolders(ctx context.Context, plan *Plan) error {
	w := r.main()
	fis, err := w.src.Folders(ctx)
	if err != nil {
		return fmt.Errorf("listing source folders: %w", err)
	}
	mapped := r.opts.Mapper.MapAll(fis, w.sink) // distinct folders stay distinct (mapping.go)
	// Source folders mapped to one target folder share its Target: its
	// inventory (and what OpenStored finds by it) is the same object's.
	targets := map[string]exporters.Target{}
	for i, fi := range fis {
		if fi.NoSelect || !r.opts.Mapper.Selected(fi.Folder) {
			continue
		}
		mp := mapped[i]
		t, err := w.sink.Resolve(ctx, mp.Folder, mp.Use)
		if err != nil {
			return fmt.Errorf("mapping folder %s: %w", fi.Folder, err)
		}
		if prev, ok := targets[nameKey(w.sink, t.Name())]; ok {
			t = prev
		} else {
			targets[nameKey(w.sink, t.Name())] = t
		}
		fp := &FolderPlan{
			Source: fi.Folder, SourceP: fi.Folder.String(), Target: t.Name(), TargetP: mp.Folder.String(), Use: mp.Use,
			Exists: t.Exists(), target: t, mapped: mp, listed: fi.Messages, Found: -1,
		}
		plan.Folders = append(plan.Folders, fp)
		if err := r.inc.prepare(ctx, fp); err != nil {
			return err
		}
	}
	return nil
}

// planSequential keys the targets, then the source folders, over the
// caller's Src and Sink.
func (r *run) planSequential(ctx context.Context, plan *Plan) (*sets, error) {
	w := r.main()
	ex, err := w.existing(ctx, plan)
	if err != nil {
		return nil, err
	}
	work := ex.clone()
	for _, fp := range plan.Folders {
		if fp.inc.upToDate {
			continue
		}
		if err := w.scan(ctx, plan, fp, fp.target, ex, work.get(fp.Target), ex.get(fp.Target)); err != nil {
			return nil, err
		}
	}
	for _, fp := range plan.Folders {
		ex.get(fp.Target).MergeMulti(work.get(fp.Target)) // dedupe.go
	}
	return ex, nil
}

// scan walks fp's source folder reading headers and decides each message
// against set (the target's keys and what the plan took so far; have: the
// target's keys alone). An unreadable folder is a problem of the plan; the
// error returned stops the plan (cancelled, interrupted).
func (w *worker) scan(ctx context.Context, plan *Plan, fp *FolderPlan, t exporters.Target, ex *sets, set, have *dedupe.Index) error {
	hdrOnly := w.opts.Walk
	hdrOnly.HeadersOnly = true
	w.r.obs.Event(Event{Type: "scan", Folder: fp.SourceP})
	err := w.accountedWalk(ctx, plan, fp, fp.FromUID, &hdrOnly, false, func(m *importers.Message, rerr error) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		fp.Messages++
		d := w.decide(ctx, m, rerr, set, ex.opener(ctx, t), true)
		w.account(plan, fp, m, d, false)
		fp.inc.planned(m.UID, d.kind == "dup" && d.stored)
		return nil
	})
	if set != nil && set.Multi() > 0 {
		// Some key is ambiguous (dedupe.go): the plan's size matches in
		// this folder are estimates, the copy decides them again.
		fp.inc.pmark = watermark{uid: fp.FromUID, last: fp.FromUID}
		fp.inc.prefix = 0
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, ErrInterrupted) {
			return err
		}
		fp.Errors++
		w.r.problem(plan, Problem{Ref: fp.SourceP, Folder: fp.SourceP, Kind: "error", Reason: err.Error(), Code: CodeFolderError, Detail: err.Error()})
	}
	return nil
}

// quota fills plan.Quota from the sink: per quota root, what the plan's
// new messages need against what the root has left (quotaCheck).
func (r *run) quota(ctx context.Context, plan *Plan) {
	need, targets := planNeeds(plan)
	roots, err := r.main().sink.Quota(ctx, targets)
	if err != nil {
		plan.QuotaErr = err.Error()
		return
	}
	h := r.opts.headroom()
	for _, r := range roots {
		plan.Quota = append(plan.Quota, quotaCheck(r, need, h))
	}
}

// targetNeed is what the plan's new messages need in one target folder.
type targetNeed struct{ bytes, msgs int64 }

// planNeeds sums the new bytes and messages of the plan per target folder
// and lists the target folders, each once, in plan order.
func planNeeds(plan *Plan) (map[string]targetNeed, []exporters.Target) {
	var targets []exporters.Target
	need := map[string]targetNeed{}
	for _, fp := range plan.Folders {
		n, seen := need[fp.Target]
		if !seen {
			targets = append(targets, fp.target)
		}
		need[fp.Target] = targetNeed{n.bytes + fp.NewBytes, n.msgs + fp.New}
	}
	return need, targets
}

// quotaCheck compares quota root r with the needs of its target folders:
// Need and NeedMsgs are their sums, Largest names the five largest, and
// Fits is false when the bytes or the messages would exceed the limit
// times the headroom h.
func quotaCheck(r exporters.QuotaRoot, need map[string]targetNeed, h float64) QuotaCheck {
	c := QuotaCheck{Root: r.Name, Known: true, Used: r.Used, Limit: r.Limit, Headroom: h,
		UsedMsgs: r.UsedMessages, LimitMsgs: r.LimitMessages}
	type tn struct {
		name string
		n    int64
	}
	var largest []tn
	for _, t := range r.Targets {
		c.Need += need[t].bytes
		c.NeedMsgs += need[t].msgs
		if need[t].bytes > 0 {
			largest = append(largest, tn{t, need[t].bytes})
		}
	}
	sort.Slice(largest, func(i, j int) bool { return largest[i].n > largest[j].n })
	for i, l := range largest {
		if i == 5 {
			break
		}
		c.Largest = append(c.Largest, fmt.Sprintf("%s (%s)", l.name, HumanBytes(l.n)))
	}
	c.Fits = true
	if r.Limit >= 0 {
		c.Available = int64(float64(r.Limit)*h) - r.Used
		if c.Need > 0 && c.Need > c.Available {
			c.Fits = false
		}
	} else {
		c.Available = -1
	}
	if r.LimitMessages >= 0 && c.NeedMsgs > 0 && float64(r.UsedMessages+c.NeedMsgs) > float64(r.LimitMessages)*h {
		c.Fits = false
	}
	return c
}
