package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// RetryDelays are the waits before each new attempt of a read that failed
// because the connection broke (cut mid-FETCH, closed after login); their
// number is the number of retries. Reads are idempotent (EXAMINE, UID
// SEARCH, UID FETCH BODY.PEEK), so a retry on a new connection is safe.
var RetryDelays = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second}

// retryable reports whether err is a failure of the connection rather
// than an answer of the server, a refused login or a changed UIDVALIDITY.
func retryable(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	if ok, wait := Throttled(err); ok { // a throttling server: back off, then again
		ThrottleWait(ctx, wait)
		return ctx.Err() == nil
	}
	var ie *imap.Error
	var re *refusedError
	if errors.As(err, &ie) || errors.Is(err, ErrLogin) || errors.Is(err, importers.ErrUsage) || errors.As(err, &re) || garbage(err) {
		return false
	}
	// Certificates and the TLS policy do not change by trying again.
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var cie x509.CertificateInvalidError
	if errors.As(err, &cve) || errors.As(err, &uae) || errors.As(err, &he) || errors.As(err, &cie) {
		return false
	}
	msg := err.Error()
	for _, permanent := range []string{"UIDVALIDITY changed", "no password", "STARTTLS", "plaintext"} {
		if strings.Contains(msg, permanent) {
			return false
		}
	}
	return true
}

// garbage reports whether err is a response the client could not parse
// (a literal size that is not a number, a name that is not modified
// UTF-7) or refused (ErrProtocol): asking again gets the same answer.
// go-imap formats its errors with %v, so the text is all there is.
func garbage(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrProtocol) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, "imapwire: expected") || strings.Contains(msg, "utf7:") || strings.Contains(msg, ErrProtocol.Error())
}

// retry runs op, and again on a new connection after a connection
// failure, waiting RetryDelays in between, for at most the retry budget
// (importers.Options.RetryBudget) from the first attempt.
func (s *Source) retry(ctx context.Context, op func() error) error {
	start := time.Now()
	budget := s.opts.NetRetryBudget()
	err := op()
	for i := 0; i < len(RetryDelays) && retryable(ctx, err); i++ {
		if spent := time.Since(start); spent+RetryDelays[i] > budget {
			return fmt.Errorf("%w (no more retries: %s spent, the retry budget is %s)", err, spent.Round(time.Second), budget)
		}
		s.sess.Drop()
		s.opts.Log().Warn("imap: read failed, retrying on a new connection", "error", err, "attempt", i+1, "wait", RetryDelays[i])
		t := time.NewTimer(RetryDelays[i])
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
		err = op()
	}
	return err
}

// abandon closes c after a literal could not be read to its end (the
// connection broke, a spool file could not be written), without touching
// the FETCH command again.
//
// QUIRK: go-imap v2 (beta.8) lets its reader goroutine go on as soon as a
// literal reader returns an error; reading the literal again, as
// FetchMessageData.Next and FetchCommand.Close do to discard it, then
// races with that goroutine on the connection's buffer (go test -race,
// TestConnectionFaults). The reader goroutine ends on its own once the
// connection is closed: the FETCH channels are buffered.
func abandon(c *Conn) { c.C.Close() }

// abandonLiteral closes c while a literal is being handed out, without
// reading it: go-imap's reader goroutine waits until the literal reader
// returns an error, and Close waits for that goroutine. The connection is
// killed first, so the reads that release it end after go-imap's buffer.
func abandonLiteral(c *Conn, lit io.Reader) {
	if c.wire != nil {
		c.wire.kill()
	}
	io.Copy(io.Discard, lit)
	c.C.Close()
}
