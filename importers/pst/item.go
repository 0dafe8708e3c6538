package pst

// item.go fills an outlook.Item from a message node: its property context,
// its recipient table and its attachments (recursively for embedded
// messages).

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/mailferry/mailferry/importers/outlook"
)

// maxEmbedDepth bounds messages embedded in messages, as outlook.Build
// does.
const maxEmbedDepth = outlook.MaxEmbedDepth

// maxParts bounds the attachments of an item, counting those of its
// embedded messages: a damaged file can make embedded messages share
// subnodes, so that a small file describes an exponential tree.
const maxParts = 100000

// budget counts the parts an item may still have.
type budget struct{ left int }

// props reads properties with a sticky error: the first failure is kept
// and later reads return zero values, so filling an Item stays readable
// and a damaged property still fails the item.
type props struct {
	p   *pc
	cp  int
	err error
}

func (r *props) get(id uint16) (value, bool) {
	if r.err != nil {
		return value{}, false
	}
	v, ok, err := r.p.get(id)
	if err != nil {
		r.err = err
		return value{}, false
	}
	return v, ok
}

func (r *props) str(id uint16) string {
	v, ok := r.get(id)
	if !ok {
		return ""
	}
	return v.str(r.cp)
}

func (r *props) i32(id uint16) int32 {
	v, ok := r.get(id)
	if !ok {
		return 0
	}
	return v.int32()
}

func (r *props) bytes(id uint16) []byte {
	v, ok := r.get(id)
	if !ok {
		return nil
	}
	return v.data
}

// codepageOf picks the code page of a message's 8-bit (PT_STRING8)
// strings: PR_MESSAGE_CODEPAGE, else the Windows code page of the same
// script as PR_INTERNET_CPID, else def.
//
// QUIRK: PR_INTERNET_CPID is the charset of the internet message (50220
// ISO-2022-JP for most Japanese mail), but 8-bit strings in the store are in
// the writer's Windows code page (932). readpst decodes them with the
// internet charset and garbles them.
func codepageOf(p *pc, def int) int {
	if v, ok, err := p.get(pidMessageCodepage); err == nil && ok {
		if cp := int(v.int32()); knownCodepage(cp) {
			return cp
		}
	}
	if v, ok, err := p.get(pidInternetCPID); err == nil && ok {
		if cp := ansiCodepage(int(v.int32())); cp != 0 {
			return cp
		}
	}
	return def
}

// readItem reads the message node n. depth counts embedding levels.
func (s *store) readItem(n *node, depth int, b *budget) (*outlook.Item, error) {
	p, err := n.pc()
	if err != nil {
		return nil, err
	}
	return s.itemFromPC(n, p, depth, b)
}

