package failure

import (
	"context"
	"fmt"
	"time"
)

// Backoff is the one backoff of mailferry: the waits before each new
// attempt; their number is the number of retries.
var Backoff = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// DefaultBudget bounds the time spent retrying one operation, from its
// first attempt.
const DefaultBudget = 5 * time.Minute

// Policy says how an operation is retried. The zero Policy uses Backoff,
// DefaultBudget and Retryable.
type Policy struct {
	// Delays are the waits before each retry; nil: Backoff.
	Delays []time.Duration
	// Budget bounds the total time from the first attempt: a retry whose
	// wait would end after it is not made. 0: DefaultBudget.
	Budget time.Duration
	// Retryable decides whether an error is worth another attempt; nil:
	// the package's Retryable (Classify).
	Retryable func(ctx context.Context, err error) bool
	// Before, when set, runs before each retry's wait (drop the broken
	// connection, log, report progress). attempt counts from 1. An error
	// it returns ends the retries and is returned.
	Before func(err error, attempt int, wait time.Duration) error
	// now is the clock (tests).
	now func() time.Time
}

// BudgetError is returned when a retryable failure outlived the budget or
// the attempts.
type BudgetError struct {
	Err      error
	Attempts int
	Spent    time.Duration
	Budget   time.Duration
}

func (e *BudgetError) Error() string {
	return fmt.Sprintf("%v (gave up after %d attempts in %s; the retry budget is %s)", e.Err, e.Attempts, e.Spent.Round(time.Second), e.Budget)
}

func (e *BudgetError) Unwrap() error { return e.Err }

// Do runs op, and again while its error is retryable, waiting the policy's
// delays in between, within its budget. It returns op's last error (a
// *BudgetError around it when retries were cut short by the budget or ran
// out), ctx's error when ctx ended during a wait, or nil.
func Do(ctx context.Context, p Policy, op func(attempt int) error) error {
	delays := p.Delays
	if delays == nil {
		delays = Backoff
	}
	budget := p.Budget
	if budget <= 0 {
		budget = DefaultBudget
	}
	retryable := p.Retryable
	if retryable == nil {
		retryable = Retryable
	}
	now := p.now
	if now == nil {
		now = time.Now
	}
	start := now()
	err := op(0)
	for i := 0; err != nil && retryable(ctx, err); i++ {
		spent := now().Sub(start)
		if i >= len(delays) || spent+delays[i] > budget {
			return &BudgetError{Err: err, Attempts: i + 1, Spent: spent, Budget: budget}
		}
		if p.Before != nil {
			if berr := p.Before(err, i+1, delays[i]); berr != nil {
				return berr
			}
		}
		t := time.NewTimer(delays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		err = op(i + 1)
	}
	return err
}

// FailureClass is the class of the error given up on, no longer retryable.
func (e *BudgetError) FailureClass() Class { return Class{Kind: Classify(e.Err).Kind} }
