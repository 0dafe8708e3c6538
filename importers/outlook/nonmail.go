package outlook

// nonmail.go reads the Outlook items that are not mail (contacts,
// distribution lists, appointments, tasks, sticky notes, journal entries)
// and writes them in the formats readpst writes: vCard 3.0 for contacts
// (and distribution lists, which readpst does not write), iCalendar for
// appointments (VEVENT), tasks (VTODO) and journal entries (VJOURNAL),
// plain text for sticky notes.

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// NonMailKind is the kind of an item of class that is not mail, as
// importers.SkipError names it: "contact", "distribution-list",
// "appointment", "task", "note", "journal", "document" (documents, OLE
// messages), "other" (configuration items, form designs); "" for mail
// (IsMail).
func NonMailKind(class string) string {
	if IsMail(class) {
		return ""
	}
	c := strings.ToLower(strings.TrimSpace(class))
	for _, k := range []struct{ prefix, kind string }{
		{"ipm.contact", "contact"},
		{"ipm.distlist", "distribution-list"},
		{"ipm.appointment", "appointment"},
		{"ipm.task", "task"},
		{"ipm.stickynote", "note"},
		{"ipm.activity", "journal"},
		{"ipm.document", "document"},
		{"ipm.olemessage", "document"},
	} {
		if c == k.prefix || strings.HasPrefix(c, k.prefix+".") {
			return k.kind
		}
	}
	return "other"
}

// Props reads the MAPI properties of one item. The PST and MSG readers
// implement it; absent properties read as zero values.
type Props interface {
	String(id uint16) string
	Time(id uint16) time.Time
	Int32(id uint16) (int32, bool)
	Bool(id uint16) bool
	Float(id uint16) (float64, bool)
	// MVBinary returns a PT_MV_BINARY property's values.
	MVBinary(id uint16) [][]byte
	// Named returns the property ID of the numeric named property
	// (guid, lid), 0 when the store maps none.
	Named(guid [16]byte, lid uint32) uint16
}

// Property sets of named properties (MS-OXPROPS 1.3.2).
var (
	PSETIDAddress     = guid(0x00062004)
	PSETIDAppointment = guid(0x00062002)
	PSETIDTask        = guid(0x00062003)
	PSETIDLog         = guid(0x0006200A)
	PSETIDCommon      = guid(0x00062008)
)

// guid is {XXXXXXXX-0000-0000-C000-000000000046} in its byte order.
func guid(d1 uint32) (g [16]byte) {
	g[0], g[1], g[2], g[3] = byte(d1), byte(d1>>8), byte(d1>>16), byte(d1>>24)
	g[8] = 0xC0
	g[15] = 0x46
	return g
}

// Named property LIDs used here.
const (
	LidFileUnder        = 0x8005
	LidHomeAddress      = 0x801A
	LidWorkAddress      = 0x801B
	LidOtherAddress     = 0x801C
	LidEmail1Address    = 0x8083
	LidEmail2Address    = 0x8093
	LidEmail3Address    = 0x80A3
	LidDistListName     = 0x8053
	LidDistListOneOff   = 0x8054
	LidDistListMembers  = 0x8055
	LidBusyStatus       = 0x8205
	LidLocation         = 0x8208
	LidAppointmentStart = 0x820D
	LidAppointmentEnd   = 0x820E
	LidAllDay           = 0x8215
	LidTaskStatus       = 0x8101
	LidPercentComplete  = 0x8102
	LidTaskStartDate    = 0x8104
	LidTaskDueDate      = 0x8105
	LidTaskDateDone     = 0x810F
	LidTaskComplete     = 0x811C
	LidLogStart         = 0x8706
	LidLogEnd           = 0x8708
	LidLogType          = 0x8700
)

