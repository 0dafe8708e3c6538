package imap

import (
	"strings"

	"github.com/mailferry/mailferry/exporters"
	"github.com/mailferry/mailferry/importers"
)

var _ exporters.FolderNamer = (*Sink)(nil)

// FolderKey implements exporters.FolderNamer: NameKey of f's mailbox
// name, so that "a.b" and "a_b" count as one name whatever the server's
// separator (the server may refuse "a.b" and Create then uses "a_b", see
// safeMailbox).
func (s *Sink) FolderKey(f importers.Folder) string {
	if f.IsInbox() || len(f) == 0 {
		return "INBOX"
	}
	return s.NameKey(s.ns.Mailbox(f))
}

// NameKey implements exporters.FolderNamer: a mailbox name in its safe
// form (safeMailbox: '.' and '/' inside an element and a leading '~'
// replaced by '_'), so that a folder's name and the safe name an earlier
// Create may have had to use are one folder; INBOX in upper case. Other
// letters keep their case: mailbox names are case-sensitive (RFC 3501
// section 5.1).
func (s *Sink) NameKey(name string) string {
	prefix, rest := "", name
	if p := s.ns.Prefix; p != "" && len(name) >= len(p) && strings.EqualFold(name[:len(p)], p) {
		prefix, rest = p, name[len(p):] // "inbox." is "INBOX."
	}
	if prefix == "" && strings.EqualFold(name, "INBOX") {
		return "INBOX"
	}
	elems := []string{rest}
	sep := ""
	if s.ns.Delim != 0 {
		sep = string(s.ns.Delim)
		elems = strings.Split(rest, sep)
	}
	for i, e := range elems {
		if i == 0 && prefix == "" && strings.EqualFold(e, "INBOX") && len(elems) > 1 {
			elems[i] = "INBOX"
			continue
		}
		e = strings.NewReplacer(".", "_", "/", "_").Replace(e)
		if strings.HasPrefix(e, "~") {
			e = "_" + e[1:]
		}
		elems[i] = e
	}
	return prefix + strings.Join(elems, sep)
}
