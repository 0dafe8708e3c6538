package batch

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Options of a batch run.
type Options struct {
	Parallel   int // jobs at once (default 2)
	MaxPerHost int // connections per host at once (default 8)
	Delta      bool
	Shard      int // this process runs the jobs of shard Shard of Shards
	Shards     int
	// Run runs one job (Runner.Run; tests fake it).
	Run   func(ctx context.Context, j *Job) Result
	State *State
	// Event, when set, gets the batch's own events (job-skip, job-start,
	// job-end) as they happen.
	Event func(ev map[string]any)
}

// JobRun is what became of one job of the batch in this run.
type JobRun struct {
	Job    *Job
	Ran    bool
	Why    string // new, delta, changed, interrupted, failed, ... or done (skipped)
	Result Result
}

// ForShard returns the jobs of shard i of n.
func ForShard(jobs []*Job, i, n int) []*Job {
	if n <= 1 {
		return jobs
	}
	var out []*Job
	for _, j := range jobs {
		if Shard(j.Key(), n) == i {
			out = append(out, j)
		}
	}
	return out
}

// CheckBudget reports the jobs that need more connections to one host
// than the whole budget allows.
func CheckBudget(jobs []*Job, maxPerHost int) []*LineError {
	var errs []*LineError
	for _, j := range jobs {
		hosts := j.Hosts()
		names := make([]string, 0, len(hosts))
		for h := range hosts {
			names = append(names, h)
		}
		sort.Strings(names)
		for _, h := range names {
			if hosts[h] > maxPerHost {
				errs = append(errs, &LineError{Line: j.Line, Msg: fmt.Sprintf("needs %d connections to %s (j %d plus the listing connection, per store on that host), over --max-connections-per-host %d: lower j",
					hosts[h], h, j.Connections()-1, maxPerHost)})
			}
		}
	}
	return errs
}

// Run runs the jobs of opts' shard that need to run, Parallel at once
// within the per-host budget, in file order as far as the budget allows,
// recording each in the state. It returns every job of the shard (the
// skipped ones too) and the batch's exit code: the worst of the jobs'
// (a skipped done job counts as 0).
func Run(ctx context.Context, jobs []*Job, opts Options) ([]*JobRun, int) {
	if opts.Parallel < 1 {
		opts.Parallel = 2
	}
	if opts.MaxPerHost < 1 {
		opts.MaxPerHost = 8
	}
	event := opts.Event
	if event == nil {
		event = func(map[string]any) {}
	}
	var runs []*JobRun
	var todo []*JobRun
	for _, j := range ForShard(jobs, opts.Shard, opts.Shards) {
		run, why := opts.State.Decide(j, opts.Delta)
		jr := &JobRun{Job: j, Why: why}
		runs = append(runs, jr)
		if run {
			todo = append(todo, jr)
		} else {
			event(map[string]any{"type": "job-skip", "job": j.Label(), "line": j.Line, "reason": why})
		}
	}
	var mu sync.Mutex
	cond := sync.NewCond(&mu)
	used := map[string]int{}
	writing := map[string]bool{} // targets of running jobs
	active := 0
	fits := func(j *Job) bool {
		if writing[j.targetKey()] {
			return false
		}
		for h, n := range j.Hosts() {
			if used[h]+n > opts.MaxPerHost {
				return false
			}
		}
		return true
	}
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() {
		mu.Lock()
		cond.Broadcast()
		mu.Unlock()
	})
	defer stop()
	mu.Lock()
	for len(todo) > 0 && ctx.Err() == nil {
		next := -1
		if active < opts.Parallel {
			for i, jr := range todo {
				// A job over the whole budget (CheckBudget) runs alone.
				if fits(jr.Job) || active == 0 && !writing[jr.Job.targetKey()] {
					next = i
					break
				}
			}
		}
		if next < 0 {
			cond.Wait()
			continue
		}
		jr := todo[next]
		todo = append(todo[:next], todo[next+1:]...)
		hosts := jr.Job.Hosts()
		for h, n := range hosts {
			used[h] += n
		}
		writing[jr.Job.targetKey()] = true
		active++
		wg.Add(1)
		go func() {
			defer wg.Done()
			runOne(ctx, jr, opts, event)
			mu.Lock()
			for h, n := range hosts {
				used[h] -= n
			}
			delete(writing, jr.Job.targetKey())
			active--
			cond.Broadcast()
			mu.Unlock()
		}()
	}
	mu.Unlock()
	wg.Wait()
	code := ExitOK
	for _, jr := range runs {
		switch {
		case jr.Ran:
			code = Worst(code, jr.Result.Code)
		case jr.Why != "done":
			// Not started: the batch was interrupted first.
			code = Worst(code, ExitCancelled)
		}
	}
	return runs, code
}

// targetKey names the account or directory a job writes: two jobs into
// one target (two old mailboxes merged into one) never run at once; the
// second would wait for the target's lock holding its connections.
func (j *Job) targetKey() string {
	if u, h, ok := netEndpoint(j.Target); ok {
		return strings.ToLower(u) + "@" + h
	}
	return j.Target
}

func runOne(ctx context.Context, jr *JobRun, opts Options, event func(map[string]any)) {
	j := jr.Job
	started := time.Now().UTC()
	opts.State.Update(j, func(e *Entry) {
		e.Status, e.Started, e.Finished, e.Error = StatusInProgress, started, time.Time{}, ""
		e.Runs++
	})
	event(map[string]any{"type": "job-start", "job": j.Label(), "line": j.Line, "source": j.Source, "target": j.Target, "reason": jr.Why})
	res := opts.Run(ctx, j)
	jr.Ran, jr.Result = true, res
	opts.State.Update(j, func(e *Entry) {
		e.Fingerprint = j.Fingerprint()
		e.ExitCode, e.Error = res.Code, res.Error
		e.Finished = res.Finished
		if e.Finished.IsZero() {
			e.Finished = time.Now().UTC()
		}
		e.Seconds = e.Finished.Sub(started).Seconds()
		e.LogFile = res.LogFile
		switch res.Code {
		case ExitOK:
			e.Status = StatusDone
		case ExitCancelled:
			// Interrupted: runs again next time, like a killed batch's.
			e.Status = StatusInProgress
		default:
			e.Status = StatusFailed
		}
		if res.Outcome != nil {
			e.Outcome = res.Outcome
			e.CopiedTotal += res.Outcome.Copied
			e.BytesTotal += res.Outcome.Bytes
		}
	})
	ev := map[string]any{"type": "job-end", "job": j.Label(), "line": j.Line, "code": res.Code, "seconds": res.Finished.Sub(started).Seconds()}
	if res.Error != "" {
		ev["error"] = res.Error
	}
	if o := res.Outcome; o != nil {
		ev["copied"], ev["duplicates"], ev["skipped"], ev["failed"] = o.Copied, o.Duplicates, o.Skipped, o.Failed
	}
	event(ev)
}

// StatusOf names a job run's result for the final table.
func StatusOf(jr *JobRun) string {
	if !jr.Ran {
		if jr.Why == "done" {
			return "skipped (done)"
		}
		return "not started"
	}
	switch jr.Result.Code {
	case ExitOK:
		return "done"
	case ExitIncomplete:
		return "incomplete"
	case ExitQuota:
		return "quota"
	case ExitCancelled:
		return "interrupted"
	}
	return "failed"
}