// Tagged (not named) properties used here (MS-OXPROPS).
const (
	tagSubject          = 0x0037
	tagStartDate        = 0x0060
	tagEndDate          = 0x0061
	tagBody             = 0x1000
	tagDisplayName      = 0x3001
	tagEmailAddress     = 0x3003
	tagCreationTime     = 0x3007
	tagLastModification = 0x3008
	tagGeneration       = 0x3A05
	tagGivenName        = 0x3A06
	tagBusinessPhone    = 0x3A08
	tagHomePhone        = 0x3A09
	tagSurname          = 0x3A11
	tagCompanyName      = 0x3A16
	tagTitle            = 0x3A17
	tagPrimaryPhone     = 0x3A1A
	tagBusinessPhone2   = 0x3A1B
	tagMobilePhone      = 0x3A1C
	tagRadioPhone       = 0x3A1D
	tagCarPhone         = 0x3A1E
	tagOtherPhone       = 0x3A1F
	tagPagerPhone       = 0x3A21
	tagPrimaryFax       = 0x3A23
	tagBusinessFax      = 0x3A24
	tagHomeFax          = 0x3A25
	tagBusinessCountry  = 0x3A26
	tagBusinessCity     = 0x3A27
	tagBusinessState    = 0x3A28
	tagBusinessStreet   = 0x3A29
	tagBusinessPostal   = 0x3A2A
	tagBusinessPOBox    = 0x3A2B
	tagTelex            = 0x3A2C
	tagISDN             = 0x3A2D
	tagHomePhone2       = 0x3A2F
	tagBirthday         = 0x3A42
	tagMiddleName       = 0x3A44
	tagPrefix           = 0x3A45
	tagProfession       = 0x3A46
	tagNickname         = 0x3A4F
	tagHomeCity         = 0x3A59
	tagHomeCountry      = 0x3A5A
	tagHomePostal       = 0x3A5B
	tagHomeState        = 0x3A5C
	tagHomeStreet       = 0x3A5D
	tagHomePOBox        = 0x3A5E
)

// NonMail is an item that is not mail, with the fields the vCard and
// iCalendar files carry. Strings are UTF-8.
type NonMail struct {
	Kind    string // NonMailKind
	Class   string
	Subject string
	Body    string

	Created, Modified time.Time

	// Contacts and distribution lists.
	FullName, FileAs                               string
	Surname, GivenName, MiddleName, Prefix, Suffix string
	Nickname, Company, JobTitle, Profession        string
	Emails                                         []string
	Phones                                         []Phone
	Birthday                                       time.Time
	Addresses                                      []PostalAddress
	Members                                        []Address // distribution list members

	// Appointments, tasks, journal entries.
	Start, End  time.Time
	Location    string
	BusyStatus  int32 // 0 free, 1 tentative, 2 busy, 3 out of office; -1 absent
	Due         time.Time
	Completed   time.Time
	Done        bool
	Percent     float64
	JournalType string
}

// Phone is a telephone number with its vCard TYPE list.
type Phone struct {
	Types  string // "work,voice"
	Number string
}

// PostalAddress is one address of a contact.
type PostalAddress struct {
	Type                                        string // home, work, postal
	POBox, Street, City, State, Postal, Country string
	Label                                       string // the full address as Outlook shows it
}

