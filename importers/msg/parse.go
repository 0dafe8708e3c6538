package msg

import (
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mailferry/mailferry/importers/outlook"
	"github.com/richardlehane/mscfb"
)

// The .msg layout (MS-OXMSG): property streams, recipients and
// attachments in a compound file.

// Property types (MS-OXCDATA 2.11.1).
const (
	ptI2      = 0x0002
	ptLong    = 0x0003
	ptBoolean = 0x000B
	ptObject  = 0x000D
	ptI8      = 0x0014
	ptString8 = 0x001E
	ptUnicode = 0x001F
	ptSystime = 0x0040
	ptBinary  = 0x0102
)

// Property IDs (MS-OXPROPS).
const (
	prMessageClass           = 0x001A
	prSubject                = 0x0037
	prClientSubmitTime       = 0x0039
	prSubjectPrefix          = 0x003D
	prSentReprName           = 0x0042
	prSentReprAddrType       = 0x0064
	prSentReprEmail          = 0x0065
	prTransportHeaders       = 0x007D
	prRecipientType          = 0x0C15
	prSenderName             = 0x0C1A
	prSenderAddrType         = 0x0C1E
	prSenderEmail            = 0x0C1F
	prDisplayCc              = 0x0E03
	prDisplayTo              = 0x0E04
	prDeliveryTime           = 0x0E06
	prMessageFlags           = 0x0E07
	prNormalizedSubject      = 0x0E1D
	prBody                   = 0x1000
	prRTFCompressed          = 0x1009
	prHTML                   = 0x1013
	prInternetMessageID      = 0x1035
	prInternetReferences     = 0x1039
	prInReplyTo              = 0x1042
	prIconIndex              = 0x1080
	prLastVerbExecuted       = 0x1081
	prFlagStatus             = 0x1090
	prDisplayName            = 0x3001
	prAddrType               = 0x3002
	prEmailAddress           = 0x3003
	prCreationTime           = 0x3007
	prAttachDataBin          = 0x3701 // PT_BINARY, or PT_OBJECT (embedded message, OLE)
	prAttachFilename         = 0x3704
	prAttachMethod           = 0x3705
	prAttachLongFilename     = 0x3707
	prAttachMimeTag          = 0x370E
	prAttachContentID        = 0x3712
	prAttachFlags            = 0x3714
	prSMTPAddress            = 0x39FE
	prInternetCPID           = 0x3FDE
	prMessageCodepage        = 0x3FFD
	prSenderSMTPAddress      = 0x5D01
	prSentReprSMTPAddress    = 0x5D02
	prRecipientDisplayName   = 0x5FF6
	prAttachmentHidden       = 0x7FFE
	attachMethodEmbedded     = 5
	attachFlagRenderedInBody = 0x4 // ATT_MHTML_REF
)

// Limits on what is read into memory.
const (
	maxPropStream   = 4 << 20   // __properties_version1.0
	maxValueStream  = 128 << 20 // one string or binary property (bodies)
	maxRecipients   = 100000
	maxAttachments  = 10000
	maxEmbedDepth   = outlook.MaxEmbedDepth
	propsHeaderTop  = 32 // MS-OXMSG 2.4.1.1
	propsHeaderEmb  = 24 // 2.4.1.2
	propsHeaderRest = 8  // 2.4.2, 2.4.3: recipients, attachments
)

// props are the properties of one object (message, recipient or
// attachment): fixed-size values from __properties_version1.0 and
// variable-size ones read from __substg1.0_ streams on demand.
type props struct {
	c     *cfb
	st    *storage
	fixed map[uint32][8]byte // by full tag (id<<16 | type)
	cp    int                // code page of PT_STRING8 values
	err   error              // the first error reading a value
}

func (c *cfb) props(st *storage, headerLen int) (*props, error) {
	p := &props{c: c, st: st, fixed: map[uint32][8]byte{}}
	f := st.streams["__PROPERTIES_VERSION1.0"]
	if f == nil {
		// QUIRK: some writers leave out the stream of objects that have
		// no fixed-size properties; the __substg1.0_ streams still count.
		return p, nil
	}
	b, err := c.readStream(f, maxPropStream)
	if err != nil {
		return nil, err
	}
	if len(b) < headerLen {
		return p, nil
	}
	for b = b[headerLen:]; len(b) >= 16; b = b[16:] {
		tag := binary.LittleEndian.Uint32(b[0:4])
		var v [8]byte
		copy(v[:], b[8:16])
		if _, dup := p.fixed[tag]; !dup {
			p.fixed[tag] = v
		}
	}
	return p, nil
}

