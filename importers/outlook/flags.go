package outlook

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// MAPI values read by Flags. Names follow MS-OXPROPS / MS-OXOMSG.
const (
	MsgFlagRead   = 0x00000001 // PR_MESSAGE_FLAGS mfRead
	MsgFlagUnsent = 0x00000008 // PR_MESSAGE_FLAGS mfUnsent: a draft

	VerbReplyToSender = 102 // PR_LAST_VERB_EXECUTED NOTEIVERB_REPLYTOSENDER
	VerbReplyToAll    = 103 // NOTEIVERB_REPLYTOALL
	VerbForward       = 104 // NOTEIVERB_FORWARD

	IconReplied   = 0x00000105 // PR_ICON_INDEX: replied mail
	IconForwarded = 0x00000106 // PR_ICON_INDEX: forwarded mail

	FlagStatusComplete = 1 // PR_FLAG_STATUS followupComplete
	FlagStatusFlagged  = 2 // PR_FLAG_STATUS followupFlagged
)

// Flags returns the IMAP flags of an item, in a fixed order (\Seen,
// \Answered, \Flagged, \Draft, $Forwarded):
//
//   - PR_MESSAGE_FLAGS 0x1 (read) is \Seen and 0x8 (unsent) is \Draft;
//   - PR_LAST_VERB_EXECUTED 102/103 or PR_ICON_INDEX 0x105 is \Answered;
//   - PR_LAST_VERB_EXECUTED 104 or PR_ICON_INDEX 0x106 is $Forwarded;
//   - PR_FLAG_STATUS 2 (flagged for follow-up) is \Flagged; 1 (completed)
//     has no IMAP equivalent and gives nothing.
func Flags(it *Item) []imap.Flag {
	var out []imap.Flag
	if it == nil {
		return out
	}
	if it.MessageFlags&MsgFlagRead != 0 {
		out = append(out, imap.FlagSeen)
	}
	// QUIRK: MS-OXOMSG 2.2.1.46 keeps only the last verb, so a message
	// that was replied to and then forwarded says 104. PR_ICON_INDEX
	// (MS-OXOMSG 2.2.1.10) is the other witness; take either.
	if v := it.LastVerbExecuted; v == VerbReplyToSender || v == VerbReplyToAll || it.IconIndex == IconReplied {
		out = append(out, imap.FlagAnswered)
	}
	if it.FlagStatus == FlagStatusFlagged {
		out = append(out, imap.FlagFlagged)
	}
	if it.MessageFlags&MsgFlagUnsent != 0 {
		out = append(out, imap.FlagDraft)
	}
	if it.LastVerbExecuted == VerbForward || it.IconIndex == IconForwarded {
		out = append(out, imap.FlagForwarded)
	}
	return out
}

// InternalDate returns the date an IMAP server should file the item under:
// the delivery time, else the submit time, else the creation time; zero
// when the item has none of them.
func InternalDate(it *Item) time.Time {
	switch {
	case it == nil:
		return time.Time{}
	case !it.DeliveryTime.IsZero():
		return it.DeliveryTime
	case !it.SubmitTime.IsZero():
		return it.SubmitTime
	}
	return it.CreationTime
}

// headerDate is the Date: of a synthesized header: when the message was
// sent, else when it arrived, else when it was created.
func headerDate(it *Item) time.Time {
	switch {
	case !it.SubmitTime.IsZero():
		return it.SubmitTime
	case !it.DeliveryTime.IsZero():
		return it.DeliveryTime
	}
	return it.CreationTime
}

// CleanSubject removes the subject prefix markers that PST and MSG
// readers leave in PR_SUBJECT: a leading U+0001 followed by one character
// (the length of the "RE: " prefix, MS-PST 2.5.3.1.1.1 / MS-OXCMSG
// 2.2.1.46), repeated if the writer stacked them. A lone U+0001 at the end
// is dropped too. Nothing else is changed.
func CleanSubject(s string) string {
	for strings.HasPrefix(s, "\x01") {
		s = s[1:]
		if s == "" {
			break
		}
		_, n := utf8.DecodeRuneInString(s)
		s = s[n:]
	}
	return s
}

// IsMail reports whether an item of message class class is mail that
// belongs in an IMAP folder. Calendar items, contacts, distribution lists,
// tasks, notes, journal entries and documents are not; meeting requests
// (IPM.Schedule.Meeting.*), task requests, reports (REPORT.*), posts and
// items without a class are. Classes compare case-insensitively
// (MS-OXCMSG 2.2.1.3).
func IsMail(class string) bool {
	c := strings.ToLower(strings.TrimSpace(class))
	for _, p := range nonMail {
		if c == p || strings.HasPrefix(c, p+".") {
			return false
		}
	}
	return true
}

var nonMail = []string{
	"ipm.appointment",
	"ipm.contact",
	"ipm.distlist",
	"ipm.task",
	"ipm.stickynote",
	"ipm.activity",
	"ipm.document",
	"ipm.olemessage",
	"ipm.configuration",
	"ipm.microsoft.folderdesign",
}
