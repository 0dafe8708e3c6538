package outlook

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"path"
	"strconv"
	"strings"
	"sync"
)

// MaxEmbedDepth bounds how deeply embedded messages (attachments of
// method 5) are followed; Build fails on deeper nesting.
const MaxEmbedDepth = 32

// Build writes it to w as an RFC 5322 message with CRLF line endings.
//
// # Header
//
// When it.TransportHeaders is set (received mail), its fields are written
// verbatim and in order, folding kept, except Content-Type,
// Content-Transfer-Encoding and MIME-Version, which the rebuilt MIME
// structure replaces. Lines that are not header fields (Exchange's
// "Microsoft Mail Internet Headers Version 2.0") are folded into the field
// before them or dropped when no field precedes. From, Date, Subject and
// Message-ID are added from the properties when the block lacks them.
//
// Otherwise (sent mail, drafts) the header is synthesized: From, Sender
// (when it differs from From), To, Cc, Bcc, Subject (RFC 2047 B encoding
// in UTF-8 when not ASCII), Date (submit time, else delivery, else
// creation, in UTC), Message-ID, In-Reply-To and References. An address
// that is not a usable e-mail address (an Exchange X.500 DN, a display
// name only) is written as an empty group "Name:;" so that no text is lost
// and the field still parses. With no recipient table, DisplayTo and
// DisplayCc give such names.
//
// # Body
//
//   - Body is text/plain and HTML text/html (charset HTMLCharset, or UTF-8),
//     both quoted-printable; with both they form a multipart/alternative.
//   - Without HTML, RTFCompressed is decompressed (MS-OXRTFCP). HTML
//     encapsulated in it (\fromhtml1) becomes the text/html part (UTF-8);
//     text encapsulated in it (\fromtext) is the text/plain part when Body
//     is empty. Any other RTF is attached as "body.rtf" (application/rtf),
//     and its plain text is the text/plain part when Body is empty. RTF
//     that cannot be decompressed is attached as it is
//     ("body.rtf.lzfu", application/octet-stream). RTF is never dropped
//     unless it was derived from the HTML or text that is written.
//   - Attachments with a ContentID that the HTML refers to ("cid:") go with
//     the HTML into a multipart/related; the others follow in a
//     multipart/mixed. Bytes are base64 with 76-character lines; file
//     names use RFC 2231 when not ASCII. Embedded messages (Method 5 with
//     Embedded set) are built recursively as message/rfc822 parts. An
//     attachment with neither bytes nor an embedded message (by
//     reference, OLE without data) is written as an empty part so its name
//     is kept.
//   - S/MIME items (class IPM.Note.SMIME and IPM.Note.SMIME.MultipartSigned)
//     keep their original MIME: the attachment that holds it (a
//     multipart/signed entity with its own header, or the DER of a
//     smime.p7m) is written as the message body without any change to the
//     signed bytes, so signatures stay valid.
//
// Boundaries are derived from the item, so building the same item twice
// gives the same bytes.
//
// # Resources and errors
//
// Build reads it and never changes it. Attachments are opened one at a
// time, in order: each reader is read to the end and closed before the
// next Open, so only one attachment's bytes are in flight and nothing else
// is buffered beyond the item's own fields. Open is called once per
// attachment, except that an S/MIME item's attachment is opened twice when
// it turns out to hold neither MIME nor CMS data (it is then built as an
// ordinary item). An error from w, from an attachment's Open or
// reader, or nesting deeper than MaxEmbedDepth ends Build; what was
// written to w by then must be discarded.
func Build(w io.Writer, it *Item) error {
	if it == nil {
		return errors.New("outlook: build: nil item")
	}
	bw := writerPool.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Reset(nil) // keep no reference to w
		writerPool.Put(bw)
	}()
	tw := &trackWriter{w: bw}
	b := &builder{w: tw, seed: itemSeed(it)}
	b.sizer, _ = w.(Sizer)
	if err := b.message(it, 0, "m"); err != nil {
		return err
	}
	if tw.err != nil {
		return tw.err
	}
	return tw.w.Flush()
}

// writerPool keeps Build's output buffers: a new 32 KiB buffer per item
// was a third of what a PST copy allocated.
var writerPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// trackWriter remembers the last byte written and the first error.
type trackWriter struct {
	w    *bufio.Writer
	last byte
	err  error
}

func (t *trackWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.w.Write(p)
	if n > 0 {
		t.last = p[n-1]
	}
	if err != nil {
		t.err = err
	}
	return n, err
}

func (t *trackWriter) WriteString(s string) {
	if t.err != nil || s == "" {
		return
	}
	n, err := t.w.WriteString(s)
	if n > 0 {
		t.last = s[n-1]
	}
	if err != nil {
		t.err = err
	}
}

