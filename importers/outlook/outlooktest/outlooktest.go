// Package outlooktest helps test the Outlook importers (pst, msg) against
// the shared corpus: FromMIME turns an RFC 5322 message into the item
// Outlook stores when it receives it, Canonical gives the form in which a
// message rebuilt from that item must equal the original, and Parts walks
// every part of a message with go-message.
package outlooktest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // decode every charset the corpus uses
	"github.com/emersion/go-message/mail"
	"github.com/mailferry/mailferry/importers"
	"github.com/mailferry/mailferry/importers/importertest"
	"github.com/mailferry/mailferry/importers/outlook"
)

// Part is one leaf of a message as go-message reads it: text and HTML
// bodies decoded to UTF-8, other parts as their decoded bytes. A
// message/rfc822 part is a leaf whose Body is the embedded message.
type Part struct {
	Type       string // media type, lower case
	Filename   string // Content-Disposition filename, else Content-Type name
	CID        string // Content-ID without brackets
	Attachment bool   // disposition attachment/inline with a file name, or not text
	Body       []byte
}

// Parts parses raw with go-message and walks every part (go-message
// reports a malformed part, an unknown charset or a bad encoding as an
// error, which Parts returns).
func Parts(raw []byte) (mail.Header, []Part, error) {
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		return mail.Header{}, nil, fmt.Errorf("message.Read: %w", err)
	}
	var parts []Part
	err = e.Walk(func(path []int, ent *message.Entity, err error) error {
		if err != nil {
			return err
		}
		typ, ps, err := ent.Header.ContentType()
		if err != nil && ent.Header.Get("Content-Type") != "" {
			return fmt.Errorf("part %v: Content-Type: %w", path, err)
		}
		if typ == "" {
			typ = "text/plain"
		}
		if strings.HasPrefix(typ, "multipart/") {
			return nil
		}
		p := Part{Type: typ, CID: strings.Trim(strings.TrimSpace(ent.Header.Get("Content-Id")), "<>"), Filename: ps["name"]}
		disp, dps, derr := ent.Header.ContentDisposition()
		if derr == nil && dps["filename"] != "" {
			p.Filename = dps["filename"]
		}
		p.Attachment = disp == "attachment" || p.Filename != "" || !(typ == "text/plain" || typ == "text/html")
		if p.Body, err = io.ReadAll(ent.Body); err != nil {
			return fmt.Errorf("part %v (%s): %w", path, typ, err)
		}
		parts = append(parts, p)
		return nil
	})
	if err != nil {
		return mail.Header{}, nil, err
	}
	return mail.Header{Header: e.Header}, parts, nil
}

// FromMIME returns the item Outlook stores for raw when it receives it:
// the header block as PR_TRANSPORT_MESSAGE_HEADERS (CRLF), subject,
// addresses, Message-ID, In-Reply-To, References and the Date: as submit
// time from the header; the first text/plain and text/html parts that are
// not attachments as PR_BODY (CRLF) and PR_HTML (UTF-8); every other leaf
// as an attachment by value, message/rfc822 parts as embedded messages.
// Flags and the delivery time are the caller's (SetFlags).
func FromMIME(raw []byte) (*outlook.Item, error) {
	return fromMIME(raw, 0)
}

