package outlook

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime"
	"strings"
)

// S/MIME items (MS-OXOSMIME): Outlook keeps the signed or encrypted MIME
// in one attachment; Build writes it back untouched.

const (
	classSMIME       = "ipm.note.smime"
	classSMIMESigned = "ipm.note.smime.multipartsigned"
	maxEntityHeader  = 64 << 10
)

// smimeAttachment returns the attachment holding an S/MIME item's MIME,
// or nil when it is not an S/MIME item or no attachment fits.
func smimeAttachment(it *Item) *Attachment {
	c := strings.ToLower(strings.TrimSpace(it.MessageClass))
	if c != classSMIME && !strings.HasPrefix(c, classSMIME+".") {
		return nil
	}
	var cands []*Attachment
	for i := range it.Attachments {
		if a := &it.Attachments[i]; a.Open != nil && a.Embedded == nil {
			cands = append(cands, a)
		}
	}
	if len(cands) == 1 {
		return cands[0]
	}
	for _, a := range cands {
		mt := strings.ToLower(a.MimeType)
		if strings.HasPrefix(mt, "multipart/signed") || strings.Contains(mt, "pkcs7-mime") ||
			strings.EqualFold(a.Filename, "smime.p7m") {
			return a
		}
	}
	return nil
}

// smime writes an S/MIME item. done is false when the attachment turned
// out to hold neither a MIME entity nor CMS data; the caller then builds
// the item normally (nothing has been written in that case).
func (b *builder) smime(fs []field, origType string, att *Attachment) (done bool, err error) {
	rc, err := att.Open()
	if err != nil {
		return true, fmt.Errorf("outlook: S/MIME attachment %q: %w", att.Filename, err)
	}
	defer rc.Close()
	br := bufio.NewReaderSize(rc, 64<<10)
	peek, _ := br.Peek(512)
	if len(peek) == 0 {
		return false, nil
	}
	if ent, ok := readEntityHeader(br); ok {
		for _, f := range fs {
			b.writeField(f)
		}
		b.w.WriteString("MIME-Version: 1.0\r\n")
		for _, f := range ent {
			if strings.EqualFold(f.name, "MIME-Version") {
				continue
			}
			b.writeField(f)
		}
		b.w.WriteString("\r\n")
		// The signed content: copied byte for byte.
		if _, err := io.Copy(b.w, br); err != nil && b.w.err == nil {
			return true, fmt.Errorf("outlook: S/MIME attachment %q: %w", att.Filename, err)
		}
		return true, b.w.err
	}
	der := peek[0] == 0x30
	b64 := !der && looksBase64(peek)
	if !der && !b64 {
		return false, nil
	}
	for _, f := range fs {
		b.writeField(f)
	}
	b.w.WriteString("MIME-Version: 1.0\r\n")
	typ := "application/pkcs7-mime"
	params := []string{}
	st := smimeType(origType)
	if st == "" && der {
		st = sniffSMIMEType(peek)
	}
	if st != "" {
		params = append(params, "smime-type="+st)
	}
	name := "smime.p7m"
	params = append(params, paramValue("name", name)...)
	p := &part{typ: typ, params: params, cte: "base64", disp: "attachment", dparams: paramValue("filename", name)}
	b.partHeader(p)
	b.w.WriteString("\r\n")
	if der {
		err = b.base64(br)
	} else {
		// Already base64 text: copied as it is.
		_, err = io.Copy(b.w, br)
		if b.w.last != '\n' {
			b.w.WriteString("\r\n")
		}
	}
	if err != nil && b.w.err == nil {
		return true, fmt.Errorf("outlook: S/MIME attachment %q: %w", att.Filename, err)
	}
	return true, b.w.err
}

// readEntityHeader reads the header of a MIME entity at the start of br
// (at most 64 KiB). It consumes it only when it is one: the first line is
// a field, a Content-Type field is present and the block ends with an
// empty line.
func readEntityHeader(br *bufio.Reader) ([]field, bool) {
	buf, _ := br.Peek(maxEntityHeader)
	end := -1
	for i := 0; i < len(buf); {
		j := bytes.IndexByte(buf[i:], '\n')
		if j < 0 {
			break
		}
		line := bytes.TrimRight(buf[i:i+j], "\r")
		if len(line) == 0 {
			end = i + j + 1
			break
		}
		i += j + 1
	}
	if end < 0 {
		return nil, false
	}
	first, _, _ := strings.Cut(string(buf[:end]), "\n")
	if _, ok := fieldName(strings.TrimRight(first, "\r")); !ok {
		return nil, false
	}
	fs := parseTransportHeaders(string(buf[:end]))
	hasType := false
	for _, f := range fs {
		if strings.EqualFold(f.name, "Content-Type") {
			hasType = true
		}
	}
	if !hasType {
		return nil, false
	}
	br.Discard(end)
	return fs, true
}

func looksBase64(b []byte) bool {
	if len(b) < 4 {
		return false
	}
	for _, c := range b {
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9',
			c == '+', c == '/', c == '=', c == '\r', c == '\n':
		default:
			return false
		}
	}
	return true
}

// smimeType returns the smime-type parameter of a Content-Type value if it
// is application/(x-)pkcs7-mime.
func smimeType(ct string) string {
	mt, ps, err := mime.ParseMediaType(ct)
	if err != nil || !strings.HasSuffix(mt, "pkcs7-mime") {
		return ""
	}
	st := strings.ToLower(ps["smime-type"])
	if !isToken(st) {
		return ""
	}
	return st
}

// CMS content type OIDs (RFC 5652, RFC 5083, RFC 3274), DER-encoded.
var cmsTypes = []struct {
	oid []byte
	typ string
}{
	{[]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02}, "signed-data"},
	{[]byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03}, "enveloped-data"},
	{[]byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17}, "authEnveloped-data"},
	{[]byte{0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x09}, "compressed-data"},
}

// sniffSMIMEType finds the ContentInfo type at the start of a CMS blob.
func sniffSMIMEType(b []byte) string {
	if len(b) > 32 {
		b = b[:32]
	}
	for _, t := range cmsTypes {
		if bytes.Contains(b, t.oid) {
			return t.typ
		}
	}
	return ""
}
