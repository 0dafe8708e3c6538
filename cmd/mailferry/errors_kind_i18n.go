package main

import (
	"crypto/x509"
	"errors"
	"time"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/internal/imapclient"
	"github.com/mailferry/mailferry/internal/netconn"

	"github.com/mailferry/mailferry/internal/engine"
	"github.com/mailferry/mailferry/internal/failure"
	"github.com/mailferry/mailferry/internal/i18n"
)

// failureIn is the text of an end-of-run error that has no catalogue
// message of its own, in a language other than English: the engine's
// quota refusal from its typed fields, any other error as a sentence for
// its failure kind (internal/failure) followed by the error's own text
// quoted as given (it comes from the engine, a driver, a server or the
// OS, and is not translated).
func failureIn(t *i18n.Printer, err error) string {
	var qe *engine.QuotaError
	if errors.As(err, &qe) && qe.Error() == err.Error() {
		if s, ok := quotaErrorIn(t, qe); ok {
			return s
		}
	}
	if s, ok := typedErrorIn(t, err); ok {
		return t.Sprintf(`%s: "%s"`, s, err.Error())
	}
	var s string
	switch failure.Classify(err).Kind {
	case failure.Quota:
		s = t.Text("the target is full")
	case failure.Folder:
		s = t.Text("a folder could not be copied")
	case failure.Message:
		s = t.Text("a message could not be copied")
	case failure.Usage:
		s = t.Text("the command cannot be run as given")
	case failure.Cancelled:
		s = t.Text("the run was cancelled or timed out")
	default: // Store, Unknown
		s = t.Text("the run stopped: the source or the target failed (connection, login, certificate or disk)")
	}
	return t.Sprintf(`%s: "%s"`, s, err.Error())
}

// quotaErrorIn is qe's text in the language of t (engine.QuotaError.Error
// in English); the target's own error of a mid-run refusal is quoted.
func quotaErrorIn(t *i18n.Printer, qe *engine.QuotaError) (string, bool) {
	if qe.MidRun {
		if qe.Err != nil {
			return t.Sprintf(`%s: "%s"`, t.Text("target full during the copy"), qe.Err.Error()), true
		}
		return t.Text("target quota exceeded during the copy"), true
	}
	for _, c := range qe.Checks {
		if !c.Fits && !c.MessagesFit() && c.BytesFit() {
			return t.Sprintf("refused by quota: %s needs %d messages but only %d more may be stored (limit %d messages, %d stored, headroom %.0f%%)",
				c.Root, c.NeedMsgs, max(c.MessagesAvailable(), 0), c.LimitMsgs, c.UsedMsgs, c.Headroom*100), true
		}
		if !c.Fits {
			return t.Sprintf("refused by quota: %s needs %s but only %s may be used (limit %s, used %s, headroom %.0f%%)",
				c.Root, engine.HumanBytes(c.Need), engine.HumanBytes(c.Available), engine.HumanBytes(c.Limit), engine.HumanBytes(c.Used), c.Headroom*100), true
		}
	}
	return t.Text("refused by quota"), true
}

// typedErrorIn says, for the errors with a type or value of their own
// (a refused login, a server that stopped answering, a certificate that
// does not verify, a target another run holds), what happened and what
// to do, in the language of t.
func typedErrorIn(t *i18n.Printer, err error) (string, bool) {
	var (
		le   *exporters.LockedError
		host x509.HostnameError
		ua   x509.UnknownAuthorityError
		ci   x509.CertificateInvalidError
	)
	switch {
	case errors.As(err, &le):
		w := ""
		if le.Waited > 0 {
			w = le.Waited.Round(100 * time.Millisecond).String()
		}
		if w != "" {
			return t.Sprintf("%s is being written by another run (waited %s): wait for it to end, or pass --wait-lock DURATION; the lock is %s", le.Target, w, le.Lock), true
		}
		return t.Sprintf("%s is being written by another run: wait for it to end, or pass --wait-lock DURATION; the lock is %s", le.Target, le.Lock), true
	case errors.Is(err, imapclient.ErrLogin):
		return t.Text("the server refused the login: check the user name and the password"), true
	case errors.Is(err, netconn.ErrTimeout):
		return t.Text("the server stopped answering (timeout): check the network, or raise --timeout"), true
	case errors.Is(err, imapclient.ErrProtocol):
		return t.Text("the server's answer does not follow the protocol: check the port and the scheme (imap://, imaps://, pop3://)"), true
	case errors.As(err, &host), errors.As(err, &ua), errors.As(err, &ci):
		return t.Text("the server's certificate could not be verified: check the host name, --tls-ca and --tls-server-name"), true
	}
	return "", false
}