// ReadNonMail reads an item of class (not mail) from its properties.
func ReadNonMail(class string, p Props) *NonMail {
	n := &NonMail{Kind: NonMailKind(class), Class: class, BusyStatus: -1}
	named := func(set [16]byte, lid uint32) uint16 { return p.Named(set, lid) }
	nstr := func(set [16]byte, lid uint32) string {
		if id := named(set, lid); id != 0 {
			return p.String(id)
		}
		return ""
	}
	ntime := func(set [16]byte, lid uint32) time.Time {
		if id := named(set, lid); id != 0 {
			return p.Time(id)
		}
		return time.Time{}
	}
	n.Subject = p.String(tagSubject)
	n.Body = p.String(tagBody)
	n.Created = p.Time(tagCreationTime)
	n.Modified = p.Time(tagLastModification)
	switch n.Kind {
	case "contact", "distribution-list":
		n.FullName = p.String(tagDisplayName)
		n.FileAs = nstr(PSETIDAddress, LidFileUnder)
		if n.FullName == "" {
			n.FullName = n.FileAs
		}
		if n.FullName == "" {
			n.FullName = n.Subject
		}
		n.Surname, n.GivenName, n.MiddleName = p.String(tagSurname), p.String(tagGivenName), p.String(tagMiddleName)
		n.Prefix, n.Suffix, n.Nickname = p.String(tagPrefix), p.String(tagGeneration), p.String(tagNickname)
		n.Company, n.JobTitle, n.Profession = p.String(tagCompanyName), p.String(tagTitle), p.String(tagProfession)
		n.Birthday = p.Time(tagBirthday)
		for _, lid := range []uint32{LidEmail1Address, LidEmail2Address, LidEmail3Address} {
			if e := nstr(PSETIDAddress, lid); e != "" {
				n.Emails = append(n.Emails, e)
			}
		}
		if len(n.Emails) == 0 {
			// libpst reads PR_EMAIL_ADDRESS as the first address too.
			if e := p.String(tagEmailAddress); e != "" {
				n.Emails = append(n.Emails, e)
			}
		}
		for _, ph := range []struct {
			id    uint16
			types string
		}{
			{tagBusinessFax, "work,fax"}, {tagBusinessPhone, "work,voice"}, {tagBusinessPhone2, "work,voice"},
			{tagCarPhone, "car,voice"}, {tagHomeFax, "home,fax"}, {tagHomePhone, "home,voice"}, {tagHomePhone2, "home,voice"},
			{tagISDN, "isdn"}, {tagMobilePhone, "cell,voice"}, {tagOtherPhone, "msg"}, {tagPagerPhone, "pager"},
			{tagPrimaryFax, "fax,pref"}, {tagPrimaryPhone, "voice,pref"}, {tagRadioPhone, "pcs"}, {tagTelex, "bbs"},
		} {
			if v := p.String(ph.id); v != "" {
				n.Phones = append(n.Phones, Phone{Types: ph.types, Number: v})
			}
		}
		home := PostalAddress{Type: "home", POBox: p.String(tagHomePOBox), Street: p.String(tagHomeStreet), City: p.String(tagHomeCity),
			State: p.String(tagHomeState), Postal: p.String(tagHomePostal), Country: p.String(tagHomeCountry), Label: nstr(PSETIDAddress, LidHomeAddress)}
		work := PostalAddress{Type: "work", POBox: p.String(tagBusinessPOBox), Street: p.String(tagBusinessStreet), City: p.String(tagBusinessCity),
			State: p.String(tagBusinessState), Postal: p.String(tagBusinessPostal), Country: p.String(tagBusinessCountry), Label: nstr(PSETIDAddress, LidWorkAddress)}
		other := PostalAddress{Type: "postal", Label: nstr(PSETIDAddress, LidOtherAddress)}
		for _, a := range []PostalAddress{home, work, other} {
			if a != (PostalAddress{Type: a.Type}) {
				n.Addresses = append(n.Addresses, a)
			}
		}
		if n.Kind == "distribution-list" {
			if v := nstr(PSETIDAddress, LidDistListName); v != "" && n.FullName == "" {
				n.FullName = v
			}
			if id := named(PSETIDAddress, LidDistListOneOff); id != 0 {
				for _, e := range p.MVBinary(id) {
					if a, ok := OneOffEntryID(e); ok {
						n.Members = append(n.Members, a)
					}
				}
			}
			if len(n.Members) == 0 {
				if id := named(PSETIDAddress, LidDistListMembers); id != 0 {
					for _, e := range p.MVBinary(id) {
						if a, ok := OneOffEntryID(e); ok {
							n.Members = append(n.Members, a)
						}
					}
				}
			}
		}
	case "appointment":
		n.Start = ntime(PSETIDAppointment, LidAppointmentStart)
		n.End = ntime(PSETIDAppointment, LidAppointmentEnd)
		if n.Start.IsZero() {
			n.Start = p.Time(tagStartDate)
		}
		if n.End.IsZero() {
			n.End = p.Time(tagEndDate)
		}
		n.Location = nstr(PSETIDAppointment, LidLocation)
		if id := named(PSETIDAppointment, LidBusyStatus); id != 0 {
			if v, ok := p.Int32(id); ok {
				n.BusyStatus = v
			}
		}
	case "task":
		n.Start = ntime(PSETIDTask, LidTaskStartDate)
		n.Due = ntime(PSETIDTask, LidTaskDueDate)
		n.Completed = ntime(PSETIDTask, LidTaskDateDone)
		if id := named(PSETIDTask, LidTaskComplete); id != 0 {
			n.Done = p.Bool(id)
		}
		if id := named(PSETIDTask, LidPercentComplete); id != 0 {
			n.Percent, _ = p.Float(id)
		}
	case "journal":
		n.Start = ntime(PSETIDLog, LidLogStart)
		n.End = ntime(PSETIDLog, LidLogEnd)
		n.JournalType = nstr(PSETIDLog, LidLogType)
	}
	return n
}

