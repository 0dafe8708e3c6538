package main

import (
	"errors"

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
	return "", false
}
