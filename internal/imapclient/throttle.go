package imapclient

import (
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Throttled reports whether err is a server's NO that asks the client to
// slow down rather than refusing the command: the UNAVAILABLE response
// code (RFC 5530) or Microsoft 365's throttling answer. It returns the
// wait the server suggests (0 when it names none).
//
// QUIRK: Microsoft 365 (Exchange Online) says "NO Request is throttled.
// Suggested Backoff Time: 12345 milliseconds" without a response code;
// the text is all there is.
func Throttled(err error) (bool, time.Duration) {
	var ie *imap.Error
	if !errors.As(err, &ie) || ie.Type != imap.StatusResponseTypeNo {
		return false, 0
	}
	text := strings.ToLower(ie.Text)
	if ie.Code != imap.ResponseCodeUnavailable && ie.Code != "THROTTLED" && !strings.Contains(text, "throttl") {
		return false, 0
	}
	var wait time.Duration
	if m := backoffText.FindStringSubmatch(text); m != nil {
		if n, err := strconv.ParseInt(m[1], 10, 64); err == nil {
			wait = time.Duration(n) * time.Millisecond
		}
	}
	return true, wait
}

var backoffText = regexp.MustCompile(`suggested backoff time: *([0-9]{1,9}) *milliseconds`)

// MaxThrottleWait bounds the wait a throttling server may ask for at once.
var MaxThrottleWait = 30 * time.Second

// ThrottleWait waits what a throttling server suggested (at most
// MaxThrottleWait) or until ctx ends.
func ThrottleWait(ctx context.Context, wait time.Duration) {
	if wait <= 0 {
		return
	}
	t := time.NewTimer(min(wait, MaxThrottleWait))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
