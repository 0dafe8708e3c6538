package outlook

// PidTagRecipientType (0x0C15, MS-OXOMSG 2.2.3.1, MAPI PR_RECIPIENT_TYPE):
// a type value (0 originator, 1 To, 2 Cc, 3 Bcc) ORed with resend flags.
const (
	RecipientP1        = 0x10000000 // MAPI_P1: a resend copy of a recipient that also stands with its type
	RecipientSubmitted = 0x80000000 // MAPI_SUBMITTED: already delivered before a resend; still a recipient
)

// AddRecipient files a into it.To, Cc or Bcc by its PidTagRecipientType
// typ (ok false: the property is missing, which reads as To). The flag
// bits are masked off; a MAPI_P1 entry is left out: it repeats a recipient
// the table lists anyway (with MAPI_SUBMITTED or without). Any other
// value, the originator (0) included, is filed under To so that no
// address is lost.
func AddRecipient(it *Item, typ int32, ok bool, a Address) {
	if !ok {
		typ = 1
	}
	t := uint32(typ)
	if t&RecipientP1 != 0 {
		return
	}
	switch t &^ (RecipientP1 | RecipientSubmitted) {
	case 2:
		it.Cc = append(it.Cc, a)
	case 3:
		it.Bcc = append(it.Bcc, a)
	default:
		it.To = append(it.To, a)
	}
}
