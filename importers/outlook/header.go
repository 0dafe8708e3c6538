package outlook

import (
	"mime"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Header fields: the original transport header block, kept verbatim, and
// the fields synthesized from MAPI properties.

// field is one header field as it will be written: its name and its raw
// lines (the first holds "Name: value", the others are continuation lines
// starting with white space), without line endings.
type field struct {
	name  string
	lines []string
}

// replacedFields are the transport header fields Build drops because the
// rebuilt MIME structure writes its own.
var replacedFields = map[string]bool{
	"content-type":              true,
	"content-transfer-encoding": true,
	"mime-version":              true,
}

// parseTransportHeaders splits PR_TRANSPORT_MESSAGE_HEADERS into fields,
// keeping each field's lines as they were (folding included). It stops at
// the first empty line after a field. Lines that are neither a field nor a
// continuation are folded into the field before them (or dropped before
// the first field), so the block stays parseable without losing text.
func parseTransportHeaders(s string) []field {
	var out []field
	s = strings.ReplaceAll(s, "\x00", "")
	for len(s) > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		line = strings.TrimRight(line, "\r")
		// A bare CR inside a line would end it for some parsers.
		line = strings.ReplaceAll(line, "\r", " ")
		switch {
		case strings.TrimSpace(line) == "":
			if len(out) > 0 {
				return out
			}
			// QUIRK: some stores keep a leading empty line.
		case line[0] == ' ' || line[0] == '\t':
			if len(out) > 0 {
				f := &out[len(out)-1]
				f.lines = append(f.lines, line)
			}
		default:
			if name, ok := fieldName(line); ok {
				out = append(out, field{name: name, lines: []string{line}})
				continue
			}
			// QUIRK: Exchange starts the block with "Microsoft Mail
			// Internet Headers Version 2.0"; mbox-style "From " lines
			// occur too. Neither is a field.
			if len(out) > 0 {
				f := &out[len(out)-1]
				f.lines = append(f.lines, " "+line)
			}
		}
	}
	return out
}

// fieldName returns the name of a "Name: value" line. Spaces between the
// name and the colon are tolerated (RFC 5322 obs-optional).
func fieldName(line string) (string, bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", false
	}
	name := strings.TrimRight(line[:i], " \t")
	if name == "" {
		return "", false
	}
	for j := 0; j < len(name); j++ {
		if c := name[j]; c < 33 || c > 126 {
			return "", false
		}
	}
	return name, true
}

// value returns a field's unfolded value.
func (f field) value() string {
	var b strings.Builder
	for i, l := range f.lines {
		if i == 0 {
			l = l[strings.IndexByte(l, ':')+1:]
		}
		b.WriteString(l)
	}
	return strings.TrimSpace(b.String())
}

// sanitize makes s safe inside a header field: control characters
// (CR and LF included) become spaces, NULs vanish, invalid UTF-8 becomes
// U+FFFD.
func sanitize(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r == 0:
			return -1
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == '\u2028' || r == '\u2029':
			return ' '
		}
		return r
	}, s)
}

// fold builds a field "Name: value", breaking long lines before spaces
// (RFC 5322 2.2.3) so that they stay under 78 characters where possible.
// Unfolding gives value back exactly. value must already be sanitized and
// encoded.
func fold(name, value string) field {
	const width = 76
	f := field{name: name}
	line := name + ": "
	rest := value
	for len(line)+len(rest) > width {
		cut := -1
		for i := min(width-len(line), len(rest)-1); i > 0; i-- {
			if rest[i] == ' ' && rest[i-1] != ' ' {
				cut = i
				break
			}
		}
		if cut < 0 {
			for i := max(1, width-len(line)); i < len(rest); i++ {
				if rest[i] == ' ' && rest[i-1] != ' ' {
					cut = i
					break
				}
			}
		}
		if cut < 0 {
			break
		}
		f.lines = append(f.lines, line+rest[:cut])
		line, rest = "", rest[cut:]
	}
	f.lines = append(f.lines, line+rest)
	return f
}

// encodeText encodes an unstructured value (Subject) as RFC 2047 encoded
// words in UTF-8 when it is not plain ASCII.
func encodeText(s string) string {
	s = sanitize(s)
	if isASCIIString(s) {
		return s
	}
	return mime.BEncoding.Encode("utf-8", s)
}

