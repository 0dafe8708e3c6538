package engine

import (
	"errors"
	"fmt"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// Typed reasons. Every Problem, and every "skip", "error" and "warning"
// Event the engine makes, carries a stable Code, the Args its sentence
// needs, and a Detail: text that comes from outside mailferry (a server's
// NO text, an OS error, a driver's account of a failure), which is never
// translated and is shown as given. Reason stays the English text it has
// always been, for --json and the English output.
//
// ReasonFormat gives each code's English sentence, a fmt format of Args;
// it is also the key of the sentence in the message catalogue
// (internal/i18n), so cmd/mailferry renders it in the user's language and
// quotes Detail after it. A SkipError's code (importers.SkipFormat) is a
// Problem's code too: its sentence is prefixed by the item's kind, Args[0].

// Codes of Problems and Events.
const (
	CodeTooBig          = "too-big"               // Args: size, limit (bytes)
	CodeSkipped         = "skipped"               // a SkipError without a code; Args: kind; Detail: its reason
	CodeReadError       = "read-error"            // a message that could not be read; Detail: why
	CodeRejected        = "rejected"              // the target refused a message; Detail: its answer
	CodeUnaccounted     = "unaccounted"           // Args: found, accounted, missing
	CodeUnaccountedMore = "unaccounted-more"      // Args: found, accounted, extra
	CodeAltered         = "altered"               // Detail: what the target says it changed
	CodeFolderError     = "folder-error"          // a source folder not read in full; Detail: why
	CodeCountFailed     = "count-failed"          // Args: folder; Detail: why
	CodeRetry           = "retry"                 // Args: attempt, retries, wait; Detail: the failure
	CodeBatchReread     = "batch-reread"          // Args: target, attempt, retries; Detail: the failure
	CodeKeysRetry       = "keys-retry"            // Args: target, attempt, retries, wait; Detail: the failure
	CodeConnections     = "connections-fewer"     // Args: connection, of; Detail: why
	CodeAlteredUnknown  = "altered-unchecked"     // Detail: why the check failed
	CodeSweepFailed     = "sweep-failed"          // Args: target; Detail: why
	CodeSweepRemoved    = "sweep-removed"         // Args: count, target
	CodeStateIgnored    = "state-ignored"         // Detail: why
	CodeStateReset      = "state-reset"           // Args: folder, uid, uidnext
	CodeStateReplaced   = "state-replaced"        // Detail: why
	CodeStateNotSaved   = "state-not-saved"       // Detail: why
	CodeEmptyNotCreated = "empty-folder-not-made" // Args: target, source; Detail: why
	CodeMissing         = "missing"               // verify; Args: key
	CodeDiffers         = "differs"               // verify
)

// reasonFormats are the English sentences of the codes (without Detail).
var reasonFormats = map[string]string{
	CodeTooBig:          "%d bytes is over the limit of %d",
	CodeSkipped:         "%s: skipped",
	CodeReadError:       "the message could not be read",
	CodeRejected:        "the target refused the message",
	CodeUnaccounted:     "%d items found by an independent count, %d accounted for (copied, duplicates, skipped, errors): %d not accounted for, the reader merged or passed over them",
	CodeUnaccountedMore: "%d items found by an independent count, %d accounted for (copied, duplicates, skipped, errors): %d more than found, the reader split or repeated items",
	CodeAltered:         "the server stored the message altered",
	CodeFolderError:     "the folder could not be read in full",
	CodeCountFailed:     "folder %s: cannot count its items to check that none is lost",
	CodeRetry:           "retry %d/%d in %s",
	CodeBatchReread:     "batch failed; reading %s again (%d/%d)",
	CodeKeysRetry:       "reading %s failed; retry %d/%d in %s",
	CodeConnections:     "connection %d of %d not opened, going on with fewer",
	CodeAlteredUnknown:  "could not check whether the server stored the messages unchanged",
	CodeSweepFailed:     "checking %s for duplicates left by an interrupted earlier run",
	CodeSweepRemoved:    "removed %d duplicate(s) from %s: an interrupted earlier run's last write was stored by the server after this run had read the folder",
	CodeStateIgnored:    "incremental state ignored",
	CodeStateReset:      "incremental state ignored for %s: it records UID %d as copied, but the server's UIDNEXT is %d (the mailbox was restored or reset); comparing with the target instead",
	CodeStateReplaced:   "incremental state replaced",
	CodeStateNotSaved:   "the incremental state was not saved",
	CodeEmptyNotCreated: "empty target folder %s (source %s) not created",
	CodeMissing:         "missing in the target: key %s",
	CodeDiffers:         "the target's message with this key has other content",
}

// ReasonFormat is the English sentence of code, a fmt format of a
// Problem's or Event's Args (without its Detail); "" for an unknown code.
// A SkipError's code has its importers.SkipFormat, after the kind.
func ReasonFormat(code string) string {
	if f, ok := reasonFormats[code]; ok {
		return f
	}
	if f := importers.SkipFormat(code); f != "" {
		return "%s: " + f
	}
	return ""
}

// Codes lists the engine's codes (for tests: each has a translation).
func Codes() []string {
	out := make([]string, 0, len(reasonFormats))
	for c := range reasonFormats {
		out = append(out, c)
	}
	return out
}

// sentence is code's English sentence with args.
func sentence(code string, args ...any) string {
	return fmt.Sprintf(reasonFormats[code], args...)
}

// detailOf is err's text as a Detail of a message ref: a MessageError's
// cause without the reference the summary prints anyway, a
// RejectedError's account of the refusal without the sentence its code
// says.
func detailOf(err error, ref string) string {
	var me *importers.MessageError
	if errors.As(err, &me) && me.Ref == ref && me.Err != nil && err.Error() == me.Error() {
		return me.Err.Error()
	}
	var rej *exporters.RejectedError
	if errors.As(err, &rej) && err.Error() == rej.Error() {
		if rej.Err != nil {
			return rej.Reason + ": " + rej.Err.Error()
		}
		return rej.Reason
	}
	return err.Error()
}

// skipReason is the code, args and detail of a Problem for SkipError se.
func skipReason(se *importers.SkipError) (code string, args []any, detail string) {
	if se.Code == "" || importers.SkipFormat(se.Code) == "" {
		return CodeSkipped, []any{se.Kind}, se.Reason
	}
	return se.Code, append([]any{se.Kind}, se.Args...), ""
}
