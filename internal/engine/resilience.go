package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"time"

	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Resilience of the copy pass: a store that fails because the connection
// broke (any error of Append that is not ErrOverQuota, a *RejectedError or
// a *importers.MessageError) is retried with exponential backoff, and
// before each retry the target is asked whether the message arrived after
// all (an APPEND whose OK was lost with the connection), so a retry never
// stores a message twice. A panic in one message's reading or parsing
// becomes that message's error.

// RetryDelays are the waits before each retry of a message whose store
// failed on the connection; their number is the number of retries.
var RetryDelays = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// ErrInterrupted is returned by Copy when Options.Stop was closed. It
// wraps context.Canceled.
var ErrInterrupted = fmt.Errorf("interrupted: %w", context.Canceled)

// PanicError is a panic recovered while handling one message (or walking
// one folder); Stack is where it happened.
type PanicError struct {
	Value any
	Stack []byte
}

func (p *PanicError) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

func recovered(v any) error { return &PanicError{Value: v, Stack: debug.Stack()} }

// safeWalk is e.walk with panics of the source (or of fn) turned into the
// folder's error, and with each message's Body guarded so that a panic in
// Open or Read is an error of that message.
func (e *Engine) safeWalk(ctx context.Context, fp *FolderPlan, from uint32, opts *importers.WalkOptions, fn importers.WalkFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("reading folder %s: %w", fp.SourceP, recovered(v))
		}
	}()
	return e.walk(ctx, fp, from, opts, func(m *importers.Message, rerr error) error {
		select {
		case <-e.Opts.Stop:
			return ErrInterrupted
		default:
		}
		if m != nil && m.Body != nil {
			mc := *m
			mc.Body = safeBody{m.Body}
			m = &mc
		}
		return fn(m, rerr)
	})
}

// safeBody turns panics of a Body and its readers into errors.
type safeBody struct{ b importers.Body }

func (s safeBody) Len() int64 { return s.b.Len() }

func (s safeBody) Release() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = recovered(v)
		}
	}()
	return s.b.Release()
}

func (s safeBody) Open() (rc io.ReadCloser, err error) {
	defer func() {
		if v := recover(); v != nil {
			rc, err = nil, recovered(v)
		}
	}()
	rc, err = s.b.Open()
	if err != nil {
		return nil, err
	}
	return &safeReader{rc}, nil
}

type safeReader struct{ rc io.ReadCloser }

func (s *safeReader) Read(p []byte) (n int, err error) {
	defer func() {
		if v := recover(); v != nil {
			n, err = 0, recovered(v)
		}
	}()
	return s.rc.Read(p)
}

func (s *safeReader) Close() (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = recovered(v)
		}
	}()
	return s.rc.Close()
}

// retryable reports whether a store failed on the connection or store as a
// whole (not on this message, not over quota).
func retryable(ctx context.Context, err error) bool {
	var we *writeError
	return err != nil && ctx.Err() == nil && errors.As(err, &we)
}

// appendRetry stores one message with appendOne, retrying connection
// failures.
func (e *Engine) appendRetry(ctx context.Context, fp *FolderPlan, m *importers.Message, in inspected) error {
	err := e.appendOne(ctx, fp, m, in.wire)
	return e.retry(ctx, fp, m, in.key, err, func() error { return e.appendOne(ctx, fp, m, in.wire) })
}

// retry retries again after err while err is retryable, waiting
// RetryDelays in between, and stops early when the target turns out to
// hold the message already.
func (e *Engine) retry(ctx context.Context, fp *FolderPlan, m *importers.Message, k dedupe.Key, err error, again func() error) error {
	for i := 0; i < len(RetryDelays) && retryable(ctx, err); i++ {
		e.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Ref: m.Ref,
			Reason: fmt.Sprintf("retry %d/%d in %s after: %v", i+1, len(RetryDelays), RetryDelays[i], err)})
		t := time.NewTimer(RetryDelays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		if e.Opts.scope() != ScopeOff {
			found, herr := e.has(ctx, fp, m, k)
			if herr != nil {
				err = &writeError{fmt.Errorf("checking %s for %s before a retry: %w", fp.Target, m.Ref, herr)}
				continue
			}
			if found {
				return nil // the failed store had arrived
			}
		}
		err = again()
	}
	return err
}

// has reports whether fp's target holds a message with key k.
func (e *Engine) has(ctx context.Context, fp *FolderPlan, m *importers.Message, k dedupe.Key) (bool, error) {
	if h, ok := fp.target.(exporters.Haser); ok {
		found, known, err := h.Has(ctx, m, k)
		if err != nil || known {
			return found, err
		}
	}
	set, err := e.targetKeys(ctx, fp)
	if err != nil {
		return false, err
	}
	return set.Has(k), nil
}

func (e *Engine) targetKeys(ctx context.Context, fp *FolderPlan) (*dedupe.Set, error) {
	set := dedupe.NewSet()
	err := fp.target.Keys(ctx, func(k dedupe.Key) error { set.Add(k); return nil })
	return set, err
}

