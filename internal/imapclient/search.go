package imapclient

import (
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
)

// SearchUIDs lists the UIDs of the selected mailbox that are greater than
// minUID and whose internal date may lie in [since, before) (zero times do
// not filter), ascending. The date test is a day wider than asked: filter
// on INTERNALDATE afterwards.
func (c *Conn) SearchUIDs(minUID uint32, since, before time.Time) ([]uint32, error) {
	crit := &imap.SearchCriteria{}
	if minUID > 0 {
		var set imap.UIDSet
		set.AddRange(imap.UID(minUID+1), 0)
		crit.UID = []imap.UIDSet{set}
	}
	// QUIRK: SEARCH SINCE/BEFORE compare dates only, in the server's time
	// zone (RFC 3501 6.4.4). Search a day wider on each side and filter
	// exactly on INTERNALDATE afterwards.
	if !since.IsZero() {
		crit.Since = since.AddDate(0, 0, -2)
	}
	if !before.IsZero() {
		crit.Before = before.AddDate(0, 0, 2)
	}
	var so *imap.SearchOptions
	if c.Caps.Has(imap.CapESearch) || c.Caps.Has(imap.CapIMAP4rev2) {
		so = &imap.SearchOptions{ReturnAll: true}
	}
	d, err := c.C.UIDSearch(crit, so).Wait()
	if err != nil {
		return nil, err
	}
	var out []uint32
	for _, u := range d.AllUIDs() {
		// UID n:* also matches the highest UID when it is below n.
		if uint32(u) > minUID {
			out = append(out, uint32(u))
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// UIDSet makes a UID set of uids.
func UIDSet(uids []uint32) imap.UIDSet {
	var set imap.UIDSet
	for _, u := range uids {
		set.AddNum(imap.UID(u))
	}
	return set
}