type builder struct {
	w     *trackWriter
	seed  string
	sizer Sizer // the destination, when it wants lengths (Sizer)
}

// A Sizer is a Build destination that needs the message's length and its
// header, not every byte (a plan that only counts): the base64 lines of
// an attachment whose length is known (Attachment.Size above 0) reach it as their
// length, through SkipLines, instead of being read and encoded. The bytes
// it is given and the lengths it is told add up to exactly what Build
// writes to any other writer, as long as the attachment's Open delivers
// Size bytes (else a real Build fails where a sizing one did not).
type Sizer interface {
	io.Writer
	// SkipLines accounts for n bytes of base64 lines, each ending in
	// CRLF, that follow everything written so far.
	SkipLines(n int64)
}

// Base64Len is the length of n bytes in base64 with 76-character lines,
// each ending in CRLF, as Build writes an attachment.
func Base64Len(n int64) int64 {
	enc := (n + 2) / 3 * 4
	lines := (enc + 75) / 76
	return enc + 2*lines
}

func itemSeed(it *Item) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d",
		it.MessageID, it.Subject, it.SubmitTime.UnixNano(), it.DeliveryTime.UnixNano(),
		it.CreationTime.UnixNano(), len(it.Body), len(it.HTML), len(it.Attachments))
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// boundary returns the boundary of the multipart at path. Boundaries
// start with "=_", which quoted-printable and base64 output cannot
// contain, and all have the same length, so none is a prefix of another.
func (b *builder) boundary(path string) string {
	s := sha256.Sum256([]byte(b.seed + "/" + path))
	return "=_mf" + hex.EncodeToString(s[:12])
}

// part is one MIME entity to write.
type part struct {
	typ      string   // media type, "text/plain"
	params   []string // encoded "name=value" parameters of Content-Type
	disp     string   // "inline", "attachment" or ""
	dparams  []string
	cte      string // Content-Transfer-Encoding, "" for none
	cid      string // Content-ID without brackets
	children []*part
	body     func() error // writes the encoded body
}

func (b *builder) writeField(f field) {
	for _, l := range f.lines {
		b.w.WriteString(l)
		b.w.WriteString("\r\n")
	}
}

func (b *builder) partHeader(p *part) {
	v := p.typ
	for _, s := range p.params {
		v += "; " + s
	}
	b.writeParamField("Content-Type", v)
	if p.cte != "" {
		b.w.WriteString("Content-Transfer-Encoding: " + p.cte + "\r\n")
	}
	if p.disp != "" {
		v := p.disp
		for _, s := range p.dparams {
			v += "; " + s
		}
		b.writeParamField("Content-Disposition", v)
	}
	if p.cid != "" {
		b.w.WriteString("Content-ID: <" + p.cid + ">\r\n")
	}
}

// writeParamField writes a field whose parameters are separated by "; ",
// folding after the semicolons.
func (b *builder) writeParamField(name, v string) {
	ps := strings.Split(v, "; ")
	line := name + ": " + ps[0]
	for _, p := range ps[1:] {
		if len(line)+2+len(p) > 76 {
			b.w.WriteString(line + ";\r\n")
			line = " " + p
			continue
		}
		line += "; " + p
	}
	b.w.WriteString(line + "\r\n")
}

// writePart writes p's header, an empty line and its body.
func (b *builder) writePart(p *part, path string) error {
	if len(p.children) > 0 {
		bd := b.boundary(path)
		p.params = append(p.params, "boundary=\""+bd+"\"")
		b.partHeader(p)
		b.w.WriteString("\r\n")
		for i, c := range p.children {
			b.w.WriteString("--" + bd + "\r\n")
			if err := b.writePart(c, path+"."+strconv.Itoa(i)); err != nil {
				return err
			}
			b.w.WriteString("\r\n")
		}
		b.w.WriteString("--" + bd + "--\r\n")
		return b.w.err
	}
	b.partHeader(p)
	b.w.WriteString("\r\n")
	if p.body != nil {
		if err := p.body(); err != nil {
			return err
		}
	}
	return b.w.err
}

// message writes one message (the top-level one or an embedded one).
func (b *builder) message(it *Item, depth int, path string) error {
	if depth > MaxEmbedDepth {
		return fmt.Errorf("outlook: embedded messages nested deeper than %d", MaxEmbedDepth)
	}
	fs, origType := headerFields(it)
	if att := smimeAttachment(it); att != nil {
		done, err := b.smime(fs, origType, att)
		if done || err != nil {
			return err
		}
	}
	root := b.bodyTree(it, depth, path)
	for _, f := range fs {
		b.writeField(f)
	}
	b.w.WriteString("MIME-Version: 1.0\r\n")
	return b.writePart(root, path)
}

