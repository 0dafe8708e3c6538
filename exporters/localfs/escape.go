package localfs

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// MaxComponent is the longest file-name component the exporters write, in
// bytes. File systems allow 255; the margin leaves room for the suffixes
// the exporters add (".sbd", mbox journal names, eml collision counters).
const MaxComponent = 200

// SuffixMarker starts the hash suffix of a shortened or disambiguated name.
const SuffixMarker = "%~"

// emptyElement stands for the empty folder element.
const emptyElement = "%"

func isWindowsForbidden(r rune) bool { return strings.ContainsRune(`<>:"/\|?*`, r) }

// escapeRune reports whether a valid rune must be escaped (apart from its
// position).
func escapeRune(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || r == '%':
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides and isolates
		return true
	}
	return isWindowsForbidden(r)
}

// Escape returns the file-name component for one folder element (see the
// package documentation). reservedSuffixes (".sbd", ".msf") are matched
// case-insensitively at the end of the element; their dot is escaped. The
// result may be longer than MaxComponent; use Component to cap it.
func Escape(elem string, reservedSuffixes ...string) string {
	if elem == "" {
		return emptyElement
	}
	escAt := map[int]bool{}
	if elem[0] == '.' {
		escAt[0] = true
	}
	if last := elem[len(elem)-1]; last == '.' || last == ' ' {
		escAt[len(elem)-1] = true
	}
	for _, suf := range reservedSuffixes {
		if len(elem) >= len(suf) && strings.EqualFold(elem[len(elem)-len(suf):], suf) && strings.HasPrefix(suf, ".") {
			escAt[len(elem)-len(suf)] = true
		}
	}
	if isWindowsDevice(elem) {
		escAt[0] = true
	}
	var b strings.Builder
	for i := 0; i < len(elem); {
		r, n := utf8.DecodeRuneInString(elem[i:])
		if escAt[i] || (r == utf8.RuneError && n <= 1) || escapeRune(r) {
			for k := 0; k < n; k++ {
				fmt.Fprintf(&b, "%%%02X", elem[i+k])
			}
		} else {
			b.WriteString(elem[i : i+n])
		}
		i += n
	}
	return b.String()
}

// isWindowsDevice reports whether name's base (before the first dot,
// without trailing spaces) is a Windows device name.
func isWindowsDevice(name string) bool {
	base, _, _ := strings.Cut(name, ".")
	base = strings.ToUpper(strings.TrimRight(base, " "))
	switch base {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(base) == 4 && (strings.HasPrefix(base, "COM") || strings.HasPrefix(base, "LPT")) && base[3] >= '0' && base[3] <= '9' {
		return true
	}
	// COM¹ COM² COM³ LPT¹ LPT² LPT³ are reserved too.
	for _, p := range []string{"COM", "LPT"} {
		for _, s := range []string{"¹", "²", "³"} {
			if base == p+s {
				return true
			}
		}
	}
	return false
}

// Unescape reverses Escape: "%XX" becomes the byte, a trailing hash suffix
// ("%~" and 8 hex digits) is dropped, the lone "%" is the empty element,
// and a '%' that starts neither stands for itself.
func Unescape(s string) string {
	if s == emptyElement {
		return ""
	}
	s = stripSuffix(s, SuffixMarker)
	if !strings.Contains(s, "%") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// stripSuffix removes a trailing marker+8 lower-case hex digits.
func stripSuffix(s, marker string) string {
	n := len(marker) + 8
	if len(s) < n || s[len(s)-n:len(s)-8] != marker {
		return s
	}
	for _, c := range []byte(s[len(s)-8:]) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return s
		}
	}
	return s[:len(s)-n]
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

// Hash8 is the 8 hex digits of the suffix for attempt n of elem.
func Hash8(elem string, n int) string {
	h := sha256.New()
	h.Write([]byte(elem))
	var b [9]byte
	b[0] = 0
	binary.BigEndian.PutUint64(b[1:], uint64(n))
	h.Write(b[:])
	return fmt.Sprintf("%x", h.Sum(nil)[:4])
}

// Encoder is a one-element name encoding (Escape, or Maildir++'s) with
// the marker of its hash suffix.
type Encoder struct {
	Encode func(elem string) string
	Marker string
}

// Component returns attempt n of the name for elem, at most max bytes:
// attempt 0 is Encode(elem) when it fits; otherwise, and for every n > 0,
// the longest encoded prefix of elem (whole characters) that leaves room
// for Marker plus Hash8(elem, n). The result is deterministic, so a later
// run finds the same names again.
func (e Encoder) Component(elem string, max, n int) string {
	full := e.Encode(elem)
	if n == 0 && len(full) <= max {
		return full
	}
	suffix := e.Marker + Hash8(elem, n)
	room := max - len(suffix)
	if room < 0 {
		return suffix[:max]
	}
	if len(full) <= room {
		return full + suffix
	}
	// Binary search the longest rune prefix whose encoding fits; the
	// encoded length grows with the prefix.
	idx := runeStarts(elem)
	k := sort.Search(len(idx), func(i int) bool { return len(e.Encode(elem[:idx[i]])) > room })
	// idx[k-1] is the longest prefix that fits (idx[0] == 0 always fits
	// unless room is tiny).
	if k == 0 {
		return suffix
	}
	return e.Encode(elem[:idx[k-1]]) + suffix
}

// runeStarts returns the byte offsets 0, and the end of each rune of s
// except the last (the prefixes to try).
func runeStarts(s string) []int {
	out := []int{0}
	for i := 0; i < len(s); {
		_, n := utf8.DecodeRuneInString(s[i:])
		i += n
		if i < len(s) {
			out = append(out, i)
		}
	}
	return out
}

// EscapeEncoder is Escape with its suffix marker; the reserved suffixes
// are passed to Escape.
func EscapeEncoder(reservedSuffixes ...string) Encoder {
	return Encoder{Encode: func(s string) string { return Escape(s, reservedSuffixes...) }, Marker: SuffixMarker}
}
