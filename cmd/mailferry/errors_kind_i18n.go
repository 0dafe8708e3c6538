package main

import (
	"errors"

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