// bodyTree arranges the body parts and attachments of it.
func (b *builder) bodyTree(it *Item, depth int, path string) *part {
	text, html := it.Body, it.HTML
	htmlCharset := strings.TrimSpace(it.HTMLCharset)
	var extra []*part // body.rtf and friends, first of the attachments
	if len(html) == 0 && len(it.RTFCompressed) > 0 {
		raw, err := DecompressRTF(it.RTFCompressed)
		if err != nil && !errors.Is(err, ErrRTFCRC) && len(raw) == 0 {
			extra = append(extra, b.bytesPart("application/octet-stream", "body.rtf.lzfu", it.RTFCompressed))
		} else {
			kind, s := DecapsulateRTF(raw)
			switch kind {
			case RTFFromHTML:
				html, htmlCharset = []byte(s), "utf-8"
			case RTFFromText:
				if strings.TrimSpace(text) == "" {
					text = s
				}
			default:
				if strings.TrimSpace(text) == "" {
					text = s
				}
				extra = append(extra, b.bytesPart("application/rtf", "body.rtf", raw))
			}
		}
	}
	switch cs := strings.ToLower(htmlCharset); {
	case cs == "":
		htmlCharset = "utf-8"
	case strings.HasPrefix(cs, "utf-16"):
		// Quoted-printable text would turn the 0x0A/0x0D bytes of UTF-16
		// into line breaks: write it as UTF-8.
		cp := 1200
		if cs == "utf-16be" {
			cp = 1201
		}
		html, htmlCharset = []byte(DecodeCodePage(html, cp)), "utf-8"
	}

	var related, mixed []*part
	for i := range it.Attachments {
		a := &it.Attachments[i]
		p := b.attachmentPart(a, depth, path+".a"+strconv.Itoa(i))
		if len(html) > 0 && a.ContentID != "" && refersTo(html, cleanCID(a.ContentID)) {
			p.disp = "inline"
			related = append(related, p)
			continue
		}
		mixed = append(mixed, p)
	}
	mixed = append(extra, mixed...)

	var body *part
	var htmlPart *part
	if len(html) > 0 {
		htmlPart = b.textPart("text/html", htmlCharset, html)
		if len(related) > 0 {
			htmlPart = &part{typ: "multipart/related", params: []string{`type="text/html"`},
				children: append([]*part{htmlPart}, related...)}
		}
	}
	switch {
	case htmlPart != nil && text != "":
		body = &part{typ: "multipart/alternative", children: []*part{b.textPart("text/plain", "utf-8", []byte(text)), htmlPart}}
	case htmlPart != nil:
		body = htmlPart
	default:
		body = b.textPart("text/plain", "utf-8", []byte(text))
	}
	if len(mixed) > 0 {
		body = &part{typ: "multipart/mixed", children: append([]*part{body}, mixed...)}
	}
	return body
}

func refersTo(html []byte, cid string) bool {
	if cid == "" {
		return false
	}
	return bytes.Contains(bytes.ToLower(html), []byte("cid:"+strings.ToLower(cid)))
}

func cleanCID(s string) string {
	s = strings.TrimSpace(sanitize(s))
	s = strings.TrimPrefix(s, "<")
	s = strings.TrimSuffix(s, ">")
	return strings.ReplaceAll(s, " ", "")
}

// textPart is a quoted-printable text part.
func (b *builder) textPart(typ, charset string, data []byte) *part {
	p := &part{typ: typ, cte: "quoted-printable"}
	p.params = paramValue("charset", strings.ToLower(charset))
	p.body = func() error {
		qw := quotedprintable.NewWriter(b.w)
		if _, err := qw.Write(data); err != nil {
			return err
		}
		return qw.Close()
	}
	return p
}

// bytesPart is a base64 attachment held in memory.
func (b *builder) bytesPart(typ, name string, data []byte) *part {
	p := &part{typ: typ, cte: "base64", disp: "attachment"}
	p.params = paramValue("name", name)
	p.dparams = paramValue("filename", name)
	p.body = func() error { return b.base64(bytes.NewReader(data)) }
	return p
}