// OneOffEntryID parses a one-off entry ID (MS-OXCDATA 2.2.5.1): a display
// name, an address type and an address, Unicode or 8-bit. A wrapped entry
// ID of a distribution list member that is not one-off is not read.
func OneOffEntryID(b []byte) (Address, bool) {
	oneOff := []byte{0x81, 0x2B, 0x1F, 0xA4, 0xBE, 0xA3, 0x10, 0x19, 0x9D, 0x6E, 0x00, 0xDD, 0x01, 0x0F, 0x54, 0x02}
	// A WrappedEntryId (MS-OXOCNTC 2.2.1.2.4) of a one-off address: skip its
	// 21-byte header (flags, provider, type) when it wraps one.
	if len(b) >= 21+20 && bytes.Equal(b[21+4:21+20], oneOff) {
		b = b[21:]
	}
	if len(b) < 24 || !bytes.Equal(b[4:20], oneOff) {
		return Address{}, false
	}
	flags := uint16(b[22]) | uint16(b[23])<<8
	rest := b[24:]
	var fields []string
	for i := 0; i < 3; i++ {
		var s string
		if flags&0x8000 != 0 {
			var u []uint16
			j := 0
			for ; j+1 < len(rest); j += 2 {
				c := uint16(rest[j]) | uint16(rest[j+1])<<8
				if c == 0 {
					break
				}
				u = append(u, c)
			}
			s = string(utf16.Decode(u))
			rest = rest[min(j+2, len(rest)):]
		} else {
			j := bytes.IndexByte(rest, 0)
			if j < 0 {
				j = len(rest)
			}
			s = decodeLatin1OrUTF8(rest[:j])
			rest = rest[min(j+1, len(rest)):]
		}
		fields = append(fields, s)
	}
	return Address{Name: fields[0], Address: fields[2]}, fields[2] != "" || fields[0] != ""
}

func decodeLatin1OrUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}

// Ext is the file extension Write uses: ".vcf", ".ics" or ".txt"; "" for
// kinds that are not written (documents, other).
func (n *NonMail) Ext() string {
	switch n.Kind {
	case "contact", "distribution-list":
		return ".vcf"
	case "appointment", "task", "journal":
		return ".ics"
	case "note":
		return ".txt"
	}
	return ""
}