func (p *props) fail(err error) {
	if p.err == nil {
		p.err = err
	}
}

// value reads the __substg1.0_ stream of a variable-size property.
func (p *props) value(id, typ uint16) ([]byte, bool) {
	name := fmt.Sprintf("__SUBSTG1.0_%04X%04X", id, typ)
	f := p.st.streams[name]
	if f == nil {
		return nil, false
	}
	b, err := p.c.readStream(f, maxValueStream)
	if err != nil {
		p.fail(err)
		return nil, false
	}
	return b, true
}

// str reads a string property, Unicode or 8-bit.
func (p *props) str(id uint16) string {
	if b, ok := p.value(id, ptUnicode); ok {
		return decodeUTF16(b)
	}
	if b, ok := p.value(id, ptString8); ok {
		return outlook.DecodeCodePage(trimNUL(b), p.cp)
	}
	return ""
}

func (p *props) bin(id uint16) []byte {
	b, _ := p.value(id, ptBinary)
	return b
}

func (p *props) i32(id uint16) (int32, bool) {
	if v, ok := p.fixed[uint32(id)<<16|ptLong]; ok {
		return int32(binary.LittleEndian.Uint32(v[:4])), true
	}
	if v, ok := p.fixed[uint32(id)<<16|ptI2]; ok {
		return int32(int16(binary.LittleEndian.Uint16(v[:2]))), true
	}
	return 0, false
}

func (p *props) boolean(id uint16) bool {
	v, ok := p.fixed[uint32(id)<<16|ptBoolean]
	return ok && (v[0] != 0 || v[1] != 0)
}

// filetime bounds: 1970 to 2200; other values are "none" sentinels
// (0, 0x0CB34557A3DD4000 = 4500-08-31) or garbage.
var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

func (p *props) time(id uint16) time.Time {
	v, ok := p.fixed[uint32(id)<<16|ptSystime]
	if !ok {
		return time.Time{}
	}
	return filetime(binary.LittleEndian.Uint64(v[:]))
}

// filetime converts a Windows FILETIME (100 ns since 1601) to UTC.
func filetime(ft uint64) time.Time {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDiff {
		return time.Time{}
	}
	u := ft - epochDiff
	t := time.Unix(int64(u/1e7), int64(u%1e7)*100).UTC()
	if t.Before(minTime) || !t.Before(maxTime) {
		return time.Time{}
	}
	return t
}