// itemFromPC is readItem for a node whose property context is read. b is
// nil for a top-level item.
func (s *store) itemFromPC(n *node, p *pc, depth int, b *budget) (*outlook.Item, error) {
	if b == nil {
		b = &budget{left: maxParts}
	}
	r := &props{p: p, cp: codepageOf(p, s.cp)}
	it := &outlook.Item{
		MessageClass:     r.str(pidMessageClass),
		TransportHeaders: r.str(pidTransportHeaders),
		Subject:          cleanSubject(r.str(pidSubject)),
		From:             r.address(pidSentRepName, pidSentRepEmail, pidSentRepAddrType, pidSentRepSMTP),
		Sender:           r.address(pidSenderName, pidSenderEmail, pidSenderAddrType, pidSenderSMTP),
		DisplayTo:        r.str(pidDisplayTo),
		DisplayCc:        r.str(pidDisplayCc),
		MessageID:        strings.TrimSpace(r.str(pidMessageID)),
		InReplyTo:        strings.TrimSpace(r.str(pidInReplyTo)),
		References:       strings.TrimSpace(r.str(pidReferences)),
		Body:             r.str(pidBody),
		RTFCompressed:    r.bytes(pidRTFCompressed),
		MessageFlags:     uint32(r.i32(pidMessageFlags)),
		IconIndex:        r.i32(pidIconIndex),
		FlagStatus:       r.i32(pidFlagStatus),
		LastVerbExecuted: r.i32(pidLastVerbExecuted),
	}
	if v, ok := r.get(pidClientSubmitTime); ok {
		it.SubmitTime = v.time()
	}
	if v, ok := r.get(pidDeliveryTime); ok {
		it.DeliveryTime = v.time()
	}
	if v, ok := r.get(pidCreationTime); ok {
		it.CreationTime = v.time()
	}
	if v, ok := r.get(pidHTML); ok {
		switch v.typ {
		case ptUnicode, ptString8:
			it.HTML = []byte(v.str(r.cp))
			it.HTMLCharset = "utf-8"
		default:
			it.HTML = v.data
			cp := r.cp
			if c, ok := r.get(pidInternetCPID); ok && knownCodepage(int(c.int32())) {
				cp = int(c.int32())
			}
			it.HTMLCharset = charsetName(cp)
		}
	}
	if r.err != nil {
		return nil, r.err
	}
	if err := s.recipients(n, r.cp, it); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	if err := s.attachments(n, r.cp, it, depth, b); err != nil {
		return nil, err
	}
	return it, nil
}

// address builds an Address from name, e-mail, address type and SMTP
// address properties. An Exchange (EX) address is replaced by the SMTP
// address when the item has one.
func (r *props) address(name, email, typ, smtp uint16) outlook.Address {
	a := outlook.Address{Name: strings.TrimSpace(r.str(name)), Address: strings.TrimSpace(r.str(email))}
	if sm := strings.TrimSpace(r.str(smtp)); sm != "" && (a.Address == "" || !strings.EqualFold(r.str(typ), "SMTP")) {
		a.Address = sm
	}
	return a
}

// recipients reads the recipient table into To, Cc and Bcc.
func (s *store) recipients(n *node, cp int, it *outlook.Item) error {
	ok, err := n.hasSub(nidRecipientTable)
	if err != nil || !ok {
		return err
	}
	sn, err := n.sub(nidRecipientTable)
	if err != nil {
		return err
	}
	t, err := sn.tc()
	if err != nil {
		return err
	}
	str := func(row []byte, id uint16) (string, error) {
		v, ok, err := t.cell(row, id)
		if err != nil || !ok {
			return "", err
		}
		return strings.TrimSpace(v.str(cp)), nil
	}
	for i := 0; i < t.len(); i++ {
		row, err := t.row(i)
		if err != nil {
			return err
		}
		var typ int32
		v, hasType, err := t.cell(row, pidRecipientType)
		if err != nil {
			return err
		} else if hasType {
			typ = v.int32()
		}
		var a outlook.Address
		var at, smtp, dn string
		for _, f := range []struct {
			id  uint16
			dst *string
		}{{pidDisplayName, &a.Name}, {pidEmailAddress, &a.Address}, {pidAddrType, &at}, {pidSMTPAddress, &smtp}, {pidRecipientDisplayName, &dn}} {
			if *f.dst, err = str(row, f.id); err != nil {
				return err
			}
		}
		if a.Name == "" {
			a.Name = dn
		}
		if smtp != "" && (a.Address == "" || !strings.EqualFold(at, "SMTP")) {
			a.Address = smtp
		}
		outlook.AddRecipient(it, typ, hasType, a)
	}
	return nil
}

// Attachment methods (PR_ATTACH_METHOD).
const (
	attachByValue  = 1
	attachEmbedded = 5
	attachOLE      = 6
)

