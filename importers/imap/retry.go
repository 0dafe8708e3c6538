package imap

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
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
	var ie *imap.Error
	if errors.As(err, &ie) || errors.Is(err, ErrLogin) || errors.Is(err, importers.ErrUsage) {
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

// retry runs op, and again on a new connection after a connection
// failure, waiting RetryDelays in between.
func (s *Source) retry(ctx context.Context, op func() error) error {
	err := op()
	for i := 0; i < len(RetryDelays) && retryable(ctx, err); i++ {
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