func isASCIIString(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// encodePhrase encodes a display name: atoms as they are, other ASCII as
// a quoted string, non-ASCII as RFC 2047 encoded words.
func encodePhrase(s string) string {
	s = strings.TrimSpace(sanitize(s))
	if !isASCIIString(s) {
		return mime.BEncoding.Encode("utf-8", s)
	}
	atoms := true
	for i := 0; i < len(s); i++ {
		if !isAtext(s[i]) && s[i] != ' ' {
			atoms = false
			break
		}
	}
	if atoms && !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

func isAtext(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// cleanAddr returns a usable addr-spec, or "" when a is not one (an
// Exchange X.500 address, an empty one).
func cleanAddr(a string) string {
	a = strings.TrimSpace(sanitize(a))
	a = strings.TrimPrefix(a, "SMTP:")
	a = strings.TrimPrefix(a, "smtp:")
	if strings.HasPrefix(a, "<") && strings.HasSuffix(a, ">") {
		a = a[1 : len(a)-1]
	}
	if a == "" || strings.ContainsAny(a, " \t<>") {
		return ""
	}
	if _, err := mail.ParseAddress("<" + a + ">"); err != nil {
		return ""
	}
	return a
}

// formatAddress formats one address. Without a usable e-mail address the
// display name (or the unusable address, such as an Exchange X.500 DN) is
// kept as an empty group "Name:;" (RFC 5322 3.4), which parsers accept.
func formatAddress(a Address) string {
	addr := cleanAddr(a.Address)
	name := strings.TrimSpace(sanitize(a.Name))
	if addr != "" {
		if name == "" || strings.EqualFold(name, addr) || strings.EqualFold(strings.Trim(name, "'\""), addr) {
			return "<" + addr + ">"
		}
		return encodePhrase(name) + " <" + addr + ">"
	}
	if name == "" {
		name = strings.TrimSpace(sanitize(a.Address))
	}
	if name == "" {
		return ""
	}
	return encodePhrase(name) + ":;"
}

// addressField builds an address list field, or ok=false when no address
// is left.
func addressField(name string, as []Address) (field, bool) {
	var parts []string
	for _, a := range as {
		if s := formatAddress(a); s != "" {
			parts = append(parts, s)
		}
	}
	if len(parts) == 0 {
		return field{}, false
	}
	return fold(name, strings.Join(parts, ", ")), true
}

// displayAddresses turns PR_DISPLAY_TO-style "Name One; Name Two" into
// addresses without e-mail addresses.
func displayAddresses(s string) []Address {
	var out []Address
	for _, n := range strings.Split(s, ";") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, Address{Name: n})
		}
	}
	return out
}

// msgID formats a Message-ID-like value: trimmed, and in angle brackets.
func msgID(s string) string {
	s = strings.TrimSpace(sanitize(s))
	if s == "" {
		return ""
	}
	if !strings.HasPrefix(s, "<") {
		s = "<" + s
	}
	if !strings.HasSuffix(s, ">") {
		s += ">"
	}
	return s
}

// msgIDList formats In-Reply-To and References: ids separated by spaces.
func msgIDList(s string) string {
	var ids []string
	for _, id := range strings.Fields(sanitize(s)) {
		ids = append(ids, msgID(id))
	}
	return strings.Join(ids, " ")
}

const dateLayout = "Mon, 02 Jan 2006 15:04:05 -0700"

func formatDate(t time.Time) string { return t.UTC().Format(dateLayout) }

