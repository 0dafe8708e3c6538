package imap

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

func TestThrottled(t *testing.T) {
	m365 := &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Request is throttled. Suggested Backoff Time: 120 milliseconds"}
	if ok, wait := ic.Throttled(fmt.Errorf("imap: FETCH: %w", m365)); !ok || wait != 120*time.Millisecond {
		t.Errorf("Microsoft 365 throttling: %v %v", ok, wait)
	}
	if ok, _ := ic.Throttled(&imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "try later"}); !ok {
		t.Error("[UNAVAILABLE] is not throttling")
	}
	for _, e := range []*imap.Error{
		{Type: imap.StatusResponseTypeNo, Text: "Mailbox does not exist"},
		{Type: imap.StatusResponseTypeBad, Text: "throttled"},
	} {
		if ok, _ := ic.Throttled(e); ok {
			t.Errorf("%v taken for throttling", e)
		}
	}
	// The read retry backs off (the suggested wait) and tries again.
	start := time.Now()
	if !retryable(context.Background(), m365) || time.Since(start) < 100*time.Millisecond {
		t.Errorf("a throttled read is not retried after the suggested wait (%s)", time.Since(start))
	}
}
