package maildir

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/mailferry/mailferry/importers"
)

// EscapeChar starts a "\NN" escape in a folder element (Dovecot's
// listescape plugin convention, with its default escape character).
const EscapeChar = '\\'

// SuffixMarker starts the hash suffix ("\~" and 8 hex digits) that the
// exporter appends to an element that is too long for a directory name, or
// that would collide with another folder's name on a case-insensitive file
// system. DecodeElement drops it (Dovecot shows it as part of the name).
const SuffixMarker = `\~`

// emptyElement is how an empty folder element (which IMAP servers do not
// allow, but a source may still produce) is written. EncodeElement never
// produces a lone escape character otherwise.
const emptyElement = `\`

// EncodeElement returns the on-disk form of one folder element, as Dovecot
// writes it in a Maildir++ tree with the listescape plugin:
//
//   - ".", "/" and "\" anywhere, and "~" at the start, become "\NN" (two
//     lower-case hex digits of the byte), Dovecot's listescape convention;
//     bytes that are not valid UTF-8 are escaped the same way, so any byte
//     string round-trips;
//   - with windows set, also the characters Windows (SMB, NTFS) forbids in
//     file names, <>:"|?*, and a trailing space are escaped;
//   - then the name is modified UTF-7 (RFC 3501 5.1.3), as Dovecot and
//     Courier store non-ASCII folder names: "仕事" is "&TtVOiw-". Control
//     characters and NUL end up inside a base64 run.
//   - the empty element is a lone "\".
//
// Dovecot without listescape shows an escaped name literally ("a\2eb"), which
// is still a distinct, safe folder.
func EncodeElement(elem string, windows bool) string {
	if elem == "" {
		return emptyElement
	}
	var b strings.Builder
	for i := 0; i < len(elem); {
		r, n := utf8.DecodeRuneInString(elem[i:])
		esc := false
		switch {
		case r == utf8.RuneError && n <= 1:
			esc = true
		case r == '.' || r == '/' || r == EscapeChar:
			esc = true
		case r == '~' && i == 0:
			esc = true
		case windows && strings.ContainsRune(`<>:"|?*`, r):
			esc = true
		case windows && r == ' ' && i+n == len(elem):
			esc = true
		}
		if esc {
			for k := 0; k < n; k++ {
				fmt.Fprintf(&b, "%c%02x", EscapeChar, elem[i+k])
			}
		} else {
			b.WriteString(elem[i : i+n])
		}
		i += n
	}
	return EncodeMUTF7(b.String())
}

// DecodeElement reverses EncodeElement, dropping a trailing hash suffix
// (see SuffixMarker). It accepts what other software
// writes too: a name with 8-bit bytes is taken as UTF-8 (Dovecot's UTF-8
// option), a name that is not valid modified UTF-7 is taken as it is, and a
// "\" not followed by two hex digits stands for itself.
func DecodeElement(s string) string {
	s = stripSuffix(s)
	if s == emptyElement {
		return ""
	}
	name := s
	if isASCII(s) {
		if d, err := DecodeMUTF7(s); err == nil {
			name = d
		}
	}
	if !strings.ContainsRune(name, EscapeChar) {
		return name
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		if name[i] == EscapeChar && i+2 < len(name) && isHex(name[i+1]) && isHex(name[i+2]) {
			b.WriteByte(unhex(name[i+1])<<4 | unhex(name[i+2]))
			i += 2
			continue
		}
		b.WriteByte(name[i])
	}
	return b.String()
}

func stripSuffix(s string) string {
	n := len(SuffixMarker) + 8
	if len(s) < n || s[len(s)-n:len(s)-8] != SuffixMarker {
		return s
	}
	for _, c := range []byte(s[len(s)-8:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return s
		}
	}
	return s[:len(s)-n]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// PlusDirName returns the Maildir++ directory name of a folder: "" for the
// inbox (the root Maildir), ".A.B" for Folder{"A", "B"}, with each element
// encoded by EncodeElement. Folder{"INBOX", "X"} is ".INBOX.X", as Dovecot
// stores children of the inbox.
func PlusDirName(f importers.Folder, windows bool) string {
	if len(f) == 0 || f.IsInbox() {
		return ""
	}
	var b strings.Builder
	for _, e := range f {
		b.WriteByte('.')
		b.WriteString(EncodeElement(e, windows))
	}
	return b.String()
}

// ParsePlusDirName returns the folder of a Maildir++ directory name
// (".A.B" → Folder{"A", "B"}). ok is false for a name that is not a
// Maildir++ folder (no leading dot, ".", "..").
func ParsePlusDirName(name string) (f importers.Folder, ok bool) {
	if len(name) < 2 || name[0] != '.' || name == ".." {
		return nil, false
	}
	for _, e := range strings.Split(name[1:], ".") {
		f = append(f, DecodeElement(e))
	}
	return f, true
}
