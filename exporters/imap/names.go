package imap

import (
	"strings"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

var _ exporters.FolderNamer = (*Sink)(nil)

// FolderKey implements exporters.FolderNamer: the mailbox name f may end
// up with, its safe name (see safeMailbox: the separator, '.' and '/'
// inside an element and a leading '~' replaced by '_'), so that "a.b"
// and "a_b" count as one name whatever the server's separator. Mailbox
// names are case-sensitive (RFC 3501 section 5.1), INBOX aside.
func (s *Sink) FolderKey(f importers.Folder) string {
	if f.IsInbox() || len(f) == 0 {
		return "INBOX"
	}
	return s.NameKey(s.safeMailbox(f))
}

// NameKey implements exporters.FolderNamer: the name itself, INBOX (and
// the INBOX of a name below it) in upper case.
func (s *Sink) NameKey(name string) string {
	if len(name) >= 5 && strings.EqualFold(name[:5], "INBOX") && (len(name) == 5 || s.ns.Delim != 0 && name[5] == byte(s.ns.Delim)) {
		return "INBOX" + name[5:]
	}
	return name
}
