package imap

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailferry/mailferry/dedupe"
	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

var _ exporters.Sweeper = (*Target)(nil)

// SweepDuplicates implements exporters.Sweeper. A copy killed while the
// server was still storing its last APPEND leaves that APPEND to be
// committed by the server after the client died, possibly after the next
// run keyed the folder: that run then stores the same messages again.
// Among the messages that arrived since this Target first keyed the folder
// (UID >= sweepFrom), SweepDuplicates finds those with the same dedupe key
// and the same content (line endings aside), keeps the oldest (lowest UID)
// and removes the others with UID STORE \Deleted and UID EXPUNGE (UIDPLUS,
// so no other message is expunged). Messages that were there before are
// never touched. Without UIDPLUS it does nothing.
func (t *Target) SweepDuplicates(ctx context.Context) (int, error) {
	if !t.exists || t.sweepFrom == 0 {
		return 0, nil
	}
	c, stop, err := t.s.conn(ctx)
	if err != nil {
		return 0, err
	}
	defer stop()
	if !c.Caps.Has(imap.CapUIDPlus) {
		return 0, nil
	}
	sel, err := c.Reselect(t.name, true)
	if err != nil {
		return 0, ctxErr(ctx, fmt.Errorf("imap: EXAMINE %q: %w", t.name, err))
	}
	if sel.NumMessages == 0 || imap.UID(sel.UIDNext) <= t.sweepFrom {
		return 0, nil
	}
	var recent imap.UIDSet
	recent.AddRange(t.sweepFrom, 0)
	byKey := map[dedupe.Key][]imap.UID{}
	if err := t.fetchKeys(ctx, c, recent, false, func(uid imap.UID, k dedupe.Key, _ [32]byte) { byKey[k] = append(byKey[k], uid) }); err != nil {
		return 0, err
	}
	var cands imap.UIDSet
	n := 0
	for _, uids := range byKey {
		if len(uids) > 1 {
			for _, u := range uids {
				cands.AddNum(u)
				n++
			}
		}
	}
	if n == 0 {
		return 0, nil
	}
	type copyOf struct {
		uid imap.UID
		sum [32]byte
	}
	groups := map[dedupe.Key][]copyOf{}
	if err := t.fetchKeys(ctx, c, cands, true, func(uid imap.UID, k dedupe.Key, sum [32]byte) {
		groups[k] = append(groups[k], copyOf{uid, sum})
	}); err != nil {
		return 0, err
	}
	var del imap.UIDSet
	removed := 0
	for _, g := range groups {
		keep := g[0]
		for _, c := range g[1:] {
			if c.uid < keep.uid {
				keep = c
			}
		}
		for _, c := range g {
			if c.uid != keep.uid && c.sum == keep.sum {
				del.AddNum(c.uid)
				removed++
			}
		}
	}
	if removed == 0 {
		return 0, nil
	}
	if _, err := c.Reselect(t.name, false); err != nil {
		return 0, ctxErr(ctx, fmt.Errorf("imap: SELECT %q: %w", t.name, err))
	}
	if err := c.C.Store(del, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		return 0, ctxErr(ctx, fmt.Errorf("imap: UID STORE \\Deleted in %q: %w", t.name, err))
	}
	if err := c.C.UIDExpunge(del).Close(); err != nil {
		return 0, ctxErr(ctx, fmt.Errorf("imap: UID EXPUNGE in %q: %w", t.name, err))
	}
	return removed, nil
}

// fetchKeys calls fn with the dedupe key of each message of uids, and with
// full the content hash (the whole message is fetched); without full only
// the Message-ID is fetched, and the whole message only when it has none.
func (t *Target) fetchKeys(ctx context.Context, c *ic.Conn, uids imap.UIDSet, full bool, fn func(imap.UID, dedupe.Key, [32]byte)) error {
	sec := &imap.FetchItemBodySection{Peek: true}
	if !full {
		sec = &imap.FetchItemBodySection{Specifier: imap.PartSpecifierHeader, HeaderFields: keyFields, Peek: true}
	}
	cmd := c.C.Fetch(uids, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{sec}})
	var noID imap.UIDSet
	var readErr error
msgs:
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		var uid imap.UID
		for item := msg.Next(); item != nil; item = msg.Next() {
			switch it := item.(type) {
			case imapclient.FetchItemDataUID:
				uid = it.UID
			case imapclient.FetchItemDataBodySection:
				if it.Literal == nil || uid == 0 {
					continue
				}
				if full {
					b, err := ic.SpoolLiteral(it.Literal, "")
					if err != nil {
						readErr = err
						break msgs
					}
					k, sum, err := exporters.KeyAndHash(&importers.Message{Body: b})
					b.Release()
					if err != nil {
						readErr = err
						break msgs
					}
					fn(uid, k, sum)
					continue
				}
				b, err := ic.ReadHeader(it.Literal, 64<<10)
				if err != nil {
					readErr = err
					break msgs
				}
				if k, ok := dedupe.FromHeader(ic.ParseHeader(b)); ok {
					fn(uid, k, [32]byte{})
				} else {
					noID.AddNum(uid)
				}
			}
		}
	}
	if readErr != nil {
		t.s.sess.Drop() // see internal/imapclient Conn.Abandon
		return ctxErr(ctx, fmt.Errorf("imap: UID FETCH in %q: %w", t.name, readErr))
	}
	if err := cmd.Close(); err != nil {
		return ctxErr(ctx, fmt.Errorf("imap: UID FETCH in %q: %w", t.name, err))
	}
	if len(noID) > 0 {
		return t.fetchKeys(ctx, c, noID, true, fn)
	}
	return nil
}
