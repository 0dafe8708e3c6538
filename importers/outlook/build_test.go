package outlook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/mail"
)

// leaf is one non-multipart part of a parsed message.
type leaf struct {
	path     string // "1.2": indices in the multipart tree
	typ      string
	params   map[string]string
	filename string
	cid      string
	body     []byte // decoded
}

// parsed is a message read back with go-message.
type parsed struct {
	header mail.Header
	types  []string // media types in walk order, multiparts included
	leaves []leaf
}

func parseMessage(t testing.TB, raw []byte) *parsed {
	t.Helper()
	checkWire(t, raw)
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("message.Read: %v\n%s", err, raw)
	}
	p := &parsed{header: mail.Header{Header: e.Header}}
	err = e.Walk(func(path []int, ent *message.Entity, err error) error {
		if err != nil {
			return err
		}
		typ, params, err := ent.Header.ContentType()
		if err != nil {
			return fmt.Errorf("part %v: Content-Type: %w", path, err)
		}
		p.types = append(p.types, typ)
		if strings.HasPrefix(typ, "multipart/") {
			return nil
		}
		l := leaf{path: fmt.Sprint(path), typ: typ, params: params}
		if _, dp, err := ent.Header.ContentDisposition(); err == nil {
			l.filename = dp["filename"]
		}
		l.cid = strings.Trim(ent.Header.Get("Content-Id"), "<>")
		b, err := io.ReadAll(ent.Body)
		if err != nil {
			return fmt.Errorf("part %v: body: %w", path, err)
		}
		l.body = b
		p.leaves = append(p.leaves, l)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v\n%s", err, raw)
	}
	return p
}

// checkWire checks CRLF line endings and line lengths.
func checkWire(t testing.TB, raw []byte) {
	t.Helper()
	lines := bytes.SplitAfter(raw, []byte("\n"))
	for i, line := range lines {
		if len(line) == 0 {
			continue
		}
		if i == len(lines)-1 && !bytes.HasSuffix(line, []byte("\n")) {
			line = append(line, '\r', '\n') // the body's last line may be open
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			t.Fatalf("line %d does not end in CRLF: %q", i+1, line)
		}
		if bytes.IndexByte(line[:len(line)-2], '\r') >= 0 {
			t.Fatalf("line %d has a bare CR: %q", i+1, line)
		}
		if len(line) > 1000 {
			t.Fatalf("line %d is %d bytes long", i+1, len(line))
		}
	}
}

func build(t testing.TB, it *Item) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Build(&buf, it); err != nil {
		t.Fatalf("Build: %v", err)
	}
	return buf.Bytes()
}

func opener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

var (
	t0      = time.Date(2021, 4, 1, 9, 0, 0, 0, time.UTC)
	pdf     = append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{0, 1, 2, 0xff, '\r', '\n'}, 100)...)
	png     = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
	jpnText = []byte("日本語のテキスト\r\n")
)

func richItem() *Item {
	return &Item{
		MessageClass: "IPM.Note",
		Subject:      "\x01\x05RE: 四半期報告 – Q1",
		From:         Address{Name: "山田 太郎", Address: "taro@example.jp"},
		Sender:       Address{Name: "Assistant", Address: "assistant@example.jp"},
		To:           []Address{{Name: "Alice, A.", Address: "alice@example.com"}, {Address: "bob@example.com"}},
		Cc:           []Address{{Name: "Exchange User", Address: "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP (FYDIBOHF23SPDLT)/CN=RECIPIENTS/CN=user"}},
		Bcc:          []Address{{Name: "Hidden", Address: "hidden@example.com"}},
		MessageID:    "<abc@example.jp>",
		InReplyTo:    "<prev@example.jp>",
		References:   "<first@example.jp> <prev@example.jp>",
		SubmitTime:   t0,
		DeliveryTime: t0.Add(time.Minute),
		Body:         "Hello 世界\r\nSecond line with = sign and a very long line " + strings.Repeat("x", 200) + "\r\n",
		HTML:         []byte(`<html><body><p>Hello 世界</p><img src="cid:image001.png@01D7"></body></html>`),
		MessageFlags: MsgFlagRead,
		Attachments: []Attachment{
			{Filename: "image001.png", MimeType: "image/png", ContentID: "image001.png@01D7", Inline: true, Method: 1, Open: opener(png), Size: int64(len(png))},
			{Filename: "report.pdf", MimeType: "application/pdf", Method: 1, Open: opener(pdf), Size: int64(len(pdf))},
			{Filename: strings.Repeat("長い日本語のファイル名", 8) + ".txt", Method: 1, Open: opener(jpnText)},
			{Filename: "Fwd.msg", Method: 5, Embedded: &Item{
				Subject:    "Inner",
				From:       Address{Name: "Inner Sender", Address: "inner@example.org"},
				To:         []Address{{Address: "x@example.org"}},
				SubmitTime: t0.Add(-time.Hour),
				Body:       "inner body\r\n",
				Attachments: []Attachment{
					{Filename: "inner.bin", Method: 1, Open: opener([]byte{1, 2, 3})},
				},
			}},
		},
	}
}

