// Package outlook turns Outlook items (from a PST/OST store or a .msg file)
// into faithful RFC 5322 messages. Readers of the two containers fill an
// Item from MAPI properties; Build writes the message.
package outlook

import (
	"io"
	"time"
)

// Item is one Outlook item as read from MAPI properties. Strings are UTF-8
// (readers decode ANSI strings with the store's code page, e.g. 932 for
// Japanese stores). Zero values mean "absent".
type Item struct {
	// MessageClass is PR_MESSAGE_CLASS ("IPM.Note", "IPM.Note.SMIME",
	// "IPM.Appointment", ...).
	MessageClass string
	// TransportHeaders is PR_TRANSPORT_MESSAGE_HEADERS: the original
	// header block of a received message, or "" for sent/drafted mail.
	TransportHeaders string

	Subject   string // PR_SUBJECT with the 0x01 0xNN prefix marker removed
	From      Address
	Sender    Address
	To, Cc    []Address // from the recipient table (or display strings when the table is absent)
	Bcc       []Address
	DisplayTo string // PR_DISPLAY_TO etc., used when there is no recipient table
	DisplayCc string

	MessageID  string // PR_INTERNET_MESSAGE_ID
	InReplyTo  string // PR_IN_REPLY_TO_ID
	References string // PR_INTERNET_REFERENCES

	SubmitTime   time.Time // PR_CLIENT_SUBMIT_TIME
	DeliveryTime time.Time // PR_MESSAGE_DELIVERY_TIME
	CreationTime time.Time

	// Bodies. Body is PR_BODY (plain text), HTML is PR_HTML (bytes in
	// HTMLCharset, or UTF-8 when empty); RTFCompressed is PR_RTF_COMPRESSED.
	Body          string
	HTML          []byte
	HTMLCharset   string
	RTFCompressed []byte

	// MessageFlags is PR_MESSAGE_FLAGS (0x1 read, 0x8 unsent/draft ...).
	MessageFlags uint32
	// IconIndex is PR_ICON_INDEX (0x105 replied, 0x106 forwarded).
	IconIndex int32
	// FlagStatus is PR_FLAG_STATUS (2 = flagged, 1 = complete).
	FlagStatus int32
	// LastVerbExecuted is PR_LAST_VERB_EXECUTED (102/103 replied, 104 forwarded).
	LastVerbExecuted int32

	Attachments []Attachment
}

// Address is a display name and an e-mail address (SMTP, or the EX address
// when nothing better is stored).
type Address struct {
	Name    string
	Address string
}

// Attachment is one attachment of an Item.
type Attachment struct {
	// Filename is PR_ATTACH_LONG_FILENAME, else PR_ATTACH_FILENAME.
	Filename  string
	MimeType  string // PR_ATTACH_MIME_TAG, may be empty
	ContentID string // PR_ATTACH_CONTENT_ID, for inline images
	Inline    bool
	// Method is PR_ATTACH_METHOD (1 by value, 5 embedded message, 6 OLE).
	Method int32
	// Open returns the attachment's bytes (method 1); nil when absent.
	Open func() (io.ReadCloser, error)
	Size int64
	// Embedded is the embedded message for method 5.
	Embedded *Item
}