func (b *builder) attachmentPart(a *Attachment, depth int, path string) *part {
	name := strings.TrimSpace(a.Filename)
	disp := "attachment"
	if a.Inline {
		disp = "inline"
	}
	p := &part{disp: disp, cid: cleanCID(a.ContentID)}
	if name != "" {
		p.dparams = paramValue("filename", name)
	}
	if a.Embedded != nil && (a.Method == 5 || a.Open == nil) {
		p.typ = "message/rfc822"
		if mayBe8bit(a.Embedded, 0) {
			p.cte = "8bit"
		}
		emb := a.Embedded
		p.body = func() error { return b.message(emb, depth+1, path) }
		return p
	}
	p.typ = attachmentType(a.MimeType, name)
	p.cte = "base64"
	if name != "" {
		p.params = paramValue("name", name)
	}
	if a.Open == nil {
		p.body = func() error { return nil }
		return p
	}
	if b.sizer != nil && a.Size > 0 { // 0: unknown, or empty: read it
		size := a.Size
		p.body = func() error {
			if b.w.err == nil {
				b.w.err = b.w.w.Flush() // what came before, in order
			}
			if n := Base64Len(size); n > 0 && b.w.err == nil {
				b.sizer.SkipLines(n)
				b.w.last = '\n'
			}
			return b.w.err
		}
		return p
	}
	open := a.Open
	p.body = func() error {
		rc, err := open()
		if err != nil {
			return fmt.Errorf("outlook: attachment %q: %w", name, err)
		}
		err = b.base64(rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil && b.w.err == nil {
			return fmt.Errorf("outlook: attachment %q: %w", name, err)
		}
		return err
	}
	return p
}

// base64 copies r to the output in base64 with 76-character lines.
func (b *builder) base64(r io.Reader) error {
	lw := &lineWriter{w: b.w}
	enc := base64.NewEncoder(base64.StdEncoding, lw)
	if _, err := io.Copy(enc, readerOnly{r}); err != nil {
		return err
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if lw.n > 0 {
		b.w.WriteString("\r\n")
	}
	return b.w.err
}

// readerOnly hides WriteTo so io.Copy reads in chunks we control.
type readerOnly struct{ io.Reader }

// lineWriter breaks its input into 76-byte lines.
type lineWriter struct {
	w *trackWriter
	n int // bytes on the current line
}

func (l *lineWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		k := min(76-l.n, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n += k
		p = p[k:]
		if l.n == 76 {
			l.w.WriteString("\r\n")
			l.n = 0
		}
	}
	return total, l.w.err
}

// attachmentType returns the Content-Type media type of an attachment:
// PR_ATTACH_MIME_TAG when valid, else a guess from the file name.
func attachmentType(tag, name string) string {
	t := ""
	if mt, _, err := mime.ParseMediaType(sanitize(tag)); err == nil && strings.Count(mt, "/") == 1 && !strings.HasSuffix(mt, "/") && !strings.HasPrefix(mt, "/") {
		t = mt
	}
	if t == "" {
		t = extTypes[strings.ToLower(path.Ext(strings.ReplaceAll(name, "\\", "/")))]
	}
	// QUIRK: RFC 2046 5.2.1 allows only 7bit/8bit/binary for message/rfc822
	// and no encoding at all makes sense for a multipart leaf; bytes of
	// those types are written as base64, so they are labelled as data.
	switch {
	case t == "", strings.HasPrefix(t, "multipart/"),
		t == "message/rfc822", t == "message/partial", t == "message/external-body":
		return "application/octet-stream"
	}
	return t
}

// extTypes is a small fixed table (mime.TypeByExtension depends on the
// system's files, and output must not).
var extTypes = map[string]string{
	".pdf": "application/pdf", ".txt": "text/plain", ".htm": "text/html", ".html": "text/html",
	".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
	".bmp": "image/bmp", ".tif": "image/tiff", ".tiff": "image/tiff", ".svg": "image/svg+xml",
	".ics": "text/calendar", ".vcf": "text/vcard", ".csv": "text/csv", ".xml": "application/xml",
	".json": "application/json", ".rtf": "application/rtf", ".zip": "application/zip",
	".gz": "application/gzip", ".7z": "application/x-7z-compressed",
	".msg": "application/vnd.ms-outlook",
	".doc": "application/msword", ".xls": "application/vnd.ms-excel", ".ppt": "application/vnd.ms-powerpoint",
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
	".mp3":  "audio/mpeg", ".wav": "audio/wav", ".mp4": "video/mp4",
}

// mayBe8bit reports whether the built message may contain bytes above
// 0x7f (its header, or raw S/MIME content), so that a message/rfc822 part
// holding it must say 8bit.
func mayBe8bit(it *Item, depth int) bool {
	if depth > MaxEmbedDepth {
		return false
	}
	fs, _ := headerFields(it)
	if fieldsAre8bit(fs) || smimeAttachment(it) != nil {
		return true
	}
	for i := range it.Attachments {
		if e := it.Attachments[i].Embedded; e != nil && mayBe8bit(e, depth+1) {
			return true
		}
	}
	return false
}