func TestBuildSynthesized(t *testing.T) {
	raw := build(t, richItem())
	p := parseMessage(t, raw)

	subj, err := p.header.Subject()
	if err != nil || subj != "RE: 四半期報告 – Q1" {
		t.Errorf("Subject = %q, %v", subj, err)
	}
	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "山田 太郎" || from[0].Address != "taro@example.jp" {
		t.Errorf("From = %v, %v", from, err)
	}
	if s := p.header.Get("Sender"); !strings.Contains(s, "assistant@example.jp") {
		t.Errorf("Sender = %q", s)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Alice, A." || to[1].Address != "bob@example.com" {
		t.Errorf("To = %v, %v", to, err)
	}
	// An X.500 address is no e-mail address: the name is kept as a group.
	if cc := p.header.Get("Cc"); cc != "Exchange User:;" {
		t.Errorf("Cc = %q", cc)
	}
	if _, err := p.header.AddressList("Cc"); err != nil {
		t.Errorf("Cc does not parse: %v", err)
	}
	if bcc := p.header.Get("Bcc"); !strings.Contains(bcc, "hidden@example.com") {
		t.Errorf("Bcc = %q", bcc)
	}
	if d, err := p.header.Date(); err != nil || !d.Equal(t0) {
		t.Errorf("Date = %v, %v (want the submit time %v)", d, err, t0)
	}
	if id, _ := p.header.MessageID(); id != "abc@example.jp" {
		t.Errorf("Message-ID = %q", id)
	}
	if refs, _ := p.header.MsgIDList("References"); len(refs) != 2 {
		t.Errorf("References = %v", refs)
	}
	if v := p.header.Get("In-Reply-To"); v != "<prev@example.jp>" {
		t.Errorf("In-Reply-To = %q", v)
	}

	wantTypes := "multipart/mixed multipart/alternative text/plain multipart/related text/html image/png application/pdf text/plain message/rfc822"
	if got := strings.Join(p.types, " "); got != wantTypes {
		t.Errorf("structure\n got %s\nwant %s", got, wantTypes)
	}
	if len(p.leaves) != 6 {
		t.Fatalf("%d leaves", len(p.leaves))
	}
	if got := string(p.leaves[0].body); got != richItem().Body {
		t.Errorf("text/plain = %q", got)
	}
	if got := p.leaves[1].body; !bytes.Equal(got, richItem().HTML) {
		t.Errorf("text/html = %q", got)
	}
	img := p.leaves[2]
	if img.cid != "image001.png@01D7" || !bytes.Equal(img.body, png) {
		t.Errorf("inline image: cid %q, %d bytes", img.cid, len(img.body))
	}
	if a := p.leaves[3]; a.filename != "report.pdf" || !bytes.Equal(a.body, pdf) {
		t.Errorf("pdf: %q, %d bytes", a.filename, len(a.body))
	}
	long := richItem().Attachments[2].Filename
	if a := p.leaves[4]; a.filename != long || !bytes.Equal(a.body, jpnText) {
		t.Errorf("long name: %q, body %q", a.filename, a.body)
	}
	if !bytes.Contains(raw, []byte("filename*1*=")) {
		t.Errorf("long non-ASCII file name without RFC 2231 continuations")
	}
	inner := parseMessage(t, p.leaves[5].body)
	if s, _ := inner.header.Subject(); s != "Inner" {
		t.Errorf("embedded Subject = %q", s)
	}
	if len(inner.leaves) != 2 || !bytes.Equal(inner.leaves[1].body, []byte{1, 2, 3}) || inner.leaves[1].filename != "inner.bin" {
		t.Errorf("embedded leaves = %+v", inner.leaves)
	}

	if again := build(t, richItem()); !bytes.Equal(raw, again) {
		t.Errorf("two builds of the same item differ")
	}
}