func decodeUTF16(b []byte) string {
	if len(b)%2 == 1 {
		b = b[:len(b)-1]
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

func trimNUL(b []byte) []byte {
	for len(b) > 0 && b[len(b)-1] == 0 {
		b = b[:len(b)-1]
	}
	return b
}

// ansiCodePage returns the code page of an object's PT_STRING8 values:
// PR_MESSAGE_CODEPAGE, else one derived from PR_INTERNET_CPID, else the
// parent's (0: unknown).
func ansiCodePage(p *props, parent int) int {
	if v, ok := p.i32(prMessageCodepage); ok && outlook.KnownCodePage(int(v)) {
		return int(v)
	}
	if v, ok := p.i32(prInternetCPID); ok {
		// QUIRK: PR_INTERNET_CPID is the code page of the MIME body; 8-bit
		// MAPI strings use the Windows ANSI page of the same script
		// (ISO-2022-JP and EUC-JP mail is stored by cp932 Outlook).
		switch v {
		case 50220, 50221, 50222, 20932, 51932:
			return 932
		case 51949:
			return 949
		case 52936, 51936:
			return 936
		case 28591, 20127:
			return 1252
		case 65001, 1200, 1201:
			return parent
		}
		if outlook.KnownCodePage(int(v)) {
			return int(v)
		}
	}
	return parent
}

// messageClass reads PR_MESSAGE_CLASS of the top-level message only.
func (c *cfb) messageClass() (string, error) {
	p, err := c.props(c.root, propsHeaderTop)
	if err != nil {
		return "", err
	}
	p.cp = ansiCodePage(p, 0)
	s := p.str(prMessageClass)
	return s, p.err
}

// item reads the top-level message.
func (c *cfb) item() (*outlook.Item, error) {
	return c.message(c.root, propsHeaderTop, 0, 0)
}

// message reads the message in storage st (the root, or an attachment's
// __substg1.0_3701000D).
func (c *cfb) message(st *storage, headerLen, depth, parentCP int) (*outlook.Item, error) {
	if depth > maxEmbedDepth {
		return nil, fmt.Errorf("embedded messages nested deeper than %d", maxEmbedDepth)
	}
	p, err := c.props(st, headerLen)
	if err != nil {
		return nil, err
	}
	p.cp = ansiCodePage(p, parentCP)
	it := &outlook.Item{
		MessageClass:     p.str(prMessageClass),
		TransportHeaders: p.str(prTransportHeaders),
		Subject:          outlook.CleanSubject(p.str(prSubject)),
		DisplayTo:        p.str(prDisplayTo),
		DisplayCc:        p.str(prDisplayCc),
		MessageID:        p.str(prInternetMessageID),
		InReplyTo:        p.str(prInReplyTo),
		References:       p.str(prInternetReferences),
		SubmitTime:       p.time(prClientSubmitTime),
		DeliveryTime:     p.time(prDeliveryTime),
		CreationTime:     p.time(prCreationTime),
		Body:             p.str(prBody),
		RTFCompressed:    p.bin(prRTFCompressed),
	}
	if it.Subject == "" {
		// QUIRK: writers may store only the parts (MS-OXCMSG 2.2.1.46).
		it.Subject = p.str(prSubjectPrefix) + p.str(prNormalizedSubject)
	}
	it.Sender = address(p, prSenderName, prSenderEmail, prSenderSMTPAddress)
	it.From = address(p, prSentReprName, prSentReprEmail, prSentReprSMTPAddress)
	if it.From == (outlook.Address{}) {
		it.From = it.Sender
	}
	if v, ok := p.i32(prMessageFlags); ok {
		it.MessageFlags = uint32(v)
	}
	it.IconIndex, _ = p.i32(prIconIndex)
	it.FlagStatus, _ = p.i32(prFlagStatus)
	it.LastVerbExecuted, _ = p.i32(prLastVerbExecuted)
	c.html(p, it)
	if p.err != nil {
		return nil, p.err
	}
	if err := c.recipients(st, p.cp, it); err != nil {
		return nil, err
	}
	if err := c.attachments(st, p.cp, depth, it); err != nil {
		return nil, err
	}
	return it, nil
}

// html reads PR_HTML and names its charset (PR_INTERNET_CPID). HTML in
// an unknown or UTF-16 code page is converted to UTF-8.
func (c *cfb) html(p *props, it *outlook.Item) {
	h, ok := p.value(prHTML, ptBinary)
	if !ok {
		// QUIRK: some writers store PR_HTML as PT_STRING8.
		if h, ok = p.value(prHTML, ptString8); ok {
			h = trimNUL(h)
		}
	}
	if len(h) == 0 {
		return
	}
	cpid := 0
	if v, ok := p.i32(prInternetCPID); ok {
		cpid = int(v)
	}
	switch cs := outlook.CodePageCharset(cpid); {
	case cs != "" && cpid != 1200 && cpid != 1201:
		it.HTML, it.HTMLCharset = h, cs
	case utf8.Valid(h) && cpid != 1200 && cpid != 1201:
		it.HTML, it.HTMLCharset = h, "utf-8"
	default:
		it.HTML, it.HTMLCharset = []byte(outlook.DecodeCodePage(h, cpid)), "utf-8"
	}
}

// address reads a sender-style address: the SMTP address when there is
// one, else the e-mail address of any type (an Exchange DN is kept for
// outlook.Build to show as a name).
func address(p *props, nameID, emailID, smtpID uint16) outlook.Address {
	a := outlook.Address{Name: strings.TrimSpace(p.str(nameID))}
	if s := strings.TrimSpace(p.str(smtpID)); s != "" {
		a.Address = s
		return a
	}
	a.Address = strings.TrimSpace(p.str(emailID))
	return a
}

// numbered returns the sub-storages whose names start with prefix and end
// in an 8-digit hex number, in number order.
func numbered(st *storage, prefix string) []*storage {
	type ent struct {
		n  uint64
		st *storage
	}
	var es []ent
	for key, s := range st.children {
		if !strings.HasPrefix(key, prefix) {
			continue
		}
		n, err := strconv.ParseUint(key[len(prefix):], 16, 32)
		if err != nil {
			continue
		}
		es = append(es, ent{n, s})
	}
	sort.Slice(es, func(i, j int) bool { return es[i].n < es[j].n })
	out := make([]*storage, len(es))
	for i, e := range es {
		out[i] = e.st
	}
	return out
}

func (c *cfb) recipients(st *storage, cp int, it *outlook.Item) error {
	rs := numbered(st, "__RECIP_VERSION1.0_#")
	if len(rs) > maxRecipients {
		return fmt.Errorf("%d recipients, more than %d", len(rs), maxRecipients)
	}
	for _, rst := range rs {
		p, err := c.props(rst, propsHeaderRest)
		if err != nil {
			return fmt.Errorf("recipient %s: %w", rst.name, err)
		}
		p.cp = cp
		typ, ok := p.i32(prRecipientType)
		name := p.str(prDisplayName)
		if name == "" {
			name = p.str(prRecipientDisplayName)
		}
		a := outlook.Address{Name: strings.TrimSpace(name), Address: strings.TrimSpace(p.str(prSMTPAddress))}
		if a.Address == "" {
			a.Address = strings.TrimSpace(p.str(prEmailAddress))
		}
		if p.err != nil {
			return fmt.Errorf("recipient %s: %w", rst.name, p.err)
		}
		outlook.AddRecipient(it, typ, ok, a)
	}
	return nil
}

func (c *cfb) attachments(st *storage, cp, depth int, it *outlook.Item) error {
	as := numbered(st, "__ATTACH_VERSION1.0_#")
	if len(as) > maxAttachments {
		return fmt.Errorf("%d attachments, more than %d", len(as), maxAttachments)
	}
	for _, ast := range as {
		p, err := c.props(ast, propsHeaderRest)
		if err != nil {
			return fmt.Errorf("attachment %s: %w", ast.name, err)
		}
		p.cp = cp
		a := outlook.Attachment{
			Filename:  p.str(prAttachLongFilename),
			MimeType:  strings.TrimSpace(p.str(prAttachMimeTag)),
			ContentID: strings.TrimSpace(p.str(prAttachContentID)),
		}
		if a.Filename == "" {
			a.Filename = p.str(prAttachFilename)
		}
		if a.Filename == "" {
			a.Filename = p.str(prDisplayName)
		}
		a.Method, _ = p.i32(prAttachMethod)
		flags, _ := p.i32(prAttachFlags)
		a.Inline = p.boolean(prAttachmentHidden) && a.ContentID != "" || flags&attachFlagRenderedInBody != 0
		if p.err != nil {
			return fmt.Errorf("attachment %q: %w", a.Filename, p.err)
		}
		if f := ast.streams[fmt.Sprintf("__SUBSTG1.0_%04X%04X", prAttachDataBin, ptBinary)]; f != nil {
			if f.Size > c.size {
				return fmt.Errorf("attachment %q: stream claims %d bytes in a %d-byte file", a.Filename, f.Size, c.size)
			}
			a.Size = f.Size
			a.Open = c.opener(f)
		}
		if emb := ast.children[fmt.Sprintf("__SUBSTG1.0_%04X%04X", prAttachDataBin, ptObject)]; emb != nil && a.Method == attachMethodEmbedded {
			e, err := c.message(emb, propsHeaderEmb, depth+1, cp)
			if err != nil {
				return fmt.Errorf("attachment %q (embedded message): %w", a.Filename, err)
			}
			a.Embedded = e
			if a.Filename == "" {
				a.Filename = embeddedName(e)
			}
		}
		it.Attachments = append(it.Attachments, a)
	}
	return nil
}

func (c *cfb) opener(f *mscfb.File) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return c.open(f), nil }
}

// embeddedName names an embedded message that has no file name after its
// subject, as Outlook shows it.
func embeddedName(e *outlook.Item) string {
	s := strings.TrimSpace(e.Subject)
	if s == "" {
		return ""
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, s) + ".eml"
}
