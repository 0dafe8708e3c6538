package main

import (
	"errors"
	"net"
	"syscall"

	"github.com/mailferry/mailferry/internal/i18n"
)

// localizedError is the text of the end-of-run errors a user meets most
// (verify found gaps, a copy finished with messages not copied) in the
// language of t; ok is false for other errors, which print as they are.
func localizedError(err error, t *i18n.Printer) (string, bool) {
	var nv *errNotVerified
	switch {
	case errors.As(err, &nv):
		return nv.localized(t), true
	case err == errIncomplete:
		return t.Text("finished, but some messages were not copied (see the list above)"), true
	}
	var fe *flagError
	if errors.As(err, &fe) {
		return fe.localized(t), true
	}
	// Only when nothing wrapped it with more context, which is English.
	var l localizer
	if errors.As(err, &l) && l.Error() == err.Error() {
		return l.localized(t), true
	}
	if h := errorHint(err, t); h != "" {
		msg := err.Error()
		if t.Lang() != i18n.English {
			msg = failureIn(t, err) // errors_kind_i18n.go
		}
		return msg + "\n  " + h, true
	}
	if t.Lang() != i18n.English {
		return failureIn(t, err), true
	}
	return "", false
}

// flagError is a flag cobra could not parse, with the command whose
// --help lists the flags.
type flagError struct {
	err error
	cmd string
}

func (e *flagError) Error() string { return e.localized(nil) }
func (e *flagError) Unwrap() error { return e.err }

func (e *flagError) localized(t *i18n.Printer) string {
	return t.Sprintf("%v (see %s --help)", e.err, e.cmd)
}

// errorHint says what to do about a connection that failed before any
// protocol was spoken (nothing listens on the port; an unknown host
// name), classified by error value, never by text.
func errorHint(err error, t *i18n.Printer) string {
	var dns *net.DNSError
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return t.Text("Nothing answers on that port: check the host and the port (IMAP 143 with STARTTLS, imaps 993; POP3 110, pop3s 995) and that the server is running.")
	case errors.As(err, &dns) && dns.IsNotFound:
		return t.Text("That host name is unknown: check its spelling (the server name your provider gave, e.g. mail.example.co.jp).")
	}
	return ""
}

// localizer is an error that has its text in the message catalogue.
type localizer interface {
	error
	localized(t *i18n.Printer) string
}

// textError is an error whose whole text is a catalogue message.
type textError struct{ msg string }

func (e *textError) Error() string                    { return e.msg }
func (e *textError) localized(t *i18n.Printer) string { return t.Text(e.msg) }