func fromMIME(raw []byte, depth int) (*outlook.Item, error) {
	if depth > 8 {
		return nil, errors.New("outlooktest: embedded messages nested too deep")
	}
	h, parts, err := Parts(raw)
	if err != nil {
		return nil, err
	}
	it := &outlook.Item{MessageClass: "IPM.Note"}
	hdr := headerBlock(raw)
	if !utf8.Valid(hdr) {
		return nil, errors.New("outlooktest: header is not UTF-8")
	}
	it.TransportHeaders = string(toCRLF(hdr))
	if it.Subject, err = h.Subject(); err != nil {
		it.Subject = h.Get("Subject")
	}
	if as, err := h.AddressList("From"); err == nil && len(as) > 0 {
		it.From = outlook.Address{Name: as[0].Name, Address: as[0].Address}
		it.Sender = it.From
	}
	for _, f := range []struct {
		name string
		dst  *[]outlook.Address
	}{{"To", &it.To}, {"Cc", &it.Cc}} {
		as, _ := h.AddressList(f.name)
		for _, a := range as {
			*f.dst = append(*f.dst, outlook.Address{Name: a.Name, Address: a.Address})
		}
	}
	it.MessageID = strings.TrimSpace(h.Get("Message-Id"))
	it.InReplyTo = strings.TrimSpace(h.Get("In-Reply-To"))
	it.References = strings.TrimSpace(h.Get("References"))
	if d, err := h.Date(); err == nil {
		it.SubmitTime = d.UTC()
	}
	haveText, haveHTML := false, false
	for _, p := range parts {
		switch {
		case !p.Attachment && p.Type == "text/plain" && !haveText:
			it.Body, haveText = string(toCRLF(p.Body)), true
		case !p.Attachment && p.Type == "text/html" && !haveHTML:
			it.HTML, it.HTMLCharset, haveHTML = p.Body, "utf-8", true
		case p.Type == "message/rfc822":
			emb, err := fromMIME(p.Body, depth+1)
			if err != nil {
				return nil, err
			}
			it.Attachments = append(it.Attachments, outlook.Attachment{Filename: p.Filename, Method: 5, Embedded: emb})
		default:
			data := p.Body
			it.Attachments = append(it.Attachments, outlook.Attachment{
				Filename: p.Filename, MimeType: p.Type, ContentID: p.CID, Method: 1, Size: int64(len(data)),
				Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			})
		}
	}
	return it, nil
}

// SetFlags sets the MAPI properties outlook.Flags reads back as flags:
// \Seen read, \Draft unsent, \Flagged follow-up flag, \Answered last verb
// reply (icon replied), $Forwarded last verb forward (icon forwarded, or
// replied when both).
func SetFlags(it *outlook.Item, flags []imap.Flag) {
	answered := false
	for _, f := range flags {
		switch strings.ToLower(string(f)) {
		case `\seen`:
			it.MessageFlags |= outlook.MsgFlagRead
		case `\draft`:
			it.MessageFlags |= outlook.MsgFlagUnsent
		case `\flagged`:
			it.FlagStatus = outlook.FlagStatusFlagged
		case `\answered`:
			answered = true
			it.LastVerbExecuted, it.IconIndex = outlook.VerbReplyToSender, outlook.IconReplied
		}
	}
	for _, f := range flags {
		if strings.EqualFold(string(f), string(imap.FlagForwarded)) {
			it.LastVerbExecuted = outlook.VerbForward
			if !answered {
				it.IconIndex = outlook.IconForwarded
			}
		}
	}
}

// Canonical is the form in which a message rebuilt from properties must
// equal its original: the header fields in order (names lower case,
// unfolded, CRLF or LF alike), without Content-Type,
// Content-Transfer-Encoding and MIME-Version, which the rebuild replaces;
// then every leaf part: text and HTML bodies decoded to UTF-8 with LF line
// ends, attachments by type, name, Content-ID, length and SHA-256, and
// embedded messages by their own canonical form. The multipart structure
// itself (boundaries, nesting, transfer encodings, charsets) is not part
// of it.
func Canonical(raw []byte) (string, error) {
	return canonical(raw, 0)
}

