package imap

import (
	"context"
	"time"

	"github.com/mailferry/mailferry/internal/failure"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

// retry runs op, and again on a new connection after a connection
// failure (a transient error, internal/failure), waiting failure.Backoff
// in between, for at most the retry budget (importers.Options.RetryBudget)
// from the first attempt. Reads are idempotent (EXAMINE, UID SEARCH,
// UID FETCH BODY.PEEK), so a retry on a new connection is safe.
func (s *Source) retry(ctx context.Context, op func() error) error {
	return failure.Do(ctx, failure.Policy{
		Budget:    s.opts.NetRetryBudget(),
		Retryable: retryable,
		Before: func(err error, attempt int, wait time.Duration) error {
			s.sess.Drop()
			s.opts.Log().Warn("imap: read failed, retrying on a new connection", "error", err, "attempt", attempt, "wait", wait)
			return nil
		},
	}, func(int) error { return op() })
}

// retryable is failure.Retryable, and a throttling server's NO (Microsoft
// 365) after the wait it suggests.
func retryable(ctx context.Context, err error) bool {
	if ok, wait := ic.Throttled(err); ok && ctx.Err() == nil {
		ic.ThrottleWait(ctx, wait)
		return ctx.Err() == nil
	}
	return failure.Retryable(ctx, err)
}
