package imap

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"

	"github.com/mailferry/mailferry/importers"
)

// CountItems returns the message count of folder f from a fresh EXAMINE
// (its EXISTS), independently of the UID SEARCH and FETCH responses Walk
// parses (importers.Counter). It is taken when called: messages that
// arrive or are expunged between the count and the walk make a
// difference, which the engine checks once more with a second count
// after the walk before it reports it.
func (s *Source) CountItems(ctx context.Context, f importers.Folder) (int64, error) {
	return s.CountFrom(ctx, f, 0)
}

// CountFrom counts the messages of folder f with a UID above minUID (the
// part of the folder an incremental copy walks), with a plain UID SEARCH
// UID minUID+1:* whose result is only counted; with minUID 0 it is the
// EXISTS of a fresh EXAMINE (CountItems).
func (s *Source) CountFrom(ctx context.Context, f importers.Folder, minUID uint32) (int64, error) {
	var n int64
	err := s.retry(ctx, func() error {
		c, err := s.sess.Conn(ctx)
		if err != nil {
			return err
		}
		stop := c.Watch(ctx)
		defer stop()
		name := c.Mailbox(f)
		sel, err := c.Reselect(name, true)
		if err != nil {
			return ctxErr(ctx, c.Err(fmt.Errorf("imap: EXAMINE %q: %w", name, err)))
		}
		n = int64(sel.NumMessages)
		if minUID == 0 || n == 0 {
			return nil
		}
		var set imap.UIDSet
		set.AddRange(imap.UID(minUID+1), 0)
		d, err := c.C.UIDSearch(&imap.SearchCriteria{UID: []imap.UIDSet{set}}, nil).Wait()
		if err != nil {
			return ctxErr(ctx, c.Err(fmt.Errorf("imap: UID SEARCH in %q: %w", name, err)))
		}
		n = 0
		for _, u := range d.AllUIDs() {
			// UID n:* also matches the highest UID when it is below n.
			if uint32(u) > minUID {
				n++
			}
		}
		return nil
	})
	return n, err
}

var _ importers.Counter = (*Source)(nil)
