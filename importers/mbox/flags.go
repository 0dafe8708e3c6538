package mbox

import (
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
)

// Thunderbird's message flags as stored in X-Mozilla-Status (low 16 bits)
// and X-Mozilla-Status2 (high 16 bits), from mailnews/base/public/
// nsMsgMessageFlags.idl of comm-central.
const (
	mozRead          = 0x00000001 // Read
	mozReplied       = 0x00000002 // Replied
	mozMarked        = 0x00000004 // Marked (the star)
	mozExpunged      = 0x00000008 // Expunged: deleted, waiting for "Compact Folders"
	mozPartial       = 0x00000400 // Partial: POP "fetch headers only", body missing
	mozForwarded     = 0x00001000 // Forwarded
	mozIMAPDeleted   = 0x00200000 // IMAPDeleted: \Deleted on the IMAP server
	mozMDNReportSent = 0x00800000 // MDNReportSent: a read receipt was sent
	mozLabels        = 0x0E000000 // Labels: the label 1..7 of Netscape 4 / TB 1
)

// StatusHeaders are the header fields that carry an mbox message's flags,
// each the value of its first occurrence in the header section ("" when
// absent).
type StatusHeaders struct {
	XMozillaStatus  string // Thunderbird: 4 hex digits, the low flag bits
	XMozillaStatus2 string // Thunderbird: 8 hex digits, the high flag bits
	XMozillaKeys    string // Thunderbird: tags (keywords), space separated
	Status          string // mutt, pine, Dovecot, c-client: "RO"
	XStatus         string // mutt, pine, Dovecot, c-client: "AFDT"
	XKeywords       string // Dovecot: keywords, space separated
}

// Flags returns the IMAP flags that h describes, system flags first, then
// keywords in the order found, without duplicates. partial reports
// Thunderbird's Partial bit: only the header (and a first few lines) of the
// message were downloaded and the body is missing.
//
// Mapping (QUIRK: nsMsgMessageFlags.idl, comm-central):
//
//	X-Mozilla-Status  0x0001 Read          \Seen
//	                  0x0002 Replied       \Answered
//	                  0x0004 Marked        \Flagged
//	                  0x0008 Expunged      \Deleted (deleted in Thunderbird, not yet compacted away)
//	                  0x1000 Forwarded     $Forwarded
//	X-Mozilla-Status2 0x00200000 IMAPDeleted   \Deleted
//	                  0x00800000 MDNReportSent $MDNSent
//	                  0x0E000000 Labels 1..7   $label1 .. $label7
//	X-Mozilla-Keys    junk → $Junk, nonjunk → $NotJunk, others as they are
//	Status            R \Seen (O, "old", means not \Recent: nothing to keep)
//	X-Status          A \Answered, F \Flagged, D \Deleted, T \Draft
//	X-Keywords        as X-Mozilla-Keys
//
// All other bits (HasRe, Elided, FeedMsg, Offline, Watched, SenderAuthed,
// Queued, New, Ignored, MDNReportNeeded, Template, Attachment) describe
// Thunderbird's view state, not the message, and are dropped. 0x2000 is
// Redirected in current Thunderbird but lies inside the old Priorities
// mask 0xE000, so it is ambiguous and dropped too. Thunderbird has no
// draft bit: its Drafts folder holds drafts without \Draft. A value that is
// not hexadecimal is ignored, and so is a keyword that is not a valid IMAP
// atom (RFC 3501 flag-keyword).
func (h StatusHeaders) Flags() (flags []imap.Flag, partial bool) {
	var fl flagList
	var moz uint32
	if v, ok := parseHex(h.XMozillaStatus); ok {
		moz |= v & 0xFFFF
	}
	if v, ok := parseHex(h.XMozillaStatus2); ok {
		moz |= v & 0xFFFF0000
	}
	if moz&mozRead != 0 {
		fl.add(imap.FlagSeen)
	}
	if moz&mozReplied != 0 {
		fl.add(imap.FlagAnswered)
	}
	if moz&mozMarked != 0 {
		fl.add(imap.FlagFlagged)
	}
	if moz&(mozExpunged|mozIMAPDeleted) != 0 {
		fl.add(imap.FlagDeleted)
	}
	for _, c := range h.Status {
		if c == 'R' {
			fl.add(imap.FlagSeen)
		}
	}
	for _, c := range h.XStatus {
		switch c {
		case 'A':
			fl.add(imap.FlagAnswered)
		case 'F':
			fl.add(imap.FlagFlagged)
		case 'D':
			fl.add(imap.FlagDeleted)
		case 'T':
			fl.add(imap.FlagDraft)
		}
	}
	if moz&mozForwarded != 0 {
		fl.add(imap.FlagForwarded)
	}
	if moz&mozMDNReportSent != 0 {
		fl.add(imap.FlagMDNSent)
	}
	if l := (moz & mozLabels) >> 25; l != 0 {
		fl.add(imap.Flag("$label" + strconv.Itoa(int(l))))
	}
	for _, kws := range []string{h.XMozillaKeys, h.XKeywords} {
		for _, k := range strings.Fields(kws) {
			if f, ok := keywordFlag(k); ok {
				fl.add(f)
			}
		}
	}
	return fl.list, moz&mozPartial != 0
}

type flagList struct{ list []imap.Flag }

func (l *flagList) add(f imap.Flag) {
	for _, g := range l.list {
		if strings.EqualFold(string(g), string(f)) {
			return
		}
	}
	l.list = append(l.list, f)
}

func parseHex(s string) (uint32, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 8 {
		return 0, false
	}
	v, err := strconv.ParseUint(s, 16, 32)
	return uint32(v), err == nil
}

// keywordFlag maps a Thunderbird tag key or Dovecot keyword to an IMAP flag.
func keywordFlag(k string) (imap.Flag, bool) {
	switch strings.ToLower(k) {
	case "junk", "$junk":
		return imap.FlagJunk, true
	case "nonjunk", "notjunk", "$notjunk", "$nonjunk":
		return imap.FlagNotJunk, true
	case "$forwarded":
		return imap.FlagForwarded, true
	case "$mdnsent":
		return imap.FlagMDNSent, true
	}
	if !validKeyword(k) {
		return "", false
	}
	return imap.Flag(k), true
}

// validKeyword reports whether k is an IMAP flag-keyword (an atom, RFC
// 3501 section 9, that is not a system flag).
func validKeyword(k string) bool {
	if k == "" || len(k) > 200 || k[0] == '\\' {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if c <= 0x20 || c >= 0x7f {
			return false
		}
		switch c {
		case '(', ')', '{', '%', '*', '"', '\\', ']':
			return false
		}
	}
	return true
}