// attachments reads the attachment table and each attachment.
func (s *store) attachments(n *node, cp int, it *outlook.Item, depth int, b *budget) error {
	ok, err := n.hasSub(nidAttachmentTable)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	if !ok {
		return nil
	}
	sn, err := n.sub(nidAttachmentTable)
	if err != nil {
		return fmt.Errorf("attachments: %w", err)
	}
	t, err := sn.tc()
	if err != nil {
		return fmt.Errorf("attachment table: %w", err)
	}
	for i := 0; i < t.len(); i++ {
		if b.left--; b.left < 0 {
			return corrupt("more than %d attachments, counting embedded messages", maxParts)
		}
		a, err := s.attachment(n, t.ids[i], cp, it, depth, b)
		if err != nil {
			return fmt.Errorf("attachment %d of %d (node 0x%x): %w", i+1, t.len(), t.ids[i], err)
		}
		it.Attachments = append(it.Attachments, a)
	}
	return nil
}

func (s *store) attachment(msg *node, nid uint32, cp int, it *outlook.Item, depth int, b *budget) (outlook.Attachment, error) {
	an, err := msg.sub(nid)
	if err != nil {
		return outlook.Attachment{}, err
	}
	p, err := an.pc()
	if err != nil {
		return outlook.Attachment{}, err
	}
	r := &props{p: p, cp: codepageOf(p, cp)}
	a := outlook.Attachment{
		Filename:  r.str(pidAttachLongFilename),
		MimeType:  strings.TrimSpace(r.str(pidAttachMimeTag)),
		ContentID: strings.Trim(strings.TrimSpace(r.str(pidAttachContentID)), "<>"),
		Method:    r.i32(pidAttachMethod),
	}
	if a.Filename == "" {
		a.Filename = r.str(pidAttachFilename)
	}
	flags := r.i32(pidAttachFlags)
	hidden := false
	if v, ok := r.get(pidAttachmentHidden); ok {
		hidden = v.bool()
	}
	// ATT_MHTML_REF (0x4): referenced from the HTML body; hidden
	// attachments are those Outlook shows only inside the body.
	a.Inline = hidden || flags&0x4 != 0 ||
		(a.ContentID != "" && bytes.Contains(it.HTML, []byte("cid:"+a.ContentID)))
	if r.err != nil {
		return a, r.err
	}
	e, hasData := p.props[pidAttachDataBin]
	switch {
	case !hasData:
		// By reference (2, 3, 4, 7) or empty: nothing stored in the file.
	case e.typ == ptBinary:
		_, size, err := p.reader(pidAttachDataBin)
		if err != nil {
			return a, fmt.Errorf("data: %w", err)
		}
		a.Size = size
		a.Open = func() (io.ReadCloser, error) {
			rd, _, err := p.reader(pidAttachDataBin)
			if err != nil {
				return nil, err
			}
			return io.NopCloser(rd), nil
		}
	case e.typ == ptObject:
		v, _ := r.get(pidAttachDataBin)
		if r.err != nil {
			return a, r.err
		}
		if len(v.data) < 4 {
			return a, corrupt("object reference of %d bytes", len(v.data))
		}
		on, err := an.sub(le.Uint32(v.data))
		if err != nil {
			return a, err
		}
		if a.Method == attachEmbedded {
			if depth >= maxEmbedDepth {
				return a, corrupt("messages embedded more than %d levels deep", maxEmbedDepth)
			}
			emb, err := s.readItem(on, depth+1, b)
			if err != nil {
				return a, fmt.Errorf("embedded message: %w", err)
			}
			a.Embedded = emb
			break
		}
		// OLE objects (method 6): the stored bytes are the object's
		// compound file.
		tr, err := s.f.tree(on.bidData)
		if err != nil {
			return a, fmt.Errorf("object data: %w", err)
		}
		a.Size = tr.total
		f := s.f
		a.Open = func() (io.ReadCloser, error) {
			tr, err := f.tree(on.bidData)
			if err != nil {
				return nil, err
			}
			return io.NopCloser(&treeReader{f: f, t: tr}), nil
		}
	default:
		return a, corrupt("attachment data of type 0x%04x", e.typ)
	}
	return a, nil
}