// batchFallback stores the items of a batch whose AppendBatch failed with
// err, one by one: after a connection failure (the batch may or may not
// have been committed) the target's keys are read first and what is there
// is not stored again; each Append is retried like appendRetry. It
// returns one error per item.
func (e *Engine) batchFallback(ctx context.Context, fp *FolderPlan, bt exporters.BatchTarget, items []exporters.BatchItem, err error) []error {
	out := make([]error, len(items))
	lost := retryable(ctx, &writeError{err}) && !errors.Is(err, exporters.ErrOverQuota)
	var rej *exporters.RejectedError
	var me *importers.MessageError
	lost = lost && !errors.As(err, &rej) && !errors.As(err, &me)
	var present *dedupe.Set
	for i, it := range items {
		store := func() error {
			aerr := bt.Append(ctx, it.M, int64(len(it.Data)), bytes.NewReader(it.Data))
			if aerr != nil && !errors.Is(aerr, exporters.ErrOverQuota) && !errors.As(aerr, &rej) && !errors.As(aerr, &me) {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				aerr = &writeError{aerr}
			}
			return aerr
		}
		var k dedupe.Key
		if lost || len(RetryDelays) > 0 {
			k, _, _ = dedupe.Of(bytes.NewReader(it.Data))
		}
		if lost && e.Opts.scope() != ScopeOff {
			if present == nil {
				var serr error
				present, serr = e.retryKeys(ctx, fp, it.M, err)
				if serr != nil {
					for j := i; j < len(items); j++ {
						out[j] = serr
					}
					return out
				}
			}
			if present.Has(k) {
				continue
			}
		}
		aerr := store()
		out[i] = e.retry(ctx, fp, it.M, k, aerr, store)
		if errors.Is(out[i], exporters.ErrOverQuota) || retryable(ctx, out[i]) {
			// The run stops at this item: over quota, or the target
			// still failing after every retry.
			for j := i + 1; j < len(items); j++ {
				out[j] = out[i]
			}
			return out
		}
	}
	return out
}

// retryKeys reads fp's target keys after a connection failure, retrying
// with RetryDelays.
func (e *Engine) retryKeys(ctx context.Context, fp *FolderPlan, m *importers.Message, cause error) (*dedupe.Set, error) {
	err := cause
	for i := 0; i < len(RetryDelays); i++ {
		e.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Ref: m.Ref,
			Reason: fmt.Sprintf("batch failed (%v); reading %s again (%d/%d)", err, fp.Target, i+1, len(RetryDelays))})
		t := time.NewTimer(RetryDelays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		set, kerr := e.targetKeys(ctx, fp)
		if kerr == nil {
			return set, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = kerr
	}
	return nil, &writeError{fmt.Errorf("writing to %s: %w", fp.Target, err)}
}

// keysRetry is t.Keys, read again after a connection failure (RetryDelays).
// fn must be idempotent (adding to a set): a retry calls it again for the
// keys already seen.
func (e *Engine) keysRetry(ctx context.Context, t exporters.Target, fn func(k dedupe.Key) error) error {
	err := t.Keys(ctx, fn)
	for i := 0; i < len(RetryDelays) && err != nil && ctx.Err() == nil; i++ {
		var rej *exporters.RejectedError
		if errors.As(err, &rej) {
			return err
		}
		e.obs.Event(Event{Type: "warning", Target: t.Name(),
			Reason: fmt.Sprintf("reading %s failed (%v); retry %d/%d in %s", t.Name(), err, i+1, len(RetryDelays), RetryDelays[i])})
		tm := time.NewTimer(RetryDelays[i])
		select {
		case <-ctx.Done():
			tm.Stop()
			return err
		case <-tm.C:
		}
		err = t.Keys(ctx, fn)
	}
	return err
}

// sweep runs each written target's SweepDuplicates after the copy pass
// (not with ScopeOff: duplicates were asked for).
func (e *Engine) sweep(ctx context.Context, fps []*FolderPlan) {
	if e.Opts.scope() == ScopeOff {
		return
	}
	done := map[string]bool{}
	for _, fp := range fps {
		if fp.Copied == 0 || done[fp.Target] {
			continue
		}
		done[fp.Target] = true
		sw, ok := fp.target.(exporters.Sweeper)
		if !ok {
			continue
		}
		n, err := sw.SweepDuplicates(ctx)
		switch {
		case err != nil:
			e.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Target: fp.Target,
				Reason: fmt.Sprintf("checking %s for duplicates left by an interrupted earlier run: %v", fp.Target, err)})
		case n > 0:
			e.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Target: fp.Target,
				Reason: fmt.Sprintf("removed %d duplicate(s) from %s: an interrupted earlier run's last write was stored by the server after this run had read the folder", n, fp.Target)})
		}
	}
}
