package imapclient

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/mailferry/mailferry/importers"
)

// Namespace is the account's personal namespace, which decides how logical
// folders map to server mailbox names.
type Namespace struct {
	// Prefix is the personal namespace prefix: "" on most servers, "INBOX."
	// on Courier-style ones (Courier, Cyrus, some Dovecot setups).
	Prefix string
	// Delim is the hierarchy delimiter; 0 for a flat server.
	Delim rune
	// Others are the prefixes of the other users' and shared namespaces;
	// their mailboxes are not part of the account.
	Others []string
}

// Folder returns the logical folder of a server mailbox name. ok is false
// for names outside the personal namespace (shared folders, the bare
// prefix itself).
func (ns Namespace) Folder(mailbox string) (f importers.Folder, ok bool) {
	if strings.EqualFold(mailbox, "INBOX") {
		return importers.Folder{"INBOX"}, true
	}
	for _, p := range ns.Others {
		// The longer prefix wins: "shared/x" is shared even when the
		// personal prefix is "".
		if p != "" && len(p) > len(ns.Prefix) && hasPrefixFold(mailbox, p) {
			return nil, false
		}
	}
	name := mailbox
	if ns.Prefix != "" {
		if !hasPrefixFold(name, ns.Prefix) {
			return nil, false
		}
		name = name[len(ns.Prefix):]
	}
	if ns.Delim == 0 {
		if name == "" {
			return nil, false
		}
		return importers.Folder{name}, true
	}
	for _, e := range strings.Split(name, string(ns.Delim)) {
		if e != "" {
			f = append(f, e)
		}
	}
	return f, len(f) > 0
}

// hasPrefixFold is strings.HasPrefix ignoring case, because "INBOX" in a
// prefix is case-insensitive (RFC 3501 section 5.1).
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Mailbox returns the server mailbox name of a logical folder: the elements
// joined with the delimiter, with the personal prefix in front, except for
// INBOX itself. An element that contains the delimiter gets it replaced by
// "_", and an empty element becomes "_": they cannot be one level on this
// server. On a flat server (no delimiter) the elements are joined with "/".
func (ns Namespace) Mailbox(f importers.Folder) string {
	if f.IsInbox() || len(f) == 0 {
		return "INBOX"
	}
	sep := "/"
	if ns.Delim != 0 {
		sep = string(ns.Delim)
	}
	parts := make([]string, len(f))
	for i, e := range f {
		if ns.Delim != 0 {
			e = strings.ReplaceAll(e, sep, "_")
		}
		if e == "" {
			e = "_"
		}
		parts[i] = e
	}
	return ns.Prefix + strings.Join(parts, sep)
}

// SpecialUse returns the special-use attribute among attrs ("" if none),
// in go-imap's spelling whatever case the server used.
func SpecialUse(attrs []imap.MailboxAttr) imap.MailboxAttr {
	for _, a := range attrs {
		for _, u := range specialUses {
			if strings.EqualFold(string(a), string(u)) {
				return u
			}
		}
	}
	return ""
}

var specialUses = []imap.MailboxAttr{
	imap.MailboxAttrSent, imap.MailboxAttrDrafts, imap.MailboxAttrTrash, imap.MailboxAttrJunk,
	imap.MailboxAttrArchive, imap.MailboxAttrAll, imap.MailboxAttrFlagged, imap.MailboxAttrImportant,
}

// hasAttr reports whether attrs holds a (case-insensitively).
func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, b := range attrs {
		if strings.EqualFold(string(a), string(b)) {
			return true
		}
	}
	return false
}
