package importers

import (
	"errors"
	"fmt"

	"github.com/mailferry/mailferry/internal/failure"
)

// ErrChanged is returned when a source file changed between listing and reading.
var ErrChanged = errors.New("file changed since it was listed")

// ErrUsage marks an error in what the user asked (a bad store spec, a path
// that does not exist); the CLI exits 2 on it.
var ErrUsage = failure.Permanent(failure.Usage, errors.New("usage error"))

// UsageError returns an error that wraps ErrUsage with a readable message.
func UsageError(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

type usageError struct{ msg string }

func (e *usageError) Error() string        { return e.msg }
func (e *usageError) Is(target error) bool { return target == ErrUsage }

// FailureClass: the user asked for something that cannot be done.
func (e *usageError) FailureClass() failure.Class { return failure.Class{Kind: failure.Usage} }

// MessageError is the error of one message: it names where the message is
// (file, folder, offset or name) so the user can find it.
type MessageError struct {
	Ref    string // source location, e.g. "mbox:/home/u/Inbox@1234"
	Folder Folder
	Err    error
}

func (e *MessageError) Error() string {
	if len(e.Folder) > 0 {
		return fmt.Sprintf("%s (folder %q): %v", e.Ref, e.Folder.String(), e.Err)
	}
	return fmt.Sprintf("%s: %v", e.Ref, e.Err)
}

func (e *MessageError) Unwrap() error { return e.Err }

// SkipError is an item a source found but deliberately does not deliver as
// a message: an Outlook contact or appointment, a file that is not a
// message. The source passes it to its WalkFunc (m non-nil with Ref and
// Folder set, no Body); the engine counts it as skipped and names it, with
// Reason, in the summary. It is not a failure of the run.
type SkipError struct {
	Ref    string
	Folder Folder
	// Kind is a short class for counting: "contact", "appointment",
	// "task", "note", "distribution-list", "not-a-message", ...
	Kind   string
	Reason string
	// Code names Reason's sentence (SkipFormat) and Args are its values,
	// so that the summary can say it in the user's language; "" for a
	// Reason that is only English.
	Code string
	Args []any
}

// NewSkipError returns the SkipError of the item ref in folder f, of
// kind, whose Reason is the sentence of code (SkipFormat) with args.
func NewSkipError(ref string, f Folder, kind, code string, args ...any) *SkipError {
	return &SkipError{Ref: ref, Folder: f, Kind: kind, Reason: fmt.Sprintf(SkipFormat(code), args...), Code: code, Args: args}
}

// Codes of SkipError.
const (
	SkipNotMail                = "not-mail"
	SkipNotMailTitled          = "not-mail-titled"         // Args: title
	SkipNotMailSaved           = "not-mail-saved"          // Args: path
	SkipNotMailTitledSaved     = "not-mail-titled-saved"   // Args: title, path
	SkipNotMailSavable         = "not-mail-savable"        // Args: extension
	SkipNotMailTitledSavable   = "not-mail-titled-savable" // Args: title, extension
	SkipEmptyFile              = "empty-file"
	SkipNoHeader               = "no-header"
	SkipOnlyFromLine           = "only-from-line"
	SkipStartsWithContinuation = "starts-with-continuation"
	SkipNoFirstField           = "no-first-field"          // Args: the first line
	SkipNotAField              = "header-line-not-a-field" // Args: line number, the line
)

// skipFormats are the English sentences of the codes: fmt formats of
// SkipError.Args, and the keys of their translations in the message
// catalogue (internal/i18n).
var skipFormats = map[string]string{
	SkipNotMail:                "not mail, not copied",
	SkipNotMailTitled:          "%q: not mail, not copied",
	SkipNotMailSaved:           "not mail, not copied; saved as %s",
	SkipNotMailTitledSaved:     "%q: not mail, not copied; saved as %s",
	SkipNotMailSavable:         "not mail, not copied (--nonmail DIR saves it as %s)",
	SkipNotMailTitledSavable:   "%q: not mail, not copied (--nonmail DIR saves it as %s)",
	SkipEmptyFile:              "empty file",
	SkipNoHeader:               "no header",
	SkipOnlyFromLine:           `only an mbox "From " line`,
	SkipStartsWithContinuation: "starts with a continuation line",
	SkipNoFirstField:           "does not start with a header field (first line %q)",
	SkipNotAField:              "line %d of the header block is not a header field: %q",
}

// SkipFormat is the English sentence of a SkipError code, "" for an
// unknown one.
func SkipFormat(code string) string { return skipFormats[code] }

// SkipCodes lists the SkipError codes (for tests).
func SkipCodes() []string {
	out := make([]string, 0, len(skipFormats))
	for c := range skipFormats {
		out = append(out, c)
	}
	return out
}

func (e *SkipError) Error() string {
	if len(e.Folder) > 0 {
		return fmt.Sprintf("%s (folder %q): skipped (%s): %s", e.Ref, e.Folder.String(), e.Kind, e.Reason)
	}
	return fmt.Sprintf("%s: skipped (%s): %s", e.Ref, e.Kind, e.Reason)
}
