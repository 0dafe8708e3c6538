package imap

import (
	"testing"
	"time"
)

// The read-ahead starts small and doubles, up to the budget, only after
// FETCHes that filled it and waited on the round trip longer than their
// transfer took.
func TestReadAheadGrowsOnlyForSlowRoundTrips(t *testing.T) {
	s := &Source{batchBytes: 5 << 20, chunk: minChunkBytes}
	s.grow(time.Millisecond, 2*time.Millisecond, minChunkBytes) // a busy local server
	if s.chunk != minChunkBytes {
		t.Fatalf("grew to %d on a fast server", s.chunk)
	}
	s.grow(50*time.Millisecond, 20*time.Millisecond, minChunkBytes/4) // a partial chunk
	if s.chunk != minChunkBytes {
		t.Fatalf("grew to %d after a FETCH that did not fill it", s.chunk)
	}
	for range 10 {
		s.grow(50*time.Millisecond, 20*time.Millisecond, s.chunk) // far away
	}
	if s.chunk != s.batchBytes {
		t.Fatalf("read-ahead %d after slow round trips, want the budget %d", s.chunk, s.batchBytes)
	}
	s = &Source{batchBytes: 100 << 10, chunk: 100 << 10}
	s.grow(time.Second, time.Millisecond, 100<<10)
	if s.chunk != 100<<10 {
		t.Fatalf("read-ahead %d over the budget", s.chunk)
	}
}