// Title names the item for file names and messages: the contact's name,
// else the subject.
func (n *NonMail) Title() string {
	for _, s := range []string{n.FullName, n.FileAs, n.Subject} {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// Write writes the item in the format of Ext; uid is the iCalendar UID
// (stable across runs). The output depends only on the item.
func (n *NonMail) Write(uid string) []byte {
	var w contentLines
	switch n.Kind {
	case "contact", "distribution-list":
		n.vcard(&w)
	case "appointment", "task", "journal":
		n.ical(&w, uid)
	case "note":
		s := n.Subject
		body := strings.ReplaceAll(n.Body, "\r\n", "\n")
		if s != "" && !strings.HasPrefix(body, s) {
			body = s + "\n\n" + body
		}
		if !strings.HasSuffix(body, "\n") {
			body += "\n"
		}
		return []byte(body)
	}
	return w.Bytes()
}

// contentLines writes content lines folded at 75 octets (RFC 2425 5.8.1,
// RFC 5545 3.1), CRLF-terminated, never splitting a UTF-8 sequence.
type contentLines struct{ bytes.Buffer }

func (w *contentLines) line(s string) {
	first := true
	for len(s) > 0 {
		max := 75
		if !first {
			max = 74
			w.WriteByte(' ')
		}
		if len(s) <= max {
			w.WriteString(s)
			break
		}
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.WriteString(s[:cut])
		w.WriteString("\r\n")
		s = s[cut:]
		first = false
	}
	w.WriteString("\r\n")
}

// escape escapes a text value (RFC 2426 5, RFC 5545 3.3.11): backslash,
// comma, semicolon and newlines.
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', ',', ';':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (n *NonMail) vcard(w *contentLines) {
	w.line("BEGIN:VCARD")
	w.line("VERSION:3.0")
	w.line("FN:" + escapeText(n.Title()))
	w.line("N:" + strings.Join([]string{escapeText(n.Surname), escapeText(n.GivenName), escapeText(n.MiddleName), escapeText(n.Prefix), escapeText(n.Suffix)}, ";"))
	if n.Nickname != "" {
		w.line("NICKNAME:" + escapeText(n.Nickname))
	}
	for _, e := range n.Emails {
		w.line("EMAIL;TYPE=INTERNET:" + escapeText(e))
	}
	if !n.Birthday.IsZero() {
		w.line("BDAY:" + n.Birthday.UTC().Format("2006-01-02"))
	}
	for _, a := range n.Addresses {
		w.line("ADR;TYPE=" + a.Type + ":" + strings.Join([]string{escapeText(a.POBox), "", escapeText(a.Street), escapeText(a.City), escapeText(a.State), escapeText(a.Postal), escapeText(a.Country)}, ";"))
		if a.Label != "" {
			w.line("LABEL;TYPE=" + a.Type + ":" + escapeText(a.Label))
		}
	}
	for _, p := range n.Phones {
		w.line("TEL;TYPE=" + p.Types + ":" + escapeText(p.Number))
	}
	if n.JobTitle != "" {
		w.line("TITLE:" + escapeText(n.JobTitle))
	}
	if n.Profession != "" {
		w.line("ROLE:" + escapeText(n.Profession))
	}
	if n.Company != "" {
		w.line("ORG:" + escapeText(n.Company))
	}
	if n.Kind == "distribution-list" {
		// vCard 3.0 has no groups; this is the extension Apple Contacts
		// and others import.
		w.line("X-ADDRESSBOOKSERVER-KIND:group")
		var names []string
		for _, m := range n.Members {
			if m.Address != "" {
				w.line("X-ADDRESSBOOKSERVER-MEMBER:mailto:" + m.Address)
			}
			names = append(names, formatMember(m))
		}
		if len(names) > 0 {
			body := "Members:\n" + strings.Join(names, "\n")
			if n.Body != "" {
				body = n.Body + "\n\n" + body
			}
			w.line("NOTE:" + escapeText(body))
		} else if n.Body != "" {
			w.line("NOTE:" + escapeText(n.Body))
		}
	} else if n.Body != "" {
		w.line("NOTE:" + escapeText(n.Body))
	}
	w.line("END:VCARD")
}

func formatMember(a Address) string {
	switch {
	case a.Name != "" && a.Address != "":
		return a.Name + " <" + a.Address + ">"
	case a.Address != "":
		return a.Address
	}
	return a.Name
}

func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

func (n *NonMail) ical(w *contentLines, uid string) {
	comp := map[string]string{"appointment": "VEVENT", "task": "VTODO", "journal": "VJOURNAL"}[n.Kind]
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:-//mailferry//Outlook items//EN")
	w.line("BEGIN:" + comp)
	w.line("UID:" + uid)
	// DTSTAMP is required; the item's own times keep the file the same
	// on every run (readpst writes the time of the run when it has none).
	stamp := n.Created
	for _, t := range []time.Time{n.Modified, n.Start, n.Due} {
		if stamp.IsZero() {
			stamp = t
		}
	}
	if stamp.IsZero() {
		stamp = time.Unix(0, 0)
	}
	w.line("DTSTAMP:" + icalTime(stamp))
	if !n.Created.IsZero() {
		w.line("CREATED:" + icalTime(n.Created))
	}
	if !n.Modified.IsZero() {
		w.line("LAST-MODIFIED:" + icalTime(n.Modified))
	}
	if n.Subject != "" {
		w.line("SUMMARY:" + escapeText(n.Subject))
	}
	if n.Body != "" {
		w.line("DESCRIPTION:" + escapeText(n.Body))
	}
	if !n.Start.IsZero() {
		w.line("DTSTART:" + icalTime(n.Start))
	}
	switch n.Kind {
	case "appointment":
		if !n.End.IsZero() && !n.End.Before(n.Start) {
			w.line("DTEND:" + icalTime(n.End))
		}
		if n.Location != "" {
			w.line("LOCATION:" + escapeText(n.Location))
		}
		switch n.BusyStatus {
		case 0:
			w.line("TRANSP:TRANSPARENT")
			w.line("STATUS:CONFIRMED")
		case 1:
			w.line("STATUS:TENTATIVE")
		case 2, 3:
			w.line("STATUS:CONFIRMED")
		}
	case "task":
		if !n.Due.IsZero() && (n.Start.IsZero() || !n.Due.Before(n.Start)) {
			w.line("DUE:" + icalTime(n.Due))
		}
		if n.Done {
			w.line("STATUS:COMPLETED")
			w.line("PERCENT-COMPLETE:100")
			if !n.Completed.IsZero() {
				w.line("COMPLETED:" + icalTime(n.Completed))
			}
		} else if n.Percent > 0 {
			w.line(fmt.Sprintf("PERCENT-COMPLETE:%d", int(n.Percent*100+0.5)))
		}
	case "journal":
		if n.JournalType != "" {
			w.line("CATEGORIES:" + escapeText(n.JournalType))
		}
	}
	w.line("END:" + comp)
	w.line("END:VCALENDAR")
}