func canonical(raw []byte, depth int) (string, error) {
	if depth > 8 {
		return "", errors.New("outlooktest: embedded messages nested too deep")
	}
	_, parts, err := Parts(raw)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, f := range headerFields(headerBlock(raw)) {
		b.WriteString(f + "\n")
	}
	for _, p := range parts {
		switch {
		case p.Type == "message/rfc822":
			c, err := canonical(p.Body, depth+1)
			if err != nil {
				return "", err
			}
			fmt.Fprintf(&b, "--- message/rfc822 name=%q\n%s--- end\n", p.Filename, c)
		case !p.Attachment:
			fmt.Fprintf(&b, "--- %s\n%s\n", p.Type, toLF(p.Body))
		default:
			s := sha256.Sum256(p.Body)
			fmt.Fprintf(&b, "--- attachment %s name=%q cid=%q len=%d sha256=%s\n", p.Type, p.Filename, p.CID, len(p.Body), hex.EncodeToString(s[:]))
		}
	}
	return b.String(), nil
}

// headerBlock returns raw's header, up to and including the empty line
// (or all of raw when there is none).
func headerBlock(raw []byte) []byte {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\n' {
			continue
		}
		rest := raw[i+1:]
		if bytes.HasPrefix(rest, []byte("\n")) {
			return raw[:i+2]
		}
		if bytes.HasPrefix(rest, []byte("\r\n")) {
			return raw[:i+3]
		}
	}
	if bytes.HasPrefix(raw, []byte("\n")) || bytes.HasPrefix(raw, []byte("\r\n")) {
		return nil
	}
	return raw
}

var rebuilt = map[string]bool{"content-type": true, "content-transfer-encoding": true, "mime-version": true}

// headerFields unfolds a header block into "name: value" lines.
func headerFields(hdr []byte) []string {
	var out []string
	for _, l := range strings.Split(string(toLF(hdr)), "\n") {
		switch {
		case l == "":
		case l[0] == ' ' || l[0] == '\t':
			if len(out) > 0 {
				out[len(out)-1] += " " + strings.TrimSpace(l)
			}
		default:
			name, val, ok := strings.Cut(l, ":")
			if !ok || strings.ContainsAny(name, " \t") {
				continue // not a field (Exchange's "Microsoft Mail Internet Headers Version 2.0")
			}
			out = append(out, strings.ToLower(name)+": "+strings.TrimSpace(val))
		}
	}
	kept := out[:0]
	for _, f := range out {
		name, _, _ := strings.Cut(f, ":")
		if !rebuilt[name] {
			kept = append(kept, f)
		}
	}
	return kept
}

