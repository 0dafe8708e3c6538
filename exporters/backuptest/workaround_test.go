package backuptest

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/mailferry/mailferry/importers"
	imapimp "github.com/mailferry/mailferry/importers/imap"
)

// raceSafe works around a race in importers/imap (reported, not ours to
// fix): go-imap v2.0.0-beta.8 completes a SELECT (Wait returns) before it
// records the selected mailbox, and after Dovecot's "[CLOSED]" for the
// previous mailbox Client.Mailbox() is nil for that moment; Conn.Selection
// then returns nil and Source.WalkFrom dereferences it (source.go, "sel :=
// c.Selection(); uidValidity := sel.UIDValidity"). The panic happens
// before any message is delivered, so retrying the walk is safe.
type raceSafe struct{ *imapimp.Source }

// Raced counts the walks retried.
var Raced atomic.Int64

func (r raceSafe) Walk(ctx context.Context, f importers.Folder, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	return r.WalkFrom(ctx, f, 0, opts, fn)
}

func (r raceSafe) WalkFrom(ctx context.Context, f importers.Folder, minUID uint32, opts *importers.WalkOptions, fn importers.WalkFunc) error {
	for attempt := 1; ; attempt++ {
		delivered := false
		err, p := r.try(ctx, f, minUID, opts, func(m *importers.Message, err error) error {
			delivered = true
			return fn(m, err)
		})
		if p == nil {
			return err
		}
		if delivered || attempt == 5 {
			panic(p)
		}
		Raced.Add(1)
	}
}

func (r raceSafe) try(ctx context.Context, f importers.Folder, minUID uint32, opts *importers.WalkOptions, fn importers.WalkFunc) (err error, p any) {
	defer func() {
		if x := recover(); x != nil {
			p = fmt.Sprint(x)
		}
	}()
	return r.Source.WalkFrom(ctx, f, minUID, opts, fn), nil
}

func openIMAP(ctx context.Context, url string, opts *importers.Options) (raceSafe, error) {
	s, err := imapimp.Open(ctx, url, opts)
	return raceSafe{s}, err
}
