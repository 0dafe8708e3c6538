package engine

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

// A detail is what came from outside, without the engine's or the
// driver's own words around it.
func TestDetailOf(t *testing.T) {
	cause := errors.New("open /m/3.eml: permission denied")
	for _, c := range []struct {
		err  error
		ref  string
		want string
	}{
		{&importers.MessageError{Ref: "mbox:/m@3", Folder: importers.Folder{"Inbox"}, Err: cause}, "mbox:/m@3", cause.Error()},
		{&importers.MessageError{Ref: "mbox:/m@3", Err: cause}, "other", `mbox:/m@3: ` + cause.Error()},
		{&exporters.RejectedError{Reason: "APPEND refused", Err: errors.New("NO [LIMIT] message too large")}, "r", "APPEND refused: NO [LIMIT] message too large"},
		{&exporters.RejectedError{Reason: "NO bad message"}, "r", "NO bad message"},
		{fmt.Errorf("writing: %w", &exporters.RejectedError{Reason: "NO"}), "r", "writing: rejected by target: NO"},
		{cause, "r", cause.Error()},
	} {
		if got := detailOf(c.err, c.ref); got != c.want {
			t.Errorf("detailOf(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}