func TestBuildTransportHeaders(t *testing.T) {
	hdr := "Microsoft Mail Internet Headers Version 2.0\r\n" +
		"Received: from mx.example.com (mx.example.com [192.0.2.1])\r\n" +
		"\tby mail.example.jp; Thu, 1 Apr 2021 09:00:00 +0900\r\n" +
		"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n" +
		"To: you@example.com\r\n" +
		"Subject: original subject\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: multipart/mixed;\r\n" +
		"\tboundary=\"----=_NextPart_000_0001\"\r\n" +
		"Content-Transfer-Encoding: 7bit\r\n" +
		"X-Custom:   spaced   value  \r\n" +
		"Message-ID: <orig@example.jp>\r\n" +
		"\r\n"
	it := &Item{TransportHeaders: hdr, Subject: "property subject", DeliveryTime: t0, Body: "body\r\n",
		From: Address{Address: "other@example.com"}}
	raw := build(t, it)
	head := string(raw[:bytes.Index(raw, []byte("\r\n\r\n"))+2])
	wantHead := "Received: from mx.example.com (mx.example.com [192.0.2.1])\r\n" +
		"\tby mail.example.jp; Thu, 1 Apr 2021 09:00:00 +0900\r\n" +
		"From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>\r\n" +
		"To: you@example.com\r\n" +
		"Subject: original subject\r\n" +
		"X-Custom:   spaced   value  \r\n" +
		"Message-ID: <orig@example.jp>\r\n" +
		// QUIRK: the block had no Date:, so the property's is added.
		"Date: Thu, 01 Apr 2021 09:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: quoted-printable\r\n"
	if head != wantHead {
		t.Errorf("header\n got:\n%s\nwant:\n%s", head, wantHead)
	}
	p := parseMessage(t, raw)
	if len(p.leaves) != 1 || string(p.leaves[0].body) != "body\r\n" {
		t.Errorf("leaves = %+v", p.leaves)
	}

	// LF-only headers are written with CRLF.
	it.TransportHeaders = strings.ReplaceAll(hdr, "\r\n", "\n")
	if raw2 := build(t, it); !bytes.Equal(raw, raw2) {
		t.Errorf("LF transport headers give different output:\n%s", raw2)
	}
}

func TestBuildHeaderInjection(t *testing.T) {
	it := &Item{
		Subject:   "hi\r\nBcc: victim@example.com",
		From:      Address{Name: "x\r\nX-Evil: 1", Address: "a@example.com"},
		MessageID: "<id@x>\r\nX-Evil: 2",
		Body:      "b",
	}
	raw := build(t, it)
	p := parseMessage(t, raw)
	if p.header.Has("Bcc") || p.header.Has("X-Evil") {
		t.Errorf("injected fields:\n%s", raw)
	}
}

