package imapclient

import (
	"errors"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// ErrNoUIDPlus is returned by ExpungeUIDs when the server lacks UIDPLUS
// (RFC 4315) and the caller did not allow a plain EXPUNGE. Without UID
// EXPUNGE the only way to remove a message is EXPUNGE, which removes
// EVERY message of the mailbox marked \Deleted, including those another
// client (a phone, Thunderbird's "mark as deleted") marked and meant to
// keep until it expunges itself. mailferry archive refuses that unless
// --allow-expunge-all says the user accepts it.
var ErrNoUIDPlus = errors.New("the server does not offer UIDPLUS (UID EXPUNGE)")

// HasUIDPlus reports whether the server can expunge named messages only.
func (c *Conn) HasUIDPlus() bool { return c.Caps.Has(imap.CapUIDPlus) || c.Caps.Has(imap.CapIMAP4rev2) }

// ExpungeUIDs removes exactly the messages uids from the selected
// (read-write) mailbox: UID STORE +FLAGS.SILENT (\Deleted), then UID
// EXPUNGE of the same set. Without UIDPLUS it fails with ErrNoUIDPlus
// unless expungeAll is set, which sends a plain EXPUNGE (see ErrNoUIDPlus).
// UIDs that no longer exist (another client expunged them) are not an
// error: the server ignores them.
func (c *Conn) ExpungeUIDs(uids []uint32, expungeAll bool) error {
	if len(uids) == 0 {
		return nil
	}
	plus := c.HasUIDPlus()
	if !plus && !expungeAll {
		return ErrNoUIDPlus
	}
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	store := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := c.C.Store(set, store, nil).Close(); err != nil {
		return c.Err(fmt.Errorf("UID STORE +FLAGS (\\Deleted): %w", err))
	}
	var err error
	if plus {
		err = c.C.UIDExpunge(set).Close()
	} else {
		err = c.C.Expunge().Close()
	}
	if err != nil {
		return c.Err(fmt.Errorf("EXPUNGE: %w", err))
	}
	return nil
}
