package imap

import (
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
	ic "github.com/mailferry/mailferry/internal/imapclient"
)

// pickSpecialUse: when the server reports one use on several mailboxes
// (Cyrus 3.6 did: \Sent on INBOX.Customers and INBOX.Sent), the one named
// as the folder wins, then a usual name, then the top level, whatever
// the order of the list.
func TestPickSpecialUse(t *testing.T) {
	mb := func(name string, use imap.MailboxAttr, f ...string) ic.MailboxInfo {
		return ic.MailboxInfo{Name: name, Folder: importers.Folder(f), Use: use}
	}
	l := []ic.MailboxInfo{
		mb("INBOX.Archive.2021", imap.MailboxAttrDrafts, "Archive", "2021"),
		mb("INBOX.Customers", imap.MailboxAttrSent, "Customers"),
		mb("INBOX.Drafts", imap.MailboxAttrDrafts, "Drafts"),
		mb("INBOX.Outbox", imap.MailboxAttrSent, "Outbox"),
		mb("INBOX.Sent Items", imap.MailboxAttrSent, "Sent Items"),
		mb("INBOX.Trash", imap.MailboxAttrTrash, "Trash"),
		mb("INBOX.x.Junk-old", imap.MailboxAttrJunk, "x", "Junk-old"),
		mb("INBOX.Spam-2", imap.MailboxAttrJunk, "Spam-2"),
	}
	cases := []struct {
		f    importers.Folder
		use  imap.MailboxAttr
		want string
	}{
		{importers.Folder{"Drafts"}, imap.MailboxAttrDrafts, "INBOX.Drafts"},
		{importers.Folder{"Entwürfe"}, imap.MailboxAttrDrafts, "INBOX.Drafts"},
		{importers.Folder{"Outbox"}, imap.MailboxAttrSent, "INBOX.Outbox"},
		{importers.Folder{"Sent"}, imap.MailboxAttrSent, "INBOX.Sent Items"},
		{importers.Folder{"Trash"}, imap.MailboxAttrTrash, "INBOX.Trash"},
		{importers.Folder{"Junk"}, imap.MailboxAttrJunk, "INBOX.Spam-2"},
		{importers.Folder{"Archive"}, imap.MailboxAttrArchive, ""},
	}
	for _, c := range cases {
		for _, order := range [][]ic.MailboxInfo{l, reversed(l)} {
			got := ""
			if mi := pickSpecialUse(order, c.f, c.use); mi != nil {
				got = mi.Name
			}
			if got != c.want {
				t.Errorf("%v %s: %q, want %q", c.f, c.use, got, c.want)
			}
		}
	}
}

func reversed(l []ic.MailboxInfo) []ic.MailboxInfo {
	out := make([]ic.MailboxInfo, len(l))
	for i := range l {
		out[len(l)-1-i] = l[i]
	}
	return out
}