func TestBuildRTF(t *testing.T) {
	html := "{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl{\\f0\\fswiss Arial;}}" +
		"{\\*\\htmltag19 <html>}{\\*\\htmltag64 <p>}Caf\\'e9{\\*\\htmltag72 </p>}{\\*\\htmltag27 </html>}}"
	native := "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\\b Bold\\b0  text\\par}"
	tests := []struct {
		name  string
		it    Item
		types string
		check func(t *testing.T, p *parsed)
	}{
		{
			name:  "fromhtml becomes the HTML part",
			it:    Item{RTFCompressed: CompressRTF([]byte(html))},
			types: "text/html",
			check: func(t *testing.T, p *parsed) {
				if got := string(p.leaves[0].body); got != "<html><p>Café</p></html>" {
					t.Errorf("html = %q", got)
				}
			},
		},
		{
			name:  "fromhtml with a plain body",
			it:    Item{Body: "Café\r\n", RTFCompressed: CompressRTF([]byte(html))},
			types: "multipart/alternative text/plain text/html",
		},
		{
			name:  "native RTF is attached, its text is the body",
			it:    Item{RTFCompressed: CompressRTF([]byte(native))},
			types: "multipart/mixed text/plain application/rtf",
			check: func(t *testing.T, p *parsed) {
				if got := string(p.leaves[0].body); got != "Bold text\r\n" {
					t.Errorf("text = %q", got)
				}
				if p.leaves[1].filename != "body.rtf" || string(p.leaves[1].body) != native {
					t.Errorf("body.rtf = %q %q", p.leaves[1].filename, p.leaves[1].body)
				}
			},
		},
		{
			name:  "HTML wins over RTF",
			it:    Item{HTML: []byte("<p>x</p>"), RTFCompressed: CompressRTF([]byte(native))},
			types: "text/html",
		},
		{
			name:  "undecodable RTF is kept as it is",
			it:    Item{Body: "b", RTFCompressed: []byte("garbage that is not LZFu")},
			types: "multipart/mixed text/plain application/octet-stream",
			check: func(t *testing.T, p *parsed) {
				if string(p.leaves[1].body) != "garbage that is not LZFu" || p.leaves[1].filename != "body.rtf.lzfu" {
					t.Errorf("kept RTF = %q %q", p.leaves[1].filename, p.leaves[1].body)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := parseMessage(t, build(t, &tt.it))
			if got := strings.Join(p.types, " "); got != tt.types {
				t.Errorf("structure %q, want %q", got, tt.types)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestBuildSMIME(t *testing.T) {
	signed := "Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\";\r\n" +
		"\tmicalg=sha-256; boundary=\"----=_sig\"\r\n" +
		"MIME-Version: 1.0\r\n" +
		"\r\n" +
		"This is an S/MIME signed message\r\n" +
		"------=_sig\r\n" +
		"Content-Type: text/plain; charset=\"us-ascii\"\r\n" +
		"\r\n" +
		"signed text  \n with odd line endings\r\n" +
		"------=_sig\r\n" +
		"Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n" +
		"\r\n" +
		"MIAGCSqGSIb3DQEHAqCAMIACAQEx\r\n" +
		"------=_sig--\r\n"
	it := &Item{
		MessageClass:     "IPM.Note.SMIME.MultipartSigned",
		TransportHeaders: "From: a@example.com\r\nSubject: signed\r\nContent-Type: multipart/signed; boundary=x\r\nMIME-Version: 1.0\r\n",
		Body:             "decoded text that must not be used",
		Attachments:      []Attachment{{Filename: "smime.p7m", MimeType: "multipart/signed", Method: 1, Open: opener([]byte(signed))}},
	}
	var buf bytes.Buffer
	if err := Build(&buf, it); err != nil {
		t.Fatal(err)
	}
	raw := buf.String()
	body := signed[strings.Index(signed, "\r\n\r\n")+4:]
	if !strings.HasSuffix(raw, "\r\n\r\n"+body) {
		t.Errorf("signed body not kept byte for byte:\n%s", raw)
	}
	if strings.Count(raw, "MIME-Version") != 1 || strings.Contains(raw, "boundary=x") {
		t.Errorf("header:\n%s", raw)
	}
	e, err := message.Read(strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := e.Header.ContentType(); mt != "multipart/signed" {
		t.Errorf("Content-Type = %q", mt)
	}

	der := append([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x03, 0xa0, 0x80}, bytes.Repeat([]byte{0xaa, 0x00}, 300)...)
	it = &Item{
		MessageClass: "IPM.Note.SMIME",
		Subject:      "encrypted",
		From:         Address{Address: "a@example.com"},
		Attachments:  []Attachment{{Filename: "smime.p7m", MimeType: "application/pkcs7-mime", Method: 1, Open: opener(der)}},
	}
	p := parseMessage(t, build(t, it))
	if len(p.leaves) != 1 || p.leaves[0].typ != "application/pkcs7-mime" || p.leaves[0].params["smime-type"] != "enveloped-data" ||
		!bytes.Equal(p.leaves[0].body, der) {
		t.Errorf("opaque S/MIME: %+v", p.leaves)
	}
}

func TestBuildErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	it := &Item{Body: "x", Attachments: []Attachment{{Filename: "a.bin", Method: 1,
		Open: func() (io.ReadCloser, error) { return nil, boom }}}}
	err := Build(io.Discard, it)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "a.bin") {
		t.Errorf("Build with a failing attachment = %v", err)
	}
	it = &Item{Body: "x", Attachments: []Attachment{{Filename: "b.bin", Method: 1,
		Open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.MultiReader(strings.NewReader("abc"), &errReader{boom})), nil
		}}}}
	if err := Build(io.Discard, it); !errors.Is(err, boom) {
		t.Errorf("Build with an attachment failing halfway = %v", err)
	}
	deep := &Item{Body: "leaf"}
	for i := 0; i < MaxEmbedDepth+2; i++ {
		deep = &Item{Body: "x", Attachments: []Attachment{{Method: 5, Embedded: deep}}}
	}
	if err := Build(io.Discard, deep); err == nil {
		t.Errorf("Build of too deeply embedded messages succeeded")
	}
	if err := Build(io.Discard, nil); err == nil {
		t.Errorf("Build(nil) succeeded")
	}
	if err := Build(&errWriter{boom}, richItem()); !errors.Is(err, boom) {
		t.Errorf("Build to a failing writer = %v", err)
	}
}

type errReader struct{ err error }

func (e *errReader) Read([]byte) (int, error) { return 0, e.err }

type errWriter struct{ err error }

func (e *errWriter) Write([]byte) (int, error) { return 0, e.err }

func TestBuildEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		it    Item
		types string
		check func(t *testing.T, raw []byte, p *parsed)
	}{
		{name: "empty item", it: Item{}, types: "text/plain"},
		{
			name:  "display names only",
			it:    Item{DisplayTo: "Alice; Bob", Body: "x"},
			types: "text/plain",
			check: func(t *testing.T, raw []byte, p *parsed) {
				if got := p.header.Get("To"); got != "Alice:;, Bob:;" {
					t.Errorf("To = %q", got)
				}
			},
		},
		{
			name:  "attachment without data keeps its name",
			it:    Item{Body: "x", Attachments: []Attachment{{Filename: "link.url", Method: 2}}},
			types: "multipart/mixed text/plain application/octet-stream",
			check: func(t *testing.T, raw []byte, p *parsed) {
				if p.leaves[1].filename != "link.url" || len(p.leaves[1].body) != 0 {
					t.Errorf("leaf = %+v", p.leaves[1])
				}
			},
		},
		{
			name: "content id not referenced stays an attachment",
			it: Item{HTML: []byte("<p>no image</p>"), Attachments: []Attachment{
				{Filename: "x.png", ContentID: "<x@y>", Method: 1, Open: opener(png)}}},
			types: "multipart/mixed text/html image/png",
		},
		{
			name: "message/rfc822 bytes are labelled as data",
			it: Item{Body: "x", Attachments: []Attachment{
				{Filename: "fwd.eml", MimeType: "message/rfc822", Method: 1, Open: opener([]byte("Subject: x\r\n\r\ny"))}}},
			types: "multipart/mixed text/plain application/octet-stream",
		},
		{
			name: "8-bit transport headers make an embedded part 8bit",
			it: Item{Body: "x", Attachments: []Attachment{{Method: 5, Embedded: &Item{
				TransportHeaders: "Subject: 生の件名\r\n", Body: "y"}}}},
			types: "multipart/mixed text/plain message/rfc822",
			check: func(t *testing.T, raw []byte, p *parsed) {
				if !bytes.Contains(raw, []byte("Content-Type: message/rfc822\r\nContent-Transfer-Encoding: 8bit\r\n")) {
					t.Errorf("no 8bit:\n%s", raw)
				}
			},
		},
		{
			name:  "UTF-16 HTML is written as UTF-8",
			it:    Item{HTML: []byte{'<', 0, 'p', 0, '>', 0, 0xe5, 0x65, '\r', 0, '\n', 0}, HTMLCharset: "UTF-16LE"},
			types: "text/html",
			check: func(t *testing.T, raw []byte, p *parsed) {
				if got := string(p.leaves[0].body); got != "<p>日\r\n" || p.leaves[0].params["charset"] != "utf-8" {
					t.Errorf("html = %q, %v", got, p.leaves[0].params)
				}
			},
		},
		{
			name:  "HTML in its own charset",
			it:    Item{HTML: []byte{'<', 'p', '>', 0x93, 0xfa, '<', '/', 'p', '>'}, HTMLCharset: "Shift_JIS"},
			types: "text/html",
			check: func(t *testing.T, raw []byte, p *parsed) {
				if got := string(p.leaves[0].body); got != "<p>日</p>" {
					t.Errorf("html = %q", got)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := build(t, &tt.it)
			p := parseMessage(t, raw)
			if got := strings.Join(p.types, " "); got != tt.types {
				t.Errorf("structure %q, want %q\n%s", got, tt.types, raw)
			}
			if tt.check != nil {
				tt.check(t, raw, p)
			}
		})
	}
}

func TestParamValue(t *testing.T) {
	for _, name := range []string{"a.txt", "with space.txt", `q"uote.txt`, "日本語.txt", strings.Repeat("é", 100) + ".txt", strings.Repeat("a", 1000)} {
		v := "attachment; " + strings.Join(paramValue("filename", name), "; ")
		_, ps, err := mime.ParseMediaType(v)
		if err != nil || ps["filename"] != name {
			t.Errorf("paramValue(%q) = %q: parses to %q, %v", name, v, ps["filename"], err)
		}
	}
}
