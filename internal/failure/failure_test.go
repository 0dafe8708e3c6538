package failure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"
	"time"
)

type refused struct{}

func (refused) Error() string       { return "refused" }
func (refused) FailureClass() Class { return Class{Kind: Message} }

func TestClassify(t *testing.T) {
	for _, c := range []struct {
		err  error
		want Class
	}{
		{nil, Class{}},
		{errors.New("x"), Class{Kind: Unknown}},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), Class{Kind: Store, Retryable: true}},
		{fmt.Errorf("write: %w", syscall.EPIPE), Class{Kind: Store, Retryable: true}},
		{fmt.Errorf("x: %w", context.Canceled), Class{Kind: Cancelled}},
		{fmt.Errorf("m: %w", refused{}), Class{Kind: Message}},
		{Permanent(Folder, fmt.Errorf("x: %w", io.EOF)), Class{Kind: Folder}},
		{fmt.Errorf("outer: %w", Transient(refused{})), Class{Kind: Store, Retryable: true}},
		{errors.Join(errors.New("a"), Permanent(Quota, errors.New("full"))), Class{Kind: Quota}},
		{&BudgetError{Err: Transient(errors.New("cut"))}, Class{Kind: Store}},
	} {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %+v, want %+v", c.err, got, c.want)
		}
	}
}

func TestDo(t *testing.T) {
	ctx := context.Background()
	n := 0
	err := Do(ctx, Policy{Delays: []time.Duration{0, 0, 0}}, func(int) error {
		n++
		if n < 3 {
			return Transient(errors.New("cut"))
		}
		return nil
	})
	if err != nil || n != 3 {
		t.Fatalf("err %v after %d attempts", err, n)
	}
	n = 0
	err = Do(ctx, Policy{Delays: []time.Duration{0, 0}}, func(int) error { n++; return Transient(errors.New("cut")) })
	var be *BudgetError
	if !errors.As(err, &be) || n != 3 || be.Attempts != 3 || Classify(err).Retryable {
		t.Fatalf("err %v after %d attempts", err, n)
	}
	n = 0
	err = Do(ctx, Policy{}, func(int) error { n++; return Permanent(Store, errors.New("login refused")) })
	if err == nil || n != 1 || errors.As(err, &be) {
		t.Fatalf("permanent: err %v after %d attempts", err, n)
	}
	// The budget stops retries whose wait would end after it.
	clock := time.Unix(0, 0)
	n = 0
	err = Do(ctx, Policy{Delays: []time.Duration{time.Second, time.Minute}, Budget: 30 * time.Second,
		now:    func() time.Time { return clock },
		Before: func(error, int, time.Duration) error { clock = clock.Add(time.Second); return nil }},
		func(int) error { n++; return Transient(errors.New("cut")) })
	if !errors.As(err, &be) || n != 2 {
		t.Fatalf("budget: err %v after %d attempts", err, n)
	}
}