// synthesize builds the header of an item that has no transport headers.
func synthesize(it *Item) []field {
	var fs []field
	from := it.From
	if from.Address == "" && from.Name == "" {
		from = it.Sender
	}
	if f, ok := addressField("From", []Address{from}); ok {
		fs = append(fs, f)
	}
	if s := cleanAddr(it.Sender.Address); s != "" && !strings.EqualFold(s, cleanAddr(from.Address)) {
		if f, ok := addressField("Sender", []Address{it.Sender}); ok {
			fs = append(fs, f)
		}
	}
	to, cc := it.To, it.Cc
	if len(to) == 0 && len(cc) == 0 && len(it.Bcc) == 0 {
		to, cc = displayAddresses(it.DisplayTo), displayAddresses(it.DisplayCc)
	}
	for _, l := range []struct {
		name string
		as   []Address
	}{{"To", to}, {"Cc", cc}, {"Bcc", it.Bcc}} {
		if f, ok := addressField(l.name, l.as); ok {
			fs = append(fs, f)
		}
	}
	if it.Subject != "" {
		fs = append(fs, fold("Subject", encodeText(CleanSubject(it.Subject))))
	}
	if d := headerDate(it); !d.IsZero() {
		fs = append(fs, fold("Date", formatDate(d)))
	}
	if id := msgID(it.MessageID); id != "" {
		fs = append(fs, fold("Message-ID", id))
	}
	if ids := msgIDList(it.InReplyTo); ids != "" {
		fs = append(fs, fold("In-Reply-To", ids))
	}
	if ids := msgIDList(it.References); ids != "" {
		fs = append(fs, fold("References", ids))
	}
	return fs
}

// headerFields returns the header of an item (without MIME fields) and
// the original top-level Content-Type, if the transport headers had one.
//
// With transport headers, their fields are kept in order and verbatim
// except the replaced MIME ones; From, Date, Subject and Message-ID are
// added from the properties when the block lacks them (it is sometimes
// truncated).
func headerFields(it *Item) (fs []field, origType string) {
	if strings.TrimSpace(it.TransportHeaders) == "" {
		return synthesize(it), ""
	}
	have := map[string]bool{}
	for _, f := range parseTransportHeaders(it.TransportHeaders) {
		k := strings.ToLower(f.name)
		have[k] = true
		if replacedFields[k] {
			if k == "content-type" && origType == "" {
				origType = f.value()
			}
			continue
		}
		fs = append(fs, f)
	}
	if len(have) == 0 {
		return synthesize(it), ""
	}
	for _, f := range synthesize(it) {
		switch k := strings.ToLower(f.name); k {
		case "from", "date", "subject", "message-id":
			if !have[k] {
				fs = append(fs, f)
			}
		}
	}
	return fs, origType
}

// fieldsAre8bit reports whether any field has bytes above 0x7f.
func fieldsAre8bit(fs []field) bool {
	for _, f := range fs {
		for _, l := range f.lines {
			if !isASCIIString(l) {
				return true
			}
		}
	}
	return false
}

// paramValue encodes a MIME parameter (RFC 2045 token or quoted string,
// RFC 2231 for non-ASCII, with continuations for long values). It returns
// the "name=value" pieces to join with "; ".
func paramValue(name, v string) []string {
	v = sanitize(v)
	if isASCIIString(v) && len(v) <= 900 {
		if isToken(v) {
			return []string{name + "=" + v}
		}
		return []string{name + "=" + quote(v)}
	}
	// RFC 2231: name*=utf-8''%xx..., split into name*0*, name*1*, ...
	// between characters so that each piece stays short.
	var segs []string
	var cur strings.Builder
	cur.WriteString("utf-8''")
	for _, r := range v {
		var enc string
		if r < 0x80 && isAttrChar(byte(r)) {
			enc = string(r)
		} else {
			var buf [utf8.UTFMax]byte
			n := utf8.EncodeRune(buf[:], r)
			for _, c := range buf[:n] {
				enc += "%" + strings.ToUpper(hexByte(c))
			}
		}
		if cur.Len()+len(enc) > 60 && cur.Len() > 0 && cur.String() != "utf-8''" {
			segs = append(segs, cur.String())
			cur.Reset()
		}
		cur.WriteString(enc)
	}
	segs = append(segs, cur.String())
	if len(segs) == 1 {
		return []string{name + "*=" + segs[0]}
	}
	out := make([]string, len(segs))
	for i, s := range segs {
		out[i] = name + "*" + itoa(i) + "*=" + s
	}
	return out
}

func hexByte(c byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[c>>4], h[c&15]})
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// isAttrChar: RFC 2231 attribute-char (token chars except * ' %).
func isAttrChar(c byte) bool {
	return isTokenChar(c) && c != '*' && c != '\'' && c != '%'
}

func isTokenChar(c byte) bool {
	return c > 0x20 && c < 0x7f && !strings.ContainsRune("()<>@,;:\\\"/[]?=", rune(c))
}

func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}