func toLF(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")) }

func toCRLF(b []byte) []byte { return bytes.ReplaceAll(toLF(b), []byte("\n"), []byte("\r\n")) }

// Want returns the corpus as an Outlook store must yield it: each message
// as outlook.Build writes the item FromMIME and SetFlags make of it, with
// the corpus date as delivery time.
func Want(t testing.TB, c importertest.Corpus) (importertest.Corpus, []*outlook.Item) {
	t.Helper()
	want := make(importertest.Corpus, len(c))
	items := make([]*outlook.Item, len(c))
	for i, x := range c {
		it, err := FromMIME(x.Raw)
		if err != nil {
			t.Fatalf("%s: FromMIME: %v", x.File, err)
		}
		SetFlags(it, x.Flags)
		it.DeliveryTime, it.CreationTime = x.Date.UTC(), x.Date.UTC()
		var buf bytes.Buffer
		if err := outlook.Build(&buf, it); err != nil {
			t.Fatalf("%s: Build: %v", x.File, err)
		}
		want[i] = x
		want[i].Raw = buf.Bytes()
		items[i] = it
	}
	return want, items
}

// CheckCanonical reads every message of src and checks, folder by
// folder, that it equals a corpus message in canonical form (as a
// multiset), so that the store's messages are the corpus, not only what
// the builder makes of it. mapF maps corpus folders as importertest.Opt's
// MapFolder does (nil: as is).
func CheckCanonical(t *testing.T, src importers.Source, c importertest.Corpus, mapF func(importers.Folder) importers.Folder) {
	t.Helper()
	if mapF == nil {
		mapF = func(f importers.Folder) importers.Folder { return f }
	}
	key := func(f importers.Folder, raw []byte, what string) string {
		s, err := Canonical(raw)
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		k := f.String()
		if f.IsInbox() {
			k = "INBOX"
		}
		return k + "\x00" + s
	}
	pool := map[string]int{}
	for _, x := range c {
		pool[key(mapF(x.Folder), x.Raw, x.File)]++
	}
	got := importertest.ReadAll(t, src)
	for _, g := range got {
		k := key(g.Folder, g.Raw, g.Ref)
		if pool[k] == 0 {
			t.Errorf("%s in %s: no corpus message with this content:\n%s", g.Ref, g.Folder, g.Raw)
			continue
		}
		pool[k]--
	}
	if len(got) != len(c) {
		t.Errorf("read %d messages, corpus has %d", len(got), len(c))
	}
}

// CheckMessage checks that raw, the message outlook.Build wrote for it,
// parses cleanly with go-message (every part walked and decoded) and
// keeps every attachment of it: each attachment by value is a part with
// its file name and exactly its bytes, each embedded message a
// message/rfc822 part (checked recursively against the embedded item),
// and no other attachment part exists except the RTF body ("body.rtf",
// "body.rtf.lzfu") of an item with compressed RTF. S/MIME items are only
// parsed: their MIME is kept as it was signed. It returns the number of
// attachments checked, embedded messages and theirs included.
func CheckMessage(raw []byte, it *outlook.Item) (int, error) {
	return checkMessage(raw, it, 0)
}

func checkMessage(raw []byte, it *outlook.Item, depth int) (int, error) {
	if depth > outlook.MaxEmbedDepth {
		return 0, errors.New("embedded messages nested too deep")
	}
	_, parts, err := Parts(raw)
	if err != nil {
		return 0, err
	}
	c := strings.ToLower(strings.TrimSpace(it.MessageClass))
	if c == "ipm.note.smime" || strings.HasPrefix(c, "ipm.note.smime.") {
		return 0, nil
	}
	used := make([]bool, len(parts))
	var rfc822 []int
	for i, p := range parts {
		if p.Type == "message/rfc822" {
			rfc822 = append(rfc822, i)
		}
	}
	n, ei := 0, 0
	for k := range it.Attachments {
		a := &it.Attachments[k]
		name := strings.TrimSpace(a.Filename)
		if a.Embedded != nil && (a.Method == 5 || a.Open == nil) {
			if ei >= len(rfc822) {
				return n, fmt.Errorf("embedded message %q: no message/rfc822 part", name)
			}
			i := rfc822[ei]
			ei++
			used[i] = true
			m, err := checkMessage(parts[i].Body, a.Embedded, depth+1)
			if err != nil {
				return n, fmt.Errorf("embedded message %q: %w", name, err)
			}
			n += 1 + m
			continue
		}
		var data []byte
		if a.Open != nil {
			rc, err := a.Open()
			if err != nil {
				return n, fmt.Errorf("attachment %q: %w", name, err)
			}
			data, err = io.ReadAll(rc)
			rc.Close()
			if err != nil {
				return n, fmt.Errorf("attachment %q: %w", name, err)
			}
		}
		found := false
		for i, p := range parts {
			if !used[i] && p.Type != "message/rfc822" && (name == "" || p.Filename == name) && bytes.Equal(p.Body, data) {
				used[i], found = true, true
				break
			}
		}
		if !found {
			return n, fmt.Errorf("attachment %q (%d bytes): no part with this name and these bytes", name, len(data))
		}
		n++
	}
	for i, p := range parts {
		if used[i] || !(p.Attachment || p.Type == "message/rfc822") {
			continue
		}
		if len(it.RTFCompressed) > 0 && (p.Filename == "body.rtf" || p.Filename == "body.rtf.lzfu") {
			continue
		}
		return n, fmt.Errorf("part %d (%s %q) is no attachment of the item", i, p.Type, p.Filename)
	}
	return n, nil
}
