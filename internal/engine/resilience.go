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
	"github.com/mailferry/mailferry/internal/failure"
)

// Resilience of the copy pass: a store that fails because the connection
// broke (a *targetError) is retried through failure.Do with the
// engine's policy (Options.RetryDelays, Options.RetryBudget), and
// before each retry the target is asked whether the message arrived after
// all (an APPEND whose OK was lost with the connection), so a retry never
// stores a message twice. A panic in one message's reading or parsing
// becomes that message's error.

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

// safeWalk is w.walk with panics of the source (or of fn) turned into the
// folder's error, and with each message's Body guarded so that a panic in
// Open or Read is an error of that message.
func (w *worker) safeWalk(ctx context.Context, fp *FolderPlan, from uint32, opts *importers.WalkOptions, fn importers.WalkFunc) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("reading folder %s: %w", fp.SourceP, recovered(v))
		}
	}()
	return w.walk(ctx, fp, from, opts, func(m *importers.Message, rerr error) error {
		select {
		case <-w.opts.Stop:
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

// targetError is a failure of the target store or its connection (any
// error of Append that is not ErrOverQuota, a *RejectedError or a
// *importers.MessageError): the store is retried, and when the retries
// give up it stops the run (isWalkFatal).
type targetError struct{ err error }

func (w *targetError) Error() string { return w.err.Error() }
func (w *targetError) Unwrap() error { return w.err }

// FailureClass: a failure of the store as a whole, worth a retry.
func (w *targetError) FailureClass() failure.Class {
	return failure.Class{Kind: failure.Store, Retryable: true}
}

// retryable reports whether a store failed on the connection or store as a
// whole (not on this message, not over quota): a *targetError. Errors of
// the source are never retried here, whatever failure.Classify says of
// them.
func retryable(ctx context.Context, err error) bool {
	var te *targetError
	return err != nil && ctx.Err() == nil && errors.As(err, &te)
}

// policy is the engine's retry policy (Options.RetryDelays and
// RetryBudget) with before announcing each retry.
func (w *worker) policy(retry func(ctx context.Context, err error) bool, before func(err error, attempt int, wait time.Duration)) failure.Policy {
	return failure.Policy{Delays: w.opts.RetryDelays, Budget: w.opts.RetryBudget, Retryable: retry,
		Before: func(err error, attempt int, wait time.Duration) error { before(err, attempt, wait); return nil }}
}

// retries is the number of retries the policy allows, for messages.
func (w *worker) retries() int {
	if w.opts.RetryDelays != nil {
		return len(w.opts.RetryDelays)
	}
	return len(failure.Backoff)
}

// appendRetry stores one message with appendOne, retrying connection
// failures.
func (w *worker) appendRetry(ctx context.Context, fp *FolderPlan, m *importers.Message, in inspected) error {
	return w.retry(ctx, fp, m, in.key, func() error { return w.appendOne(ctx, fp, m, in.wire) })
}

// retry calls store and, while it fails with a retryable error, again
// (failure.Do), stopping early when the target turns out to hold the
// message already (a store whose OK was lost with the connection).
func (w *worker) retry(ctx context.Context, fp *FolderPlan, m *importers.Message, k dedupe.Key, store func() error) error {
	warn := func(err error, attempt int, wait time.Duration) {
		args := []any{attempt, w.retries(), wait}
		w.r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Ref: m.Ref,
			Reason: fmt.Sprintf("retry %d/%d in %s after: %v", attempt, w.retries(), wait, err), Code: CodeRetry, Args: args, Detail: err.Error()})
	}
	return failure.Do(ctx, w.policy(retryable, warn), func(attempt int) error {
		if attempt == 0 || w.opts.scope() == ScopeOff {
			return store()
		}
		found, herr := w.has(ctx, fp, m, k)
		if herr != nil {
			return &targetError{fmt.Errorf("checking %s for %s before a retry: %w", fp.Target, m.Ref, herr)}
		}
		if found {
			return nil // the failed store had arrived
		}
		return store()
	})
}

// has reports whether fp's target holds a message with key k.
func (w *worker) has(ctx context.Context, fp *FolderPlan, m *importers.Message, k dedupe.Key) (bool, error) {
	if h, ok := fp.target.(exporters.Haser); ok {
		found, known, err := h.Has(ctx, m, k)
		if err != nil || known {
			return found, err
		}
	}
	set, err := w.targetKeys(ctx, fp)
	if err != nil {
		return false, err
	}
	return set.Has(k), nil
}

func (w *worker) targetKeys(ctx context.Context, fp *FolderPlan) (*dedupe.Set, error) {
	set := dedupe.NewSet()
	err := fp.target.Keys(ctx, func(k dedupe.Key) error { set.Add(k); return nil })
	return set, err
}

// ofTarget marks err as the target's failure unless it is one of the
// answers Append may give about this message (over quota, rejected, a
// message of the source that cannot be read).
func ofTarget(ctx context.Context, err error) error {
	var rej *exporters.RejectedError
	var me *importers.MessageError
	if err == nil || errors.Is(err, exporters.ErrOverQuota) || errors.As(err, &rej) || errors.As(err, &me) {
		return err
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &targetError{err}
}

// batchFallback stores the items of a batch whose AppendBatch failed with
// err, one by one: after a connection failure (the batch may or may not
// have been committed) the target's keys are read first and what is there
// is not stored again; each Append is retried like appendRetry. It
// returns one error per item.
func (w *worker) batchFallback(ctx context.Context, fp *FolderPlan, bt exporters.BatchTarget, items []exporters.BatchItem, err error) []error {
	out := make([]error, len(items))
	lost := ctx.Err() == nil && ofTarget(context.Background(), err) != err
	var present *dedupe.Set
	for i, it := range items {
		k, _, _ := dedupe.Of(bytes.NewReader(it.Data))
		if lost && w.opts.scope() != ScopeOff {
			if present == nil {
				var serr error
				present, serr = w.retryKeys(ctx, fp, it.M, err)
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
		out[i] = w.retry(ctx, fp, it.M, k, func() error {
			return ofTarget(ctx, bt.Append(ctx, it.M, int64(len(it.Data)), bytes.NewReader(it.Data)))
		})
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

// retryKeys reads fp's target keys after a connection failure (cause),
// first after the policy's first wait, then again on failure.
func (w *worker) retryKeys(ctx context.Context, fp *FolderPlan, m *importers.Message, cause error) (*dedupe.Set, error) {
	warn := func(err error, attempt int, _ time.Duration) {
		w.r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Ref: m.Ref,
			Reason: fmt.Sprintf("batch failed (%v); reading %s again (%d/%d)", err, fp.Target, attempt, w.retries()),
			Code:   CodeBatchReread, Args: []any{fp.Target, attempt, w.retries()}, Detail: err.Error()})
	}
	var set *dedupe.Set
	err := failure.Do(ctx, w.policy(anyFailure, warn), func(attempt int) error {
		if attempt == 0 {
			return cause // the batch's failure: wait before reading
		}
		var kerr error
		set, kerr = w.targetKeys(ctx, fp)
		return kerr
	})
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, &targetError{fmt.Errorf("writing to %s: %w", fp.Target, err)}
	}
	return set, nil
}

// anyFailure retries every error while ctx lives: reading a target's
// keys changes nothing.
func anyFailure(ctx context.Context, err error) bool { return err != nil && ctx.Err() == nil }

// keysRetry runs read (a reading of t's keys or inventory), again after a
// failure (failure.Do with the engine's policy); a *RejectedError is not
// retried. read must be idempotent: a retry starts it over.
func (w *worker) keysRetry(ctx context.Context, t exporters.Target, read func() error) error {
	warn := func(err error, attempt int, wait time.Duration) {
		w.r.obs.Event(Event{Type: "warning", Target: t.Name(),
			Reason: fmt.Sprintf("reading %s failed (%v); retry %d/%d in %s", t.Name(), err, attempt, w.retries(), wait),
			Code:   CodeKeysRetry, Args: []any{t.Name(), attempt, w.retries(), wait}, Detail: err.Error()})
	}
	notRejected := func(ctx context.Context, err error) bool {
		var rej *exporters.RejectedError
		return anyFailure(ctx, err) && !errors.As(err, &rej)
	}
	return failure.Do(ctx, w.policy(notRejected, warn), func(int) error { return read() })
}

// sweep runs each written target's SweepDuplicates after the copy pass
// (not with ScopeOff: duplicates were asked for).
func (w *worker) sweep(ctx context.Context, fps []*FolderPlan) {
	if w.opts.scope() == ScopeOff {
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
			w.r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Target: fp.Target,
				Reason: sentence(CodeSweepFailed, fp.Target) + ": " + err.Error(), Code: CodeSweepFailed, Args: []any{fp.Target}, Detail: err.Error()})
		case n > 0:
			args := []any{n, fp.Target}
			w.r.obs.Event(Event{Type: "warning", Folder: fp.SourceP, Target: fp.Target,
				Reason: sentence(CodeSweepRemoved, args...), Code: CodeSweepRemoved, Args: args})
		}
	}
}
